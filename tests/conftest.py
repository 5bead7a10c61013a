from __future__ import annotations

import sys
from pathlib import Path

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


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """User styles go to a throwaway folder, never the developer's own."""
    monkeypatch.setenv("VIDANIME_HOME", str(tmp_path_factory.mktemp("home")))
