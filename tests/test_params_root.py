"""The params as objects: a misspelt path fails where it is written; a decision renders HCL and decides in Python
as Terraform does."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from aurora_bundle.aws.alarm_table import ALARMS
from aurora_bundle.aws.conditions import HAS_READERS, SERVERLESS
from aurora_bundle.inputs.params_root import ALWAYS, P, UnknownParam
from aurora_bundle.inputs.planned import as_planned
from aurora_bundle.inputs.rules import RULES
from tests.conftest import ROOT

PARAM_NAMES = ("database", "networking", "scaling", "backup", "observability", "alarms")


def test_a_path_renders_its_terraform_variable():
    assert str(P.scaling.serverless.min_capacity) == "var.scaling.serverless.min_capacity"
    assert f"${{{P.database.instance_class}}}" == "${var.database.instance_class}"
    assert str(P.alarms.at("replica_lag", "enabled")) == "var.alarms.replica_lag.enabled"


def test_a_misspelt_path_names_the_line_and_what_the_object_has():
    with pytest.raises(UnknownParam) as raised:
        P.database.instanse_class  # noqa: B018
    line = sys._getframe().f_lineno - 1
    (problem,) = raised.value.problems
    assert str(problem).startswith(f"tests/test_params_root.py:{line}: database.instanse_class: is no param of "
                                   "massdriver.yaml (database has: ")
    assert "instance_class" in str(problem) and "\n" not in str(problem)


def test_a_misspelt_path_in_the_generator_fails_the_build_at_that_line_and_writes_nothing(bundle):
    """The copy's generator names ``database.instanse_class``: generate.py prints one problem, the file and
    line of the typo first, and leaves src/ as it was."""
    for name in ("aurora_bundle", "generate.py", "README.md"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, bundle / name,
                                                              **({"ignore": shutil.ignore_patterns("__pycache__")}
                                                                 if source.is_dir() else {}))
    module = bundle / "aurora_bundle" / "aws" / "conditions.py"  # read by the build before any synth
    text = module.read_text()
    typo = "P.database.instance_class =="
    assert text.count(typo) == 1
    line = text[:text.index(typo)].count("\n") + 1
    module.write_text(text.replace(typo, "P.database.instanse_class =="))
    before = {p.name: p.read_bytes() for p in (bundle / "src").iterdir()}
    run = subprocess.run([sys.executable, "generate.py", "--force"], cwd=bundle, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    problems = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert problems == [f"error: aurora_bundle/aws/conditions.py:{line}: database.instanse_class: is no param of "
                        f"massdriver.yaml (database has: {_fields_of('database')})"], run.stderr
    assert "Traceback" not in run.stderr
    assert {p.name: p.read_bytes() for p in (bundle / "src").iterdir()} == before


def _fields_of(param: str) -> str:
    from aurora_bundle.inputs.params_root import _schema_fields

    fields = _schema_fields()[param]
    assert fields is not None
    return ", ".join(sorted(fields))


def test_a_decision_is_not_a_python_bool():
    with pytest.raises(TypeError, match="decided by Terraform"):
        bool(SERVERLESS)
    with pytest.raises(TypeError):
        if P.scaling.reader_count == 0:
            pass


def test_the_product_names_params_only_through_p():
    """No Python string in aurora_bundle/ spells a param's variable: each goes through ``P`` and is checked."""
    spelt = re.compile(r"\bvar\.(" + "|".join(PARAM_NAMES) + r")\b")
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((ROOT / "aurora_bundle").rglob("*.py"))
             if path.name not in ("params_root.py", "references.py")
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if spelt.search(line) and not line.lstrip().startswith("#")]
    assert not found, "\n".join(found)


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")
def test_the_decisions_hold_in_python_exactly_where_terraform_finds_them_true(spec, rendered, tmp_path):
    """Each decision the alarm table, the cost model and the cross-field rules share, evaluated by Terraform on
    every example's params (the generated variables, their defaults applied) and by ``Cond.holds`` on the same
    document as the plan reads it (``as_planned``)."""
    rules = [r.check for r in RULES if r.check is not None]
    assert len(rules) >= 8, "the rules that are one decision"
    conditions = {str(c): c for c in [SERVERLESS, ~SERVERLESS, HAS_READERS, *(a.applies for a in ALARMS), *rules]
                  if c is not ALWAYS}
    variables = {name: value for name, value in rendered["src"].document()["variable"].items() if name in PARAM_NAMES}
    outputs = {f"c{i}": {"value": f"${{{hcl}}}"} for i, hcl in enumerate(conditions)}
    (tmp_path / "main.tf.json").write_text(json.dumps({"variable": variables, "output": outputs}))
    env = {"PATH": "/usr/bin:/usr/local/bin:/bin", "TF_IN_AUTOMATION": "1", "HOME": str(tmp_path)}
    seen = set()
    for example in spec.examples:
        params = {k: v for k, v in example.params.items() if k in PARAM_NAMES}
        (tmp_path / "terraform.tfvars.json").write_text(json.dumps(params))
        applied = subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=tmp_path,
                                 env=env, capture_output=True, text=True, timeout=120)
        assert applied.returncode == 0, applied.stderr
        got = json.loads(subprocess.run(["terraform", "output", "-json"], cwd=tmp_path, env=env, capture_output=True,
                                        text=True, timeout=60, check=True).stdout)
        for i, (hcl, condition) in enumerate(conditions.items()):
            assert got[f"c{i}"]["value"] == condition.holds(as_planned(spec.params_schema, example.params)), \
                f"{example.slug}: {hcl}"
            seen.add((hcl, got[f"c{i}"]["value"]))
    assert {value for _, value in seen} == {True, False}, "the examples decide every way"
