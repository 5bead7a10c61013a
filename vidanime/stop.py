"""Stopping a live conversion (a camera, a network stream, a pipe) cleanly.

The first Ctrl-C or SIGTERM during a live input ends the stream instead of aborting: what was
converted so far is finished and kept as a complete, playable file. A second signal aborts."""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

_graceful: threading.Event | None = None


@contextlib.contextmanager
def graceful_stop(event: threading.Event) -> Iterator[None]:
    """While inside, a stop signal sets ``event`` (once) instead of interrupting."""
    global _graceful
    previous, _graceful = _graceful, event
    try:
        yield
    finally:
        _graceful = previous


def request_stop() -> bool:
    """Called by the signal handler: True when a live conversion took the stop as 'end the stream'."""
    if _graceful is not None and not _graceful.is_set():
        _graceful.set()
        return True
    return False
