"""Nothing lost, nothing left behind: each bug the fuzzing and fault-injection pass found, as a
regression test, and a deterministic fuzz run over damaged clips."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
from factories import frame_pattern, make_clip, make_onnx_graph, read_frames
from onnx import TensorProto, helper

from vidanime.cli.app import run
from vidanime.errors import Interrupted
from vidanime.images.io import write_image
from vidanime.pipeline.video import stream_frames
from vidanime.stop import stop_signals_held
from vidanime.video.decode import Frame


def convert(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = run(["convert", *map(str, args), "--quiet", "--temporal", "off", "--preset", "ultrafast"])
    return code, capsys.readouterr().err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*"))


def one_op_model(path: Path, nodes: list, out_shape: list, fixed: tuple[int, int] | None = None, initializers: list | None = None) -> Path:
    h, w = fixed or ("H", "W")
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, h, w])
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape)
    return make_onnx_graph(path, nodes, [inp], [out], initializers)


# 1 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix,codec", [("mkv", "libx264"), ("webm", "libvpx-vp9")])
def test_truncated_matroska_and_webm_report_lost_frames(suffix: str, codec: str, tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / f"full.{suffix}", n_frames=48, size=(120, 160), codec=codec, audio=None)
    cut = tmp_path / f"cut.{suffix}"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    code, err = convert(capsys, cut, "--style", neg_model, "-o", tmp_path / f"out.{suffix}")
    assert code == 0 and "frames could not be decoded" in err, err
    lost = int(err.split(f"note: cut.{suffix}: ")[1].split(" of ")[0])
    written = len(read_frames(tmp_path / f"out.{suffix}")[0])
    assert lost > 10 and abs(lost + written - 48) <= 2
    code, err = convert(capsys, cut, "--style", neg_model, "-o", tmp_path / f"strict.{suffix}", "--strict")
    assert code == 1 and "could not be decoded" in err
    assert not (tmp_path / f"strict.{suffix}").exists() and not leftovers(tmp_path)


def test_complete_matroska_reports_nothing_lost(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "full.mkv", n_frames=30, audio="libopus")
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out.mkv", "--strict")
    assert code == 0 and "could not be decoded" not in err


# 2 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["mkv", "mp4"])
def test_latin1_title_is_read_and_carried(suffix: str, tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = tmp_path / f"clean.{suffix}"
    with av.open(str(clean), "w") as out:
        out.metadata["title"] = "caf\u00e9 clip"
        vs = out.add_stream("libx264", rate=24, options={"preset": "ultrafast"})
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        for i in range(6):
            frame = av.VideoFrame.from_ndarray(frame_pattern(i, 48, 64), format="rgb24")
            frame.pts = i
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
    data = clean.read_bytes()
    assert data.count("café".encode()) == 1
    latin = tmp_path / f"latin.{suffix}"
    latin.write_bytes(data.replace("café".encode(), b"caf\xe9 "))  # same length: one 0xE9 byte
    code, err = convert(capsys, latin, "--style", neg_model, "-o", tmp_path / f"out.{suffix}")
    assert code == 0, err
    assert len(read_frames(tmp_path / f"out.{suffix}")[0]) == 6


# 3 + fuzz ------------------------------------------------------------------------------------------
def test_fuzz_damaged_inputs_never_crash_lose_frames_or_leave_files(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """120 of lab/check/fuzz.py's mutants (every format and damage kind), judged as it judges them:
    converted with every frame accounted for, or refused in one line naming the file."""
    from lab.check.fuzz import judge, make_seeds, mutants

    (tmp_path / "seeds").mkdir()
    seeds = make_seeds(tmp_path / "seeds")
    work = tmp_path / "work"
    work.mkdir()
    verdicts: dict[str, int] = {}
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("a damaged input hung convert")))
    try:
        for name, data in mutants(seeds, 120):
            src = work / name
            src.write_bytes(data)
            output = work / f"{src.stem}_out{'.png' if src.suffix in ('.jpg', '.png', '.webp') else '.mkv'}"
            started = time.monotonic()
            signal.alarm(60)  # a hang, not a slow run: a 65344x255 picture takes 8 s on a loaded machine
            code, err = convert(capsys, src, "--style", neg_model, "-o", output)
            signal.alarm(0)
            outcome = judge(name, code, err, src, output, hashlib.sha256(data).hexdigest(), leftovers(work), time.monotonic() - started)
            assert outcome.verdict != "other", outcome
            verdicts[outcome.verdict] = verdicts.get(outcome.verdict, 0) + 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    assert verdicts.get("converted", 0) > 20 and verdicts.get("refused", 0) > 20, verdicts  # both outcomes really happened


# 4 -----------------------------------------------------------------------------------------------
def test_folder_mode_survives_an_unexpected_error(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import vidanime.pipeline.jobs as pipeline

    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        write_image(src / f"p{i}.png", frame_pattern(i, 40, 56))
    real = pipeline.convert_image

    def flaky(job, *rest):  # type: ignore[no-untyped-def]
        if job.name == "p1.png":
            raise RuntimeError("boom")
        return real(job, *rest)

    monkeypatch.setattr(pipeline, "convert_image", flaky)
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out")
    assert code == 1 and "p1.png" in err and "RuntimeError" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["p0.png", "p2.png"]


# 5, 11 --------------------------------------------------------------------------------------------
def test_image_to_video_name_is_refused(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_image(tmp_path / "photo.jpg", frame_pattern(0, 40, 56))
    for name in ("out.mp4", "out.xyz", "out.gif"):
        code, err = convert(capsys, tmp_path / "photo.jpg", "--style", neg_model, "-o", tmp_path / name)
        assert code == 2 and "image" in err and not (tmp_path / name).exists()


def test_gif_input_becomes_mp4_and_gif_output_is_refused(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gif = tmp_path / "anim.gif"
    with av.open(str(gif), "w") as out:
        vs = out.add_stream("gif", rate=10)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "rgb8"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(frame_pattern(i, 48, 64), format="rgb24").reformat(format="rgb8")
            frame.pts = i
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
    code, err = convert(capsys, gif, "--style", neg_model)
    assert code == 0, err
    assert len(read_frames(tmp_path / "anim_neg.mp4")[0]) == 5
    code, err = convert(capsys, gif, "--style", neg_model, "-o", tmp_path / "x.gif")
    assert code == 2 and "GIF output" in err


# 6 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_stop_signals_clean_up_and_say_so(sig: int, code: int, tmp_path: Path, neg_model: Path) -> None:
    src = make_clip(tmp_path / "long.mp4", n_frames=400, size=(240, 320), audio="aac")
    out = tmp_path / "out" / "o.mp4"
    out.parent.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vidanime", "convert", str(src), "--style", str(neg_model), "-o", str(out), "-q"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not list(out.parent.glob(".o.partial-*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be stopped"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.strip().splitlines() == [f"error: interrupted ({signal.Signals(sig).name}); no partial output was kept"]
    assert list(out.parent.iterdir()) == []



class SlowClosingWriter:
    """A writer whose close (the encoder's flush) takes a while, as a long clip's does."""

    def __init__(self) -> None:
        self.frames_written, self.notes, self.events = 0, [], []

    def write(self, image: np.ndarray, pts: int, matrix: object) -> None:
        self.frames_written += 1

    def close(self) -> None:
        time.sleep(0.6)
        self.events.append("closed")

    def abort(self) -> None:
        self.events.append("aborted")


def _interrupt(signum: int, frame: object) -> None:
    raise Interrupted(signum, "SIGALRM")


def test_a_stop_signal_while_the_encoder_flushes_waits_for_it() -> None:
    """A signal that lands while the last frames are still being encoded stops only once every
    stage has ended, then throws the output away (a CI run crashed in PyAV at exit when the
    encoder's thread was left running)."""
    writer = SlowClosingWriter()
    frames = iter([Frame(np.zeros((8, 8, 3), np.uint8), pts) for pts in range(3)])
    before = signal.signal(signal.SIGALRM, _interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)  # the frames are through; the encoder is flushing
        with pytest.raises(Interrupted):
            stream_frames(frames, writer, lambda: None, lambda x: x, 1)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    assert writer.events == ["closed", "aborted"]
    assert not [t.name for t in threading.enumerate() if t.name in ("decode", "encode")]


def test_a_stopped_run_exits_without_the_interpreters_teardown(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """After a stop signal, native threads may still be finishing a call, and tearing the
    interpreter down under them crashed now and then (exit -11 instead of 143). A stopped run says
    its line and leaves at once; other runs exit as usual."""
    from vidanime.cli import app

    exits: list[int] = []

    def leave(code: int) -> None:
        exits.append(code)
        raise SystemExit(code)

    def stopped(args: list[str], debug: bool = False) -> int:
        print("error: interrupted (SIGTERM); no partial output was kept", file=sys.stderr)
        return 143

    monkeypatch.setattr(app.os, "_exit", leave)
    monkeypatch.setattr(app, "run", stopped)
    with pytest.raises(SystemExit):
        app.main(["convert", "x.mp4"])
    assert exits == [143] and "interrupted (SIGTERM)" in capsys.readouterr().err
    monkeypatch.setattr(app, "run", lambda args, debug=False: 1)
    with pytest.raises(SystemExit) as done:
        app.main(["convert", "x.mp4"])
    assert done.value.code == 1 and exits == [143]  # an error exits the usual way


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="only POSIX can hold signals back")
def test_stop_signals_held_arrive_on_leaving() -> None:
    """The stages start with stop signals held, so none is left half-started."""
    seen: list[int] = []
    before = signal.signal(signal.SIGHUP, lambda signum, frame: seen.append(signum))
    try:
        with stop_signals_held():
            signal.raise_signal(signal.SIGHUP)
            time.sleep(0.05)
            assert seen == []
        assert seen == [signal.SIGHUP]
    finally:
        signal.signal(signal.SIGHUP, before)


# 7 -----------------------------------------------------------------------------------------------
def test_failed_styles_add_leaves_nothing_and_hidden_files_are_never_styles(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from vidanime.styles.registry import installed_styles, user_styles_dir

    def broken_copy(a, b):  # type: ignore[no-untyped-def]
        Path(b).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", broken_copy)
    assert run(["styles", "add", "mine", str(neg_model)]) == 1
    assert "no space left" in capsys.readouterr().err
    folder = user_styles_dir()
    assert not folder.exists() or list(folder.iterdir()) == []
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".other.partial.onnx").write_bytes(neg_model.read_bytes())
    assert ".other.partial" not in installed_styles() and "mine" not in installed_styles()


def styles_folder_files() -> dict[str, bytes]:
    from vidanime.styles.registry import user_styles_dir

    folder = user_styles_dir()
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


@pytest.mark.parametrize("failing", ["fp16 copy", "int8 copy", "sidecar", "model copy", "model rename"])
def test_styles_add_failing_half_way_leaves_nothing(failing: str, tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Variants, sidecar and model go in together or not at all, whichever step fails: a copy cut
    off half-way (full disk), the sidecar's write, or the last rename."""
    import shutil

    model = tmp_path / "mine.onnx"
    shutil.copyfile(neg_model, model)
    for variant in ("fp16", "int8"):
        shutil.copyfile(neg_model, tmp_path / f"mine.{variant}.onnx")
    real_copy, real_replace, real_write = shutil.copyfile, os.replace, Path.write_text

    def copy_half(src, dst):  # type: ignore[no-untyped-def]
        if (failing == "model copy" and Path(src) == model) or (failing.endswith(" copy") and Path(src).name == f"mine.{failing.split()[0]}.onnx"):
            data = Path(src).read_bytes()
            Path(dst).write_bytes(data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        return real_copy(src, dst)

    def write(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if failing == "sidecar" and self.suffix == ".json":
            raise OSError(28, "No space left on device")
        return real_write(self, *args, **kwargs)

    def rename(src, dst):  # type: ignore[no-untyped-def]
        if failing == "model rename" and Path(dst).name == "mine.onnx":
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    with monkeypatch.context() as patched:
        patched.setattr(shutil, "copyfile", copy_half)
        patched.setattr(Path, "write_text", write)
        patched.setattr(os, "replace", rename)
        assert run(["styles", "add", "mine", str(model)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1 and "unexpected" not in err, err
    assert styles_folder_files() == {}
    assert run(["styles", "add", "mine", str(model)]) == 0  # and nothing in the way of a second try
    assert sorted(styles_folder_files()) == ["mine.fp16.onnx", "mine.int8.onnx", "mine.json", "mine.onnx"]


def test_styles_add_over_a_style_keeps_the_old_one_whole_when_it_fails(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    old = tmp_path / "old.onnx"
    shutil.copyfile(neg_model, old)
    shutil.copyfile(neg_model, tmp_path / "old.int8.onnx")
    assert run(["styles", "add", "mine", str(old)]) == 0
    before = styles_folder_files()
    new = one_op_model(tmp_path / "new.onnx", [helper.make_node("Identity", ["input"], ["output"])], ["N", 3, "H", "W"])
    real_copy = shutil.copyfile

    def copy_half(src, dst):  # type: ignore[no-untyped-def]
        real_copy(src, dst)
        with open(dst, "r+b") as f:
            f.truncate(Path(src).stat().st_size // 2)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", copy_half)
    assert run(["styles", "add", "mine", str(new), "--overwrite"]) == 1
    assert "no space left" in capsys.readouterr().err
    assert styles_folder_files() == before  # the old model, its int8 variant and its sidecar, untouched


# 8 -----------------------------------------------------------------------------------------------
def broken_models(folder: Path) -> dict[str, Path]:
    minus_one = helper.make_tensor("m1", TensorProto.FLOAT, [1], [-1.0])
    return {
        "nan": one_op_model(folder / "nan.onnx", [helper.make_node("Sqrt", ["input"], ["output"])], ["N", 3, "H", "W"]),
        "one_channel": one_op_model(
            folder / "grey.onnx", [helper.make_node("ReduceMean", ["input"], ["output"], axes=[1], keepdims=1)], ["N", 1, "H", "W"]
        ),
        "half_size": one_op_model(
            folder / "half.onnx", [helper.make_node("AveragePool", ["input"], ["output"], kernel_shape=[2, 2], strides=[2, 2])], ["N", 3, "h", "w"]
        ),
        "tiny_fixed": one_op_model(folder / "tiny.onnx", [helper.make_node("Mul", ["input", "m1"], ["output"])], [1, 3, 4, 4], (4, 4), [minus_one]),
    }


@pytest.mark.parametrize("kind", ["nan", "one_channel", "half_size", "tiny_fixed"])
def test_style_file_is_probed_at_load(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = broken_models(tmp_path)[kind]
    src = make_clip(tmp_path / "a.mp4", n_frames=4, audio=None)
    code, err = convert(capsys, src, "--style", model, "-o", tmp_path / "out.mp4")
    assert code == 1 and err.startswith("error: ") and "unexpected" not in err, err
    assert model.name in err
    assert not (tmp_path / "out.mp4").exists() and not leftovers(tmp_path)


# 9 -----------------------------------------------------------------------------------------------
def test_odd_size_kept_exactly_where_the_codec_allows(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "odd.webm", n_frames=4, size=(241, 333), codec="libvpx-vp9", audio=None)
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out.webm")
    assert code == 0 and "padded" not in err
    assert read_frames(tmp_path / "out.webm")[1][0].shape == (241, 333, 3)
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out.mp4")  # H.264 4:2:0 needs even sizes
    assert code == 0 and "padded to 334x242" in err


# 10 ----------------------------------------------------------------------------------------------
def test_unwritable_places_get_a_clear_line(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=4, audio=None)
    code, err = convert(capsys, src, "--style", neg_model, "-o", "/proc/out.mp4")
    assert code == 1 and "/proc/out.mp4" in err and "unexpected" not in err and "partial" not in err, err


def tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def test_full_disk_says_so_and_leaves_nothing(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = tmp_path / "small"
    if os.geteuid() != 0 or not tmpfs(small, "48k"):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount rights)")
    try:
        src = make_clip(tmp_path / "a.mp4", n_frames=60, size=(240, 320), audio="aac")
        code, err = convert(capsys, src, "--style", neg_model, "-o", small / "out.mkv")
        assert code == 1 and f"no space left on device while writing {small / 'out.mkv'}" in err, err
        write_image(tmp_path / "big.png", np.random.default_rng(0).integers(0, 255, (600, 800, 3), dtype=np.uint8))
        code, err = convert(capsys, tmp_path / "big.png", "--style", neg_model, "-o", small / "out.png")
        assert code == 1 and "no space left on device" in err, err
        assert list(small.iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], capture_output=True)


# 12 ----------------------------------------------------------------------------------------------
def test_large_pictures_go_through_in_windows_with_the_same_result(tmp_path: Path) -> None:
    from vidanime.engine.session import open_session
    from vidanime.engine.stylizer import Stylizer

    rng = np.random.default_rng(0)
    weight = helper.make_tensor("w", TensorProto.FLOAT, [3, 3, 5, 5], (rng.normal(0, 0.1, 225)).tolist())
    model = one_op_model(tmp_path / "conv.onnx", [helper.make_node("Conv", ["input", "w"], ["output"], pads=[2, 2, 2, 2])], ["N", 3, "H", "W"], initializers=[weight])
    engine = open_session(model, "cpu")
    frame = rng.integers(0, 255, (1, 301, 517, 3), dtype=np.uint8)
    whole = Stylizer(engine.run, engine.contract)(frame)
    windows = Stylizer(engine.run, engine.contract, tile_pixels=100 * 100, tile=128, tile_margin=8)(frame)
    assert windows.shape == whole.shape
    assert np.abs(windows.astype(int) - whole).max() <= 1


def test_windows_carry_the_models_context_so_no_seam_shows(tmp_path: Path) -> None:
    """A model whose pixels depend on 30 px each side (a 61-wide box blur): windows with the old
    fixed 8 px margin leave seams; with the contract's context (``vidanime.context``) they match
    one pass. The bundled context-unet styles see about 256 px."""
    from dataclasses import replace

    from factories import make_onnx_generator

    from vidanime.engine.session import open_session
    from vidanime.engine.stylizer import Stylizer

    blur = helper.make_node("AveragePool", ["input"], ["output"], kernel_shape=[1, 61], pads=[0, 30, 0, 30], count_include_pad=0)
    engine = open_session(one_op_model(tmp_path / "blur.onnx", [blur], ["N", 3, "H", "W"]), "cpu")
    frame = np.random.default_rng(1).integers(0, 255, (1, 96, 700, 3), dtype=np.uint8)
    whole = Stylizer(engine.run, engine.contract)(frame).astype(int)
    windowed = {
        context: Stylizer(engine.run, replace(engine.contract, context=context), tile_pixels=100 * 100, tile=128, tile_margin=8)(frame)
        for context in (8, 30)
    }
    inner = np.s_[:, :, 32:-32]  # the picture's own border is padded per window: not a seam
    assert np.abs(windowed[8] - whole)[inner].max() > 8  # too little context: the seams show
    assert np.abs(windowed[30] - whole)[inner].max() <= 1
    for stored, read in (("30", 30), ("not a number", 64)):  # graphs without a usable value keep the old 64 px
        graph = make_onnx_generator(tmp_path / f"g{read}.onnx", metadata={"vidanime.context": stored})
        assert open_session(graph, "cpu").contract.context == read
