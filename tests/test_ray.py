"""`convert --ray` on a local Ray with two workers: frame-exact segments, folders, a killed worker."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from factories import audio_summary, make_clip, read_frames

ray = pytest.importorskip("ray", reason="the cluster extra is not installed (pip install '.[cluster]')")

from vidanime.cli.app import run  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> None:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def stylist_pids() -> list[int]:
    """Processes running a Stylist actor (Ray names them ``ray::Stylist``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::Stylist"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def test_segments_join_frame_exact_with_smoothing(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=480, size=(96, 128), audio="aac", gop=24)  # 20 s
    common = ["--style", str(neg_model), "--codec", "ffv1", "-q"]  # lossless: only the seams can differ
    assert run(["convert", str(src), "-o", str(tmp_path / "one.mkv"), *common]) == 0
    assert run(["convert", str(src), "-o", str(tmp_path / "ray.mkv"), *common[:-1], "--ray", "--ray-workers", "2", "--segment-seconds", "4"]) == 0
    assert "5 segments on 2 Ray workers" in capsys.readouterr().err
    t_one, f_one, _ = read_frames(tmp_path / "one.mkv")
    t_ray, f_ray, _ = read_frames(tmp_path / "ray.mkv")
    assert len(t_ray) == len(t_one) == 480 and t_ray == t_one
    assert audio_summary(tmp_path / "ray.mkv") == pytest.approx(audio_summary(tmp_path / "one.mkv"), abs=0.03)
    seams = [96, 192, 288, 384]  # every 4 s at 24 fps
    scores = [psnr(a, b) for a, b in zip(f_one, f_ray)]
    assert min(scores[i] for i in seams) >= 35
    assert min(s for i, s in enumerate(scores) if i not in seams) >= 40
    assert not list(tmp_path.glob(".*"))


def test_folder_one_task_per_file_with_a_broken_one(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.mp4", "b.mkv"):
        make_clip(src / name, n_frames=8, audio=None)
    (src / "broken.mp4").write_bytes(b"\0" * 4096)
    code = run(["convert", str(src), "-o", str(tmp_path / "out"), "--style", str(neg_model), "-q", "--ray"])
    err = capsys.readouterr().err
    assert code == 1 and "broken.mp4" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.mp4", "b.mkv"]
    assert all(len(read_frames(p)[0]) == 8 for p in (tmp_path / "out").iterdir())


def test_a_killed_worker_is_restarted_and_nothing_is_lost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=360, size=(180, 240), audio="aac", gop=24)  # the bundled style: slow enough
    out = tmp_path / "out.mp4"
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(run(["convert", str(src), "-o", str(out), "-q", "--ray", "--ray-workers", "2", "--segment-seconds", "2"])))
    worker.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and worker.is_alive():
        alive = stylist_pids()
        segments = list(tmp_path.glob(".out.ray-*/seg_*"))
        if alive and segments:
            killed = alive[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.2)
    worker.join(timeout=300)
    assert killed is not None, "no worker to kill"
    assert result == [0], capsys.readouterr().err
    assert len(read_frames(out)[0]) == 360 and audio_summary(out) is not None
