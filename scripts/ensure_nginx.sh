#!/usr/bin/env bash
# Make sure nginx is here for `make serve` (several app processes behind one port): $NGINX, or nginx on the
# PATH, or /usr/sbin/nginx. When none is, install Debian's `nginx` package if we may (root, or sudo without a
# password). Installing it does not start Debian's own nginx service here; `make serve` runs its own.
set -euo pipefail

for candidate in "${NGINX:-}" "$(command -v nginx 2>/dev/null || true)" /usr/sbin/nginx; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "No nginx found. Install nginx and set NGINX=/path/to/nginx, then run make serve again." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "No nginx found, and installing it needs root: run 'sudo apt-get install -y nginx', then make serve again." >&2
  exit 1
fi

echo "Installing Debian's nginx for make serve..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
echo "nginx: $(/usr/sbin/nginx -v 2>&1 || echo installed)"
