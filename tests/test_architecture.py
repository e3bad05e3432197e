"""The package shows its architecture: folders by role, and the product never imports the offline proof."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "aurora_bundle"
ROLES = {"inputs", "aws", "massdriver", "terraform", "author", "offline", "cost"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_package_is_folders_by_role():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == ROLES
    assert {p.name for p in PACKAGE.glob("*.py")} == {"__init__.py", "cli.py", "readme.py"}


def test_the_product_never_imports_the_offline_proof_or_the_tests():
    product = [p for p in PACKAGE.rglob("*.py") if "offline" not in p.relative_to(PACKAGE).parts]
    assert len(product) > 20
    offenders = {str(p.relative_to(ROOT)): sorted(name for name in _imports(p)
                                                  if name.startswith(("aurora_bundle.offline", "tests")))
                 for p in product}
    assert {path: names for path, names in offenders.items() if names} == {}
