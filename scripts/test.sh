#!/usr/bin/env bash
# The whole test suite from a fresh checkout: venv, install, browser, pytest.
# (README: "Run the tests".) Installs Debian's chromium for the browser test when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${MEDKG_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[test]"
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "warning: could not install chromium; the browser test will report it" >&2
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec "$VENV/bin/python" -m pytest -q "$@"
