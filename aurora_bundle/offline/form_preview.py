"""``make preview``: the params form as Massdriver's UI shows it, for every preset, in headless Chromium.

What the form renders is what ``mass bundle build`` writes (``mass_build``: ``schema-params.json``
and ``schema-ui.json``), rendered by stock RJSF 6 (``@rjsf/core``) and validated by the stock
``@rjsf/validator-ajv8`` validator, RJSF's ajv settings (``strict: false``, ``allErrors``,
``multipleOfPrecision: 8``, ``verbose``, ajv-formats): the validator Massdriver's own form uses. The
Node side lives in ``preview/`` (exact versions, ``package-lock.json``): ``build.mjs`` bundles the
page's script with esbuild (nothing is fetched at runtime), ``drive.mjs`` drives Debian's chromium
with playwright-core.

Writes into ``build/preview/``: ``index.html`` (open it in a browser: a tab per preset, the live
form, and the preset's monthly cost estimate from ``aurora_bundle/cost``, as the README's presets table
shows it, line by line), ``form.js``, ``data.js``, the ``schema-*.json`` it
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

from aurora_bundle.cost.estimate import estimate
from aurora_bundle.cost.report import amount, summary
from aurora_bundle.inputs import spec as spec_module
from aurora_bundle.massdriver.params import with_defaults
from aurora_bundle.offline.mass_build import build_schemas

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "preview"
OUT = ROOT / "build" / "preview"
DEFINITIONS = ROOT.parent / "shared" / "massdriver"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def preset_costs(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """Each preset's monthly estimate (``make cost``'s, the README's), by the preset's name, as the page shows it."""
    spec = spec_module.load(root)
    costs = {}
    for preset in spec.presets:
        found = estimate(with_defaults(spec.params_schema, preset.params))
        costs[preset.name] = {**found.to_dict(), "summary": summary(found),
                              "amounts": [amount(line) for line in found.lines]}
    return costs


def write_page(out: Path, root: Path = ROOT, definitions: Path = DEFINITIONS) -> dict[str, Any]:
    """The static page and what it renders: mass's schema files, each preset's cost, data.js and index.html."""
    out.mkdir(parents=True, exist_ok=True)
    files = build_schemas(root, definitions)
    for name, text in files.items():
        (out / name).write_text(text)
    schema = json.loads(files["schema-params.json"])
    ui = json.loads(files["schema-ui.json"])
    data = {"schema": schema, "uiSchema": ui, "presets": schema.get("examples", []), "costs": preset_costs(root)}
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
