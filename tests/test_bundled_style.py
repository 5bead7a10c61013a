"""The bundled default style: installed with the package, used when --style is omitted."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import lightweight_macs, make_clip, read_frames

from vidanime.bench.graph_stats import graph_stats
from vidanime.cli.app import run
from vidanime.engine.session import open_session
from vidanime.styles.registry import BUNDLED_DIR, DEFAULT_STYLE, installed_styles


def test_cel_is_bundled_small_and_described() -> None:
    styles = installed_styles()
    assert DEFAULT_STYLE == "cel" and styles["cel"].source == "bundled"
    model = BUNDLED_DIR / "cel.onnx"
    assert model.stat().st_size <= 6_000_000
    engine = open_session(model, "cpu")
    assert engine.contract.arch == "lightweight" and engine.contract.size_multiple == 4
    # width 16: 30.9 GMAC per 720p frame, counted from the graph and equal to the layer list
    assert graph_stats(model, 720, 1280).macs == lightweight_macs(16, 720, 1280)
    card = (BUNDLED_DIR / "cel.md").read_text()
    assert "PSNR" in card and "vidanime train cel-distill" in card and "(v2)" in card
    assert open_session(model, "cpu").session.get_modelmeta().custom_metadata_map.get("vidanime.version") == "2"


def test_v1_stays_reachable_and_all_bundled_styles_stay_small() -> None:
    styles = installed_styles()
    assert styles["cel-v1"].source == "bundled" and styles["cel-v1"].sidecar["version"] == 1
    assert graph_stats(styles["cel-v1"].path, 720, 1280).macs == graph_stats(styles["cel"].path, 720, 1280).macs
    assert sum(p.stat().st_size for p in BUNDLED_DIR.iterdir()) < 8_000_000


def test_convert_without_style_uses_cel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = make_clip(tmp_path / "clip.mp4", n_frames=6, size=(90, 160))
    assert run(["convert", str(clip), "-o", str(tmp_path / "out.mp4")]) == 0
    assert "style cel (lightweight)" in capsys.readouterr().err
    assert len(read_frames(tmp_path / "out.mp4")[0]) == 6


def test_bundled_style_cannot_be_removed_and_info_shows_card(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["styles", "remove", "cel"]) == 1
    assert "bundled" in capsys.readouterr().err
    assert run(["styles", "info", "cel"]) == 0
    assert "held-out photos" in capsys.readouterr().out
