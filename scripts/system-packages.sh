#!/usr/bin/env bash
# Installs the Debian packages MedLedger builds and tests with, when they are missing.
# MEDLEDGER_SKIP_BROWSER=1 leaves out Chromium (scripts/run-demo does not need it).
set -euo pipefail
missing=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
installed libsqlite3-dev || missing+=(libsqlite3-dev)
# A venv for the end-to-end tests needs ensurepip; Debian's python3 gets it from python3-venv.
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
# The scale-out tests start throwaway PostgreSQL clusters (scripts/postgres-cluster); Debian's
# package brings initdb, pg_ctl and the server. MEDLEDGER_SKIP_POSTGRES=1 leaves it out (run-demo).
if [ "${MEDLEDGER_SKIP_POSTGRES:-0}" != 1 ]; then
  installed postgresql || missing+=(postgresql)
fi
# The browser tests drive Debian's Chromium through Playwright (Playwright's own download is not used).
if [ "${MEDLEDGER_SKIP_BROWSER:-0}" != 1 ]; then
  installed chromium || missing+=(chromium)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}"
fi
