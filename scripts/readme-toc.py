#!/usr/bin/env python3
"""Regenerate README.md's table of contents (between <!-- toc --> and <!-- /toc -->)
from its ## and ### headings, with GitHub's anchors. Run from the repository root."""
import re

def anchor(title, seen):
    a = title.strip().lower()
    a = re.sub(r"[^\w\- ]", "", a)
    a = a.replace(" ", "-")
    n = seen.get(a, 0)
    seen[a] = n + 1
    return a if n == 0 else f"{a}-{n}"

text = open("README.md", encoding="utf-8").read()
lines, fence, seen = [], False, {}
for line in text.splitlines():
    if line.startswith("```"):
        fence = not fence
        continue
    m = None if fence else re.match(r"^(#{2,3}) (.+)$", line)
    if not m:
        continue
    title = m.group(2)
    a = anchor(re.sub(r"`", "", title), seen)
    if title == "Contents":
        continue
    indent = "  " if m.group(1) == "###" else ""
    lines.append(f"{indent}- [{title}](#{a})")
toc = "<!-- toc -->\n" + "\n".join(lines) + "\n<!-- /toc -->"
text = re.sub(r"<!-- toc -->.*?<!-- /toc -->", lambda _: toc, text, flags=re.S)
open("README.md", "w", encoding="utf-8").write(text)
