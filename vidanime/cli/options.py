"""Command-line values that more than one command takes, parsed and checked in one place."""

from __future__ import annotations

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
