"""`convert --resume`: keyframe-aligned segments with a journal; a run killed with SIGKILL continues
where it was and ends with the same frames and timestamps as an uninterrupted run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from factories import audio_summary, make_clip, read_frames

from vidanime.cli.app import run
from vidanime.pipeline.segments import plan_segments, resume_folder
from vidanime.video.decode import VideoReader


def cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "vidanime", "convert", *map(str, args)]


def wait_for_segments(proc: subprocess.Popen, output: Path, count: int) -> Path:
    """Wait until a running resumable conversion has journaled ``count`` segments; the journal."""
    journal = resume_folder(output) / "journal.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.is_file() and len(json.loads(journal.read_text()).get("done", {})) >= count:
            break
        time.sleep(0.05)
    return journal


def test_segments_cut_at_keyframes_after_each_interval() -> None:
    from fractions import Fraction

    keys = [0, 24, 48, 60, 96, 120]  # frames at 24 fps
    plan = plan_segments(keys, Fraction(1, 24), 2.0)
    assert [(s.start_pts, s.end_pts, s.warmup_from) for s in plan] == [(0, 48, None), (48, 96, 0), (96, None, 48)]
    assert plan_segments([], Fraction(1, 24), 2.0)[0].end_pts is None


def test_resumable_run_matches_the_timeline_and_audio(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=72, size=(96, 128), audio="aac", gop=24)
    code = run(["convert", str(src), "--style", str(neg_model), "-o", str(tmp_path / "out.mp4"), "-q", "--resume", "--segment-seconds", "1", "--temporal", "off"])
    assert code == 0, capsys.readouterr().err
    t_in, f_in, _ = read_frames(src)
    t_out, f_out, _ = read_frames(tmp_path / "out.mp4")
    assert len(t_out) == 72 and max(abs(a - b) for a, b in zip(t_in, t_out)) < 1e-3
    with VideoReader(src) as reader:  # the run really went through three segments and two seams
        assert len(plan_segments(reader.keyframes(), reader.info.time_base, 1.0)) == 3
    for a, b in zip(f_in, f_out):
        assert np.abs((255 - a.astype(int)) - b.astype(int)).mean() < 6  # every frame stylised once, none shifted
    assert audio_summary(tmp_path / "out.mp4") == pytest.approx(audio_summary(src), abs=0.05)
    assert not resume_folder(tmp_path / "out.mp4").exists()


def test_killed_run_resumes_from_its_journal(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "long.mp4", n_frames=240, size=(180, 240), audio="aac", gop=24)
    whole, resumed = tmp_path / "whole.mkv", tmp_path / "resumed.mkv"
    args = ["-q", "--resume", "--segment-seconds", "1"]  # the bundled style: slow enough to be caught mid-way
    assert subprocess.run(cli(src, "-o", whole, *args), capture_output=True).returncode == 0
    proc = subprocess.Popen(cli(src, "-o", resumed, *args), stderr=subprocess.PIPE, text=True)
    journal = wait_for_segments(proc, resumed, 3)
    assert proc.poll() is None, "finished before it could be killed"
    proc.send_signal(signal.SIGKILL)  # no cleanup at all, like a power loss
    proc.wait(timeout=30)
    done_before = len(json.loads(journal.read_text())["done"])
    assert 3 <= done_before < 10 and not resumed.exists()  # 10 one-second segments
    second = subprocess.run(cli(src, "-o", resumed, *args), capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    t_whole, f_whole, _ = read_frames(whole)
    t_res, f_res, _ = read_frames(resumed)
    assert len(t_res) == len(t_whole) == 240 and t_res == t_whole
    assert max(np.abs(a.astype(int) - b).mean() for a, b in zip(f_whole, f_res)) < 1.0
    assert audio_summary(resumed) == pytest.approx(audio_summary(whole), abs=0.05)
    assert not resume_folder(resumed).exists()


def test_a_stopped_run_says_how_to_continue_and_other_settings_start_over(tmp_path: Path, neg_model: Path) -> None:
    src = make_clip(tmp_path / "long.mp4", n_frames=240, size=(180, 240), audio=None, gop=24)
    out = tmp_path / "o.mp4"
    proc = subprocess.Popen(cli(src, "-o", out, "-q", "--resume", "--segment-seconds", "1"), stderr=subprocess.PIPE, text=True)
    wait_for_segments(proc, out, 2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "run the same command with --resume" in err, err
    assert resume_folder(out).is_dir() and not out.exists()
    other = subprocess.run(cli(src, "-o", out, "--style", neg_model, "-q", "--resume", "--segment-seconds", "2"), capture_output=True, text=True)
    assert other.returncode == 0 and "started over" in other.stderr
    assert len(read_frames(out)[0]) == 240 and not resume_folder(out).exists()
