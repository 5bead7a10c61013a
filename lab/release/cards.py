"""Model cards, written once for every bundled style: the short card shipped beside the weights
(``vidanime/styles/bundled/NAME.md``, what ``vidanime styles info NAME`` prints) and the full
measurement page in the docs (``docs/models/NAME.md``). Both are rendered from one ``Card`` built
from the saved figures, so the two cannot disagree and a new release (cel v3) only fills a ``Card``.

Licence facts are read from the style's sidecar JSON (and tagged by ``vidanime.styles.licences``);
the training files and CC-BY credits from the data lists kept under ``docs/models/data/NAME/`` (as
``python -m lab.release.cel_data`` wrote them). Links: docs pages link each other relatively; the
shipped card names its docs page by repository path (it is read outside the repository too).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from vidanime.styles.licences import licence_tag
from vidanime.styles.registry import BUNDLED_DIR

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MODELS = DOCS / "models"
INT8_FIGURES = DOCS / "int8.json"


@dataclass(frozen=True)
class Figure:
    """One row of the short card's table of key figures."""

    name: str
    value: str
    reference: str  # the target, or what the value is compared with


@dataclass(frozen=True)
class Card:
    """Everything a style's card and page say; the style-specific Markdown comes pre-rendered."""

    name: str
    heading: str  # after the name in the title: "the bundled default style (v2)"
    look: str  # one line: what the output looks like
    use: str
    limits: str
    about: str  # how it is made: the page's introduction
    model: str  # architecture and size, one line
    gmacs_720p: float
    measured: str  # when and on what: "2026-11-23, AMD EPYC, 2 cores"
    eval_set: str  # what the key figures were measured on
    figures: tuple[Figure, ...]
    judged: str  # the blind rating by eye, or that there is none
    data: str  # the data lists' name (docs/models/data/NAME/)
    data_note: str  # how the images were used: sizes, crops, what was held out
    reproduce: str  # the shell commands that rebuild the weights
    measurements: str  # the page's measured sections
    training: str  # the page's training section, before the commands
    teacher_params: str


CARD = Template("""# $name — $heading

$look

- **Use it for:** $use
- **Limits:** $limits
- **Model:** $model; $gmacs GMAC per 720×1280 frame.$int8
- **Licence:** $licence

## Judged by eye

$judged

## Key figures ($measured)

$eval_set:

| figure | $name | target / compared with |
|---|---|---|
$rows

## Training data

$data Every file with its licence: `docs/models/data/$data_name.md`.

## Reproduce

```bash
$reproduce
```

Every measured figure, the losses and the loss curve: `docs/models/$name.md` in the repository.
""")

PAGE = Template("""# $name — $heading

Every figure measured for the bundled style `$name`. The short card shipped with the package
(`vidanime/styles/bundled/$name.md`, shown by `vidanime styles info $name`) summarises this page.

$about

$model; $gmacs GMAC per 720×1280 frame. Licence: $licence

## Judged by eye

$judged

$measurements

## Data

$data $data_note Every file with its licence: [$data_name data lists](data/$data_name.md).

## Training

$training

```bash
$reproduce
```

![loss curve](${name}_loss.png)

Teacher parameters: `$teacher_params`
$int8""")

DATA_PAGE = Template("""# Data lists $data_name

The training and held-out files of the `$data_name` lists (`python -m lab.release.cel_data`), each
with its licence; kept as `docs/models/data/$data_name/data_manifest.tsv`. $data
$credits
$files
""")

INT8 = Template("""
## int8 graph

`$file` ($size_bytes bytes) is this style quantized to int8 by NNCF's post-training
quantization, calibrated on $calibration; the output finish after the last convolution stays
float$float_note. `vidanime convert` runs it in OpenVINO on the CPU when a probe frame agrees with fp32 to
40 dB (`--precision fp32` runs the fp32 graph instead). On $frames frames of five real clips at
720p that calibration never saw: PSNR against fp32 $psnr_db_median dB (median; worst frame
$psnr_db_min dB), SSIM $ssim, fine detail $fine_detail_vs_fp32 of fp32's. Time per 720p frame,
one run on $cpu: OpenVINO fp32 $openvino_fp32 ms, OpenVINO int8
$openvino_int8 ms (${int8_speedup_vs_openvino_fp32}x), ONNX Runtime fp32 $onnxruntime_fp32 ms.
Reproduce: `python -m lab.release.int8 ../shared/data --styles $style`.
""")


JUDGED_NONE = "Not judged blind yet: the figures below guard against known faults, they do not say how anime it looks."


def judged(j: dict[str, Any] | None) -> str:
    """The calibrated blind ratings (``judged`` in a style's figures file, added after a judging run)."""
    if not j:
        return JUDGED_NONE
    runs = j["runs"]
    ratings = " and ".join(f"**{r['mean']:.2f}**" for r in runs)
    anchors = ", ".join(f"run {r['run']}: real anime frames {r['anime_frames']}, photos {r['photos']}" + (f", this style's range {r['range']}" if "range" in r else "") for r in runs)
    judges = f"{len(runs)} runs, each a different judge" if len(runs) > 1 else "one run, a judge"
    return (f"Calibrated blind rating, 0 = a photo and 10 = a frame of hand-drawn anime ({judges} "
            f"who saw only the images, {j['date']}): {ratings} of 10 ({anchors}). {j['verdict']} Protocol and "
            f"runs: `{j['where']}`.")  # fmt: skip


def table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


STYLE_KEYS = ("fine_detail", "strong_edges", "specks_per_mp", "false_contours_pct", "black_lift", "colour_flatness", "line_coverage")


def style_table(columns: list[tuple[str, dict[str, float]]], target_of: dict[str, str]) -> str:
    """The ``vidanime eval style`` medians, one column per renderer, with each figure's target."""
    return table(["figure", *(label for label, _ in columns), "target"], [[k, *(medians[k] for _, medians in columns), target_of.get(k, "(reported)")] for k in STYLE_KEYS])


FIGURE_NAMES = {"fine_detail": "fine detail (output / photo)", "strong_edges": "strong edges (output / photo)", "specks_per_mp": "specks per megapixel",
                "false_contours_pct": "false contours (%)", "black_lift_abs": "black lift (absolute)"}  # fmt: skip


def measured(f: dict[str, Any]) -> str:
    """When and on what a release's figures were measured (its figures file's ``date`` and ``cpu``)."""
    return f"measured {f['date']} on {f['cpu']}, 2 cores"


def held_out_set(held: int) -> str:
    """What a cel release's key figures were measured on."""
    return f"Medians on {held} held-out photos (never trained on) at long side 768; flicker on 2 held-out clips; speed model only"


def target_figures(targets: dict[str, dict[str, object]]) -> list[Figure]:
    """The short card's rows for the figures that have a target, a missed one marked."""
    return [Figure(FIGURE_NAMES.get(k, k.replace("_", " ")), str(t["value"]), f"{t['target']}{'' if t['met'] else ' (**missed**)'}") for k, t in targets.items()]


def faces_found(faces: dict[str, dict[str, object]], labels: dict[str, str]) -> str:
    """Faces OpenCV still finds after stylisation, as "label K of N (share)" per renderer."""
    return ", ".join(f"{label} {faces[key]['kept']} of {faces[key]['in_inputs']} ({faces[key]['share']})" for key, label in labels.items())


def flicker_section(temporal: dict[str, dict[str, dict[str, float]]], frames: int, released: tuple[str, str], reference: tuple[str, str]) -> str:
    """Warping error of ``convert`` on held-out clips: the released model (key, label) against a reference."""
    (key, label), (ref, ref_label) = released, reference
    rows = [[clip, f"{v[ref]['warping_error_flow']:.6f}", f"**{v[key]['warping_error_flow']:.6f}**", f"{v[key]['warping_error_off']:.6f}", v[key]["sharpness_ratio_flow_vs_off"]] for clip, v in temporal.items()]
    header = ["clip", f"warping error, {ref_label} flow", f"**{label} flow**", f"{label} per frame", f"{label} sharpness flow / per frame"]
    return f"## Flicker on held-out clips (`convert`, first {frames} frames)\n\n{table(header, rows)}"


def speed_section(cpu: str, times: dict[str, float], note: str = "") -> str:
    """Model-only time per 720p frame, every model timed in the same run."""
    measured = ", ".join(f"{label} {ms} ms" for label, ms in times.items())
    return f"## Speed\n\n720×1280, model only, ONNX Runtime fp32, {cpu}, 2 cores, same run: {measured} per frame{note}."


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def manifest(data_name: str) -> list[dict[str, str]]:
    return read_tsv(MODELS / "data" / data_name / "data_manifest.tsv")


def credits(data_name: str) -> list[dict[str, str]]:
    path = MODELS / "data" / data_name / "credits.tsv"
    return read_tsv(path) if path.is_file() else []


def licence_group(text: str) -> str:
    """The short tag where the licence text names one, else the text itself (nothing is hidden)."""
    tag = licence_tag(text)
    return f"“{text}”" if tag.endswith("…") else tag


def data_summary(data_name: str) -> str:
    """How many files of which kind and licence were trained on, and the CC-BY authors."""
    rows = manifest(data_name)
    train = [r for r in rows if r["split"] == "train"]
    clips = sum(1 for r in train if r["source"].startswith("videos/"))
    held = sum(1 for r in rows if r["split"] == "holdout")
    held_clips = sum(1 for r in rows if r["split"] == "holdout-video")
    licences = ", ".join(f"{tag} {n}" for tag, n in Counter(licence_group(r["licence"]) for r in train).most_common())
    text = (f"{len(train)} training images ({len(train) - clips} photos and the 1-per-second frames of {clips} "
            f"live-action clips), only files whose licence allows shipping derived weights, by licence: {licences}. "
            f"Held out (never trained on): {held} photos and {held_clips} clips.")  # fmt: skip
    authors = sorted({m.group(1) for c in credits(data_name) for m in [re.search(r'"Photos (?:taken )?by ([^"]+)"', c["credit"])] if m})
    if authors:
        text += f" CC-BY-4.0 photos by {', '.join(authors)} (credited file by file on the data page)."
    return text


def sidecar(name: str) -> dict[str, object]:
    return json.loads((BUNDLED_DIR / f"{name}.json").read_text(encoding="utf-8"))


def licence_line(name: str) -> str:
    text = str(sidecar(name).get("license", "?"))
    tag = licence_tag(text)
    return text if text.startswith(tag) else f"{tag}: {text}"


def int8_note(name: str) -> str:
    """The shipped int8 graph in one clause, from the sidecar (empty when the style has none)."""
    int8 = sidecar(name).get("int8")
    if not isinstance(int8, dict):
        return ""
    measured = f" (measured on {int8['cpu']}, {int8['int8_precision']})" if "cpu" in int8 else ""
    return (f"\n- **int8:** `{int8['file']}` runs in OpenVINO on the CPU at {int8['int8_speedup_vs_openvino_fp32']}x OpenVINO fp32's "
            f"speed{measured}, PSNR against fp32 {int8['psnr_db_median']} dB (median; worst {int8['psnr_db_min']} dB).")  # fmt: skip


def int8_section(name: str) -> str:
    """The page's int8 section from docs/int8.json (``lab.release.int8`` writes it)."""
    if not INT8_FIGURES.is_file():
        return ""
    saved = json.loads(INT8_FIGURES.read_text(encoding="utf-8"))
    f = saved.get("styles", {}).get(name)
    if not f:
        return ""
    return INT8.substitute({**f, **f["ms_per_720p_frame"], "size_bytes": f"{f['size_bytes']:,}", "cpu": f["machine"]["cpu"], "style": name, "float_note": int8_float_note(f)})


def int8_float_note(figures: dict[str, Any]) -> str:
    """The convolutions an int8 graph keeps in float (a sigmoid gate's, and those the export put
    back so the graph passes the probe), when there are any."""
    convs = figures.get("float_convolutions")
    if not convs:
        return ""
    names = ", ".join(f"`{c}`" for c in convs)
    return f", as do {names} (a sigmoid gate's, and any the export put back in float so that the graph passes the probe: {figures['psnr_db_on_probe']} dB against fp32 in ONNX Runtime)"


def _common(card: Card) -> dict[str, object]:
    return {"name": card.name, "heading": card.heading, "model": card.model, "gmacs": card.gmacs_720p, "licence": licence_line(card.name),
            "judged": card.judged, "data_name": card.data, "data": data_summary(card.data), "reproduce": card.reproduce}  # fmt: skip


def render_card(card: Card) -> str:
    """The short card shipped in the wheel."""
    rows = "\n".join(f"| {f.name} | {f.value} | {f.reference} |" for f in card.figures)
    return CARD.substitute(_common(card), look=card.look, use=card.use, limits=card.limits, int8=int8_note(card.name), measured=card.measured, eval_set=card.eval_set, rows=rows)


def render_page(card: Card) -> str:
    """The full measurement page in the docs."""
    return PAGE.substitute(_common(card), about=card.about, measurements=card.measurements, data_note=card.data_note, training=card.training, teacher_params=card.teacher_params, int8=int8_section(card.name))


def render_data_page(data_name: str) -> str:
    """Every file of a run's data lists with its licence, and the CC-BY credits."""
    cc = credits(data_name)
    credit_table = f"\nCC-BY-4.0 photos used, with their authors:\n\n{table(['file', 'licence', 'credit'], [list(c.values()) for c in cc])}\n" if cc else ""
    files = table(["split", "source", "licence"], [[r["split"], r["source"], r["licence"]] for r in manifest(data_name)])
    return DATA_PAGE.substitute(data_name=data_name, data=data_summary(data_name), credits=credit_table, files=files)


def write(card: Card) -> None:
    """The short card beside the weights, the docs page, and the data lists' page."""
    (BUNDLED_DIR / f"{card.name}.md").write_text(render_card(card), encoding="utf-8")
    (MODELS / f"{card.name}.md").write_text(render_page(card), encoding="utf-8")
    (MODELS / "data" / f"{card.data}.md").write_text(render_data_page(card.data), encoding="utf-8")


def keep_data_lists(run_dir: Path, data_name: str) -> None:
    """Copy a run's data lists into the docs, so its cards can be rendered again without the run."""
    target = MODELS / "data" / data_name
    target.mkdir(parents=True, exist_ok=True)
    for file in ("data_manifest.tsv", "credits.tsv"):
        if (run_dir / file).is_file():
            (target / file).write_text((run_dir / file).read_text(encoding="utf-8"), encoding="utf-8")
