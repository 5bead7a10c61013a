"""Classical renderers that the bundled styles are distilled from, by name."""

from __future__ import annotations

from typing import Callable

import numpy as np

Shade = Callable[[np.ndarray], np.ndarray]


def _cel() -> tuple[Shade, dict[str, object]]:
    from training.teacher.cel import CelParams, cel_shade

    return cel_shade, CelParams().as_dict()


def _cel_v3() -> tuple[Shade, dict[str, object]]:
    from training.teacher.cel_v3 import CelV3Params, cel_v3_shade

    return cel_v3_shade, CelV3Params().as_dict()


def _shinkai_v3() -> tuple[Shade, dict[str, object]]:
    from training.teacher.shinkai_v3 import ShinkaiV3Params, shinkai_v3_shade

    return shinkai_v3_shade, ShinkaiV3Params().as_dict()


def _preset(module: str, shade: str, preset: str) -> Callable[[], tuple[Shade, dict[str, object]]]:
    """A v3 renderer at one of its named parameter presets (``CRISP``, ``FACES``), imported on use."""

    def load() -> tuple[Shade, dict[str, object]]:
        from functools import partial
        from importlib import import_module

        renderer = import_module(f"training.teacher.{module}")
        params = getattr(renderer, preset)
        return partial(getattr(renderer, shade), params=params), params.as_dict()

    return load


def _cel_v1() -> tuple[Shade, dict[str, object]]:
    from training.teacher.cel_v1 import CelParams, cel_shade

    return cel_shade, CelParams().as_dict()


def _shinkai() -> tuple[Shade, dict[str, object]]:
    from training.teacher.shinkai import ShinkaiParams, shinkai_shade

    return shinkai_shade, ShinkaiParams().as_dict()


def _manga_tone() -> tuple[Shade, dict[str, object]]:
    from training.teacher.manga import MangaParams, manga_tone

    return manga_tone, MangaParams().as_dict()


# name -> () -> (render function, its parameters, for cache keys and model cards)
TEACHERS: dict[str, Callable[[], tuple[Shade, dict[str, object]]]] = {"cel": _cel, "cel-v1": _cel_v1, "cel-v3": _cel_v3, "cel-v3-crisp": _preset("cel_v3", "cel_v3_shade", "CRISP"), "cel-v3-faces": _preset("cel_v3", "cel_v3_shade", "FACES"), "cel-v3-people": _preset("cel_v3", "cel_v3_shade", "PEOPLE"), "shinkai": _shinkai, "shinkai-v3": _shinkai_v3, "shinkai-v3-crisp": _preset("shinkai_v3", "shinkai_v3_shade", "CRISP"), "shinkai-v3-faces": _preset("shinkai_v3", "shinkai_v3_shade", "FACES"), "shinkai-v3-people": _preset("shinkai_v3", "shinkai_v3_shade", "PEOPLE"), "manga-tone": _manga_tone}
