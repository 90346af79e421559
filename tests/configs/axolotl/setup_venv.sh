#!/usr/bin/env bash
# (Re)create tests/configs/axolotl/.venv with the exact versions in requirements.txt.
# Idempotent: reuses an existing .venv and only installs what is missing.
# Optional: TORCH_INDEX_URL=<index> to take the torch wheel from another index (e.g. a CPU-only one);
# by default torch comes from the ordinary index with a plain `pip install torch==2.13.0`.
# Needs Python 3.11 (axolotl 0.19.0 is the newest release installable there; 0.20+ need >= 3.12).
# The venv is large (~4.3 GB: axolotl pulls in triton, xformers, bitsandbytes, gradio, lm_eval, ...).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -q)

if [ -n "${TORCH_INDEX_URL:-}" ]; then
  "${PIP[@]}" --index-url "$TORCH_INDEX_URL" torch==2.13.0
else
  "${PIP[@]}" torch==2.13.0
fi
"${PIP[@]}" -r "$HERE/requirements.txt"

AXOLOTL_DO_NOT_TRACK=1 "$VENV/bin/python" -c 'import torch, axolotl, transformers; print("torch", torch.__version__, "axolotl", axolotl.__version__, "transformers", transformers.__version__)' 2>/dev/null
echo "venv ready: $VENV   (regenerate: $VENV/bin/python $HERE/generate.py)"
