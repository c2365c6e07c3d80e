#!/usr/bin/env bash
# Renders the crawl report of the demo crawl and screenshots it with headless Chromium
# (Debian package "chromium": apt-get install -y chromium) into docs/report.png.
#
#   scripts/report-screenshot.sh            # from the repository root
#
# Steps: crawl the bundled sample site (crawl demo) into out/demo.jsonl with its errors
# file, print the report table, write out/report.html, and take a 1200×1600 screenshot.
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
CRAWL_OUTPUT_ERRORS_PATH=out/demo-errors.jsonl go run ./cmd/crawl demo --out out/demo.jsonl
go run ./cmd/crawl report out/demo.jsonl --errors out/demo-errors.jsonl --html out/report.html

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--hide-scrollbars --user-data-dir="$profile" \
	--screenshot="$PWD/docs/report.png" --window-size=1200,1600 \
	"file://$PWD/out/report.html" 2>/dev/null
test -s docs/report.png
echo "screenshot: docs/report.png"
