"""Temporal smoothing and the warping-error metric on synthetic clips with known motion."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from factories import make_clip, read_frames

from vidanime.cli.app import run
from vidanime.temporal.metrics import evaluate
from vidanime.temporal.smoothing import TemporalSmoother


def texture(seed: int, h: int = 120, w: int = 160) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = cv2.resize(rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)
    cv2.circle(base, (w // 2, h // 2), h // 5, (250, 80, 40), -1)
    return base


def moving(n: int = 16, seed: int = 0, dx: int = 2) -> list[np.ndarray]:
    big = texture(seed, 120, 160 + dx * n)
    return [np.ascontiguousarray(big[:, i * dx : i * dx + 160]) for i in range(n)]


def flicker(frames: list[np.ndarray], amount: float = 18.0, seed: int = 1) -> list[np.ndarray]:
    """Per-frame low-frequency colour blotches: what frame-by-frame GANs do."""
    rng = np.random.default_rng(seed)
    out = []
    for f in frames:
        blotch = cv2.resize(rng.normal(0, amount, (3, 4, 3)).astype(np.float32), (f.shape[1], f.shape[0]), interpolation=cv2.INTER_CUBIC)
        out.append(np.clip(f.astype(np.float32) + blotch, 0, 255).astype(np.uint8))
    return out


def test_metric_ranks_flicker_worse_than_stable() -> None:
    frames = moving()
    stable, flickering = evaluate(frames, frames), evaluate(frames, flicker(frames))
    assert flickering.warping_error > 3 * stable.warping_error
    assert len(stable.pairs) == len(frames) - 1


def test_flow_smoothing_lowers_flicker_without_blurring() -> None:
    frames = moving()
    noisy = flicker(frames)
    smoother = TemporalSmoother("flow")
    smoothed = [smoother.step(a, b) for a, b in zip(frames, noisy)]
    before, after = evaluate(frames, noisy), evaluate(frames, smoothed)
    assert after.warping_error < 0.6 * before.warping_error
    assert after.sharpness >= 0.9 * before.sharpness
    ema = TemporalSmoother("ema", 0.5)
    assert evaluate(frames, [ema.step(a, b) for a, b in zip(frames, noisy)]).warping_error < before.warping_error


def test_hard_cut_resets_history() -> None:
    frames = moving(8, seed=0) + [255 - f for f in moving(8, seed=5)]
    noisy = flicker(frames)
    smoother = TemporalSmoother("flow")
    out = [smoother.step(a, b) for a, b in zip(frames, noisy)]
    assert smoother.stats.cuts == 1
    assert np.array_equal(out[8], noisy[8])  # first frame after the cut = per-frame output
    assert not np.array_equal(out[7], noisy[7])


def test_convert_with_smoothing_keeps_frames_and_timestamps(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "vfr.mp4", pts=[0, 100, 150, 400, 420, 800, 1000, 1010], audio=None)
    for mode in ("flow", "ema", "off"):
        out = tmp_path / f"{mode}.mp4"
        assert run(["convert", str(src), "--style", str(neg_model), "-o", str(out), "--temporal", mode, "-q"]) == 0
        t_in, _, _ = read_frames(src)
        t_out, _, _ = read_frames(out)
        assert t_out == pytest.approx(t_in, abs=1e-6)
    assert run(["convert", str(src), "--style", str(neg_model), "--temporal", "blur"]) == 2
    assert "--temporal takes" in capsys.readouterr().err


def jitter(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Every other frame moved one pixel right: steady content, misplaced by a pixel."""
    return [np.ascontiguousarray(np.concatenate([f[:, :1], f[:, :-1]], axis=1) if i % 2 else f) for i, f in enumerate(frames)]


def test_shift_tolerance_forgives_a_pixel_of_misplacement_but_not_flicker() -> None:
    frames = moving()
    jittered = jitter(frames)
    plain, tolerant = evaluate(frames, jittered), evaluate(frames, jittered, shift_tolerance=1)
    stable = evaluate(frames, frames, shift_tolerance=1)
    assert plain.warping_error > 5 * tolerant.warping_error
    assert tolerant.warping_error < 2 * stable.warping_error + 1e-5
    blotched = flicker(frames)
    blotched_tolerant = evaluate(frames, blotched, shift_tolerance=1).warping_error
    assert blotched_tolerant > 0.5 * evaluate(frames, blotched).warping_error
    assert blotched_tolerant > 3 * tolerant.warping_error


def test_eval_temporal_cli_writes_csv(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=6, audio=None)
    out = tmp_path / "b.mp4"
    assert run(["convert", str(src), "--style", str(neg_model), "-o", str(out), "-q"]) == 0
    capsys.readouterr()
    assert run(["eval", "temporal", str(src), str(out), "--csv", str(tmp_path / "t.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("warping_error ") and lines[2] == "pairs 5"
    assert len((tmp_path / "t.csv").read_text().splitlines()) == 6
    assert run(["eval", "temporal", str(src), str(out), "--shift-tolerance", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("warping_error ") and lines[-1] == "shift_tolerance 1"
