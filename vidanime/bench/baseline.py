"""The anchors' video loop, faithfully, as the baseline ``convert`` is measured against.

After AnimeGANv3's ``video2anime.py``: an OpenCV reader thread fills a queue, the main loop runs
the model one frame at a time (batch 1), and an OpenCV ``mp4v`` writer writes the frames; no
audio, no timestamps kept, no smoothing. Pre- and post-processing use the model's contract, as
the script does for its own models."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from vidanime.engine.session import open_session
from vidanime.engine.stylizer import from_model_output, pad_to_multiple, to_model_input


def anchors_loop(clip: Path, model: Path, out: Path, threads: int | None = None) -> dict[str, float]:
    """Convert ``clip`` the anchors' way; returns frames, seconds and fps."""
    engine = open_session(model, "cpu", threads, "onnxruntime")
    contract = engine.contract
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    frames: "queue.Queue[np.ndarray | None]" = queue.Queue(maxsize=128)

    def read() -> None:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.put(frame)
        frames.put(None)

    start = time.perf_counter()
    threading.Thread(target=read, daemon=True).start()
    count = 0
    while (frame := frames.get()) is not None:
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)[None]
        x = pad_to_multiple(rgb, contract.size_multiple)
        y = from_model_output(engine.run(to_model_input(x, contract)), contract)[0, :height, :width]
        writer.write(cv2.cvtColor(y, cv2.COLOR_RGB2BGR))
        count += 1
    writer.release()
    capture.release()
    seconds = time.perf_counter() - start
    return {"frames": count, "seconds": round(seconds, 2), "fps": round(count / seconds, 2)}
