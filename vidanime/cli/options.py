"""Command-line values that more than one command takes, parsed and checked in one place."""

from __future__ import annotations

import re

from vidanime.engine.contract import parse_range
from vidanime.errors import UsageError, VidanimeError


def contract_overrides(layout: str | None, input_range: str | None, output_range: str | None, bgr: bool) -> dict[str, object]:
    """``--layout``, ``--input-range``, ``--output-range``, ``--bgr``: checked; only the ones given."""
    found: dict[str, object] = {}
    if layout is not None:
        if layout.upper() not in ("NCHW", "NHWC"):
            raise UsageError("--layout takes NCHW or NHWC")
        found["layout"] = layout.upper()
    for key, value in (("input_range", input_range), ("output_range", output_range)):
        if value is not None:
            try:
                found[key] = parse_range(value)
            except VidanimeError as exc:
                raise UsageError(str(exc)) from exc
    if bgr:
        found["channel_order"] = "BGR"
    return found


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
