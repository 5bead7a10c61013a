"""``vidanime doctor``: one screen that says what this machine will use and why (``--json`` for
bug reports). The facts come from vidanime.diagnostics; this module only prints them."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.text import Text

from vidanime.diagnostics.cuda import INSTALL_HINT, CudaFacts, version_gaps
from vidanime.diagnostics.report import Report, StyleEngines

LABEL = 10  # the width of the left column


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print the facts as JSON (attach it to a bug report)."),
) -> None:
    """What this machine will use and why: CPU units and the precision each style runs at, ONNX
    Runtime / OpenVINO, why CUDA is or is not used (driver, CUDA / cuDNN libraries, the provider's
    own error), the video encoders FFmpeg offers, the styles found and the user folder.

    Opens each style once on the CPU, as convert would (a second or two); changes nothing."""
    from vidanime.diagnostics.report import gather

    report = gather()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    console = Console()
    for label, value in screen(report):
        line = Text(f"{label:<{LABEL}}", style="bold") if label else Text(" " * LABEL)
        console.print(line + Text(value), highlight=False, soft_wrap=True)


def screen(report: Report) -> list[tuple[str, str]]:
    """(label, text) lines: a label opens each section."""
    m, units = report.machine, report.cpu_units
    memory = f", {m['memory_gib']} GiB" if m.get("memory_gib") else ""
    lines = [
        ("vidanime", f"{report.vidanime} · Python {m['python']} · {m['platform']}"),
        ("CPU", f"{m['cpu']}: {m['cores']} usable cores{memory}"),
        ("", "units: " + (" ".join(m["cpu_flags"]) or "none of the vector units vidanime uses")),
        ("", "bf16: " + (", ".join(units.bf16) + " (OpenVINO may run bf16; int8 graphs' float parts too)" if units.bf16 else "no units (fp32, or int8 where a style ships an int8 graph)")),
        ("", "int8: " + (", ".join(units.int8) + " (int8 graphs at full speed)" if units.int8 else "no dot-product units (int8 graphs still gain, less)")),
        ("engines", f"ONNX Runtime ({report.cuda.onnxruntime}): {', '.join(p.removesuffix('ExecutionProvider') for p in m['providers'])}; fp32 on the CPU"),
        ("", f"OpenVINO {m['openvino']}: the CPU engine of --backend auto" if m.get("openvino") else "OpenVINO not installed: ONNX Runtime runs the CPU at fp32 (pip install openvino)"),
    ]
    lines += cuda_lines(report.cuda)
    lines += [("styles" if i == 0 else "", style_line(s)) for i, s in enumerate(report.styles)] or [("styles", "none found")]
    for i, (name, enc) in enumerate(report.codecs.items()):
        others = [e for e in enc.encoders if e != enc.vidanime_uses]
        text = f"{name:<6}{enc.vidanime_uses} " + ("ok" if enc.available else f"missing: --codec {name} fails")
        lines.append(("encoders" if i == 0 else "", text + (f" (FFmpeg also has {', '.join(others)})" if others else "")))
    lines.append(("", f"FFmpeg {report.ffmpeg} via PyAV"))
    folder = report.user_folder
    state = f"{len(folder['styles'])} user style(s)" if folder["exists"] else "not created yet (vidanime styles add creates it)"
    lines.append(("user", f"{folder['path']}: {state}"))
    if folder["shadows_bundled"]:
        lines.append(("", f"user styles hide the bundled {', '.join(folder['shadows_bundled'])}"))
    lines.append(("", "bug report: vidanime doctor --json"))
    return lines


def cuda_lines(facts: CudaFacts) -> list[tuple[str, str]]:
    lines = [("CUDA", facts.reason)]
    if not facts.has_provider:
        return lines
    lines.append(("", f"driver: {facts.driver}" if facts.driver else "driver: none (no nvidia-smi, no /proc/driver/nvidia/version)"))
    lines.append(("", "provider: starts" if facts.started else f"provider: {facts.provider_error}"))
    found = [f"{stem} {'/'.join(sorted({f.rsplit('.so.', 1)[-1] for f in files}))}" for stem, files in facts.libraries.items() if files]
    gaps = version_gaps(facts.libraries, facts.requirement)
    needs = f"needs {facts.requirement}; " if facts.requirement else ""
    lines.append(("", f"libraries: {needs}found {', '.join(found) or 'none'}" + (f"; {', '.join(gaps)}" if gaps else "")))
    if gaps and not facts.started:
        lines.append(("", f"on an NVIDIA machine: {INSTALL_HINT} brings CUDA and cuDNN from PyPI"))
    return lines


def style_line(style: StyleEngines) -> str:
    head = f"{style.name:<10}"
    if style.error:
        return head + f"cannot be opened: {style.error}"
    why = style.cpu_why if style.cpu_why.startswith(style.cpu_precision) else f"{style.cpu_precision} ({style.cpu_why})"
    return head + f"CPU {style.cpu_backend} {why}; CUDA loads {style.cuda_model}"
