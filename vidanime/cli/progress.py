"""Rich progress bars on stderr: count, rate and ETA for long work; silent with ``--quiet``."""

from __future__ import annotations

from typing import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

stderr_console = Console(stderr=True)


class RateColumn(ProgressColumn):
    """Items per second, e.g. ``23.4 fps``."""

    def __init__(self, unit: str = "fps") -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:6.1f} {self.unit}" if speed else f"   -- {self.unit}", style="progress.data.speed")


def make_progress(quiet: bool, unit: str = "fps") -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(unit),
        TextColumn("elapsed"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=stderr_console,
        disable=quiet,
        transient=False,
    )


def tracker(progress: Progress) -> Callable[[str, "int | None"], Callable[[int], None]]:
    """The pipelines' progress factory on ``progress``: a bar per name, advanced by what is done."""

    def track(name: str, total: int | None) -> Callable[[int], None]:
        task = progress.add_task(name, total=total)
        return lambda n: progress.advance(task, n)

    return track
