#!/usr/bin/env bash
# Make sure a Chromium that Playwright can drive is here: $CHROMIUM, Debian's /usr/bin/chromium,
# or another Chromium/Chrome on the PATH. When none is, install Debian's `chromium` package if we
# may (root, or sudo without a password). Playwright's own download is not used.
# Also give the browser a Hangul system font (Debian's `fonts-noto-cjk`) when it has none and we may
# install one. The app serves its own Korean web font, so this one is only a fallback: without it
# the tests still run, and tests/e2e/test_fonts.py checks that Korean is drawn in the served font.
set -euo pipefail

have_chromium() {
  local candidate
  for candidate in "${CHROMIUM:-}" /usr/bin/chromium "$(command -v chromium 2>/dev/null || true)" \
                   "$(command -v chromium-browser 2>/dev/null || true)" "$(command -v google-chrome 2>/dev/null || true)" \
                   "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" \
                   "/Applications/Chromium.app/Contents/MacOS/Chromium"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      return 0
    fi
  done
  return 1
}

have_hangul_font() {
  if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ko family 2>/dev/null | head -n 1)" ]; then
    return 0
  fi
  dpkg -s fonts-noto-cjk >/dev/null 2>&1
}

# The command prefix that may run apt-get ("" as root, "sudo -n" with password-less sudo), or fail.
apt_prefix() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$(id -u)" -eq 0 ]; then
    echo ""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "sudo -n"
  else
    return 1
  fi
}

missing=()
have_chromium || missing+=(chromium)
have_hangul_font || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! SUDO="$(apt_prefix)"; then
  if [[ " ${missing[*]} " == *" chromium "* ]]; then
    if command -v apt-get >/dev/null 2>&1; then
      echo "No Chromium found, and installing it needs root: run 'sudo apt-get install -y ${missing[*]}', then make test again." >&2
    else
      echo "No Chromium found. Install Chromium or Chrome and set CHROMIUM=/path/to/it, then run make test again." >&2
    fi
    exit 1
  fi
  # Only the font is missing: the app serves its own, so go on without a system one.
  echo "Note: no Hangul system font (optional; 'sudo apt-get install fonts-noto-cjk' adds one)." >&2
  exit 0
fi

echo "Installing Debian's ${missing[*]} for the browser tests..."
$SUDO apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; then
  if [[ " ${missing[*]} " == *" chromium "* ]]; then
    exit 1
  fi
  echo "Note: could not install fonts-noto-cjk; the browser tests use the app's own Korean font." >&2
  exit 0
fi
if [[ " ${missing[*]} " == *" chromium "* ]]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
fi
