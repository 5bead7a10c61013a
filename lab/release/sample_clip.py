"""Cut the bundled sample clip (vidanime/samples/snowboarder.mp4) from a real video: the first few
seconds, scaled to 640 px wide (even height), H.264 + AAC, with the source's sound.

    python -m lab.release.sample_clip ../shared/data/videos/showlab__Tune-A-Video__data_man-skiing.mp4 \
        vidanime/samples/snowboarder.mp4

The source and its licence are named in vidanime/samples/README.md; change both together.
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import av
import cv2

WIDTH = 640


def even_height(width: int, height: int) -> int:
    """The height at ``WIDTH`` px wide, rounded to even (H.264's 4:2:0 needs it)."""
    return round(height * WIDTH / width / 2) * 2


def cut(source: Path, out: Path, seconds: float, crf: int) -> None:
    with av.open(str(source)) as src, av.open(str(out), "w", options={"movflags": "faststart"}) as dst:
        vin = src.streams.video[0]
        rate = vin.average_rate or Fraction(30)
        vout = dst.add_stream("libx264", rate=rate, options={"crf": str(crf), "preset": "slow"})
        vout.pix_fmt = "yuv420p"
        vout.width, vout.height = WIDTH, even_height(vin.width, vin.height)
        ain = src.streams.audio[0] if src.streams.audio else None
        aout = resampler = None
        if ain is not None:
            aout = dst.add_stream("aac", rate=ain.rate)
            aout.layout = "stereo"
            aout.bit_rate = 96_000
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=ain.rate)
        for i, frame in enumerate(src.decode(vin)):
            if frame.time is not None and frame.time >= seconds:
                break
            image = cv2.resize(frame.to_ndarray(format="rgb24"), (vout.width, vout.height), interpolation=cv2.INTER_AREA)
            picture = av.VideoFrame.from_ndarray(image, format="rgb24")
            picture.pts, picture.time_base = i, 1 / rate
            dst.mux(vout.encode(picture))
        dst.mux(vout.encode(None))
        if ain is not None:
            src.seek(0)
            for frame in src.decode(ain):
                if frame.time is not None and frame.time >= seconds:
                    break
                for chunk in resampler.resample(frame):
                    dst.mux(aout.encode(chunk))
            dst.mux(aout.encode(None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path, nargs="?", default=Path("vidanime/samples/snowboarder.mp4"))
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--crf", type=int, default=20)
    args = parser.parse_args()
    cut(args.source, args.out, args.seconds, args.crf)
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
