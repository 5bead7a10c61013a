"""Errors a user can act on: the CLI prints them as one line and exits with ``exit_code``."""

from __future__ import annotations


class VidanimeError(Exception):
    """A problem with the user's input or environment, not a bug."""

    exit_code = 1


class UsageError(VidanimeError):
    """The command line itself is wrong (exit code 2, like Click's usage errors)."""

    exit_code = 2


class MediaError(VidanimeError):
    """A file that cannot be read as the media it claims to be."""


class StyleNotFoundError(VidanimeError):
    """``--style`` names no installed style."""


class Interrupted(BaseException):
    """A stop signal (Ctrl-C, SIGTERM from ``kill`` / ``timeout`` / ``docker stop``, SIGHUP).

    A BaseException, so that no ``except Exception`` on the way swallows it, while every cleanup
    (``finally``, the atomic output's) still runs; the CLI exits with 128 + the signal number."""

    def __init__(self, signum: int, name: str) -> None:
        super().__init__(name)
        self.signum, self.name = signum, name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum
