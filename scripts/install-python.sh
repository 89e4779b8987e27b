#!/usr/bin/env bash
# Installs the Python side (training, export) from the local package index; CPU torch.
set -euo pipefail
if python3 -c 'import torch, tifffile, numpy' 2>/dev/null; then exit 0; fi
python3 -m pip install -q torch==2.13.0 tifffile numpy || {
  apt-get install -y -q python3-torch python3-numpy python3-tifffile >/dev/null
}
