#!/usr/bin/env bash
# The report's browser test needs Debian's headless Chromium and a font with Chinese glyphs.
# Installs them with apt-get when they are missing and this user can; otherwise says how.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  need+=(fonts-wqy-microhei)
elif ! command -v fc-list >/dev/null 2>&1; then
  need+=(fonts-wqy-microhei)
fi
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
  echo "installing ${need[*]} (Debian packages, for the report's browser test)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi
if [[ " ${need[*]} " == *" chromium "* ]]; then
  echo "error: the report's browser test needs headless Chromium: install it (Debian: apt-get install chromium)" >&2
  exit 1
fi
echo "warning: no font with Chinese glyphs; Chinese text in report screenshots will show as boxes" >&2
