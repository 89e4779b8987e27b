#!/usr/bin/env bash
# Installs the Python side (training, export, the GlaS metric reference) from the local package
# index; CPU torch.
set -euo pipefail
# --check: only say (exit status) whether everything is there; npm test uses it to fail early.
if python3 -c 'import torch, tifffile, numpy, skimage, shapely' 2>/dev/null; then exit 0; fi
[ "${1:-}" = --check ] && exit 1
python3 -m pip install -q torch==2.13.0 tifffile numpy scikit-image shapely || {
  apt-get install -y -q python3-torch python3-numpy python3-tifffile python3-skimage python3-shapely >/dev/null
}
