"""Model cards: a short card ships beside each bundled style's weights and names its licence, the
command that rebuilds it and its full measurement page in docs/models/; the pages stay inside docs/
(the docs site builds them in strict mode); both are what lab/release/cards.py renders from the
saved figures, so no number is edited by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vidanime.styles.licences import licence_tag
from vidanime.styles.registry import BUNDLED_DIR, installed_styles

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BUNDLED = sorted(name for name, style in installed_styles().items() if style.source == "bundled")
MAX_LINES, MAX_BYTES = 80, 6_000
LINK = re.compile(r"\]\(([^)\s]+)\)")


def card(name: str) -> str:
    return (BUNDLED_DIR / f"{name}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", BUNDLED)
def test_the_shipped_card_is_short(name: str) -> None:
    text = card(name)
    assert len(text.splitlines()) <= MAX_LINES and len(text.encode()) <= MAX_BYTES, f"{name}.md: {len(text.splitlines())} lines, {len(text.encode())} bytes"
    assert "| train |" not in text  # the file-by-file list lives in the docs


@pytest.mark.parametrize("name", BUNDLED)
def test_the_card_names_its_docs_page_licence_and_reproduce_command(name: str) -> None:
    text, sidecar = card(name), installed_styles()[name].sidecar
    page = f"docs/models/{name}.md"
    assert f"`{page}`" in text and (ROOT / page).is_file()
    assert sidecar["license"] in text and licence_tag(sidecar["license"]) == "MIT"  # the licence comes from the sidecar
    reproduce = text.split("## Reproduce", 1)[1]
    assert "vidanime train " in reproduce and f"--steps {sidecar['steps']}" in reproduce
    assert "measured" in text.split("## Key figures", 1)[1].splitlines()[0]  # the table is dated


def test_cel_v2_card_says_how_it_was_judged() -> None:
    judged = card("cel").split("## Judged by eye", 1)[1].split("##", 1)[0]
    ratings = [float(r) for r in re.findall(r"\*\*(\d+\.\d+)\*\*", judged)]
    assert ratings and all(1.4 <= r <= 1.8 for r in ratings) and "smoothed" in judged


def test_shinkai_v3_card_carries_its_calibrated_runs() -> None:
    """Both judged runs, each with its anchors, and what the same sets gave the other styles."""
    judged = card("shinkai-v3").split("## Judged by eye", 1)[1].split("##", 1)[0]
    assert re.findall(r"\*\*(\d+\.\d+)\*\*", judged) == ["3.75", "3.62"]
    assert "2 runs, each a different judge" in judged and "seed 9914" in judged and "seed 9915" in judged
    assert "3.79 and 3.62" in judged and "real anime frames 9.96" in judged


def test_a_judged_run_shows_a_range_only_where_it_recorded_one() -> None:
    from lab.release.cards import judged

    runs = [{"run": "a", "mean": 3.0, "range": "2..4", "anime_frames": 9.5, "photos": 0.1}, {"run": "b", "mean": 2.5, "anime_frames": 9.6, "photos": 0.0}]
    text = judged({"date": "2026-11-27", "runs": runs, "verdict": "v.", "where": "docs/x.md"})
    assert text.count("range") == 1 and "**3.00** and **2.50**" in text and "one run" not in text


def docs_pages() -> list[Path]:
    return sorted((DOCS / "models").rglob("*.md"))


@pytest.mark.parametrize("page", docs_pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_docs_pages_link_only_inside_docs(page: Path) -> None:
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        resolved = (page.parent / target.split("#")[0]).resolve()
        assert resolved.is_relative_to(DOCS), f"{page.name} links outside docs/: {target}"
        assert resolved.exists(), f"{page.name} links to a missing file: {target}"


def test_cards_and_pages_are_rendered_from_the_saved_figures() -> None:
    """What is committed is what the templates make of docs/*.json: re-rendering changes nothing."""
    from lab.release import cards
    from lab.release.render_cards import SAVED_CARDS

    assert sorted(SAVED_CARDS) == BUNDLED
    for name, saved in SAVED_CARDS.items():
        made = saved()
        assert cards.render_card(made) == card(name), f"{name}.md differs from its render: python -m lab.release.render_cards {name}"
        assert cards.render_page(made) == (DOCS / "models" / f"{name}.md").read_text(encoding="utf-8")
        assert cards.render_data_page(made.data) == (DOCS / "models" / "data" / f"{made.data}.md").read_text(encoding="utf-8")
