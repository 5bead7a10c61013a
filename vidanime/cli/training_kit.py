"""What the commands that need the PyTorch training kit share: the check that it is installed."""

from __future__ import annotations

from vidanime.errors import VidanimeError


def require_training() -> None:
    """The training kit needs torch; say how to get it instead of an ImportError."""
    try:
        import onnx  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        raise VidanimeError(
            f"this command needs the training kit ({exc.name} is missing): "
            "pip install torch==2.13.0 'vidanime[train]' (or your CUDA build of torch first)"
        ) from exc


def training_kit_available() -> bool:
    try:
        require_training()
    except VidanimeError:
        return False
    return True
