"""``vidanime styles``: what styles are installed."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from vidanime.styles.registry import installed_styles, user_styles_dir

styles_app = typer.Typer(help="List and inspect installed styles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(styles_app, name="styles")


@styles_app.command("list")
def list_styles() -> None:
    """Installed styles: bundled ones and those in the user style folder."""
    table = Table("name", "source", "size", "file", title=f"styles (user folder: {user_styles_dir()})")
    for style in installed_styles().values():
        size = style.path.stat().st_size / 1e6
        table.add_row(style.name, style.source, f"{size:.1f} MB", str(style.path))
    Console().print(table)
