#!/bin/sh
# The main job on the bundled material: install bigan into .venv, then run the demo.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv 2>/dev/null || {
        # Debian's python3 needs python3-venv for venv and pip.
        if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; fi
        rm -rf .venv && python3 -m venv .venv
    }
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/bigan demo "$@"
