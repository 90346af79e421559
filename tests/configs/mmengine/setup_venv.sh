#!/usr/bin/env bash
# (Re)create tests/configs/mmengine/.venv with CPU torch + mmengine.
# Idempotent: an existing venv with the pinned versions is left as is.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PY="${PYTHON:-python3}"
TORCH_VERSION=2.13.0
MMENGINE_VERSION=0.10.7

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - <<PYEOF 2>/dev/null
import torch, mmengine, sys
ok = torch.__version__.split('+')[0] == '$TORCH_VERSION' and mmengine.__version__ == '$MMENGINE_VERSION'
sys.exit(0 if ok else 1)
PYEOF
then
    echo "venv ok: $VENV"
    exit 0
fi

"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
# torch first. On this project's machines pip's configured find-links hold
# the CPU-only wheel (torch-2.13.0+cpu), which pip prefers; set
# TORCH_INDEX_URL to a CPU wheel index to force CPU builds elsewhere.
if [ -n "${TORCH_INDEX_URL:-}" ]; then
    "$VENV/bin/pip" install --quiet "torch==$TORCH_VERSION" --index-url "$TORCH_INDEX_URL"
else
    "$VENV/bin/pip" install --quiet "torch==$TORCH_VERSION"
fi
"$VENV/bin/pip" install --quiet -r "$HERE/requirements.txt"
"$VENV/bin/python" -c "import torch, mmengine; print('torch', torch.__version__, 'mmengine', mmengine.__version__)"
