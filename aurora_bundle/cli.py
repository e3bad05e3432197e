"""``python generate.py``: validate the bundle's inputs, then write kms/ and src/ (and the README's generated parts)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from aurora_bundle.inputs.errors import BundleError
from aurora_bundle.terraform import fingerprint

if TYPE_CHECKING:
    from aurora_bundle.inputs.spec import BundleSpec


def build(root: Path, *, check: bool = False) -> list[Path]:
    """Validate and generate. Returns the files that changed (or would change, with ``check``)."""
    from aurora_bundle.inputs import params_root
    from aurora_bundle.inputs import spec as spec_module

    # The params paths the generator's code names (``P``) are checked against this bundle's schema.
    try:
        spec: spec_module.BundleSpec | None = spec_module.load(root)
    except BundleError:
        spec = None  # reported below, once the tables are written
    if spec is not None:
        params_root.bind(spec.params_schema)
    # First what the tables write into schemas/, massdriver.yaml and examples/, which are read below.
    from aurora_bundle.massdriver.params import write_tables

    tables = write_tables(root, check=check, spec=spec)
    if check and tables:
        return tables
    return tables + _generate(root, check=check, spec=None if tables else spec)


def _generate(root: Path, *, check: bool, spec: BundleSpec | None = None) -> list[Path]:
    from aurora_bundle.inputs import params_root, validation
    from aurora_bundle.inputs import spec as spec_module
    from aurora_bundle.readme import render_readme

    if spec is None:
        spec = spec_module.load(root)
        params_root.bind(spec.params_schema)
    validation.validate(spec)
    from aurora_bundle.terraform.references import check_steps
    from aurora_bundle.terraform.synth import render_steps, stale_files, write_atomically, write_steps

    published = render_steps(spec)
    # A last structural check of the generated JSON (arguments, references, param paths), before anything is written.
    problems = check_steps(published, spec.params_schema)
    if problems:
        raise BundleError(problems)
    readme_path = root / "README.md"
    readme = render_readme(readme_path.read_text(), spec) if readme_path.exists() else None
    if check:
        stale = stale_files(root, published)
        if readme is not None and readme != readme_path.read_text():
            stale.append(readme_path)
        return stale
    changed = write_steps(root, published)
    if readme is not None and write_atomically(readme_path, readme):
        changed.append(readme_path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="generate.py", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="bundle directory (default: this repository)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the committed output differs from a fresh build")
    parser.add_argument("--force", action="store_true", help="build even when nothing changed since the last build")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if not (args.check or args.force) and fingerprint.unchanged(args.root):
        print(f"nothing changed since the last build ({time.monotonic() - started:.2f}s); no changes")
        return 0
    try:
        changed = build(args.root, check=args.check)
    except BundleError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(error.problems)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    if args.check:
        for path in changed:
            print(f"stale: {path.relative_to(args.root)} (run make build)", file=sys.stderr)
        return 1 if changed else 0
    fingerprint.record(args.root)
    names = ", ".join(str(p.relative_to(args.root)) if p.is_relative_to(args.root) else str(p) for p in changed)
    print(f"generated in {elapsed:.1f}s; {'changed: ' + names if changed else 'no changes'}")
    return 0
