#!/bin/bash
# Renders a `colan report` page in a real headless browser (Chromium from Debian's packages) to PNG,
# light and dark, to look at what a reader sees:
#   scripts/render-report.sh REPORT.html OUT-PREFIX      # writes OUT-PREFIX-light.png and OUT-PREFIX-dark.png
# Installs chromium with apt-get when absent. Not part of make test (a browser is large).
set -euo pipefail
page=$(realpath "$1")
prefix=$2
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
for scheme in light dark; do
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,3600 \
    --force-prefers-color-scheme="$scheme" --blink-settings=preferredColorScheme=$([ "$scheme" = dark ] && echo 0 || echo 1) \
    --screenshot="$prefix-$scheme.png" "file://$page" 2>/dev/null
  echo "wrote $prefix-$scheme.png"
done
# And as print (PDF), as a reader mailing it on would.
chromium --headless --no-sandbox --disable-gpu --print-to-pdf="$prefix.pdf" --no-pdf-header-footer "file://$page" 2>/dev/null
echo "wrote $prefix.pdf"
