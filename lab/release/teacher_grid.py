"""Draw the teachers side by side on held-out photos: photo | cel v3 teacher | shinkai v3 teacher.

    python -m lab.release.teacher_grid ../shared/data docs/shinkai_v3_teacher.jpg

Each photo is rendered at long side 768 (the training size), then the row is scaled down for the
page. The photos are ``photos-open`` files of the held-out split (``lab.release.cel_data``): a lake
under cumulus, a seaside sunset, a street with people and a snowy street at dusk.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.release.cel import fit, grid
from training.teacher import TEACHERS
from vidanime.images.io import read_image

PHOTOS = [
    "photos-open/CommunityToolkit__WindowsCommunityToolkit__Microsoft.Toolkit.Uwp.SampleApp_Assets_Photos_NorthernCascadesReflection.jpg",
    "photos-open/nolimits4web__swiper__demos_images_nature-5.jpg",
    "photos-open/MicrosoftLearning__AI-900-AIFundamentals__data_vision_road-safety_road-safety-1.jpg",
    "photos-open/CommunityToolkit__WindowsCommunityToolkit__Microsoft.Toolkit.Uwp.SampleApp_Assets_Photos_SnowyInterbayt.jpg",
]
COLUMNS = {"cel-v3": "cel v3 teacher", "shinkai-v3": "shinkai v3 teacher"}


def teacher_grid(photos: list[Path], path: Path, teachers: dict[str, str] = COLUMNS, width: int = 300) -> None:
    """One row per photo: the photo, then each named teacher's rendering, captioned."""
    shades = {name: TEACHERS[name]()[0] for name in teachers}
    rows = []
    for photo in photos:
        image = fit(read_image(photo)[0])
        rows.append([(image, "photo")] + [(shades[name](image), caption) for name, caption in teachers.items()])
    grid(rows, path, width=width)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="../shared/data")
    ap.add_argument("out", type=Path, help="the JPEG to write")
    ap.add_argument("--width", type=int, default=300, help="px per column on the page")
    args = ap.parse_args()
    teacher_grid([args.data / p for p in PHOTOS], args.out, width=args.width)


if __name__ == "__main__":
    main()
