#!/usr/bin/env bash
# (Re)create tests/configs/composer/.venv with the exact versions in requirements.txt.
# Idempotent: reuses an existing .venv and only installs what is missing.
# torch is 2.7.0, not the 2.13.0 of the other corpora: mosaicml 0.32.1 (newest) pins torch>=2.6.0,<2.7.1.
# Optional: TORCH_INDEX_URL=<index> to take the torch wheel from another index (e.g. a CPU-only one, where
# the nvidia-* lines of requirements.txt are then still installed from the ordinary index);
# by default torch comes from the ordinary index with a plain `pip install torch==2.7.0` (a CUDA build, ~3 GB
# with its nvidia-* dependencies; it runs on CPU).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -q)

if [ -n "${TORCH_INDEX_URL:-}" ]; then
  "${PIP[@]}" --index-url "$TORCH_INDEX_URL" torch==2.7.0
else
  "${PIP[@]}" torch==2.7.0
fi
"${PIP[@]}" -r "$HERE/requirements.txt"

"$VENV/bin/python" -c 'import torch, composer, yaml; print("torch", torch.__version__, "mosaicml", composer.__version__, "pyyaml", yaml.__version__)'
echo "venv ready: $VENV   (regenerate: $VENV/bin/python $HERE/generate.py)"
