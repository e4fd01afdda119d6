"""The package's import rule, checked on the source (docs/architecture.md draws the map).

Layers, lowest first; a module may import its own layer and the layers below it, never one above:

    core  <-  plugins  <-  estimates  <-  meter  <-  render  <-  claims  <-  cli

`footprint` itself and `footprint.errors` sit below everything. The public faces for users and plugin authors
(`footprint.plugin_api`, `footprint.testing`, the framework callbacks in `footprint.integrations`) and the built-in plugins (`footprint.plugins.builtin`,
loaded by name like any third-party plugin) may use any layer but the CLI, and no layer imports them. Every
import counts, the ones inside functions too; only imports under ``if TYPE_CHECKING:`` are left out, because
they never run. No module reaches itself through imports, at import time or inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "footprint"
LAYERS = ["footprint.core", "footprint.plugins", "footprint.estimates", "footprint.meter", "footprint.render",
          "footprint.claims", "footprint.cli"]
BASE = {"footprint", "footprint.errors"}
ENTRY = "footprint.__main__"  # `python -m footprint`: above everything
FACES = ["footprint.plugin_api", "footprint.testing", "footprint.plugins.builtin", "footprint.integrations"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _lines(tree: ast.AST, kinds: tuple[type, ...], test: str | None = None) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, kinds) and (test is None or test in ast.unparse(node.test)):  # type: ignore[attr-defined]
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path, name: str, at_import: bool = False) -> set[str]:
    """The footprint modules `path` imports; with `at_import`, only those imported when it is imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _lines(tree, (ast.If,), "TYPE_CHECKING")
    if at_import:
        skip |= _lines(tree, (ast.FunctionDef, ast.AsyncFunctionDef))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "footprint")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "footprint":
                continue
            for alias in node.names:  # `from footprint.x import y`: y may be a module
                sub = f"{base}.{alias.name}"
                out.add(sub if _is_module(sub) else base)
    return out


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def graph(at_import: bool = False) -> dict[str, set[str]]:
    return {module_name(p): imports_of(p, module_name(p), at_import) for p in sorted(PACKAGE.rglob("*.py"))}


def _in(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def rank(name: str) -> float:
    if name == ENTRY:
        return len(LAYERS)
    if name in BASE:
        return -1
    if any(_in(name, face) for face in FACES):
        return len(LAYERS) - 1.5  # above every layer but the CLI
    for i, layer in enumerate(LAYERS):
        if _in(name, layer):
            return i
    raise AssertionError(f"{name} belongs to no layer: put it in one of {LAYERS} or name it in FACES")


def test_every_module_belongs_to_a_layer() -> None:
    for name in graph():
        rank(name)


def test_no_module_imports_a_layer_above_its_own() -> None:
    wrong = []
    for name, deps in graph().items():
        for dep in deps:
            upward = rank(dep) > rank(name)
            face_used = any(_in(dep, face) for face in FACES) and not any(_in(name, face) for face in FACES) \
                and not _in(name, "footprint.cli") and name not in BASE
            if (upward or face_used) and not _same_package(name, dep):
                wrong.append(f"{name} -> {dep}")
    assert not wrong, "imports against the layer rule:\n" + "\n".join(sorted(wrong))


def _same_package(a: str, b: str) -> bool:
    return any(_in(a, face) and _in(b, face) for face in FACES)


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import circles in `edges` (module -> the modules it imports), each as the path that closes it."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(edges.get(node, ())):
            if dep not in edges:
                continue
            if state.get(dep) == 1:
                found.append([*stack[stack.index(dep):], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_no_import_circles() -> None:
    """No module reaches itself through imports, the ones inside functions included: a circle ties modules that
    then cannot be read, tested or moved one at a time."""
    edges = {name: {d for d in deps if d != name}
             for name, deps in graph().items()}
    found = circles(edges)
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_checker_sees_a_circle_through_a_function(tmp_path: Path) -> None:
    """An import inside a function that closes a circle is caught, as an upward one is."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from footprint.core.result import Footprint\n", encoding="utf-8")
    edges = {"footprint.core.bad": imports_of(bad, "footprint.core.bad"), "footprint.core.result": {"footprint.core.bad"}}
    assert circles(edges) == [["footprint.core.bad", "footprint.core.result", "footprint.core.bad"]]


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    """The rule must be able to fail: a core module importing the CLI is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from footprint.cli import main\n", encoding="utf-8")
    deps = imports_of(bad, "footprint.core.bad")
    assert "footprint.cli" in deps
    assert rank("footprint.cli") > rank("footprint.core.bad")


def test_built_in_plugins_mark_hooks_with_the_public_marker() -> None:
    """Built-in plugins are written as a third party writes one: with ``footprint.hookimpl``, never a marker of their
    own (a second marker of the same name would work, and hide that the public one is what the docs promise)."""
    import importlib

    import pluggy

    import footprint

    own = []
    for path in sorted((PACKAGE / "plugins" / "builtin").glob("*.py")):
        module = importlib.import_module(module_name(path))
        own += [f"{module.__name__}.{k}" for k, v in vars(module).items()
                if isinstance(v, pluggy.HookimplMarker) and v is not footprint.hookimpl]
        if path.name != "__init__.py":
            assert "HookimplMarker" not in path.read_text(encoding="utf-8"), path
    assert not own, "hook markers of their own: " + ", ".join(own)


def test_the_types_hooks_exchange_live_in_one_contract_module() -> None:
    """A plugin author finds every type a hook passes or returns in one module, and imports it from the public face."""
    import footprint.plugin_api as api

    for name in ("Channel", "ChannelBase", "MeterFactory", "MeterSettings", "Opened", "Reading", "LoadBackend", "Reference",
                 "GridIntensity", "IntensityPeriod"):
        assert name in api.__all__, name
        assert getattr(api, name).__module__ == "footprint.plugins.contract", name
