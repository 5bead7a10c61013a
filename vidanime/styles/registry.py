"""Installed styles: the ones bundled with the package and the ones the user added.

A style is an ONNX generator file ``NAME.onnx`` (optionally ``NAME.fp16.onnx`` for GPUs) with
an optional JSON sidecar ``NAME.json`` (licence, source, contract overrides).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from vidanime.errors import StyleNotFoundError

DEFAULT_STYLE = "cel"
BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"


def user_styles_dir() -> Path:
    """``$VIDANIME_HOME/styles``, else ``$XDG_DATA_HOME/vidanime/styles``."""
    home = os.environ.get("VIDANIME_HOME")
    if home:
        return Path(home).expanduser() / "styles"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "vidanime" / "styles"


@dataclass(frozen=True)
class Style:
    name: str
    path: Path
    source: str  # "bundled", "user" or "file"
    sidecar: dict[str, object] = field(default_factory=dict)


def _read_sidecar(model: Path) -> dict[str, object]:
    side = model.with_suffix(".json")
    if side.is_file():
        try:
            return dict(json.loads(side.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}
    return {}


def _scan(folder: Path, source: str) -> dict[str, Style]:
    if not folder.is_dir():
        return {}
    found = {}
    for model in sorted(folder.glob("*.onnx")):
        if model.name.startswith(".") or model.name.endswith((".fp16.onnx", ".int8.onnx")):
            continue  # hidden files are unfinished writes; siblings belong to their style
        found[model.stem] = Style(model.stem, model, source, _read_sidecar(model))
    return found


def pinned_name(style: Style) -> str | None:
    """``NAME-vN`` for a style whose sidecar says it is version N (``cel`` v2 -> ``cel-v2``): a
    script that names it keeps this version when the plain name moves on to the next one."""
    version = style.sidecar.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        return None
    suffix = f"-v{version}"
    return None if style.name.endswith(suffix) else style.name + suffix


def installed_styles() -> dict[str, Style]:
    """Name -> style; a user style of the same name shadows a bundled one."""
    styles = _scan(BUNDLED_DIR, "bundled")
    styles.update(_scan(user_styles_dir(), "user"))
    return styles


def shadowed_styles() -> dict[str, Style]:
    """Bundled styles hidden by a user style of the same name (listed, not used)."""
    user = _scan(user_styles_dir(), "user")
    return {name: style for name, style in _scan(BUNDLED_DIR, "bundled").items() if name in user}


def resolve_style(name_or_path: str | None) -> Style:
    """``--style`` value -> style; a path to an .onnx file works as well as a name."""
    name = name_or_path or DEFAULT_STYLE
    candidate = Path(name).expanduser()
    if name.endswith(".onnx") or os.sep in name:
        if candidate.is_file():
            return Style(candidate.stem, candidate, "file", _read_sidecar(candidate))
        raise StyleNotFoundError(f"style file not found: {candidate}")
    styles = installed_styles()
    if name in styles:
        return styles[name]
    pinned = {pinned_name(style): style for style in styles.values()}
    if name in pinned:
        return pinned[name]
    listed = ", ".join(sorted(styles)) or "none"
    example = {"shinkai": "Shinkai_53.onnx", "hayao": "AnimeGANv3_Hayao_36.onnx", "paprika": "Paprika_54.onnx"}.get(name.lower(), "FILE.onnx")
    hint = (
        f"get it with 'vidanime styles add {name} {example}' (the public AnimeGANv2/v3 ONNX releases work), "
        "train one with 'vidanime train', or pass --style path/to/model.onnx"
    )
    raise StyleNotFoundError(f"style {name!r} is not installed (installed: {listed}); {hint}")
