"""The repository shows its architecture: three packages by role, and the product imports neither of the others.

- ``aurora_bundle/``: the product, the generator (folders by role: inputs, aws, massdriver, terraform, cost);
- ``author/``: the author loop and the author's tools (``make watch``, ``make preview``, ``make provider-schemas``);
- ``proof/``: the offline proof (the AWS emulator, the stand-in providers, the provisioner, the e2e, the
  consumer proof, the checkov scan, and the harnesses the tests drive).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "aurora_bundle"
ROLES = {"inputs", "aws", "massdriver", "terraform", "cost"}
NOT_PRODUCT = ("author", "proof", "tests", "bench", "moto", "pytest")
# What only the proof may hold: a module of the product named for one of these is misplaced.
PROOF_WORDS = ("emulator", "standin", "stand_in", "e2e", "provisioner", "scan", "harness", "watch_process", "moto")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_product_is_folders_by_role():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == ROLES
    assert {p.name for p in PACKAGE.glob("*.py")} == {"__init__.py", "cli.py", "readme.py"}


def test_the_product_never_imports_the_author_tools_the_proof_or_the_tests():
    product = list(PACKAGE.rglob("*.py"))
    assert len(product) > 40
    offenders = {str(p.relative_to(ROOT)): sorted(name for name in _imports(p)
                                                  if name.split(".")[0] in NOT_PRODUCT)
                 for p in product}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_product_holds_no_emulator_stand_in_e2e_or_test_only_module():
    named = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*") if any(word in p.name for word in PROOF_WORDS)]
    assert named == []
    assert (ROOT / "proof" / "emulator").is_dir() and (ROOT / "proof" / "standins").is_dir()
    assert (ROOT / "proof" / "e2e.py").is_file() and (ROOT / "author" / "watch.py").is_file()


def test_the_author_tools_never_import_the_tests():
    tools = list((ROOT / "author").rglob("*.py")) + list((ROOT / "proof").rglob("*.py"))
    offenders = {str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if n.split(".")[0] == "tests") for p in tools}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_every_docstring_opens_with_a_one_line_summary():
    """A reader of the code sees what each module, class and function is in one line; the why follows it,
    after a blank line."""
    wrapped = []
    for package in ("aurora_bundle", "author", "proof"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                doc = ast.get_docstring(node)
                lines = doc.strip().splitlines() if doc else []
                if len(lines) > 1 and lines[1].strip():
                    wrapped.append(f"{path.relative_to(ROOT)}: {getattr(node, 'name', 'module')}: {lines[0][:60]}")
    assert not wrapped, "\n".join(wrapped)
