#!/usr/bin/env bash
# The project's two commands. Both do all set-up first, on a fresh Debian or
# Ubuntu machine with Python 3.11+ and Node.js/npm:
#
#   ./dev.sh serve   build the site and serve it on http://127.0.0.1:8000/ (PORT=... to change)
#   ./dev.sh test    install the test tools (Chromium included) and run every test
#
# Extra arguments to "test" go to pytest, e.g. ./dev.sh test tests/unit -x
# Set-up: a virtualenv in .venv (the package in editable mode, with its extras),
# node_modules from package-lock.json (build.py runs npm ci), and Chromium from apt if no
# Chromium or Chrome is installed. CI=true (as .ci/run sets) turns a missing
# browser or runtime into a test failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

setup_python() {
  local extra=$1 stamp="$VENV/.installed-$1"
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "Python 3.11+ is required ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
  [ -x "$VENV/bin/python" ] || { say "Creating $VENV"; "$PYTHON" -m venv "$VENV"; }
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "Installing lrcalc and its [$extra] tools into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[$extra]"
    touch "$stamp"
  fi
}

setup_node() {
  # build.py runs "npm ci" itself whenever node_modules lacks a pinned version.
  command -v npm >/dev/null || { echo "Node.js 20+ and npm are required (apt-get install -y nodejs npm)" >&2; exit 1; }
}

have_browser() {
  [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ] && return 0
  command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null
}

setup_browser() {
  have_browser && return 0
  say "Installing Chromium (apt-get install chromium)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null \
    || echo "Could not install Chromium; set CHROMIUM_PATH to a Chromium or Chrome binary" >&2
}

case "${1:-}" in
  serve)
    setup_python site
    setup_node
    "$VENV/bin/python" build.py --serve --port "${PORT:-8000}"
    ;;
  test)
    shift
    setup_python test
    setup_node
    setup_browser
    say "Building dist/"
    "$VENV/bin/python" build.py
    say "Running the tests"
    "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
