"""`convert --ray` on a local Ray with two workers: a picture, folders of pictures and of both kinds,
frame-exact segments of one video, a killed worker; never more worker processes than the pool."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from factories import audio_summary, frame_pattern, make_clip, read_frames

ray = pytest.importorskip("ray", reason="the cluster extra is not installed (pip install '.[cluster]')")

from vidanime.cli.app import run  # noqa: E402
from vidanime.images.io import read_image, write_image  # noqa: E402


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


def ray_worker_pids() -> set[int]:
    """Ray's worker processes: starting (``default_worker.py``) or named by what they run (``ray::``)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"ray::") or b"default_worker.py" in cmdline:
                found.add(int(entry.name))
    return found


def run_counting_workers(args: list[str], timeout: float = 240) -> tuple[int, int]:
    """(exit code, worker processes started during the run); fails instead of hanging when the
    run does not end (the bug this guards against: workers converting through Ray again)."""
    before = ray_worker_pids()
    seen: set[int] = set()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(run(args)), daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout
    while worker.is_alive() and time.monotonic() < deadline:
        seen |= ray_worker_pids()
        time.sleep(0.05)
    assert not worker.is_alive(), f"convert --ray still running after {timeout:.0f} s; {len(seen - before)} worker processes started"
    return result[0], len(seen - before)


# At most two Stylist actors and the progress queue's actor, each in a process of its own, plus
# Ray refilling its pool of idle workers (one per CPU, two here) as the actors take them. Before
# the executors, a picture with --ray had every worker convert through Ray again: 238 processes.
MAX_NEW_WORKERS = 2 + 1 + 2


def pictures(folder: Path, count: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"p{i}.png" for i in range(start, start + count)]
    for i, path in enumerate(paths):
        write_image(path, frame_pattern(i, 40, 56))
    return paths


def test_a_picture(tmp_path: Path, neg_model: Path) -> None:
    (src,) = pictures(tmp_path, 1)
    common = ["--style", str(neg_model), "--backend", "onnxruntime", "-q"]
    assert run(["convert", str(src), "-o", str(tmp_path / "one.png"), *common]) == 0
    code, started = run_counting_workers(["convert", str(src), "-o", str(tmp_path / "ray.png"), *common, "--ray", "--ray-workers", "1"])
    assert code == 0 and started <= MAX_NEW_WORKERS
    assert np.array_equal(read_image(tmp_path / "ray.png")[0], read_image(tmp_path / "one.png")[0])


def test_a_model_that_fails_on_the_workers_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (src,) = pictures(tmp_path, 1)
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    assert run(["convert", str(src), "--style", str(tmp_path / "bad.onnx"), "-o", str(tmp_path / "out.png"), "--ray"]) == 1
    err = capsys.readouterr().err
    assert err.strip().startswith("error: cannot load model bad.onnx") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.png").exists()


def test_a_folder_of_pictures(tmp_path: Path, neg_model: Path) -> None:
    pictures(tmp_path / "in", 5)
    common = ["--style", str(neg_model), "--backend", "onnxruntime", "-q"]
    assert run(["convert", str(tmp_path / "in"), "-o", str(tmp_path / "one"), *common]) == 0
    code, started = run_counting_workers(["convert", str(tmp_path / "in"), "-o", str(tmp_path / "ray"), *common, "--ray", "--ray-workers", "2"])
    assert code == 0 and started <= MAX_NEW_WORKERS
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "ray").iterdir()) and len(names) == 5
    for name in names:
        assert np.array_equal(read_image(tmp_path / "ray" / name)[0], read_image(tmp_path / "one" / name)[0])


def test_a_mixed_folder(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    pictures(src / "photos", 2)
    (src / "clips").mkdir()
    make_clip(src / "clips" / "a.mp4", n_frames=12, audio="aac")
    code, started = run_counting_workers(["convert", str(src), "-o", str(tmp_path / "out"), "--style", str(neg_model), "--ray"])
    assert code == 0 and started <= MAX_NEW_WORKERS
    assert "(neg) on cpu" in capsys.readouterr().err  # the workers' model, described on the driver
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file()) == ["clips/a.mp4", "photos/p0.png", "photos/p1.png"]
    assert len(read_frames(tmp_path / "out" / "clips" / "a.mp4")[0]) == 12 and audio_summary(tmp_path / "out" / "clips" / "a.mp4") is not None
    assert read_image(tmp_path / "out" / "photos" / "p1.png")[0].shape == (40, 56, 3)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def test_segments_join_frame_exact_with_smoothing(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=480, size=(96, 128), audio="aac", gop=24)  # 20 s
    common = ["--style", str(neg_model), "--codec", "ffv1", "-q"]  # lossless: only the seams can differ
    assert run(["convert", str(src), "-o", str(tmp_path / "one.mkv"), *common]) == 0
    code, started = run_counting_workers(["convert", str(src), "-o", str(tmp_path / "ray.mkv"), *common[:-1], "--ray", "--ray-workers", "2", "--segment-seconds", "4"])
    assert code == 0 and started <= MAX_NEW_WORKERS
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
