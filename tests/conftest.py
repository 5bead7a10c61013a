from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from factories import make_onnx_generator  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(sub: str) -> Path:
    """A folder of ../shared/data, or skip the test when the shared data is absent."""
    path = SHARED_DATA / sub
    if not path.exists():
        pytest.skip(f"needs ../shared/data/{sub} (real media for local runs; absent in this checkout)")
    return path


@pytest.fixture(scope="session")
def neg_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 'generator' whose output is the negative image, with size multiple 8."""
    folder = tmp_path_factory.mktemp("models")
    return make_onnx_generator(folder / "neg.onnx", metadata={"vidanime.size_multiple": "8", "vidanime.arch": "neg"})


# The CPU kinds this project runs on, as the kernel's flags name their speed units. Behaviour that
# depends on them (bf16 / int8 paths) is tested against each kind by faking the probe, never by
# reading the machine the suite happens to run on.
CPU_KINDS: dict[str, frozenset[str]] = {
    "avx2": frozenset({"avx", "avx2", "fma", "f16c"}),
    "avx512-bf16": frozenset({"avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16"}),
    "amx": frozenset({"avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8", "amx_tile"}),
}


def fake_cpu(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Make every feature probe (runtime, benchmark, trainer) see the CPU kind ``kind``."""
    import vidanime.engine.cpu as cpu

    monkeypatch.setattr(cpu, "all_cpu_flags", lambda: set(CPU_KINDS[kind]))


def engines_answer_like_fp32(monkeypatch: pytest.MonkeyPatch, model: Path, failing: tuple[str, ...] = ()) -> None:
    """Every OpenVINO runner answers as ``model`` does in fp32, except the precisions in ``failing``,
    which raise as a kernel this CPU lacks does. What int8 and bf16 really give depends on the CPU
    (on an AMX Xeon, OpenVINO 2026.4 cannot run cel's int8 graph with bf16 float parts at all);
    what ``auto`` picks from the answers must not."""
    from vidanime.engine import openvino_backend as ovb
    from vidanime.engine.session import open_session

    ort = open_session(model, "cpu", 2, "onnxruntime")

    def run(self: ovb.OpenVINORunner, batch: np.ndarray) -> np.ndarray:
        if self.precision in failing:
            raise RuntimeError("No suitable implementations.")
        return ort.run(batch)

    monkeypatch.setattr(ovb.OpenVINORunner, "run", run)


@pytest.fixture(autouse=True)
def _avx2_cpu_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees an AVX2-only CPU unless it fakes another kind: the suite's outcome must not
    depend on the CPU CI happens to run on (an AVX-512-BF16 CI machine once failed a precision test)."""
    fake_cpu(monkeypatch, "avx2")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """User styles go to a throwaway folder, never the developer's own."""
    monkeypatch.setenv("VIDANIME_HOME", str(tmp_path_factory.mktemp("home")))
