"""``make preview``: the params form as Massdriver's UI shows it, for every preset, in headless Chromium.

What the form renders is what ``mass bundle build`` writes (``mass_build``: ``schema-params.json``
and ``schema-ui.json``), rendered by stock RJSF 6 (``@rjsf/core``) and validated by the stock
``@rjsf/validator-ajv8`` validator, RJSF's ajv settings (``strict: false``, ``allErrors``,
``multipleOfPrecision: 8``, ``verbose``, ajv-formats): the validator Massdriver's own form uses. The
Node side lives in ``preview/`` (exact versions, ``package-lock.json``): ``build.mjs`` bundles the
page's script with esbuild (nothing is fetched at runtime), ``drive.mjs`` drives Debian's chromium
with playwright-core.

Writes into ``build/preview/``: ``index.html`` (open it in a browser: a tab per preset, the live
form, a ``#cost`` hook for the cost estimate), ``form.js``, ``data.js``, the ``schema-*.json`` it
renders, ``<preset>.png`` per preset and ``report.json`` (what the browser saw: per preset its
console errors, validation errors, whether it submitted, which conditional sections are visible; the
interaction checks the browser test asserts).
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from aurora_bundle.offline.mass_build import build_schemas

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "preview"
OUT = ROOT / "build" / "preview"
DEFINITIONS = ROOT.parent / "shared" / "massdriver"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def write_page(out: Path, root: Path = ROOT, definitions: Path = DEFINITIONS) -> dict[str, Any]:
    """The static page and what it renders: mass's schema files, data.js and index.html."""
    out.mkdir(parents=True, exist_ok=True)
    files = build_schemas(root, definitions)
    for name, text in files.items():
        (out / name).write_text(text)
    schema = json.loads(files["schema-params.json"])
    ui = json.loads(files["schema-ui.json"])
    data = {"schema": schema, "uiSchema": ui, "presets": schema.get("examples", [])}
    (out / "data.js").write_text("window.PREVIEW = " + json.dumps(data, ensure_ascii=False) + ";\n")
    title = html.escape(schema.get("title", "bundle"))
    css = (NODE_DIR / "page.css").read_text()
    (out / "index.html").write_text(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{title}: params form preview</title>\n<style>\n{css}</style>\n</head>\n<body>\n"
        "<div id=\"root\"></div>\n<script src=\"data.js\"></script>\n<script src=\"form.js\"></script>\n"
        "</body>\n</html>\n")
    return data


def npm_ci(node_dir: Path = NODE_DIR) -> None:
    """``npm ci`` when node_modules is missing or older than the lock file."""
    marker = node_dir / "node_modules" / ".package-lock.json"
    lock = node_dir / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=node_dir, check=True)


def run(out: Path = OUT, *, screenshots: bool = True) -> dict[str, Any]:
    """Write the page, bundle its script, drive Chromium over it; the browser's report."""
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM)")
    if shutil.which("node") is None:
        raise SystemExit("node is required on PATH")
    npm_ci()
    if out.exists():
        shutil.rmtree(out)
    write_page(out)
    subprocess.run(["node", str(NODE_DIR / "build.mjs"), str(out)], check=True)
    args = ["node", str(NODE_DIR / "drive.mjs"), str(out), CHROMIUM]
    subprocess.run([*args, "--screenshots"] if screenshots else args, check=True)
    return json.loads((out / "report.json").read_text())


def main() -> int:
    report = run()
    bad = 0
    for preset in report["presets"]:
        problems = preset["console_errors"] + [e["stack"] for e in preset["validation_errors"]]
        if not preset["submitted"]:
            problems.append("did not submit")
        bad += bool(problems)
        shown = ", ".join(k for k, v in preset["visible"].items() if v) or "none"
        print(f"{preset['slug']}.png: {'ok' if not problems else 'PROBLEMS'} (conditional sections shown: {shown})")
        for problem in problems:
            print(f"  {problem}")
    print(f"open {OUT / 'index.html'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
