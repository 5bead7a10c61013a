"""Print the architecture table of docs/training/architectures.md: paper, published vs our parameter count, and GMACs
at 256x256 and 720x1280 counted from each exported ONNX graph (random init; weights do not
change the count).

    python -m lab.measure.arch_table > /tmp/table.md
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from training.export.onnx import export_generator
from training.models.layers import count_params
from training.models.registry import generator_names, get_arch
from vidanime.bench.graph_stats import graph_stats


def _m(n: int | None) -> str:
    return f"{n / 1e6:.3f} M" if n else "–"


def main() -> None:
    print("| architecture | paper | paper params | counted (prior art) | ours | GMAC 256² | GMAC 720×1280 |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in generator_names():
            spec = get_arch(name)
            path = Path(tmp) / f"{name}.onnx"
            export_generator(name, path)
            small, hd = graph_stats(path, 256, 256), graph_stats(path, 720, 1280)
            ours = count_params(spec.build())
            print(
                f"| `{name}` | {spec.paper} | {spec.published_note or '–'} | {_m(spec.counted_params)} "
                f"| {ours:,} | {small.gmacs:.1f} | {hd.gmacs:.1f} |"
            )


if __name__ == "__main__":
    main()
