"""footprint uses pint through its public API only: no class of pint's is subclassed, nothing is imported from pint's
submodules or by a private name, and no private attribute of pint's objects is read. pint's internals change between
releases; an upgrade must not break footprint's figures or its start-up."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "footprint", ROOT / "plugins"]
# private attributes of pint's Quantity and Unit objects (the public ones: .units, .magnitude, .dimensionality)
PINT_PRIVATE_ATTRIBUTES = {"_units", "_magnitude", "_REGISTRY"}


def _private(name: str) -> bool:
    """'_APP_REGISTRY' is private; '__version__' and '__file__' are every module's public attributes."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _dotted(node: ast.AST) -> str:
    """'pint.registry.UnitRegistry' for an attribute chain, '' for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def pint_internals(source: str, filename: str) -> list[str]:
    """Every use of pint's internals in one module, as 'file:line: what'."""
    tree = ast.parse(source, filename)
    from_pint: set[str] = set()  # names bound by `from pint import X`
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("pint."):
                found.append(f"{filename}:{node.lineno}: from {node.module} import ... (a pint submodule)")
            elif node.module == "pint":
                for alias in node.names:
                    from_pint.add(alias.asname or alias.name)
                    if _private(alias.name):
                        found.append(f"{filename}:{node.lineno}: from pint import {alias.name} (a private name)")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pint."):
                    found.append(f"{filename}:{node.lineno}: import {alias.name} (a pint submodule)")
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = _dotted(base)
                if name.startswith("pint.") or name.split(".")[0] in from_pint:
                    found.append(f"{filename}:{node.lineno}: class {node.name}({name}) subclasses pint")
        elif isinstance(node, ast.Attribute):
            name = _dotted(node)
            if name.startswith("pint.") and any(_private(part) for part in name.split(".")[1:]):
                found.append(f"{filename}:{node.lineno}: {name} (a private pint name)")
            elif node.attr in PINT_PRIVATE_ATTRIBUTES:
                found.append(f"{filename}:{node.lineno}: .{node.attr} (a private attribute of pint's objects)")
    return found


def test_footprint_uses_only_pints_public_api() -> None:
    found = []
    for folder in SOURCES:
        for path in sorted(folder.rglob("*.py")):
            if ".venv" in path.parts or "build" in path.parts:
                continue
            found += pint_internals(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "pint used through its internals:\n" + "\n".join(found)


def test_the_scan_names_each_use_of_pints_internals() -> None:
    source = (
        "import pint\n"
        "from pint import UnitRegistry, _private\n"
        "from pint.facets.plain import PlainQuantity\n"
        "import pint.util\n"
        "class Registry(pint.UnitRegistry):\n    pass\n"
        "class Other(UnitRegistry):\n    pass\n"
        "x = pint._APP_REGISTRY\n"
        "def f(q):\n    return q._units\n"
        "class Fine(dict):\n    pass\n"
        "y = pint.Quantity\n"
        "z = (pint.__version__, pint.__file__)\n"
    )
    found = pint_internals(source, "m.py")
    assert sorted(int(line.split(":")[1]) for line in found) == [2, 3, 4, 5, 7, 9, 11], found
