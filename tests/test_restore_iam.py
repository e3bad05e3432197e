"""A restored package's IAM authentication: turned on at once by its second deployment, every plan after clean.

The cluster's ``apply_immediately`` (aws/cluster.py ``restore_apply_immediately``) evaluated by Terraform for
each situation, with the running cluster's IAM authentication and the digest the package kept from its first
deployment standing in for what the plan reads from AWS and from state.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT, inline_locals

RUNNING_IAM = "one([for c in values(data.aws_rds_cluster.running) : c.iam_database_authentication_enabled])"
LATCHED = "one(terraform_data.restore_params[*].input)"
DIGEST = "sha256(jsonencode([var.database, var.networking, var.scaling, var.backup, var.observability]))"

# name: (database.apply_immediately, restored, iam asked for, running IAM (None: no cluster yet),
#        params as at creation, expected)
CASES = {
    "a new package, not restored": (False, False, True, None, True, False),
    "not restored, applied immediately": (True, False, True, True, True, True),
    "restored: the first deployment": (False, True, True, None, True, True),
    "restored: the second deployment turns IAM on at once": (False, True, True, False, True, True),
    "restored: the plan after it keeps what the second deployment stored": (False, True, True, True, True, True),
    "restored: the first change of params goes back to the param": (False, True, True, True, False, False),
    "restored, params changed before IAM came on: IAM first": (False, True, True, False, False, True),
    "restored without IAM authentication asked for": (False, True, False, False, True, False),
}


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")
def test_apply_immediately_is_true_exactly_while_a_restored_package_needs_it(tmp_path):
    cluster = json.loads((ROOT / "src" / "cluster.tf.json").read_text())["resource"]["aws_rds_cluster"]["main"]
    locals_ = json.loads((ROOT / "src" / "cluster.tf.json").read_text())["locals"]
    expression = inline_locals(cluster["apply_immediately"], locals_, ["running_iam_authentication", "params_digest"])
    assert RUNNING_IAM in expression and LATCHED in expression and DIGEST in expression
    outputs = {}
    for index, (immediately, restored, iam, running, unchanged, _expected) in enumerate(CASES.values()):
        database = {"apply_immediately": immediately, "iam_authentication": iam,
                    "snapshot_identifier": "snap" if restored else None}
        params = f'{{database = {json.dumps(database).replace(": ", " = ")}}}'
        digest = f"sha256(jsonencode([local.p{index}.database, 1, 2, 3, 4]))"
        value = (expression.replace(RUNNING_IAM, json.dumps(running))
                 .replace(LATCHED, digest if unchanged else '"another"')
                 .replace(DIGEST, digest)
                 .replace("var.database", f"local.p{index}.database"))
        outputs[f"case{index}"] = {"value": value, "_params": params}
    config = {"locals": {f"p{i}": f"${{{o.pop('_params')}}}" for i, o in enumerate(outputs.values())},
              "output": outputs}
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    env = {"PATH": "/usr/bin:/usr/local/bin:/bin", "TF_IN_AUTOMATION": "1", "HOME": str(tmp_path)}
    applied = subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=120)
    assert applied.returncode == 0, applied.stderr
    got = json.loads(subprocess.run(["terraform", "output", "-json"], cwd=tmp_path, env=env, capture_output=True,
                                    text=True, timeout=60, check=True).stdout)
    results = {name: got[f"case{i}"]["value"] for i, name in enumerate(CASES)}
    assert results == {name: case[-1] for name, case in CASES.items()}
