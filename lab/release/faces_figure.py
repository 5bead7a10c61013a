"""docs/cel_v3_faces_drawn.jpg: held-out portraits (photos-open, MIT) as photo | cel-v3 |
cel-v3 with ``--faces draw``, through the Python API a user calls.

    python -m lab.release.faces_figure ../shared/data
"""

from __future__ import annotations

import sys
from pathlib import Path

from lab.release.cel import fit, grid
from vidanime.api import Stylizer
from vidanime.images.io import read_image

PORTRAITS = [  # held out of every training run (runs/cel3/holdout.txt): one drawn, two left as painted
    "Azure-Samples__cognitive-services-sample-data-files__Face_images_Family3-Lady1.jpg",
    "MicrosoftLearning__AI-102-AIEngineer__19-face_C-Sharp_face-api_images_Aisha_face6.jpg",  # glasses
    "StartBootstrap__startbootstrap-agency__src_assets_img_team_2.jpg",  # a tilted head
]
FIGURE = Path("docs/cel_v3_faces_drawn.jpg")


def main(data: Path) -> None:
    plain, drawn = Stylizer("cel-v3"), Stylizer("cel-v3", faces="draw")
    photos = [fit(read_image(data / "photos-open" / name)[0], 640) for name in PORTRAITS]
    grid([[(p, "photo"), (plain.stylize(p), "cel-v3"), (drawn.stylize(p), "cel-v3 --faces draw")] for p in photos], FIGURE, width=300)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
