#!/usr/bin/env bash
# Headless Chromium and its WebDriver from Debian, for the browser test (tests/browser/).
# Idempotent; run as root (CI and the project machines are). No browser downloads from elsewhere.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "chromium and chromedriver already installed"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-noto-cjk >/dev/null
/usr/bin/chromium --version
