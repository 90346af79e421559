#!/usr/bin/env bash
# Create tests/configs/deepspeed/.venv with the pinned libraries of requirements.txt.
# Idempotent: re-running it checks the pins and installs nothing when all are there.
#
#   bash tests/configs/deepspeed/setup_venv.sh
#   tests/configs/deepspeed/.venv/bin/python tests/configs/deepspeed/generate.py
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
REQ="$HERE/requirements.txt"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

# The torch pin, read from requirements.txt so it is written in one place only.
TORCH_PIN="$(grep -E '^torch==' "$REQ" | sed -E 's/[[:space:]]*#.*$//; s/[[:space:]]+$//')"
if [ -z "$TORCH_PIN" ]; then
    echo "setup_venv.sh: no torch== pin in $REQ" >&2
    exit 1
fi

# 1. torch first (a CPU wheel where the machine has one), its dependencies held to the pins.
"${PIP[@]}" install "$TORCH_PIN" -c "$REQ"

# 2. everything else exactly as pinned. DS_BUILD_OPS=0: deepspeed is built from its sdist without
#    pre-compiled CUDA/C++ ops (none is needed on CPU; the CPU comm op is JIT-built at first run).
DS_BUILD_OPS=0 "${PIP[@]}" install --no-deps -r "$REQ"

# 3. check that what is installed is what is pinned.
"$VENV/bin/python" - "$REQ" <<'PYEOF'
import re, sys
from importlib.metadata import version, PackageNotFoundError

bad = []
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, want = re.split(r"==", line, maxsplit=1)
    try:
        have = version(name)
    except PackageNotFoundError:
        bad.append(f"{name}: not installed (want {want})")
        continue
    if have.split("+", 1)[0] != want.split("+", 1)[0]:
        bad.append(f"{name}: {have} installed, {want} pinned")
if bad:
    sys.exit("setup_venv.sh: the venv does not match requirements.txt:\n  " + "\n  ".join(bad))
import torch, deepspeed
print(f"setup_venv.sh: ok, torch {torch.__version__}, deepspeed {deepspeed.__version__}, all pins installed")
PYEOF
