#!/bin/sh
# Install everything the tests need on a fresh Debian machine, then run them.
# Used as is by CI (.ci/run). Safe to run again: it only installs what is missing.
set -eu
cd "$(dirname "$0")/.."

# System packages for the LibreOffice and browser tests (skipped by the tests
# themselves, with a reason, where they cannot be installed).
need=""
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-writer-nogui"
command -v pdftotext >/dev/null 2>&1 || need="$need poppler-utils"
[ -d /usr/share/fonts/opentype/noto ] || need="$need fonts-noto-cjk"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v chromedriver >/dev/null 2>&1 || need="$need chromium-driver"
if [ -n "$need" ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
    ($SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        --no-install-recommends $need) >/dev/null 2>&1 \
        || echo "提示：未能安装$need，相关测试将跳过。" >&2
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv 2>/dev/null || {
        # Debian's python3 needs python3-venv for venv and pip.
        if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; fi
        rm -rf .venv && python3 -m venv .venv
    }
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# One test process per core (pytest-xdist): the suite is mostly waiting on subprocesses,
# LibreOffice and Chromium, and every test keeps to its own temporary folder.
exec .venv/bin/python -m pytest -q -n auto "$@"
