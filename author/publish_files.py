"""What ``mass bundle publish`` packages: every file of the bundle directory that ``.mdignore`` keeps.

Massdriver's CLI walks the bundle directory (``filepath.Walk``: every file, symlinked directories
not entered) and keeps each file whose slash-separated relative path the ignore rules do not
match. The rules are ``.mdignore`` alone when it exists (it replaces the CLI's defaults), parsed by
github.com/sabhiram/go-gitignore: each line becomes one regular expression, tested against the
whole path, and the last matching line decides (a ``!`` line re-includes, even below an excluded
directory). ``compile_line`` follows that library's translation step by step, so the list computed
here is the list the CLI would package.

Run ``python -m author.publish_files`` to print it (``mass bundle build`` adds the
``schema-*.json`` files just before packaging; they are counted as present).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterable
from pathlib import Path

IGNORE_FILE = ".mdignore"
# Written into the bundle directory by `mass bundle build`, which `publish` runs before packaging.
BUILD_OUTPUTS = ("schema-artifacts.json", "schema-connections.json", "schema-params.json", "schema-ui.json")
_STAR = "#$~"  # go-gitignore's placeholder for a literal "*" while single stars are translated


def compile_line(line: str) -> tuple[re.Pattern[str], bool] | None:
    """One ignore-file line as (expression, negated), or None for blanks and comments."""
    line = line.rstrip("\r")
    if line.startswith("#"):
        return None
    line = line.strip(" ")
    if not line:
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    if re.match(r"^(\#|\!)", line):
        line = line[1:]
    if re.search(r"([^/+])/.*\*\.", line) and not line.startswith("/"):
        line = "/" + line
    line = line.replace(".", r"\.")
    if line.startswith("/**/"):
        line = line[1:]
    line = line.replace("/**/", "(/|/.+/)")
    line = line.replace("**/", f"(|.{_STAR}/)")
    line = line.replace("/**", f"(|/.{_STAR})")
    line = line.replace(r"\*", "\\" + _STAR)
    line = line.replace("*", "([^/]*)")
    line = line.replace("?", r"\?")
    line = line.replace(_STAR, "*")
    expression = line + ("(|.*)$" if line.endswith("/") else "(|/.*)$")
    expression = "^(|/)" + expression[1:] if expression.startswith("/") else "^(|.*/)" + expression
    try:
        return re.compile(expression), negated
    except re.error:  # go-gitignore drops a line whose expression does not compile
        return None


class IgnoreRules:
    def __init__(self, lines: list[str]) -> None:
        self.patterns = [compiled for compiled in map(compile_line, lines) if compiled is not None]
        # Where no "!" line matches, no line can re-include: the path is ignored if any line matches. One
        # search of each kind then decides most paths (a virtual environment's thousands of files).
        self._any_negated = _either(pattern for pattern, negated in self.patterns if negated)
        self._any_ignoring = _either(pattern for pattern, negated in self.patterns if not negated)

    @classmethod
    def from_file(cls, path: Path) -> IgnoreRules:
        return cls(path.read_bytes().decode().split("\n"))  # only "\n" ends a line, as in Go

    def ignores(self, relative: str) -> bool:
        if self._any_negated is None or not self._any_negated.search(relative):
            return self._any_ignoring is not None and self._any_ignoring.search(relative) is not None
        ignored = False
        for pattern, negated in self.patterns:
            if pattern.search(relative):
                if not negated:
                    ignored = True
                elif ignored:
                    ignored = False
        return ignored


def _either(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One expression matching where any of ``patterns`` does."""
    sources = [f"(?:{pattern.pattern})" for pattern in patterns]
    return re.compile("|".join(sources)) if sources else None


def _walk(root: Path) -> list[str]:
    """Every file below ``root`` as the CLI's walk sees it (a symlink to a directory counts as a file)."""
    found = []
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        links = [d for d in dirs if (base / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if d not in links)
        found += [(base / name).relative_to(root).as_posix() for name in [*files, *links]]
    return found


def published_files(root: Path, *, built: bool = True) -> list[str]:
    """The files ``mass bundle publish`` would package from ``root``, sorted.

    ``built``: count ``mass bundle build``'s outputs as present (they are, when it packages).
    """
    candidates = set(_walk(root))
    if built:
        candidates |= set(BUILD_OUTPUTS)
    ignore_file = root / IGNORE_FILE
    if not ignore_file.exists():
        raise FileNotFoundError(f"{ignore_file} is missing: without it mass publishes its default selection")
    rules = IgnoreRules.from_file(ignore_file)
    return sorted(path for path in candidates if not rules.ignores(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m author.publish_files", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="bundle directory (default: the current one)")
    args = parser.parse_args(argv)
    files = published_files(args.root)
    print(f"mass bundle publish packages {len(files)} files:")
    for path in files:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
