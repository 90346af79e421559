#!/usr/bin/env bash
# Build tests/reference/finder/.venv: the real LR finders (torch-lr-finder,
# fastai, Lightning) on a CPU torch, to regenerate the committed fixtures:
#
#   bash tests/reference/finder/setup_venv.sh
#   tests/reference/finder/.venv/bin/python tests/reference/finder/generate_finder.py
#
# Steps, in this order:
#   1. torch==2.13.0 alone. pip takes the CPU wheel from the machine's local
#      wheel folder (pip's find-links, /opt/wheels here); without a local CPU
#      wheel pip would fetch PyPI's much larger CUDA build, so the script stops
#      unless ALLOW_PYPI_TORCH=1.
#   2. requirements.txt: the ordinary dependencies, pinned (torch already
#      satisfied, so pip never replaces it).
#   3. requirements-nodeps.txt with --no-deps: fastai and lightning, whose
#      declared dependencies (torchvision, spacy, pytorch-lightning) are not needed.
#   4. pip check-style smoke test: import the three tools.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip)
"${pip[@]}" install --quiet --upgrade pip
if ! ls /opt/wheels/torch-2.13.0+cpu-*.whl >/dev/null 2>&1 && [ "${ALLOW_PYPI_TORCH:-0}" != 1 ]; then
  echo "No local CPU wheel for torch 2.13.0 in /opt/wheels; set ALLOW_PYPI_TORCH=1 to take PyPI's." >&2
  exit 1
fi
"${pip[@]}" install "torch==2.13.0"
"${pip[@]}" install -r "$here/requirements.txt"
"${pip[@]}" install --no-deps -r "$here/requirements-nodeps.txt"
"$venv/bin/python" -c "import torch, torch_lr_finder, fastai.learner, fastai.callback.schedule, lightning.pytorch; print('torch', torch.__version__, 'ready')"
