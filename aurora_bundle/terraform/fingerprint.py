"""Whether a build can be skipped: nothing it reads or writes changed since the last good build.

A build is fully determined by the bundle's inputs (massdriver.yaml, schemas/, artifacts/,
examples/, README.md), the generator's own files (the package, minus the offline proof, which the
generator never imports), the pinned dependencies, and what it wrote (kms/, src/). Their fingerprint
is kept in ``build/generate.fingerprint`` after every successful build; when it matches, ``make
build`` says so without starting jsii (about 3 s and 500 MB saved). Deleting build/ forces a build.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import aurora_bundle

INPUTS = ("massdriver.yaml", "README.md", "requirements.txt", "schemas", "artifacts", "examples", "kms", "src")
STAMP = Path("build") / "generate.fingerprint"


def _files(root: Path, package: Path) -> list[Path]:
    found = []
    for name in INPUTS:
        path = root / name
        found += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.is_file() else []
    found += sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                    and "offline" not in p.relative_to(package).parts)
    return found


def fingerprint(root: Path) -> str:
    package = Path(aurora_bundle.__file__).resolve().parent
    digest = hashlib.sha256(sys.version.encode())
    for path in _files(root, package):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def unchanged(root: Path) -> bool:
    stamp = root / STAMP
    return stamp.is_file() and stamp.read_text().strip() == fingerprint(root)


def record(root: Path) -> None:
    stamp = root / STAMP
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint(root) + "\n")
