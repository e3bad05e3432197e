"""What the plan refuses in params documents, from one ``terraform plan`` for all of them.

The generated ``src/`` declares a Terraform variable per param (a field a conditional branch adds is
``optional(type, default)``) and checks the cross-field rules as preconditions of the cluster
(``inputs/rules.py``). This runs exactly that, with no provider and no AWS: a local module holding the
param variables, instantiated once per document (``for_each``), and those preconditions on a
``terraform_data`` per document. What the plan says about a document is what a deployment would say
before touching anything: a value
Terraform cannot convert to the variable's type (a hidden field the build lets through), or a rule broken
(where the Terraform condition and the build's Python disagree). Used by the browser test on every
params document the form submitted.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from aurora_bundle.inputs.rules import RULE_IDS, inline_rule_locals

PARAMS_MODULE = "params"


def _preconditions(src: Path) -> list[dict[str, str]]:
    cluster = json.loads((src / "cluster.tf.json").read_text())["resource"]["aws_rds_cluster"]["main"]
    return [p for p in cluster["lifecycle"]["precondition"]
            if any(p["error_message"].endswith(f"[{rule_id}].") for rule_id in RULE_IDS)]


def _params_module(src: Path, params: list[str]) -> dict[str, Any]:
    """The param variables as src/ declares them, each handed back typed (an output)."""
    variables = json.loads((src / "variables.tf.json").read_text())["variable"]
    return {"variable": {name: variables[name] for name in params},
            "output": {name: {"value": f"${{var.{name}}}"} for name in params}}


def _terraform(binary: str, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/usr/local/bin:/bin", "TF_IN_AUTOMATION": "1", "HOME": str(work)}
    return subprocess.run([binary, *args], cwd=work, capture_output=True, text=True, timeout=300, env=env)


def _config(documents: dict[int, dict[str, Any]], params: list[str], preconditions: list[dict[str, str]]) -> dict[str, Any]:
    """The configuration that plans many params documents at once.

    The documents (key d<i>) through the module (the variables' types and defaults applied), then a terraform_data per
    document holding the rules' preconditions on what the module hands back: a type error names its module instance
    (module.doc["d3"]), a failed precondition its document (its message ends so)."""
    return {
        "locals": {"documents": {f"d{i}": {k: v for k, v in doc.items() if k in params} for i, doc in documents.items()}},
        "module": {"doc": {"for_each": "${local.documents}", "source": f"./{PARAMS_MODULE}",
                           **{name: f"${{each.value.{name}}}" for name in params}}},
        "resource": {"terraform_data": {"doc": {"for_each": "${module.doc}", "input": "${each.key}", "lifecycle": {
            "precondition": [{"condition": re.sub(r"\bvar\.", "each.value.", inline_rule_locals(p["condition"])),
                              "error_message": p["error_message"] + " [document ${each.key}]"} for p in preconditions]}}}},
    }


_WHERE = re.compile(r'module\.doc\["d(\d+)"\]| ?\[document d(\d+)\]')


def _plan(binary: str, work: Path, documents: dict[int, dict[str, Any]], params: list[str],
          preconditions: list[dict[str, str]]) -> dict[int, list[str]]:
    """One plan of ``documents`` (by index): each one's errors, from the plan's JSON diagnostics."""
    (work / "main.tf.json").write_text(json.dumps(_config(documents, params, preconditions), indent=1))
    proc = _terraform(binary, work, "plan", "-input=false", "-no-color", "-json")
    found: dict[int, list[str]] = {i: [] for i in documents}
    for line in proc.stdout.splitlines():
        message = json.loads(line)
        diagnostic = message.get("diagnostic") or {}
        if message.get("type") != "diagnostic" or diagnostic.get("severity") != "error":
            continue
        text = " ".join(f"{diagnostic.get('summary', '')}: {diagnostic.get('detail', '')}".split())
        where = _WHERE.search(text)
        if where is None or int(where.group(1) or where.group(2)) not in found:
            raise RuntimeError(f"terraform plan in {work}: an error of no document: {text}")
        found[int(where.group(1) or where.group(2))].append(text.replace(where.group(0), "") if where.group(2) else text)
    if proc.returncode != 0 and not any(found.values()):
        raise RuntimeError(f"terraform plan in {work} exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return found


def plan_refusals(documents: list[dict[str, Any]], src: Path, params: list[str], work: Path) -> list[list[str]]:
    """For each document, the errors ``terraform plan`` reports for it (none: the plan accepts it).

    A value Terraform cannot convert stops the plan before any precondition is evaluated, for every
    document: those documents keep their type errors and the rest are planned again without them."""
    binary = shutil.which("terraform")
    if binary is None:
        raise RuntimeError("terraform is not on PATH: the params plan check needs it")
    if work.exists():
        shutil.rmtree(work)
    (work / PARAMS_MODULE).mkdir(parents=True)
    (work / PARAMS_MODULE / "main.tf.json").write_text(json.dumps(_params_module(src, params), indent=1))
    preconditions = _preconditions(src)
    # The module is local and terraform_data built in: init only records the module call, nothing is downloaded.
    pending = dict(enumerate(documents))
    (work / "main.tf.json").write_text(json.dumps(_config(pending, params, preconditions), indent=1))
    init = _terraform(binary, work, "init", "-input=false", "-no-color", "-backend=false")
    if init.returncode != 0:
        raise RuntimeError(f"terraform init in {work} exited {init.returncode}:\n{init.stderr[-2000:]}")
    found: list[list[str]] = [[] for _ in documents]
    while pending:
        planned = _plan(binary, work, pending, params, preconditions)
        typed = {i for i, errors in planned.items() if any(e.startswith("Invalid value for input variable") for e in errors)}
        for i, errors in planned.items():
            if not typed or i in typed:
                found[i] = errors
        pending = {i: doc for i, doc in pending.items() if typed and i not in typed}
    return found
