"""``make preview``: the params form as Massdriver's UI may show it, for every preset, in headless Chromium.

What the form renders is what ``mass bundle build`` writes (``mass_build``: ``schema-params.json``
and ``schema-ui.json``), validated by the stock ``@rjsf/validator-ajv8`` validator with RJSF's ajv
settings (``strict: false``, ``allErrors``, ``multipleOfPrecision: 8``, ``verbose``, ajv-formats), the
validator Massdriver's own form uses. Massdriver's UI is closed: which RJSF major it runs and whether it
sets ``omitExtraData``/``liveOmit`` is not documented, so the page renders the form with either major
(``@rjsf/core`` 5.24 with React 18, or 6 with React 19) under any of three settings, from its URL:
``index.html?rjsf=5|6&omit=default|omit|live&preset=<slug>`` (default: no omitExtraData; omit:
omitExtraData; live: omitExtraData and liveOmit). The Node side lives in ``preview/`` (exact versions
of both majors, ``package-lock.json``): ``build.mjs`` bundles the page's script once per major with
esbuild (nothing is fetched at runtime), ``drive.mjs`` drives Debian's chromium with playwright-core
over the whole matrix (both majors x three settings x every preset, with the switches a user makes).

Writes into ``build/preview/``: ``index.html`` (open it in a browser: a tab per preset, links to the
other renderers and settings, the live form, and the preset's monthly cost estimate from
``aurora_bundle/cost``, as the README's presets table shows it, line by line), ``form5.js``,
``form6.js``, ``data.js``, the ``schema-*.json`` it renders, ``<preset>.png`` per preset (RJSF 6, default
settings) and ``report.json`` (what the browser saw in every cell of the matrix: console errors,
validation errors, html5-invalid fields, whether it submitted and what, which conditional sections and
alarm thresholds are on screen, after each switch; the bad values and values outside a choice).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from aurora_bundle.cost.estimate import estimate
from aurora_bundle.cost.report import amount, summary
from aurora_bundle.inputs import spec as spec_module
from aurora_bundle.inputs.conditional import with_defaults
from proof.mass_build import build_schemas
from proof.node_packages import npm_ci

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "preview"
OUT = ROOT / "build" / "preview"
DEFINITIONS = ROOT.parent / "shared" / "massdriver"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


RENDERERS = ("5", "6")  # the RJSF majors build.mjs bundles: form5.js, form6.js
SETTINGS = ("default", "omit", "live")  # app.jsx: no omitExtraData, omitExtraData, omitExtraData + liveOmit
# The page's script for the renderer the URL names (?rjsf=5|6, 6 when absent or unknown).
LOADER = (
    "const script = document.createElement(\"script\");\n"
    "const rjsf = new URLSearchParams(location.search).get(\"rjsf\");\n"
    f"script.src = `form${{{json.dumps(list(RENDERERS))}.includes(rjsf) ? rjsf : \"6\"}}.js`;\n"
    "document.body.appendChild(script);\n"
)


def preset_slug(name: str) -> str:
    """A preset's slug, as the page and drive.mjs make it from its name.

    ``Production (Serverless)`` -> ``production-serverless``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


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
    data = {"schema": schema, "uiSchema": ui, "presets": schema.get("examples", []), "costs": preset_costs(root),
            "renderers": list(RENDERERS), "settings": list(SETTINGS)}
    (out / "data.js").write_text("window.PREVIEW = " + json.dumps(data, ensure_ascii=False) + ";\n")
    title = html.escape(schema.get("title", "bundle"))
    css = (NODE_DIR / "page.css").read_text()
    (out / "index.html").write_text(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{title}: params form preview</title>\n<style>\n{css}</style>\n</head>\n<body>\n"
        "<div id=\"root\"></div>\n<script src=\"data.js\"></script>\n"
        f"<script>\n{LOADER}</script>\n"
        "</body>\n</html>\n")
    return data


def run(out: Path = OUT, *, screenshots: bool = True, only: list[str] | None = None) -> dict[str, Any]:
    """Write the page, bundle its scripts, drive Chromium over it; the browser's report.

    ``only``: the ``<rjsf>:<omit>`` renderers to drive (all when None)."""
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM)")
    if shutil.which("node") is None:
        raise SystemExit("node is required on PATH")
    npm_ci(NODE_DIR)
    if out.exists():
        shutil.rmtree(out)
    write_page(out)
    subprocess.run(["node", str(NODE_DIR / "build.mjs"), str(out)], check=True)
    args = ["node", str(NODE_DIR / "drive.mjs"), str(out), CHROMIUM]
    if screenshots:
        args.append("--screenshots")
    if only:
        args.append("--only=" + ",".join(only))
    subprocess.run(args, check=True)
    return json.loads((out / "report.json").read_text())


def _problems(step: dict[str, Any]) -> list[str]:
    found = step.get("console_errors", []) + [e["stack"] for e in step.get("validation_errors", [])]
    if step.get("html5_invalid"):
        found.append(f"the browser refuses the fields {', '.join(step['html5_invalid'])}")
    if "submitted" in step and not step["submitted"]:
        found.append("did not submit")
    return found


def _cell_problems(cell: dict[str, Any]) -> list[str]:
    """What went wrong in one cell of the matrix, as the browser saw it (the browser test checks more)."""
    broken = [f"{name}: the browser could not play it: {cell[name]['error']}"
              for name in ("render", "initial", "class_switch", "autoscaling_off", "alarm_threshold") if "error" in cell[name]]
    if broken:
        return broken
    switch = cell["alarm_threshold"]
    steps = {"render": cell["render"], "submit": cell["initial"],
             **{f"class -> {s['class']}": s for s in cell["class_switch"]["steps"]},
             "autoscaling off": cell["autoscaling_off"]["steps"][-1],
             f"alarm {switch['alarm']} typed": switch["steps"][-1]}
    found = [f"{where}: {p}" for where, step in steps.items() for p in _problems(step)]
    empty = [name for name, a in cell["render"]["alarms"].items() if a["threshold_shown"] and a["threshold"] == ""]
    if empty:
        found.append(f"empty threshold boxes: {', '.join(empty)}")
    typed = switch["steps"][-1]
    kept = ((typed["form_data"] or {}).get("alarms") or {}).get(switch["alarm"], {}).get("threshold")
    if typed["submitted"] and kept != switch["typed"]:
        found.append(f"typed {switch['typed']} into alarms.{switch['alarm']}.threshold, the form submitted {kept}")
    return found


def main(argv: list[str] | None = None) -> int:
    """Every cell of the matrix: ok, or what went wrong where (``--only 6:default,...`` drives only those)."""
    args = sys.argv[1:] if argv is None else argv
    only = args[args.index("--only") + 1].split(",") if "--only" in args else None
    report = run(only=only)
    bad = 0
    for cell in report["cells"]:
        problems = _cell_problems(cell)
        bad += bool(problems)
        print(f"RJSF {cell['rjsf']} {cell['omit']:<7} {cell['slug']}: {'ok' if not problems else 'PROBLEMS'}")
        for problem in problems:
            print(f"  {problem}")
    print(f"open {OUT / 'index.html'} ({report['seconds']:.1f} s in the browser; make browser checks more)")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main())
