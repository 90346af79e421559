#!/usr/bin/env bash
# (Re)create tests/configs/torchtune/.venv with the exact versions in
# requirements.txt.  Idempotent: a venv whose installed set already matches
# requirements.txt is left alone.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PY="${PYTHON:-python3}"
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] \
   && "$VENV/bin/python" -c "import torch, torchtune, torchao" >/dev/null 2>&1; then
  echo "torchtune venv up to date: $VENV"
  exit 0
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip

TORCH_SPEC="$(grep -E '^torch==' "$HERE/requirements.txt")"
# CPU build of torch first, so that pip does not pull the CUDA build and its
# nvidia-* wheels.  TORCH_INDEX_URL overrides the CPU wheel index; if that
# index cannot be reached, fall back to the configured default index.
TORCH_INDEX_URL="${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  "$VENV/bin/pip" install -q "$TORCH_SPEC" --index-url "$TORCH_INDEX_URL" \
    || "$VENV/bin/pip" install -q "$TORCH_SPEC"
fi
"$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
"$VENV/bin/python" -c "import torch, torchtune, torchao; print('torch', torch.__version__, 'torchtune', torchtune.__version__, 'torchao', torchao.__version__)" 2>&1 | grep -v 'Skipping import of cpp extensions' || true
echo "$WANT" > "$STAMP"
