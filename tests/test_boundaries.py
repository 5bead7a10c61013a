"""The house rules, checked on the source: one direction through the house, the lab (``lab/``) ->
``training`` -> ``vidanime``, with ``training`` reached from ``vidanime`` only lazily from the CLI
commands that need torch; no import cycle of any kind (module-level or inside functions) in either
package; the lab's modules reach each other only as a package, never through ``sys.path``; executors
below ``convert`` that never import it back; small functions in the runtime."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("vidanime", "training")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
LAB = {module_name(p): p for p in (ROOT / "lab").rglob("*.py")}
KNOWN = MODULES | LAB


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    for node in tree.body:  # `if TYPE_CHECKING:` blocks do not run
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            top_level -= {id(n) for n in ast.walk(node)}
    found = []
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((sub if sub in KNOWN else base, id(node) in top_level))
    return found


def test_runtime_reaches_training_only_lazily_and_only_from_the_cli() -> None:
    offenders = []
    for name, path in MODULES.items():
        if not name.startswith("vidanime"):
            continue
        for target, top in imports(path):
            if target.split(".")[0] != "training":
                continue
            if top or not name.startswith("vidanime.cli."):
                offenders.append(f"{name} imports {target}{' at module level' if top else ''}")
    assert not offenders, offenders


def import_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk of ``graph`` closes (empty when it has none)."""
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return cycles


def test_no_import_cycles_not_even_through_lazy_imports() -> None:
    graph = {name: sorted({t for t, _ in imports(path) if t in MODULES and t != name}) for name, path in MODULES.items()}
    assert not import_cycles(graph), import_cycles(graph)


def test_the_lab_is_never_imported_by_training_or_the_runtime() -> None:
    offenders = [f"{name} imports {target}" for name, path in MODULES.items() for target, _ in imports(path) if target.split(".")[0] in ("lab", "tools")]
    assert LAB and not offenders, offenders


def test_lab_modules_import_each_other_only_as_a_package() -> None:
    """``from lab.release import cel_eval``, never ``import cel_eval`` found through a path hack."""
    stems = {p.stem for p in LAB.values() if p.stem != "__init__"}
    offenders = [f"{name} imports {target}" for name, path in LAB.items() for target, _ in imports(path) if target.split(".")[0] in stems | {"tools"}]
    assert not offenders, offenders


# The one allowed edit of sys.path: the GPU check puts the kit's freshly installed wheels (onnxruntime-gpu
# over the machine's CPU build) first; that folder holds third-party wheels, never the project's code.
SYS_PATH_ALLOWED = {("lab.check.gpu", "install")}


def sys_path_edits(name: str, path: Path) -> list[str]:
    """``sys.path`` changed in ``path`` (insert / append / extend / assigned), named by the enclosing
    function, leaving out the allowed one."""
    found = []

    def visit(node: ast.AST, where: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            where = node.name
        if isinstance(node, (ast.Call, ast.Assign, ast.AugAssign)):
            text = ast.unparse(node)
            if text.startswith(("sys.path.insert", "sys.path.append", "sys.path.extend", "sys.path =", "sys.path[", "sys.path +=")):
                found.append((where, text))
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    visit(ast.parse(path.read_text(encoding="utf-8")), "<module>")
    return [f"{name}.{where}: {text}" for where, text in found if (name, where) not in SYS_PATH_ALLOWED]


def test_no_sys_path_edits_in_the_lab_training_or_the_runtime() -> None:
    offenders = [edit for name, path in KNOWN.items() for edit in sys_path_edits(name, path)]
    assert not offenders, offenders



def test_the_sys_path_checker_sees_an_edit(tmp_path: Path) -> None:
    hack = tmp_path / "hack.py"
    hack.write_text("import sys\nsys.path.insert(0, 'tools')\ndef install():\n    sys.path[:0] = ['site']\n")
    assert sys_path_edits("x", hack) == ["x.<module>: sys.path.insert(0, 'tools')", "x.install: sys.path[:0] = ['site']"]
    assert sys_path_edits("lab.check.gpu", hack) == ["lab.check.gpu.<module>: sys.path.insert(0, 'tools')"]  # only install() is allowed


@pytest.mark.parametrize("name", sorted(LAB))
def test_every_lab_module_imports_as_a_package(name: str) -> None:
    """Each tool runs as ``python -m lab.<group>.<tool>``: its imports resolve (a third-party module this
    machine lacks skips; a name missing from the project fails)."""
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in {"lab", "tools", "training", "vidanime"} | {p.stem for p in LAB.values()}:
            raise  # the project's own code, or a lab module reached through a path hack
        pytest.skip(f"{name} needs {exc.name}")


def test_executors_sit_below_convert() -> None:
    """Workers run the local job runner: nothing an executor imports leads back to ``convert``."""
    below = [name for name in MODULES if name.startswith("vidanime.cluster") or name in ("vidanime.pipeline.executors", "vidanime.pipeline.jobs")]
    offenders = [f"{name} imports {target}" for name in below for target, _ in imports(MODULES[name]) if target == "vidanime.pipeline.convert"]
    assert below and not offenders, offenders


def test_no_function_over_80_lines_in_the_runtime() -> None:
    long = []
    for name, path in MODULES.items():
        if name.startswith("vidanime"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 80:  # type: ignore[operator]
                    long.append(f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines")  # type: ignore[operator]
    assert not long, long


def test_the_checker_sees_what_it_must() -> None:
    """The rules above would catch a violation: the parser resolves relative and package imports."""
    names = {t for t, _ in imports(ROOT / "training" / "models" / "__init__.py")}
    assert "training.models.lightweight" in names
    lazy = [(t, top) for t, top in imports(ROOT / "vidanime" / "cli" / "train_cmd.py") if t.startswith("training")]
    assert lazy and not any(top for _, top in lazy)
    assert import_cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c", "a"]]
