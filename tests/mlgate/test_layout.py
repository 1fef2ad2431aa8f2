"""mlgate's package layout: features import the foundation (io, policy, errors, hints, scores),
never each other, and the foundation imports no feature (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import mlgate

PACKAGE = Path(mlgate.__file__).parent
FEATURES = {"gate", "drift", "verify", "suite", "github", "check", "serve", "new", "update"}
FOUNDATION = {  # who may be imported by whom, below the features
    "errors": set(),
    "hints": set(),
    "scores": set(),  # a model's metrics on labelled rows (evaluate stage and production)
    "io": {"errors", "hints"},
    "policy": {"errors", "hints", "io"},
}


def part_of(module: str) -> str:
    """'mlgate.drift.judge' -> 'drift'; 'mlgate' -> '' (the package: its version)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports_of(path: Path) -> set[str]:
    """The mlgate modules a file imports, absolute."""
    module = "mlgate." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    module = module.removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("mlgate"):
                found.add(target)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("mlgate")}
    return found


def test_imports_point_one_way() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = part_of("mlgate." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        if here in ("cli", "__main__", "__init__"):
            continue  # the entry point names every command by module path
        allowed = FOUNDATION.get(here, set(FOUNDATION)) | {here, ""}
        for target in imports_of(path):
            if part_of(target) not in allowed:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {target}")
    assert wrong == []


def test_every_part_is_a_feature_or_foundation() -> None:
    parts = {path.stem for path in PACKAGE.iterdir() if path.suffix == ".py" or path.is_dir()}
    parts -= {"__init__", "__main__", "__pycache__", "cli", "template"}
    assert parts <= FEATURES | set(FOUNDATION), parts - FEATURES - set(FOUNDATION)


def test_the_cli_imports_no_feature_at_module_level() -> None:
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    top = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.level]
    named = {part_of(f"mlgate.{node.module}" if node.module else "mlgate") for node in top}
    assert named <= {"", "errors", "io"}
