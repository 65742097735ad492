#!/usr/bin/env bash
# Make sure a Chromium that Playwright can drive is here: $CHROMIUM, Debian's /usr/bin/chromium,
# or another Chromium/Chrome on the PATH. When none is, install Debian's `chromium` package if we
# may (root, or sudo without a password). Playwright's own download is not used.
set -euo pipefail

for candidate in "${CHROMIUM:-}" /usr/bin/chromium "$(command -v chromium 2>/dev/null || true)" \
                 "$(command -v chromium-browser 2>/dev/null || true)" "$(command -v google-chrome 2>/dev/null || true)" \
                 "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" \
                 "/Applications/Chromium.app/Contents/MacOS/Chromium"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "No Chromium found. Install Chromium or Chrome and set CHROMIUM=/path/to/it, then run make test again." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "No Chromium found, and installing it needs root: run 'sudo apt-get install -y chromium', then make test again." >&2
  exit 1
fi

echo "Installing Debian's chromium for the browser tests..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
