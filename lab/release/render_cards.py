"""Every bundled style's short card and docs page again from the saved figures alone: after a change
of wording or of the templates (lab.release.cards), or new int8 figures (lab.release.int8 calls it).

    python -m lab.release.render_cards            # every bundled style
    python -m lab.release.render_cards cel manga  # some
"""

from __future__ import annotations

import sys
from functools import partial
from typing import Callable

from lab.release import cards, cel, cel_v1, cel_v3, shinkai_v3, styles, v3

SAVED_CARDS: dict[str, Callable[[], cards.Card]] = {
    "cel": cel.saved_card,
    "cel-v1": cel_v1.saved_card,
    **{style.name: partial(v3.saved_card, style) for style in (cel_v3.CEL_V3, shinkai_v3.SHINKAI_V3)},
    **{name: partial(styles.saved_card, name) for name in styles.RELEASES},
}


def render(names: list[str]) -> None:
    for name in names:
        cards.write(SAVED_CARDS[name]())
        print(f"{name}: vidanime/styles/bundled/{name}.md, docs/models/{name}.md")


if __name__ == "__main__":
    render(sys.argv[1:] or list(SAVED_CARDS))
