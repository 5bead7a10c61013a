"""Command-line values the parser must see rewritten (the checks shared with the Python API live in
``pipeline.options``)."""

from __future__ import annotations

import re

_RAY_ADDRESS = re.compile(r"^(auto|local|[a-z]+://\S+|[\w.-]+:\d+)$")


def optional_values(args: list[str]) -> list[str]:
    """``--ray`` may stand alone (a local Ray) or take an address: give the lone form its value,
    so the parser sees ``--ray local``. An address is ``auto``, ``ray://host:port`` or ``host:port``."""
    out = []
    for i, arg in enumerate(args):
        out.append(arg)
        if arg == "--ray" and (i + 1 == len(args) or not _RAY_ADDRESS.match(args[i + 1])):
            out.append("local")
    return out
