#!/usr/bin/env bash
# Renders a `newswatch report` page to a PNG with headless Chromium, to see how it looks.
# Installs nothing: it uses $CHROMIUM, or /usr/bin/chromium (Debian: apt-get install
# chromium), or chromium-browser / google-chrome. The page loads nothing from the network;
# Chromium's own background traffic is switched off too.
#
#   scripts/render-report.sh REPORT.html [OUT.png] [WIDTH,HEIGHT]    # default 1200,1600
#   DARK=1 scripts/render-report.sh …                                # prefers-color-scheme: dark
set -euo pipefail

html=${1:?usage: scripts/render-report.sh REPORT.html [OUT.png] [WIDTH,HEIGHT]}
out=${2:-${html%.html}.png}
size=${3:-1200,1600}
[ -f "$html" ] || { echo "no such file: $html" >&2; exit 2; }

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
  for c in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
    if [ -x "$c" ]; then browser=$c; break; fi
  done
fi
if [ -z "$browser" ]; then
  echo "no Chromium found: install it (Debian: apt-get install chromium) or set CHROMIUM" >&2
  exit 2
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
page=$(realpath "$html")
png=$(realpath -m "$out")
extra=()
if [ -n "${DARK:-}" ]; then extra+=(--force-dark-mode); fi

"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$profile" --window-size="$size" \
  --screenshot="$png" "${extra[@]}" "file://$page" 2>"$profile/chromium.log" || {
  cat "$profile/chromium.log" >&2
  exit 1
}
[ -s "$png" ] || { echo "Chromium wrote no screenshot" >&2; cat "$profile/chromium.log" >&2; exit 1; }
echo "wrote $png"
