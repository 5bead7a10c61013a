"""The blind A/B tool: sides drawn at random, the key kept apart, wins counted per styliser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "lab.measure.blind_ab", *args], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_pairs_are_blind_and_wins_are_counted_by_the_key(tmp_path: Path) -> None:
    photos, a, b = tmp_path / "photos", tmp_path / "a", tmp_path / "b"
    for d in (photos, a, b):
        d.mkdir()
    for i in range(6):
        cv2.imwrite(str(photos / f"p{i}.jpg"), np.full((40, 60, 3), 100, np.uint8))
        cv2.imwrite(str(a / f"p{i}_x.png"), np.full((40, 60, 3), 0, np.uint8))  # A is black
        cv2.imwrite(str(b / f"p{i}_y.png"), np.full((40, 60, 3), 255, np.uint8))  # B is white
    out = tmp_path / "set" / "ab"
    prompt = _run("make", str(out), "--photos", str(photos), "--a", f"v3={a}", "--b", f"v2={b}", "--n", "6", "--seed", "4")
    assert "pair_05.png" in prompt and "v3" not in prompt  # the judge never reads the names
    assert not list(out.glob("*.json"))  # the key sits beside the folder, not in it
    key = json.loads((out.parent / "ab.key.json").read_text())
    sides = []
    for i in range(6):
        pair = cv2.imread(str(out / f"pair_{i:02d}.png"))
        left_is_black = pair[:, : pair.shape[1] // 2 - 8].mean() < 128
        assert (key[f"{i:02d}"]["L"] == "v3") == left_is_black  # the key says which side is which
        sides.append("L" if left_is_black else "R")
    assert len(set(sides)) == 2  # sides really drawn at random
    answers = ",".join(sides)  # a judge who always picks A (the black half)
    flipped = ",".join("R" if s == "L" else "L" for s in sides)
    report = _run("score", str(out), f"anime: {answers} scene: {flipped} ship: {answers}")
    assert "anime: v3 6 of 6" in report and "scene: v2 6 of 6" in report and "ship: v3 6 of 6" in report
