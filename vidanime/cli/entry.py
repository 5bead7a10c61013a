"""The ``vidanime`` executable. Signal handlers go in before anything slow is imported, so a
Ctrl-C or SIGTERM at any moment ends in one line and a clean folder, never a traceback."""

from __future__ import annotations

import signal
import sys

from vidanime.errors import Interrupted
from vidanime.stop import STOP_SIGNALS, request_stop


def _stop(signum: int, frame: object) -> None:
    if request_stop():  # a live input: end the stream, keep what was converted
        return
    for name in STOP_SIGNALS:  # a second signal must not interrupt the cleanup of the first
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Interrupted(signum, signal.Signals(signum).name)


def install_signal_handlers() -> None:
    for name in STOP_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop)


def main() -> None:
    install_signal_handlers()
    try:
        from vidanime.cli.app import main as app_main
    except Interrupted as exc:
        print(f"error: interrupted ({exc.name}) while starting", file=sys.stderr)
        sys.exit(exc.exit_code)
    app_main()


if __name__ == "__main__":
    main()
