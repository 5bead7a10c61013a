"""Fuzz ``vidanime convert`` with deterministic mutants of small clips and pictures.

Seeds: tiny files of every container and picture format vidanime reads (mp4, mov, mkv, webm,
avi, ts, flv, gif; jpg, png, webp), two of them with a picture size that changes mid-stream.
Each mutant (bit flips, truncations, zeroed / inserted / deleted / duplicated blocks, header and
index damage, changed size fields) is converted in its own process with a timeout and sorted:

* converted: exit 0, an output, every frame accounted for (never fewer frames written than a
  forgiving PyAV decode of the same file gives; fewer than the stream declares only with a note);
* refused: exit 1 with exactly one ``error:`` line naming the file and no output;
* other: anything else (a traceback, "unexpected", a hang, another exit code, a file left behind,
  the input changed, frames lost without a word). The target is 0.

    python -m lab.check.fuzz --count 1000 --jobs 2 --json docs/fuzz.json

Tiny seeds keep a 1,000-mutant run to minutes on two cores. ``mutants`` is also what the test
suite's quick run (tests/test_reliability.py) draws from.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("flip", "truncate", "zero", "header", "index", "insert", "delete", "duplicate", "dims")
SIZE = (48, 64)  # (height, width) of every seed: small enough for minutes per thousand
# byte patterns that start a container's index or a picture's layout, by what they are in
INDEX_MARKERS = (
    b"moov", b"stco", b"stsz", b"stss", b"stts", b"ctts", b"co64", b"mvhd", b"tkhd",  # MP4 / MOV
    b"idx1", b"strh", b"strf", b"movi",  # AVI
    b"\x1c\x53\xbb\x6b", b"\x11\x4d\x9b\x74", b"\x16\x54\xae\x6b",  # Matroska Cues, SeekHead, Tracks
    b"onMetaData", b"keyframes",  # FLV
    b"\x47\x40\x00", b"\x47\x50\x00", b"\x47\x10\x00",  # MPEG-TS PAT, PMT, video PES
    b"NETSCAPE", b"\x21\xf9\x04",  # GIF loop and frame control
    b"IHDR", b"IDAT", b"\xff\xc0", b"\xff\xc4", b"\xff\xda", b"VP8 ", b"VP8L",  # PNG, JPEG, WebP
)  # fmt: skip


def pattern(index: int, height: int, width: int) -> np.ndarray:
    """A moving gradient with a bright square (compresses well, changes every frame)."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.stack([(x * 4 + index * 7) % 256, (y * 5) % 256, np.full_like(x, index * 13 % 256)], -1).astype(np.uint8)
    top, left = (index * 3) % (height - 12), (index * 5) % (width - 12)
    img[top : top + 12, left : left + 12] = 240
    return img


def make_seeds(folder: Path) -> list[Path]:
    """One tiny file per format (audio where the format usually carries it), two that change size."""
    from vidanime.images.io import write_image
    from vidanime.video.synthetic import write_clip, write_joined_clip

    h, w = SIZE
    frame = lambda i: pattern(i, h, w)  # noqa: E731
    clips = [
        ("a.mp4", "libx264", "yuv420p", "aac", False),
        ("b.mov", "libx264", "yuv420p", "aac", True),  # index first (faststart)
        ("c.mkv", "libx264", "yuv420p", "libopus", False),
        ("d.webm", "libvpx-vp9", "yuv420p", "libopus", False),
        ("e.avi", "mjpeg", "yuvj420p", None, False),
        ("f.ts", "libx264", "yuv420p", "aac", False),
        ("g.flv", "libx264", "yuv420p", "aac", False),
    ]
    seeds = []
    for name, codec, pix_fmt, audio, faststart in clips:
        options = {"preset": "ultrafast"} if codec == "libx264" else {"deadline": "realtime", "cpu-used": "8"} if codec == "libvpx-vp9" else {}
        seeds.append(write_clip(folder / name, frame, 10, 24, codec=codec, pix_fmt=pix_fmt, codec_options=options, audio=audio, faststart=faststart))
    seeds.append(write_joined_clip(folder / "h.webm", pattern, [(h, w, 5), (h + 24, w + 32, 5)], codec="libvpx-vp9"))
    seeds.append(write_joined_clip(folder / "i.ts", pattern, [(h, w, 5), (h * 2, w * 2, 5)]))
    gif = folder / "j.gif"
    with av.open(str(gif), "w") as out:
        stream = out.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = w, h, "rgb8"
        for i in range(6):
            picture = av.VideoFrame.from_ndarray(frame(i), format="rgb24").reformat(format="rgb8")
            picture.pts = i
            out.mux(stream.encode(picture))
        out.mux(stream.encode(None))
    seeds.append(gif)
    for name in ("k.jpg", "l.png", "m.webp"):
        write_image(folder / name, frame(3))
        seeds.append(folder / name)
    return seeds


def _block(rng: np.random.Generator, size: int) -> tuple[int, int]:
    start = int(rng.integers(0, size))
    return start, min(size, start + int(rng.integers(16, 2048)))


def mutate(data: bytes, kind: str, rng: np.random.Generator) -> bytes:
    """``data`` damaged one way (``kind``), reproducibly for the same ``rng`` state."""
    out = bytearray(data)
    n = len(out)
    if kind == "flip":
        for pos in rng.integers(0, n, size=int(rng.integers(1, 40))):
            out[pos] ^= 1 << int(rng.integers(0, 8))
    elif kind == "truncate":
        del out[int(n * rng.uniform(0.05, 0.98)) :]
    elif kind == "zero":
        start, end = _block(rng, n)
        out[start:end] = bytes(end - start)
    elif kind == "header":
        for pos in rng.integers(0, min(n, 512), size=int(rng.integers(1, 12))):
            out[pos] = int(rng.integers(0, 256))
    elif kind == "index":  # the bytes after a marker of the container's index or layout
        found = [i for marker in INDEX_MARKERS for i in _find_all(data, marker)]
        at = int(rng.choice(found)) if found else int(n * rng.uniform(0.85, 1.0)) - 1
        for pos in at + rng.integers(0, 64, size=int(rng.integers(1, 8))):
            if pos < n:
                out[pos] = int(rng.integers(0, 256))
    elif kind == "insert":  # everything after moves: sizes and offsets no longer agree
        at = int(rng.integers(0, n))
        out[at:at] = rng.integers(0, 256, int(rng.integers(1, 1024)), dtype=np.uint8).tobytes()
    elif kind == "delete":
        start, end = _block(rng, n)
        del out[start:end]
    elif kind == "duplicate":  # a block repeated in place, as a faulty copy or a muxer bug does
        start, end = _block(rng, n)
        out[end:end] = out[start:end]
    elif kind == "dims":  # a picture size field (16-bit, either byte order) set to another size
        h, w = SIZE
        fields = [i for v in (h, w) for enc in (v.to_bytes(2, "big"), v.to_bytes(2, "little")) for i in _find_all(data[:4096], enc)]
        if fields:
            pos = int(rng.choice(fields))
            value = int(rng.choice([0, 1, 2, 17, 96, 128, 4096, 65535]))
            out[pos : pos + 2] = value.to_bytes(2, "big" if rng.integers(0, 2) else "little")
    else:
        raise ValueError(f"unknown mutation {kind!r}")
    return bytes(out)


def _find_all(data: bytes, needle: bytes) -> Iterator[int]:
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


def mutants(seeds: list[Path], count: int, seed: int = 1234) -> Iterator[tuple[str, bytes]]:
    """``count`` (name, bytes) pairs: seed files in turn, each damage kind in turn, deterministic."""
    originals = [path.read_bytes() for path in seeds]
    rng = np.random.default_rng(seed)
    for i in range(count):
        k = i % len(seeds)
        kind = KINDS[(i // len(seeds)) % len(KINDS)]
        yield f"m{i:04d}_{kind}_{seeds[k].stem}{seeds[k].suffix}", mutate(originals[k], kind, rng)


# ------------------------------------------------------------------------------------------------
def forgiving_frame_count(path: Path) -> int:
    """The most frames a forgiving decode gets from ``path`` (as the ffmpeg command does: every
    packet tried, errors skipped, the decoder drained at the end), single-threaded or with slice
    threads: the floor for what convert writes. (Frame threads differ both ways on damaged data,
    see ``frame_threaded_count``.)"""
    return max(_forgiving_count(path, threads) for threads in ("NONE", "SLICE"))


def frame_threaded_count(path: Path) -> int:
    """The same with frame threads, which convert does not use (they lose the frames in flight
    when one fails, yet now and then decode a damaged frame the others refuse): recorded, not judged."""
    return _forgiving_count(path, "FRAME")


def _forgiving_count(path: Path, threads: str) -> int:
    count = 0
    try:
        with av.open(str(path), metadata_errors="replace") as container:
            if not container.streams.video:
                return 0
            stream = container.streams.video[0]
            stream.thread_type = threads
            try:
                for packet in container.demux(stream):
                    try:
                        count += len(packet.decode())
                    except av.error.FFmpegError:
                        continue
            except av.error.FFmpegError:
                try:
                    count += len(stream.codec_context.decode(None))
                except av.error.FFmpegError:
                    pass
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return count
    return count


def declared_frames(path: Path) -> int | None:
    """Frames the container promises: a frame count, else the video stream's duration x rate."""
    try:
        with av.open(str(path), metadata_errors="replace") as container:
            stream = container.streams.video[0]
            if stream.frames:
                return stream.frames
            if stream.duration and stream.time_base and stream.average_rate:
                return round(float(stream.duration * stream.time_base * stream.average_rate))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError, IndexError, ZeroDivisionError):
        return None
    return None


def written_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(container.streams.video[0]))


@dataclass
class Outcome:
    name: str
    verdict: str  # converted, refused, other
    code: int | None
    seconds: float
    why: str = ""  # for other: what went wrong; for refused: the error line
    frames: int | None = None  # written
    forgiving: int | None = None  # a forgiving decode's count
    frame_threaded: int | None = None  # the same with frame threads (not judged)
    declared: int | None = None


IMAGE_SUFFIXES = (".jpg", ".png", ".webp")
LOST_WORDS = ("could not be decoded", "incomplete packet")


def judge(name: str, code: int | None, err: str, src: Path, output: Path, before: str, left: list[str], seconds: float) -> Outcome:
    """Sort one run into converted / refused / other (with the reason)."""
    outcome = Outcome(name, "other", code, round(seconds, 2))
    problems = []
    if code is None:
        problems.append("hang (timeout)")
    if "Traceback" in err or "unexpected" in err:
        problems.append("traceback / unexpected: " + err.strip().splitlines()[-1][:200])
    if hashlib.sha256(src.read_bytes()).hexdigest() != before:
        problems.append("input changed")
    if left:
        problems.append(f"left behind: {left}")
    if code == 1:
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        if len(lines) != 1 or name not in lines[0]:
            problems.append(f"refusal not one line naming the file: {err.strip()[:200]}")
        if output.exists():
            problems.append("output kept after an error")
        outcome.why = lines[0] if lines else ""
    elif code == 0:
        if not output.exists():
            problems.append("exit 0 without an output")
        elif src.suffix not in IMAGE_SUFFIXES:
            outcome.frames, outcome.forgiving, outcome.declared = written_frames(output), forgiving_frame_count(src), declared_frames(src)
            outcome.frame_threaded = frame_threaded_count(src)
            said = any(word in err for word in LOST_WORDS)
            if outcome.frames < outcome.forgiving:
                problems.append(f"{outcome.frames} frames written where a forgiving decode gives {outcome.forgiving}")
            if outcome.declared and outcome.frames < outcome.declared - 1 and not said:
                problems.append(f"{outcome.frames} of {outcome.declared} declared frames written, nothing said")
    elif code is not None:
        problems.append(f"exit code {code}: {err.strip()[:200]}")
    if problems:
        outcome.why = "; ".join(problems)
    else:
        outcome.verdict = "converted" if code == 0 else "refused"
    return outcome


def run_one(name: str, data: bytes, work: Path, model: Path, timeout: float) -> Outcome:
    """Convert one mutant in its own process and judge the result."""
    folder = work / Path(name).stem
    folder.mkdir()
    src = folder / name
    src.write_bytes(data)
    before = hashlib.sha256(data).hexdigest()
    output = folder / ("out.png" if src.suffix in IMAGE_SUFFIXES else "out.mkv")
    command = [sys.executable, "-m", "vidanime", "convert", str(src), "--style", str(model), "-o", str(output), "--quiet", "--temporal", "off", "--preset", "ultrafast"]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout, cwd=ROOT)
        code, err = done.returncode, done.stderr
    except subprocess.TimeoutExpired as exc:
        code, err = None, (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    seconds = time.monotonic() - started
    left = sorted(p.name for p in folder.iterdir() if p.name.startswith("."))
    outcome = judge(name, code, err, src, output, before, left, seconds)
    if outcome.verdict != "other":
        shutil.rmtree(folder)  # keep only what needs looking at
    return outcome


def neg_model(path: Path) -> Path:
    """The cheapest generator there is (the negative image), so the time goes to the input side."""
    import onnx
    from onnx import TensorProto, helper

    shape = ["N", 3, "H", "W"]
    graph = helper.make_graph(
        [helper.make_node("Neg", ["input"], ["output"])], "neg",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)], [helper.make_tensor_value_info("output", TensorProto.FLOAT, shape)],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in {"vidanime.size_multiple": "8", "vidanime.arch": "neg"}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))
    return path


def fuzz(count: int, jobs: int, timeout: float, work: Path, seed: int, on_done: Callable[[Outcome], None]) -> list[Outcome]:
    seeds_dir, runs = work / "seeds", work / "runs"
    seeds_dir.mkdir(parents=True)
    runs.mkdir()
    seeds = make_seeds(seeds_dir)
    model = neg_model(work / "neg.onnx")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_one, name, data, runs, model, timeout) for name, data in mutants(seeds, count, seed)]
        results = []
        for future in futures:
            results.append(future.result())
            on_done(results[-1])
    return results


def summary(results: list[Outcome], seconds: float, jobs: int) -> dict[str, object]:
    from vidanime.bench.machine import describe

    verdicts = Counter(r.verdict for r in results)
    by_format: dict[str, Counter[str]] = {}
    for r in results:
        by_format.setdefault(Path(r.name).suffix, Counter())[r.verdict] += 1
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": describe(),
        "mutants": len(results),
        "jobs": jobs,
        "seconds": round(seconds, 1),
        "converted": verdicts["converted"],
        "refused": verdicts["refused"],
        "other": verdicts["other"],
        "by_kind": {kind: dict(Counter(r.verdict for r in results if f"_{kind}_" in r.name)) for kind in KINDS},
        "by_format": {suffix: dict(c) for suffix, c in sorted(by_format.items())},
        "frame_threads_give_more": [f"{r.name}: {r.frames} written, {r.frame_threaded} with frame threads" for r in results if r.frames is not None and (r.frame_threaded or 0) > r.frames],
        "refusals": dict(Counter(_reason(r.why) for r in results if r.verdict == "refused").most_common(12)),
        "others": [asdict(r) for r in results if r.verdict == "other"],
    }


def _reason(line: str) -> str:
    """An error line without the file name, so alike refusals group together."""
    text = line.split(": ", 2)[-1] if line.count(": ") >= 2 else line
    return text.split(" (")[0][:80]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2, help="conversions at a time")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a conversion counts as hung")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one, kept only when something is 'other')")
    ap.add_argument("--json", type=Path, help="write the summary here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="vidanime-fuzz-"))
    started = time.monotonic()
    progress = Counter[str]()

    def on_done(outcome: Outcome) -> None:
        progress[outcome.verdict] += 1
        if outcome.verdict == "other":
            print(f"OTHER {outcome.name}: {outcome.why}", file=sys.stderr, flush=True)
        done = sum(progress.values())
        if done % 50 == 0:
            print(f"{done}/{args.count} {dict(progress)} {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)

    results = fuzz(args.count, args.jobs, args.timeout, work, args.seed, on_done)
    report = summary(results, time.monotonic() - started, args.jobs)
    print(json.dumps({k: v for k, v in report.items() if k != "others"}, indent=2))
    if args.json:
        from vidanime.outputs import write_json

        write_json(args.json, report)
    if report["other"]:
        print(f"kept for inspection: {work / 'runs'}", file=sys.stderr)
    elif args.keep is None:
        shutil.rmtree(work)
    sys.exit(1 if report["other"] else 0)


if __name__ == "__main__":
    main()
