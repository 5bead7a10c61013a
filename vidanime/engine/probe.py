"""A probe picture: what a model is tried on before it is trusted (contract probes, load checks,
the bf16 quality check)."""

from __future__ import annotations

import numpy as np

from vidanime.engine.contract import ModelContract
from vidanime.engine.stylizer import to_model_input


def probe_image(height: int, width: int) -> np.ndarray:
    """A deterministic natural-ish picture: gradients, a disc, some texture."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.stack([x / max(1, width - 1), y / max(1, height - 1), 0.5 + 0.5 * np.sin(x / 5) * np.cos(y / 7)], -1)
    disc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (min(height, width) / 4) ** 2
    img[disc] = (0.9, 0.3, 0.2)
    return (img * 255).astype(np.uint8)[None]


def precision_probe(contract: ModelContract) -> np.ndarray:
    """The model input a faster precision is judged on (``--precision auto``); the int8 export
    aims at it too, so that the graph it writes is one auto will run."""
    h, w = contract.fixed_size or (72, 88)
    return to_model_input(probe_image(h, w), contract)
