"""Stopping a live conversion (a camera, a network stream, a pipe) cleanly.

The first Ctrl-C or SIGTERM during a live input ends the stream instead of aborting: what was
converted so far is finished and kept as a complete, playable file. A second signal aborts."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")  # SIGHUP does not exist on Windows

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


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Stop signals that arrive inside are held and delivered on leaving, where the platform can
    hold them (POSIX; Windows delivers them at once). Threads started inside never receive them."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
