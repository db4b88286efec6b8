#!/usr/bin/env bash
# Installs everything the tests need and runs the whole suite (unit, app, real browser).
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: run 'sudo apt-get install -y chromium' (the browser tests need it)." >&2
  fi
fi
python -m pip install -q -r requirements-dev.txt

export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"
if [ -z "${PLAYGROUND_DATA_DIR:-}" ] && [ -d ../shared/data ]; then
  export PLAYGROUND_DATA_DIR="$(cd ../shared/data && pwd)"
fi
exec python -m pytest "$@"
