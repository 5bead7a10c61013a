"""Short licence tags for one-line listings: a style's free-text licence cut to the part that says
whether a user may use it (the full text stays in the sidecar and ``styles info``)."""

from __future__ import annotations

import re

# SPDX-like identifiers a licence text may start with ("MIT (weights trained ...)" -> "MIT").
_IDENTIFIER = re.compile(
    r"(MIT|ISC|Zlib|Unlicense|CC0(-1\.0)?|BSD-\d-Clause|CC-BY(-NC)?(-SA|-ND)?(-\d\.\d)?"
    r"|(Apache|A?GPL|LGPL|MPL|EPL)-\d(\.\d)?(-only|-or-later|\+)?)(?=$|[\s(,;/])",
    re.IGNORECASE,
)
_RESTRICTIONS = (  # (words that mark it, the tag shown); checked in this order
    (("non-commercial", "noncommercial", "non commercial"), "non-commercial"),
    (("research",), "research only"),
    (("public domain",), "public domain"),
)
MAX_TAG = 16


def licence_tag(text: object) -> str:
    """``MIT``, ``Apache-2.0``, ``non-commercial``, ``unknown``, ... at most ``MAX_TAG`` characters."""
    words = " ".join(str(text or "").split())
    if words in ("", "?"):
        return "unknown"
    match = _IDENTIFIER.match(words)
    if match:
        return match.group(1)
    lowered = words.lower()
    for marks, tag in _RESTRICTIONS:
        if any(mark in lowered for mark in marks):
            return tag
    return words if len(words) <= MAX_TAG else words[: MAX_TAG - 1].rstrip() + "…"
