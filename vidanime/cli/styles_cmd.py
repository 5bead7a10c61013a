"""``vidanime styles``: list, add, inspect and remove styles."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from vidanime.cli.progress import stderr_console
from vidanime.pipeline.options import contract_overrides
from vidanime.styles.licences import licence_tag
from vidanime.styles.registry import installed_styles, pinned_name, resolve_style, shadowed_styles, user_styles_dir

styles_app = typer.Typer(help="List, add, inspect and remove styles (ONNX generators).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(styles_app, name="styles")


@styles_app.command("list")
def list_styles() -> None:
    """Installed styles, one line each: bundled ones and those in the user style folder
    (licence, contract and model card: vidanime styles info NAME)."""
    shadowed = shadowed_styles()
    rows = [(style, False) for style in installed_styles().values()] + [(style, True) for style in shadowed.values()]
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("name", no_wrap=True, min_width=max((len(style.name) for style, _ in rows), default=4))
    for header in ("licence", "arch", "size", "source"):  # these shrink (with an ellipsis), never wrap
        table.add_column(header, no_wrap=True, overflow="ellipsis")
    for style, hidden in sorted(rows, key=lambda row: (row[0].name, row[1])):
        side = style.sidecar
        arch = str(side.get("arch") or (side.get("contract") or {}).get("arch", "?")).split(" (")[0]
        size = f"{style.path.stat().st_size / 1e6:.1f} MB"
        table.add_row(style.name, licence_tag(side.get("license")), arch, size, style.source + ("*" if hidden else ""))
    console = Console()
    console.print(table)
    if shadowed:
        console.print("* not used: a user style has the same name", highlight=False)
    pins = sorted(pin for style, hidden in rows if not hidden and (pin := pinned_name(style)))
    if pins:  # NAME-vN: a script that names it keeps that version when NAME moves on
        console.print(f"pinned: {', '.join(pins)}", highlight=False)
    console.print(f"user folder: {user_styles_dir()}", highlight=False, soft_wrap=True)
    console.print("details: vidanime styles info NAME", highlight=False)


@styles_app.command("add")
def add(
    name: str = typer.Argument(..., help="Name to use with --style."),
    model: Path = typer.Argument(..., help="The .onnx generator (e.g. a public AnimeGANv2/v3 file)."),
    license_text: Optional[str] = typer.Option(None, "--license", help="Licence note kept with the style (e.g. 'non-commercial')."),
    layout: Optional[str] = typer.Option(None, help="NCHW or NHWC when the graph does not say."),
    input_range: Optional[str] = typer.Option(None, "--input-range", help="e.g. -1,1 or 0,1 (probed when omitted)."),
    output_range: Optional[str] = typer.Option(None, "--output-range", help="e.g. -1,1 or 0,1 (probed when omitted)."),
    bgr: bool = typer.Option(False, "--bgr", help="The model works in BGR (cannot be probed)."),
    size_multiple: Optional[int] = typer.Option(None, "--size-multiple", help="Required size multiple (probed when omitted)."),
    overwrite: bool = typer.Option(False, "--overwrite", "-y", help="Replace a user style of the same name."),
) -> None:
    """Validate an ONNX generator and install it as a style (copied, with a JSON sidecar)."""
    from vidanime.styles.store import add_style

    overrides = contract_overrides(layout, input_range, output_range, bgr)
    if size_multiple is not None:
        overrides["size_multiple"] = size_multiple
    target, inspection = add_style(name, model, license_text, overrides, overwrite)
    c = inspection.contract
    stderr_console.print(f"added style {name} -> {target}", highlight=False)
    stderr_console.print(
        f"  {c.layout} {c.channel_order}, in {c.input_range}, out {c.output_range}, size multiple {c.size_multiple}"
        + (f", fixed {c.fixed_size[1]}x{c.fixed_size[0]}" if c.fixed_size else ""), highlight=False,
    )  # fmt: skip
    for note in inspection.notes:
        stderr_console.print(f"  {note}", highlight=False)


@styles_app.command("info")
def info(name: str = typer.Argument(..., help="Style name (or path to an .onnx file).")) -> None:
    """Where a style comes from, its contract, and its model card when it has one."""
    from vidanime.engine.session import open_session

    style = resolve_style(name)
    engine = open_session(style.path, "cpu")
    console = Console()
    console.print(f"[bold]{style.name}[/] ({style.source}) {style.path}  {style.path.stat().st_size / 1e6:.1f} MB", highlight=False)
    if pinned := pinned_name(style):
        console.print(f"also --style {pinned}: keeps naming this version when {style.name} moves on", highlight=False)
    c = engine.contract
    console.print(f"arch {c.arch}; {c.layout} {c.channel_order}; input {c.input_range}; output {c.output_range}; size multiple {c.size_multiple}")
    for key, value in style.sidecar.items():
        if key not in ("contract", "notes"):
            console.print(f"{key}: {value}", highlight=False)
    card = style.path.with_suffix(".md")
    if card.is_file():
        console.print(Markdown(card.read_text(encoding="utf-8")))


@styles_app.command("remove")
def remove(name: str = typer.Argument(..., help="A user style's name.")) -> None:
    """Delete a user style (bundled styles stay)."""
    from vidanime.styles.store import remove_style

    path = remove_style(name)
    stderr_console.print(f"removed style {name} ({path})", highlight=False)
