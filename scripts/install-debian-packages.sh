#!/usr/bin/env bash
# Debian packages the test suite uses: headless Chromium + chromedriver for the browser test, and
# CJK fonts so its screenshots show the Chinese text; Virtuoso (virtuoso-t, no system service) and
# curl for the remote-store tests (scripts/start-test-servers.sh). Idempotent; no browser downloads
# from elsewhere. Without root or apt it says so and those tests skip with a reason.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource-7-bin)
command -v curl >/dev/null 2>&1 || need+=(curl)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-debian-packages: cannot install ${need[*]} (need root and apt-get); tests needing them will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || echo "install-debian-packages: apt-get update failed" >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || echo "install-debian-packages: could not install ${need[*]}; tests needing them will be skipped" >&2
exit 0
