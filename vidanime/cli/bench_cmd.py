"""``vidanime benchmark``: numbers to choose a model and a device by."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from vidanime.cli.progress import stderr_console
from vidanime.errors import UsageError
from vidanime.outputs import write_json


def register(app: typer.Typer) -> None:
    app.command("benchmark")(benchmark)


def benchmark(
    quick: bool = typer.Option(False, "--quick", help="A fast subset (two generators, 256x256, short clip): under a minute on a CPU."),
    device: str = typer.Option("cpu", help="cpu or cuda."),
    arch: list[str] = typer.Option([], "--arch", help="Only these registry generators (repeatable)."),
    model: list[Path] = typer.Option([], "--model", help="Also benchmark this ONNX file (repeatable)."),
    no_int8: bool = typer.Option(False, "--no-int8", help="Skip the int8 rows on CPU."),
    calibration: Optional[Path] = typer.Option(None, "--calibration", help="Photos for int8 calibration (and its PSNR)."),
    runs: int = typer.Option(5, help="Timed runs per measurement (after a warm-up)."),
    no_e2e: bool = typer.Option(False, "--no-e2e", help="Skip the end-to-end conversion."),
    clip: Optional[Path] = typer.Option(None, "--clip", help="Real clip for the end-to-end conversion (default: a generated 720p clip with audio)."),
    e2e_quality: list[str] = typer.Option([], "--e2e-quality", help="Convert at these --quality presets (repeatable; default auto, what convert does)."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Write every figure and the machine description here."),
    plot_path: Optional[Path] = typer.Option(None, "--plot", help="Write a PNG chart here."),
) -> None:
    """Latency, throughput and cost of every generator, beside the papers' timings and the machine's peak."""
    import tempfile

    from vidanime.bench.runner import QUICK_ARCHS, BenchOptions, run_benchmark
    from vidanime.cli.training_kit import training_kit_available

    work = Path(tempfile.mkdtemp(prefix="vidanime-bench-"))
    kit = training_kit_available()
    if kit:  # without the training kit: bundled styles and --model files only
        from training.export.bench_models import export_registry_generators, quantize_for_benchmark
    options = BenchOptions(
        device=device, quick=quick, models=list(model), calibration=calibration, runs=runs, e2e=not no_e2e, work_dir=work,
        clip=check_clip(clip), e2e_qualities=check_qualities(e2e_quality),
        quantize=quantize_for_benchmark if kit and not no_int8 else None,
    )  # fmt: skip
    with stderr_console.status("benchmark") as status:
        if kit:
            status.update("exporting the registry generators")
            options.registry_models = export_registry_generators(list(arch) or (list(QUICK_ARCHS) if quick else None), work)
        result = run_benchmark(options, lambda s: status.update(s))
    print_tables(result)
    if json_path is not None:
        write_json(json_path, result)
        stderr_console.print(f"wrote {json_path}", highlight=False)
    if plot_path is not None:
        from vidanime.bench.chart import plot

        plot(result, plot_path)
        stderr_console.print(f"wrote {plot_path}", highlight=False)


def print_tables(result: dict) -> None:  # type: ignore[type-arg]
    console = Console()
    m = result["machine"]
    size = "256x256" if result["quick"] else "720x1280"
    peaks = ", ".join(f"{k} {v} G{'OP' if k == 'int8' else 'FLOP'}/s" for k, v in result["peak_gflops"].items())
    table = Table(title=f"{m['cpu']} - {m['cores']} cores - {result['device']} - peak {peaks}")
    for col in ("model", "params", "GMAC 256²", "GMAC 720p", f"fp32 ms @{size}", "% peak", f"int8 ms @{size}", "int8 speed-up", "int8 PSNR", f"OpenVINO ms @{size}"):
        table.add_column(col, justify="right" if col != "model" else "left")
    for r in result["models"]:
        fp = r["latency"].get(f"fp32@{size}", {}).get("median_ms")
        q = r["latency"].get(f"int8@{size}", {}).get("median_ms")
        ov = r["latency"].get(f"openvino@{size}", {})
        table.add_row(
            r["name"], f"{r['params'] / 1e6:.2f} M", f"{r['gmacs']['256x256']:.1f}", f"{r['gmacs']['720x1280']:.1f}",
            f"{fp:.1f}" if fp else "-", f"{r['peak_percent'].get(f'fp32@{size}', 0):.0f} %",
            f"{q:.1f}" if q else "-", f"{fp / q:.2f}x" if fp and q else "-",
            f"{r['int8_psnr_db']:.1f} dB" if r.get("int8_psnr_db") else "-",
            f"{ov['median_ms']:.1f} ({ov['provider'].split()[-1]})" if ov else "-",
        )  # fmt: skip
    console.print(table)
    p = result["paper"]
    ptable = Table(title=f"{p['source']} (ours measured at {p['measured_at']})")
    for col in ("model", "paper ms", "paper ratio", "our ms", "our ratio"):
        ptable.add_column(col)
    for row in p["rows"]:
        ptable.add_row(row["model"], str(row["paper_ms"]), str(row["paper_ratio"]), str(row.get("our_ms", "-")), str(row.get("our_ratio", "-")))
    console.print(ptable)
    for note in p["notes"]:
        console.print(f"note: {note}", highlight=False)
    e2e = result.get("end_to_end")
    if e2e and "runs" in e2e:
        print_end_to_end(console, e2e)


def print_end_to_end(console: Console, e2e: dict) -> None:  # type: ignore[type-arg]
    base = e2e.get("baseline_anchors_loop")
    title = (
        f"end to end: {e2e['clip']} ({e2e['size']}, audio {'yes' if e2e['audio'] else 'no'}), {e2e['style']}, --temporal {e2e['temporal']}; "
        f"model alone {e2e['model_only']['fps']} fps ({e2e['model_only']['engine']})"
    )
    table = Table(title=title)
    for col in ("--quality", "engine", "frames", "fps", "vs model alone", "vs anchors' loop", "decode s", "infer s", "smooth s", "encode s"):
        table.add_column(col, justify="left" if col in ("--quality", "engine") else "right")
    for r in e2e["runs"]:
        st = r["stage_seconds"]
        table.add_row(
            r["quality"], r["engine"], str(r["frames"]), f"{r['fps']:.2f}", f"{r['vs_model_only']:.2f}" if "vs_model_only" in r else "-",
            f"{r['vs_baseline']:.2f}x" if "vs_baseline" in r else "-", *(f"{st[k]:.1f}" for k in ("decode", "infer", "smooth", "encode")),
        )  # fmt: skip
    if base:
        table.add_row("anchors' loop", "onnxruntime", str(base["frames"]), f"{base['fps']:.2f}", "-", "1.00x", "-", "-", "-", "-")
    console.print(table)


def check_clip(clip: Path | None) -> Path | None:
    if clip is not None and not clip.is_file():
        raise UsageError(f"--clip: no such file: {clip}")
    return clip


def check_qualities(qualities: list[str]) -> tuple[str, ...]:
    from vidanime.model import QUALITY

    for q in qualities:
        if q not in QUALITY:
            raise UsageError(f"--e2e-quality takes {', '.join(QUALITY)}, not {q!r}")
    return tuple(dict.fromkeys(qualities)) or ("auto",)
