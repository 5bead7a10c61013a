"""Long videos in keyframe-aligned segments: each converted on its own (by seeking), recorded in
a journal, and joined at the end by remuxing, with the source audio muxed once.

This is what ``convert --resume`` runs on (a stopped run continues from the last completed
segment) and what a cluster can spread over machines. Seams stay invisible: each segment but the
first decodes a few frames before its start through the model and the temporal smoother (its
warm-up), which are then dropped; and segments are encoded without B-frames, so their packets
can be concatenated as they are.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import av
import numpy as np

from vidanime.errors import MediaError
from vidanime.outputs import atomic_output, write_json
from vidanime.pipeline.video import FrameSmoother, VideoOptions, VideoReport, model_stages, report_damage, report_lost_frames, stream_frames
from vidanime.video.audio import AudioCarrier, AudioUnusable, FilePackets
from vidanime.video.decode import Frame, VideoReader, partial_ts_tail
from vidanime.video.encode import SKIP_METADATA, VideoWriter

log = logging.getLogger(__name__)

WARMUP_FRAMES = 8  # frames before a segment that prime the smoother (flow needs one, EMA a few)
JOURNAL = "journal.json"


@dataclass(frozen=True)
class Segment:
    index: int
    start_pts: int  # first frame written (a keyframe)
    end_pts: int | None  # first frame of the next segment; None for the last
    warmup_from: int | None  # keyframe to start decoding at for the warm-up (the previous segment's)


def plan_segments(keyframes: list[int], time_base: Any, seconds: float) -> list[Segment]:
    """Cut at the first keyframe at or after every ``seconds``; at least one segment."""
    if not keyframes:
        return [Segment(0, 0, None, None)]
    starts = [keyframes[0]]
    for key in keyframes[1:]:
        if float((key - starts[-1]) * time_base) >= seconds:
            starts.append(key)
    ends: list[int | None] = [*starts[1:], None]
    return [Segment(i, s, e, starts[i - 1] if i else None) for i, (s, e) in enumerate(zip(starts, ends))]


def segment_frames(reader: VideoReader, segment: Segment, warmup: int) -> Iterator[Frame]:
    """The segment's frames, preceded by up to ``warmup`` warm-up frames from just before it."""
    before: list[Frame] = []
    seek = segment.warmup_from if (warmup and segment.warmup_from is not None) else segment.start_pts
    for frame in reader.frames(seek_to=seek if segment.index else None):
        if frame.pts < segment.start_pts:
            before = [*before[-(warmup - 1) :], frame] if warmup else []
            continue
        if segment.end_pts is not None and frame.pts >= segment.end_pts:
            break
        if before:
            yield from (replace(f, warmup=True) for f in before)
            before = []
        yield frame


def convert_segment(
    source: Path,
    segment: Segment,
    out_path: Path,
    stylize: Callable[[np.ndarray], np.ndarray],
    options: VideoOptions,
    on_frames: Callable[[int], None] = lambda n: None,
    smoother: FrameSmoother | None = None,
) -> tuple[VideoReport, int]:
    """Encode one segment, video only, with the output's settings; returns (report, decode errors)."""
    with VideoReader(source) as reader:
        writer = VideoWriter(out_path, None, reader.info, replace(options.encode, joinable=True), None)
        frames = segment_frames(reader, segment, WARMUP_FRAMES if smoother is not None else 0)
        run, post = model_stages(stylize, options)
        batch = options.batch_for(reader.info.height, reader.info.width)
        report = stream_frames(frames, writer, lambda: reader.display_matrix, run, batch, on_frames, smoother, post)
        return report, reader.decode_errors


def finish_segments(
    done: list[tuple[Path, int, int]], source: Path, dst: Path, name: str, declared: int | None, options: VideoOptions, report: VideoReport,
    stream_size: tuple[int, int] | None = None,
) -> None:
    """Join the segments ``done`` ((file, frames, decode errors), in order) into ``dst`` and account
    for lost frames, resized ones (``report.resized``, at ``stream_size``) and a cut end, inside the
    atomic write: a ``--strict`` failure leaves no output."""
    parts = [file for file, frames, _ in done if frames > 0]
    if not parts:
        raise MediaError(f"{name}: no decodable video frames")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(dst) as tmp:
        report.notes += join_segments(parts, source, tmp, options.keep_audio)
        report.frames = sum(frames for _, frames, _ in done)
        lost = sum(errors for _, _, errors in done)
        report_lost_frames(name, report, max(lost, declared - report.frames) if declared else lost, options.strict)
        if stream_size is not None:
            report_damage(name, report, stream_size, partial_ts_tail(source), options.strict)


def join_segments(parts: list[Path], source: Path, out_path: Path, keep_audio: bool) -> list[str]:
    """Concatenate the segments' video packets into ``out_path`` (no re-encoding) and mux the
    source's audio once, interleaved; returns notes."""
    notes: list[str] = []
    with VideoReader(source) as reader:
        info = reader.info
        next(reader.frames(), None)  # the display matrix rides on the first decoded frame
        matrix, has_audio = reader.display_matrix, keep_audio and reader.has_audio
    with av.open(str(out_path), mode="w") as output, av.open(str(parts[0])) as head:
        stream = output.add_stream_from_template(head.streams.video[0])
        stream.time_base = info.time_base
        if matrix is not None:
            stream.set_display_matrix(list(matrix))
        output.metadata.update({k: v for k, v in info.metadata.items() if k not in SKIP_METADATA})
        audio = None
        if has_audio:
            try:
                audio = AudioCarrier(FilePackets(source), output, info.start_offset_s)
                if audio.plan.note:
                    notes.append(audio.plan.note)
            except (AudioUnusable, av.error.FFmpegError, ValueError) as exc:
                notes.append(f"audio dropped: {exc}")
        try:
            for part in parts:
                with av.open(str(part)) as seg:
                    for packet in seg.demux(seg.streams.video[0]):
                        if packet.dts is None and packet.size == 0:
                            continue  # the demuxer's end marker
                        if audio is not None and packet.pts is not None:
                            audio.write_until(float(packet.pts * packet.time_base))
                        packet.stream = stream
                        output.mux(packet)
            if audio is not None:
                audio.write_until(None)
        finally:
            if audio is not None:
                audio.close()
    return notes


@dataclass
class Journal:
    """What a resumable run has finished, kept beside the hidden partial output."""

    folder: Path
    key: str
    plan: list[Segment]
    done: dict[int, dict[str, Any]] = field(default_factory=dict)  # index -> {"file", "frames", "decode_errors"}

    @classmethod
    def open(cls, folder: Path, key: str, plan: list[Segment], resume: bool) -> tuple["Journal", str | None]:
        """Reuse a matching journal when resuming; otherwise start a fresh one. Returns a note."""
        path = folder / JOURNAL
        if path.is_file():
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                saved = {}
            if resume and saved.get("key") == key:
                done = {int(k): v for k, v in saved.get("done", {}).items() if (folder / v["file"]).is_file()}
                return cls(folder, key, plan, done), f"resumed: {len(done)} of {len(plan)} segments already done"
            shutil.rmtree(folder, ignore_errors=True)
            note = "the saved progress was for other settings or another input: started over" if resume else "earlier progress discarded (pass --resume to continue it)"
        else:
            note = None
        folder.mkdir(parents=True, exist_ok=True)
        journal = cls(folder, key, plan)
        journal.save()
        return journal, note

    def save(self) -> None:
        write_json(self.folder / JOURNAL, {"key": self.key, "plan": [asdict(s) for s in self.plan], "done": self.done})

    def record(self, index: int, file: str, frames: int, decode_errors: int, resized: Counter[tuple[int, int]] | None = None) -> None:
        """A finished segment; ``resized``: its frames written from another size, by that size."""
        self.done[index] = {"file": file, "frames": frames, "decode_errors": decode_errors, "resized": [[*size, n] for size, n in (resized or {}).items()]}
        self.save()

    def resized(self) -> Counter[tuple[int, int]]:
        """Frames written from another size than the stream's, over the finished segments."""
        return Counter({(w, h): n for entry in self.done.values() for w, h, n in entry.get("resized", [])})


def run_key(source: Path, style_path: Path, settings: dict[str, Any]) -> str:
    """Identity of a run: the same input file, model and settings, or the journal is not reused."""
    stat = source.stat()
    raw = json.dumps([str(source.resolve()), stat.st_size, stat.st_mtime_ns, str(style_path.resolve()), style_path.stat().st_size, settings], sort_keys=True, default=str)
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def resume_folder(dst: Path) -> Path:
    """Where a resumable run keeps its segments and journal: hidden, beside the output."""
    return dst.with_name(f".{dst.stem}.resume")


def convert_resumable(
    source: Path,
    dst: Path,
    stylize: Callable[[np.ndarray], np.ndarray],
    options: VideoOptions,
    progress: Callable[[str, int | None], Callable[[int], None]],
    smoothers: Callable[[], FrameSmoother | None],
    key: str,
    seconds: float,
    resume: bool,
) -> VideoReport:
    """Convert ``source`` segment by segment into ``dst``, journaling each finished segment; a
    stopped run, started again with ``resume``, skips what is done. Removes its folder on success
    and keeps it (saying so on the exception) otherwise."""
    with VideoReader(source) as reader:
        plan = plan_segments(reader.keyframes(), reader.info.time_base, seconds)
        estimate, declared, dropped = reader.frame_estimate, reader.info.frame_count, reader.dropped_streams_note
        stream_size = (reader.info.width, reader.info.height)
    folder = resume_folder(dst)
    journal, note = Journal.open(folder, key, plan, resume)
    report = VideoReport(notes=[n for n in (dropped, note) if n])
    on_frames = progress(source.name, estimate)
    on_frames(sum(d["frames"] for d in journal.done.values()))
    try:
        for segment in plan:
            if segment.index in journal.done:
                continue
            part = folder / f"seg_{segment.index:05d}{dst.suffix}"
            with atomic_output(part) as tmp:
                seg_report, errors = convert_segment(source, segment, tmp, stylize, options, on_frames, smoothers())
            journal.record(segment.index, part.name, seg_report.frames, errors, seg_report.resized)
            for stage, value in seg_report.stage_seconds.items():
                report.stage_seconds[stage] += value
            report.seconds += seg_report.seconds
        done = [(folder / journal.done[s.index]["file"], journal.done[s.index]["frames"], journal.done[s.index]["decode_errors"]) for s in plan]
        report.resized = journal.resized()
        finish_segments(done, source, dst, source.name, declared, options, report, stream_size)
    except BaseException as exc:
        done = len(journal.done)
        if done:
            hint = f"progress kept: {done} of {len(plan)} segments in {folder}; run the same command with --resume to continue"
            exc.resume_hint = hint  # type: ignore[attr-defined] - the CLI prints it under the error
        else:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    return report
