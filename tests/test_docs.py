"""The README and the docs site: what a newcomer meets first, the commands CI copies from them,
and a strict MkDocs build (broken links, missing pages and anchors fail)."""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from vidanime.cli.app import app
from vidanime.styles.registry import installed_styles

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:45])


def fenced_blocks(text: str, after: str) -> list[str]:
    """The bash code blocks of ``text`` that follow the first line containing ``after``."""
    return re.findall(r"```bash\n(.*?)```", text[text.index(after):], re.S)


def test_readme_is_short_and_its_first_screen_has_install_the_first_command_and_every_style() -> None:
    assert len(README.splitlines()) <= 200
    assert "pip install ." in FIRST_SCREEN
    assert "vidanime convert samples/snowboarder.mp4" in FIRST_SCREEN
    strip = re.search(r"!\[[^]]*\]\((samples/[^)]+\.jpg)\)", FIRST_SCREEN)
    assert strip, "no picture in the README's first screen"
    assert (ROOT / strip.group(1)).stat().st_size <= 350_000  # the original and 6 styles at preview's JPEG quality: 333 KB
    bundled = [name for name, style in installed_styles().items() if style.source == "bundled"]
    assert bundled and all(f"`{name}`" in FIRST_SCREEN for name in bundled)  # each named under the picture


def test_readme_links_point_at_files_that_exist() -> None:
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README) + re.findall(r'src="([^"]+)"', README)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert len(local) >= 20  # the docs are reached from here
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_the_test_command_of_the_readme_and_the_install_page_is_what_ci_runs() -> None:
    """`.ci/run` runs the README's "Run the tests" line, step by step (quietly), in that order."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").replace(" --quiet", "")
    install_page = (ROOT / "docs" / "guide" / "install.md").read_text(encoding="utf-8")
    command = fenced_blocks(README, "Run the tests")[0].strip()
    assert fenced_blocks(install_page, "Run the tests")[0].strip() == command
    steps = command.split(" && ")
    assert any(step.startswith("mkdocs build --strict") for step in steps) and steps[-1] == "python -m pytest -q"
    positions = [ci.find(step) for step in steps]
    assert -1 not in positions, f"steps missing from .ci/run: {[s for s, p in zip(steps, positions) if p < 0]}"
    assert positions == sorted(positions)


def test_every_option_in_the_readme_recipes_exists() -> None:
    """A renamed or removed option fails here, not in a newcomer's terminal."""
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    lines = [line.split("#")[0] for block in fenced_blocks(README, "## Ten everyday recipes") for line in block.splitlines()]
    recipes = [re.search(r"vidanime (.*)", line).group(1) for line in lines if "vidanime " in line]  # type: ignore[union-attr]
    assert len(recipes) == 10
    for recipe in recipes:
        name, *args = shlex.split(recipe)
        known = {opt for param in commands[name].params for opt in param.opts}
        unknown = [a for a in args if a.startswith("--") and a not in known]
        assert not unknown, f"vidanime {name}: no such option {unknown}"


@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("mkdocs", "material", "mkdocstrings_handlers")),
    reason="the docs extra is not installed (pip install '.[docs]')",
)
def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "index.html").read_text(encoding="utf-8").count("vidanime.api") >= 1
    architecture = (tmp_path / "site" / "architecture" / "index.html").read_text(encoding="utf-8")
    assert architecture.count('class="mermaid"') == 2  # the pipeline and the training kit
