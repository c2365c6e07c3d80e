#!/usr/bin/env bash
# Renders the crawl report of the demo crawl and screenshots it with headless Chromium
# (Debian package "chromium": apt-get install -y chromium) into docs/report.png.
#
#   scripts/report-screenshot.sh            # from the repository root
#
# Steps: crawl the bundled sample site (crawl demo --overwrite, so that a rerun draws the
# same picture) into out/demo.jsonl with its errors file, print the report table, write
# out/report.html, and take a screenshot of its first 1200×HEIGHT pixels (HEIGHT:
# $REPORT_SCREENSHOT_HEIGHT, default 1100, which holds the whole demo report).
set -euo pipefail
cd "$(dirname "$0")/.."

chrome=""
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" >/dev/null 2>&1; then chrome=$c; break; fi
done
if [ -z "$chrome" ]; then
	echo "report-screenshot: no chromium found (Debian: apt-get install -y chromium)" >&2
	exit 1
fi

mkdir -p out docs
CRAWL_OUTPUT_ERRORS_PATH=out/demo-errors.jsonl go run ./cmd/crawl demo --overwrite --out out/demo.jsonl
go run ./cmd/crawl report out/demo.jsonl --errors out/demo-errors.jsonl --html out/report.html

# The word-count histogram of the picture shows more than 3 non-empty bars (each bar's
# tooltip is "<range> words: <count>").
bars=$(grep -o '<title>[^<]* words: [1-9][0-9]*</title>' out/report.html | wc -l)
if [ "$bars" -le 3 ]; then
	echo "report-screenshot: the word-count histogram has $bars non-empty bars, want more than 3" >&2
	exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--hide-scrollbars --user-data-dir="$profile" \
	--screenshot="$PWD/docs/report.png" --window-size=1200,"${REPORT_SCREENSHOT_HEIGHT:-1100}" \
	"file://$PWD/out/report.html" 2>/dev/null
test -s docs/report.png
echo "screenshot: docs/report.png ($bars non-empty histogram bars)"
