"""The bundled sample clip: a short real clip, small enough to ship, credited where it ships."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import av
from factories import audio_summary

ROOT = Path(__file__).resolve().parents[1]


def test_sample_clip_is_short_small_and_credited() -> None:
    folder = Path(str(resources.files("vidanime.samples")))
    clips = sorted(folder.glob("*.mp4"))
    assert [c.name for c in clips] == ["snowboarder.mp4"]
    clip = clips[0]
    assert clip.stat().st_size <= 2_000_000
    with av.open(str(clip)) as c:
        video = c.streams.video[0]
        assert video.codec_context.name == "h264" and video.codec_context.width == 640
        assert 2.0 <= c.duration / 1e6 <= 8.0
    assert audio_summary(clip) is not None  # the source's sound is kept
    credit = (folder / "README.md").read_text(encoding="utf-8")
    assert clip.name in credit and "Apache License 2.0" in credit and "showlab/Tune-A-Video" in credit
    shipped = next(line for line in (ROOT / "pyproject.toml").read_text().splitlines() if line.startswith('"vidanime.samples"'))
    assert '"*.mp4"' in shipped and '"README.md"' in shipped  # the credit travels with the clip
    assert (ROOT / "samples" / clip.name).resolve() == clip.resolve()  # the quick start's path
    assert f"samples/{clip.name}" in (ROOT / "README.md").read_text(encoding="utf-8")
