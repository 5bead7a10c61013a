"""User styles: contracts of community ONNX files detected, installed, converted correctly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from factories import make_clip, make_onnx_generator, make_onnx_graph, read_frames
from onnx import TensorProto, helper, numpy_helper

import vidanime
from vidanime.cli.app import run
from vidanime.errors import StyleNotFoundError
from vidanime.styles.registry import Style, installed_styles, pinned_name, resolve_style, user_styles_dir

F = TensorProto.FLOAT


def tf_style_nhwc(path: Path) -> Path:
    """Like the public AnimeGANv2 files: NHWC, [-1, 1], TF names, batch 1, dynamic H / W."""
    shape = [1, "H", "W", 3]
    return make_onnx_graph(
        path, [helper.make_node("Neg", ["generator_input:0"], ["generator/G_MODEL/out_layer/Tanh:0"])],
        [helper.make_tensor_value_info("generator_input:0", F, shape)],
        [helper.make_tensor_value_info("generator/G_MODEL/out_layer/Tanh:0", F, shape)],
    )  # fmt: skip


def nchw_unit_range(path: Path) -> Path:
    """NCHW in [0, 1]: y = 1 - x, the negative image."""
    shape = ["N", 3, "H", "W"]
    one = numpy_helper.from_array(np.array(1.0, np.float32), "one")
    return make_onnx_graph(
        path, [helper.make_node("Sub", ["one", "x"], ["y"])],
        [helper.make_tensor_value_info("x", F, shape)], [helper.make_tensor_value_info("y", F, shape)], [one],
    )  # fmt: skip


def bgr_blue_to_grey(path: Path) -> Path:
    """A BGR model that copies its first channel (blue) into all three."""
    shape = ["N", 3, "H", "W"]
    w = numpy_helper.from_array(np.array([[1, 0, 0]] * 3, np.float32).reshape(3, 3, 1, 1), "w")
    return make_onnx_graph(
        path, [helper.make_node("Conv", ["x", "w"], ["y"])],
        [helper.make_tensor_value_info("x", F, shape)], [helper.make_tensor_value_info("y", F, shape)], [w],
    )  # fmt: skip


def convert_and_compare(tmp_path: Path, style: str, expected: "callable", size: tuple[int, int] = (96, 128), extra: tuple[str, ...] = ()) -> None:  # type: ignore[valid-type]
    tag = Path(style).stem
    clip = make_clip(tmp_path / f"in_{tag}.mp4", n_frames=4, size=size, audio=None)
    out = tmp_path / f"out_{tag}.mp4"
    assert run(["convert", str(clip), "--style", style, "-o", str(out), "-q", "--temporal", "off", *extra]) == 0
    _, f_in, _ = read_frames(clip)
    _, f_out, _ = read_frames(out)
    assert len(f_out) == len(f_in)
    for a, b in zip(f_in, f_out):
        assert np.abs(expected(a.astype(int)) - b.astype(int)).mean() < 6


def test_tf_style_nhwc_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tf_style_nhwc(tmp_path / "Shinkai_53.onnx")
    assert run(["styles", "add", "shinkai", str(model), "--license", "non-commercial (AnimeGANv2)"]) == 0
    err = capsys.readouterr().err
    assert "NHWC RGB" in err and "(-1.0, 1.0)" in err
    sidecar = json.loads((user_styles_dir() / "shinkai.json").read_text())
    assert sidecar["license"].startswith("non-commercial") and sidecar["contract"]["layout"] == "NHWC"
    assert sidecar["contract"]["batch_fixed"] is True
    convert_and_compare(tmp_path, "shinkai", lambda a: 255 - a, extra=("--batch-size", "3"))  # the user's file is the one used
    capsys.readouterr()
    assert run(["styles", "list"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("shinkai ")]
    assert [r[-1] for r in rows] == ["user", "bundled*"] and "* not used" in out  # the bundled shinkai is listed as shadowed
    assert rows[0][1] == "non-commercial"


def test_styles_list_fits_80_columns(tmp_path: Path, neg_model: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    long_licence = "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International; research and personal use only"
    assert run(["styles", "add", "community-portrait-v2", str(neg_model), "--license", long_licence]) == 0
    assert run(["styles", "add", "mine", str(neg_model), "--license", "Apache-2.0 (my own photos)"]) == 0
    monkeypatch.setenv("COLUMNS", "80")
    capsys.readouterr()
    assert run(["styles", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    names = sorted(installed_styles())
    rows = {line.split()[0]: line.split() for line in lines if line.split() and line.split()[0] in names}
    assert sorted(rows) == names and len(lines) == len(names) + 4  # header, one line a style, pinned names, folder, hint
    assert rows["community-portrait-v2"][1] == "non-commercial" and rows["mine"][1] == "Apache-2.0"
    assert rows["cel"][1:] == ["MIT", "lightweight", "1.5", "MB", "bundled"]
    assert f"cel-v{installed_styles()['cel'].sidecar['version']}" in next(line for line in lines if line.startswith("pinned: "))


def test_a_versioned_style_is_also_reachable_by_its_pinned_name(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``NAME-vN`` keeps naming version N of NAME: scripts can pin a version before the plain name
    moves on to the next one. Only a sidecar's integer version makes one; a real style of that
    name wins over it."""
    assert run(["styles", "add", "ink", str(neg_model)]) == 0
    sidecar = user_styles_dir() / "ink.json"
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), "version": 4}))
    assert resolve_style("ink-v4").path == user_styles_dir() / "ink.onnx"
    assert pinned_name(resolve_style("ink")) == "ink-v4"
    convert_and_compare(tmp_path, "ink-v4", lambda a: 255 - a)
    with pytest.raises(StyleNotFoundError):
        resolve_style("ink-v3")  # another version is not this one
    assert run(["styles", "add", "ink-v4", str(nchw_unit_range(tmp_path / "other.onnx"))]) == 0
    assert resolve_style("ink-v4").path == user_styles_dir() / "ink-v4.onnx"
    assert pinned_name(Style("cel-v3", Path("cel-v3.onnx"), "bundled", {"version": 3})) is None  # already its version's name
    assert pinned_name(Style("x", Path("x.onnx"), "user", {"version": "2"})) is None
    assert {s.name: s.pinned for s in vidanime.list_styles()}["ink"] == "ink-v4"
    capsys.readouterr()
    assert run(["styles", "info", "ink-v4"]) == 0 and run(["styles", "info", "ink"]) == 0
    assert "also --style ink-v4" in capsys.readouterr().out


def test_nchw_unit_range_is_probed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = nchw_unit_range(tmp_path / "unit.onnx")
    assert run(["styles", "add", "unit", str(model)]) == 0
    contract = json.loads((user_styles_dir() / "unit.json").read_text())["contract"]
    assert contract["input_range"] == "0,1" and contract["output_range"] == "0,1"
    convert_and_compare(tmp_path, "unit", lambda a: 255 - a)


def test_fixed_512_model_resizes_and_tiles(tmp_path: Path) -> None:
    fixed = make_onnx_generator(tmp_path / "fixed.onnx", fixed_hw=(512, 512), batch=1)
    assert run(["styles", "add", "fixed", str(fixed)]) == 0
    convert_and_compare(tmp_path, "fixed", lambda a: 255 - a)  # 96x128: resized up to 512 and back
    small_tile = make_onnx_generator(tmp_path / "tile64.onnx", fixed_hw=(64, 64), batch=1)
    convert_and_compare(tmp_path, str(small_tile), lambda a: 255 - a, size=(200, 300))  # tiled


def test_bgr_model_with_flag(tmp_path: Path) -> None:
    model = bgr_blue_to_grey(tmp_path / "bgr.onnx")
    assert run(["styles", "add", "bluegrey", str(model), "--bgr", "--input-range", "-1,1"]) == 0
    blue = lambda a: np.repeat(a[..., 2:3], 3, axis=2)  # noqa: E731
    convert_and_compare(tmp_path, "bluegrey", blue)
    red = lambda a: np.repeat(a[..., 0:1], 3, axis=2)  # noqa: E731
    convert_and_compare(tmp_path, str(model), red)  # used directly as RGB it copies red


def test_non_image_model_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vec = make_onnx_graph(
        tmp_path / "vec.onnx", [helper.make_node("Relu", ["x"], ["y"])],
        [helper.make_tensor_value_info("x", F, ["N", 100])], [helper.make_tensor_value_info("y", F, ["N", 100])],
    )  # fmt: skip
    assert run(["styles", "add", "vec", str(vec)]) == 1
    err = capsys.readouterr().err
    assert "not an image generator" in err and "[" in err
    shrink = make_onnx_graph(
        tmp_path / "pool.onnx", [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
        [helper.make_tensor_value_info("x", F, ["N", 3, "H", "W"])], [helper.make_tensor_value_info("y", F, ["N", 3, "h", "w"])],
    )  # fmt: skip
    assert run(["styles", "add", "pool", str(shrink)]) == 1
    assert "not an image-to-image generator" in capsys.readouterr().err
    assert "vec" not in installed_styles() and "pool" not in installed_styles()


def test_add_takes_the_exported_variants_and_remove_removes_them(tmp_path: Path) -> None:
    model = make_onnx_generator(tmp_path / "n.onnx")
    (tmp_path / "n.int8.onnx").write_bytes(model.read_bytes())  # stands in for export-onnx --int8
    assert run(["styles", "add", "neg8", str(model)]) == 0
    installed = installed_styles()["neg8"].path
    assert (installed.parent / "neg8.int8.onnx").read_bytes() == model.read_bytes()
    (tmp_path / "n.int8.onnx").unlink()  # a new version without one: the stale int8 graph goes
    assert run(["styles", "add", "neg8", str(model), "--overwrite"]) == 0
    assert not (installed.parent / "neg8.int8.onnx").exists()
    (tmp_path / "n.int8.onnx").write_bytes(model.read_bytes())
    assert run(["styles", "add", "neg8", str(model), "--overwrite"]) == 0
    assert run(["styles", "remove", "neg8"]) == 0
    assert not list(installed.parent.glob("neg8*"))


def test_remove_and_name_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = make_onnx_generator(tmp_path / "n.onnx")
    assert run(["styles", "add", "neg", str(model)]) == 0
    assert run(["styles", "add", "neg", str(model)]) == 2  # exists
    assert run(["styles", "add", "bad name!", str(model)]) == 2
    assert run(["styles", "info", "neg"]) == 0
    assert run(["styles", "remove", "neg"]) == 0 and "neg" not in installed_styles()
    assert run(["styles", "remove", "neg"]) == 1
    capsys.readouterr()
    assert run(["convert", str(tmp_path / "n.onnx"), "--style", "hayao"]) == 1  # not bundled: how to get it
    assert "vidanime styles add hayao AnimeGANv3_Hayao_36.onnx" in capsys.readouterr().err
