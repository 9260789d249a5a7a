#!/usr/bin/env bash
# Installs skillkg and everything it needs into ./.venv on a fresh Debian machine:
# Java (for the HermiT reasoner), Chromium (for the browser tests), the CPU
# build of PyTorch, then skillkg with its pinned dependencies.
# Idempotent: re-running it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    if [ -z "${_APT_UPDATED:-}" ]; then apt-get update -qq; _APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "install.sh: please install these Debian packages: $*" >&2
  fi
}

command -v java >/dev/null 2>&1 || apt_install default-jre-headless
if [ "${SKILLKG_NO_BROWSER:-}" != 1 ]; then
  { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } \
    || apt_install chromium chromium-driver
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# The CPU build of torch first, or sentence-transformers pulls the CUDA one (GBs).
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[test]"
echo "skillkg installed in .venv: $(.venv/bin/skillkg --help >/dev/null && echo ok)"
