"""Licence tags for one-line style listings."""

from __future__ import annotations

import pytest

from vidanime.styles.licences import MAX_TAG, licence_tag


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("MIT (weights trained by vidanime on permissively licensed images; see cel.md)", "MIT"),
        ("Apache-2.0", "Apache-2.0"),
        ("CC-BY-NC-SA-4.0, from the authors' release", "CC-BY-NC-SA-4.0"),
        ("GPL-3.0-or-later", "GPL-3.0-or-later"),
        ("non-commercial (AnimeGANv2)", "non-commercial"),
        ("Creative Commons Attribution-NonCommercial 4.0", "non-commercial"),
        ("for research purposes", "research only"),
        ("released into the public domain", "public domain"),
        (None, "unknown"),
        ("?", "unknown"),
        ("  ", "unknown"),
        ("ask the author", "ask the author"),
        ("MITIGATED terms of the vendor", "MITIGATED terms…"),  # not "MIT": a word, not an identifier
    ],
)
def test_licence_tag(text: object, tag: str) -> None:
    assert licence_tag(text) == tag
    assert len(licence_tag(text)) <= MAX_TAG
