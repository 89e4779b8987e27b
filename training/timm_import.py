"""Imports timm on a CPU torch whose matching torchvision exists only as a CUDA build.

timm imports torchvision (FrozenBatchNorm2d, transforms). The local index has torchvision 0.28.0
(the one for torch 2.13) only as its CUDA 13 build: its _C.so links libtorch_cuda.so and
libc10_cuda.so, which CPU torch does not have, so the C++ ops (nms, roi_align, ...) never load,
and torchvision's unguarded `register_fake("torchvision::nms")` then raises
`operator torchvision::nms does not exist` at import. 0.29.x needs torch >= 2.14 (only a CUDA
build of that is in the index). The Python side of torchvision is sound without its C++ ops, and
no timm encoder uses them: this skips those fake registrations of ops that are absent.

scripts/install-python.sh installs both into .cache/python-timm (--no-deps, --target), never
into the shared interpreter, where every plain `import torchvision` would then fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

TIMM_DIR = Path(__file__).resolve().parent.parent / '.cache' / 'python-timm'


def import_timm():
    """timm, from .cache/python-timm when it is there (ImportError when it is nowhere)."""
    if TIMM_DIR.is_dir() and str(TIMM_DIR) not in sys.path:
        sys.path.append(str(TIMM_DIR))
    import torch

    real = torch.library.register_fake

    def register_fake(op, *args, **kwargs):
        if isinstance(op, str) and op.startswith('torchvision::') and not _op_exists(op):
            return lambda fn=None, **_: fn
        return real(op, *args, **kwargs)

    torch.library.register_fake = register_fake
    try:
        import torchvision  # noqa: F401
        import timm
    finally:
        torch.library.register_fake = real
    return timm


def _op_exists(qualname: str) -> bool:
    import torch

    ns, name = qualname.split('::')
    try:
        getattr(getattr(torch.ops, ns), name)
        return True
    except (AttributeError, RuntimeError):
        return False
