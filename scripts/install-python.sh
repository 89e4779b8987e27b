#!/usr/bin/env bash
# Installs the Python side (training, export, the GlaS metric reference) from the local package
# index; CPU torch.
set -euo pipefail
# --check: only say (exit status) whether everything is there; npm test uses it to fail early.
# ONNX export + onnxruntime for the ONNX converter's parity tests (they skip without them).
if [ "${1:-}" != --check ] && ! python3 -c 'import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ("onnx", "onnxruntime", "onnxscript")))'; then
  python3 -m pip install -q onnx onnxruntime onnxscript || echo 'install-python: onnx/onnxruntime unavailable; ONNX parity tests will skip' >&2
fi
# timm and the torchvision it imports, for the timm-encoder ONNX test, in .cache/python-timm and
# not in the interpreter (training/timm_import.py says why); the test skips without them.
timm_dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/python-timm"
if [ "${1:-}" != --check ] && [ ! -d "$timm_dir/timm" ]; then
  python3 -m pip install -q --no-deps --target "$timm_dir" torchvision==0.28.0 timm==1.0.29 ||
    echo 'install-python: timm unavailable; the timm ONNX test will skip' >&2
fi
if python3 -c 'import torch, tifffile, numpy, skimage, shapely' 2>/dev/null; then exit 0; fi
[ "${1:-}" = --check ] && exit 1
python3 -m pip install -q torch==2.13.0 tifffile numpy scikit-image shapely || {
  apt-get install -y -q python3-torch python3-numpy python3-tifffile python3-skimage python3-shapely >/dev/null
}
