"""Blind A/B of two stylisers on the same photos (docs/judging: which one to ship).

    python -m lab.measure.blind_ab make OUT --a v3=OUTPUTS_A --b v2=OUTPUTS_B --photos PHOTOS [--n 12] [--seed 1]
        Writes OUT/pair_XX.png (left | right, sides drawn at random per pair, long side 640 each) and
        the key to OUT/../<OUT name>.key.json (keep it from the judge); prints the judge's prompt.
    python -m lab.measure.blind_ab score OUT "anime: L,R,...; scene: ...; ship: ..."
        How often each styliser won each question.

Outputs are matched to photos by file-name prefix, as in ../shared/tools/anime_rating.py.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import cv2
import numpy as np

EXTS = {".jpg", ".jpeg", ".png", ".webp"}
QUESTIONS = ("anime", "scene", "ship")
PROMPT = """You are an experienced anime art director. In {out} there are {n} PNG images pair_00.png ...
pair_{last:02d}.png. Each shows the same photo turned into an anime-style picture by two different
methods, side by side (LEFT half and RIGHT half). Open every image and look carefully at full size (you
may crop regions into a scratch folder of your own). Do not modify the images and do not open any other
file in or beside that folder.

For every pair answer three questions with L or R:
1. anime: which half looks more like a frame from a hand-drawn Japanese anime film or series?
2. scene: which half keeps the scene (what is where, who is who) better?
3. ship: which would you rather ship as an anime filter for people's videos?
Note in a few words what decided each pair.

Finish with a table (pair, anime, scene, ship, note) and then exactly three lines:
anime: X,X,...   scene: X,X,...   ship: X,X,...   (each with {n} letters L or R in pair order)."""


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in EXTS)


def _fit(image: np.ndarray, side: int = 640) -> np.ndarray:
    s = side / max(image.shape[:2])
    return cv2.resize(image, (round(image.shape[1] * s), round(image.shape[0] * s)), interpolation=cv2.INTER_AREA)


def key_path(out: Path) -> Path:
    return out.parent / f"{out.name}.key.json"


def make(out: Path, photos: Path, a: tuple[str, Path], b: tuple[str, Path], n: int, seed: int) -> None:
    rng = random.Random(seed)
    outs_a, outs_b = _images(a[1]), _images(b[1])

    def match(photo: Path, outs: list[Path]) -> Path | None:
        return next((o for o in outs if o.stem.startswith(photo.stem)), None)

    pairs = [(p, match(p, outs_a), match(p, outs_b)) for p in _images(photos)]
    pairs = [x for x in pairs if x[1] is not None and x[2] is not None]
    if not pairs:
        sys.exit("no photo has an output in both folders")
    chosen = rng.sample(pairs, min(n, len(pairs)))
    out.mkdir(parents=True, exist_ok=True)
    key = {}
    for i, (photo, left, right) in enumerate(chosen):
        names = [a[0], b[0]]
        if rng.random() < 0.5:
            left, right, names = right, left, names[::-1]
        ims = [_fit(cv2.imread(str(p))) for p in (left, right)]
        h = max(im.shape[0] for im in ims)
        ims = [cv2.copyMakeBorder(im, 0, h - im.shape[0], 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255)) for im in ims]
        gap = np.full((h, 8, 3), 255, np.uint8)
        cv2.imwrite(str(out / f"pair_{i:02d}.png"), np.hstack([ims[0], gap, ims[1]]))
        key[f"{i:02d}"] = {"L": names[0], "R": names[1], "photo": str(photo)}
    key_path(out).write_text(json.dumps(key, indent=1))
    print(PROMPT.format(out=out, n=len(chosen), last=len(chosen) - 1))


def score(out: Path, answers: str) -> dict[str, dict[str, int]]:
    key = json.loads(key_path(out).read_text())
    result: dict[str, dict[str, int]] = {}
    for question in QUESTIONS:
        found = re.search(rf"{question}:\s*([LR,\s]+)", answers)
        if not found:
            sys.exit(f"no '{question}:' answers")
        letters = [x.strip() for x in found.group(1).split(",") if x.strip()]
        if len(letters) != len(key):
            sys.exit(f"{len(letters)} '{question}' answers for {len(key)} pairs")
        wins: dict[str, int] = {}
        for i, letter in enumerate(letters):
            winner = key[f"{i:02d}"][letter]
            wins[winner] = wins.get(winner, 0) + 1
        result[question] = wins
        print(f"{question:>6}: " + ", ".join(f"{name} {count} of {len(key)}" for name, count in sorted(wins.items())))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("out", type=Path)
    m.add_argument("--photos", type=Path, required=True)
    m.add_argument("--a", required=True, help="NAME=OUTPUTS_DIR")
    m.add_argument("--b", required=True, help="NAME=OUTPUTS_DIR")
    m.add_argument("--n", type=int, default=12)
    m.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("score")
    s.add_argument("out", type=Path)
    s.add_argument("answers")
    args = ap.parse_args()
    if args.cmd == "make":
        named = [(x.split("=", 1)[0], Path(x.split("=", 1)[1])) for x in (args.a, args.b)]
        make(args.out, args.photos, named[0], named[1], args.n, args.seed)
    else:
        score(args.out, args.answers)


if __name__ == "__main__":
    main()
