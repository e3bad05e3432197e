"""Every preset's example deployed as Massdriver deploys it, against the AWS emulator.

What runs is the committed kms/ and src/, with the random and massdriver providers stood in for
and one override file pointing the AWS provider at the emulator. The emulator (moto, patched)
proves wiring and convergence: resources are created, a second plan has nothing to do,
decommissioning leaves nothing behind but the key and the final snapshot. It does not prove AWS
would accept the values; those are covered by the schema, the engine catalog and the rules.
"""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft7Validator

from aurora_bundle.aws.alarms import ALARMS
from aurora_bundle.aws.protection import AUTOSCALED_READERS_MESSAGE, AUTOSCALING_MESSAGE, AUTOSCALING_OFF_RULE, GUARD_MESSAGE
from aurora_bundle.aws.tls import TLS_SCHEMA
from aurora_bundle.inputs import spec as spec_module
from aurora_bundle.inputs.engine import MAJORS
from aurora_bundle.massdriver.wiring import PASSWORD_LENGTH
from proof.day2 import describe
from proof.e2e import region_of
from proof.provisioner import BACKEND_FILE, OVERRIDE_FILE
from tests.conftest import BUILD, MUTATED, ROOT, TIMELINE, UPGRADED, shared_schema

pytestmark = pytest.mark.e2e

SPEC = spec_module.load(ROOT)
SLUGS = [example.slug for example in SPEC.examples]  # one per preset (tests/test_massdriver_yaml.py)
PROTECTED = [e.slug for e in SPEC.examples if e.params["database"]["deletion_protection"]]
AUTOSCALED = [e.slug for e in SPEC.examples if e.params["scaling"]["autoscaling"]["mode"] != "disabled"]


@pytest.fixture(scope="module")
def results(e2e_results):
    print("\n" + json.dumps({slug: r.timings for slug, r in e2e_results.items()}, indent=1))
    return e2e_results


@pytest.fixture(scope="module")
def examples(spec):
    return {e.slug: e for e in spec.examples}


def _plan(slug: str, step: str = "src") -> dict:
    return json.loads((BUILD / "e2e" / slug / "plans" / f"{step}.json").read_text())


def _planned(slug: str, address: str) -> dict:
    resources = _plan(slug)["planned_values"]["root_module"]["resources"]
    return next(r["values"] for r in resources if r["address"] == address)


@pytest.mark.parametrize("slug", SLUGS)
def test_full_cycle_succeeds(results, slug):
    result = results[slug]
    assert result.error is None, result.error


@pytest.mark.parametrize("slug", SLUGS)
def test_second_plan_has_nothing_to_do(results, slug):
    assert results[slug].replan_changes == {}


@pytest.mark.parametrize("slug", SLUGS)
def test_the_first_deployment_ends_without_a_check_warning(results, slug):
    """A new cluster gets IAM authentication from its create call: the restore's check stays quiet."""
    assert results[slug].first_deploy_warnings == []


@pytest.mark.parametrize("slug", SLUGS)
def test_the_major_resolves_to_its_newest_minor(results, examples, slug):
    """A new cluster gets the newest standard minor AWS lists for the major (the emulator's catalog: several
    minors, Limitless builds of 16 newer by CreateTime), and configured = running version, so the provider
    never re-sends a bare major on updates."""
    from proof.emulator.patches.rds_engine import newest_standard

    major = examples[slug].params["database"]["engine_version"]
    newest = newest_standard(major)
    assert newest == MAJORS[major].latest_minor
    assert _planned(slug, "aws_rds_cluster.main")["engine_version"] == newest
    assert results[slug].artifacts["writer"]["specs"]["rdbms"]["version"] == newest


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("step", ["kms", "src"])
def test_what_runs_is_what_ships(results, slug, step):
    """The working directory holds the committed step, byte for byte, plus what Massdriver adds
    (backend and tfvars files) and the one override file that points the AWS provider at the emulator."""
    assert results[slug].applied
    work, shipped = BUILD / "e2e" / slug / step, ROOT / step
    committed = {p.name for p in shipped.glob("*.tf.json")}
    assert {p.name for p in work.glob("*.tf.json")} == committed | {OVERRIDE_FILE, BACKEND_FILE}
    for name in committed:
        assert (work / name).read_bytes() == (shipped / name).read_bytes(), name
    backend = json.loads((work / BACKEND_FILE).read_text())
    assert list(backend) == ["terraform"] and list(backend["terraform"]) == ["backend"]
    override = json.loads((work / OVERRIDE_FILE).read_text())
    assert list(override) == ["provider"] and list(override["provider"]) == ["aws"]


@pytest.mark.parametrize("slug", PROTECTED)
def test_a_decommission_with_deletion_protection_on_fails_before_anything_is_deleted(results, examples, slug):
    result = results[slug]
    assert examples[slug].params["database"]["deletion_protection"] is True
    assert result.protected_decommission_error is not None
    assert GUARD_MESSAGE in " ".join(result.protected_decommission_error.split())
    left = result.left_after_protected_decommission
    instances = 1 + examples[slug].params["scaling"]["reader_count"]
    assert len([x for x in left if x.startswith("rds instance ")]) == instances, left
    assert any(x.startswith("rds cluster ") for x in left) and any(x.startswith("alarm ") for x in left)
    assert any(x.startswith("topic ") for x in left) and any(x.startswith("log group ") for x in left)


@pytest.mark.parametrize("slug", AUTOSCALED)
def test_a_decommission_with_reader_autoscaling_on_fails_before_anything_is_deleted(results, examples, slug):
    """AWS's autoscaled readers would keep the cluster from being deleted, and Terraform cannot delete them:
    the decommission refuses, naming the runbook, before it deletes anything."""
    result = results[slug]
    assert examples[slug].params["scaling"]["autoscaling"]["mode"] != "disabled"
    assert result.autoscaled_decommission_error is not None
    assert AUTOSCALING_MESSAGE in " ".join(result.autoscaled_decommission_error.split())
    left = result.left_after_autoscaled_decommission
    assert any(x.startswith("rds cluster ") for x in left) and any(x.startswith("alarm ") for x in left)
    assert len([x for x in left if x.startswith("rds instance ")]) == 1 + examples[slug].params["scaling"]["reader_count"]


@pytest.mark.parametrize("slug", SLUGS)
def test_decommission_leaves_nothing_but_the_key_and_the_final_snapshot(results, examples, slug):
    result = results[slug]
    assert result.leftovers == []
    assert result.kept_key  # the kms step is skip_on_delete: final snapshots stay readable
    keeps_snapshot = not examples[slug].params["backup"]["skip_final_snapshot"]
    assert len(result.final_snapshots) == (1 if keeps_snapshot else 0)


@pytest.mark.parametrize("slug", SLUGS)
def test_artifacts_validate_against_massdriver_schema(results, examples, slug):
    schema = json.loads(shared_schema("postgresql-authentication.json").read_text())
    validator = Draft7Validator(schema)
    artifacts = results[slug].artifacts
    assert sorted(artifacts) == ["readers", "writer"]
    for field, payload in artifacts.items():
        assert [e.message for e in validator.iter_errors(payload)] == [], field
        assert results[slug].artifact_types[field] == "massdriver/postgresql-authentication"
    writer, readers = artifacts["writer"]["data"], artifacts["readers"]["data"]
    assert writer["authentication"]["hostname"] != readers["authentication"]["hostname"]
    assert writer["authentication"]["port"] == 5432
    assert writer["authentication"]["username"] not in ("postgres", "admin", "root")
    assert writer["authentication"]["username"] == results[slug].master_username  # as the emulator has it
    assert writer["authentication"]["username"].startswith("root")
    password = writer["authentication"]["password"]
    if slug == UPGRADED:  # created by the previous release: it keeps the password drawn then (40, with specials)
        assert len(password) == 40
    else:  # letters and digits, safe to concatenate raw into a URL, an env file, a JDBC URL or a libpq string
        assert len(password) == PASSWORD_LENGTH and password.isascii() and password.isalnum()
    assert readers["authentication"]["password"] == password
    assert writer["security"]["network"]["postgresql"]["port"] == 5432
    # What sslmode=verify-full needs, from the artifact alone: the instances' CA and AWS's bundle for the region.
    region = region_of(examples[slug].connections)
    tls = {"sslmode": "verify-full", "ca_identifier": examples[slug].params["database"]["ca_cert_identifier"],
           "ca_bundle_url": f"https://truststore.pki.rds.amazonaws.com/{region}/{region}-bundle.pem",
           "minimum_version": "TLSv1.2"}
    assert writer["security"]["tls"] == readers["security"]["tls"] == tls
    assert [e.message for e in Draft7Validator(TLS_SCHEMA).iter_errors(tls)] == []


@pytest.mark.parametrize("slug", SLUGS)
def test_alarms_registered_per_params(results, examples, slug):
    params = examples[slug].params
    serverless = params["database"]["instance_class"] == "db.serverless"
    has_readers = params["scaling"]["reader_count"] > 0 or params["scaling"]["autoscaling"]["mode"] != "disabled"
    expected = {a.key for a in ALARMS} - ({"acu_utilization"} if not serverless else {"db_load"}) \
        - ({"replica_lag"} if not has_readers else set())
    registered = {key for key, regs in results[slug].alarms.items() if regs}
    assert registered == expected
    instance = params["md_metadata"]["name_prefix"].rsplit("-", 1)[0]
    for key in registered:
        per_instance = next(a for a in ALARMS if a.key == key).per_instance
        registrations = results[slug].alarms[key]
        # A per-instance alarm (database load) is registered once for the writer and once per fixed reader.
        assert len(registrations) == (1 + params["scaling"]["reader_count"] if per_instance else 1), key
        registration = registrations[0]
        if per_instance:  # each on its own instance's identifier
            assert all([d["name"] for d in r["metric"]["dimensions"]] == ["DBInstanceIdentifier"] for r in registrations)
            assert len({r["metric"]["dimensions"][0]["value"] for r in registrations}) == len(registrations)
        assert registration["instance_id"] == instance
        assert registration["cloudResourceId"].startswith("arn:aws:cloudwatch:")
        assert registration["metric"]["namespace"] == "AWS/RDS"
        assert registration["period"] >= 60


def test_a_broken_artifact_template_fails_the_apply_with_the_providers_message(results):
    """A writer template whose port is the endpoint (a string): the massdriver provider refuses it."""
    error = results["development"].broken_artifact_error
    assert error is not None, "the apply with a broken artifact template succeeded"
    flat = " ".join(error.split())
    assert "resource validation failed: data.authentication.port: Invalid type. Expected: integer, given: string" \
        in flat, error


@pytest.mark.parametrize("slug", SLUGS)
def test_plan_builds_a_secure_cluster(results, examples, slug):
    params = examples[slug].params
    cluster = _planned(slug, "aws_rds_cluster.main")
    assert cluster["storage_encrypted"] is True
    assert cluster["kms_key_id"].startswith("arn:aws:kms:")
    assert cluster["engine"] == "aurora-postgresql"
    assert cluster["engine_version"].startswith(params["database"]["engine_version"] + ".")
    assert cluster["deletion_protection"] is params["database"]["deletion_protection"]
    assert cluster["backup_retention_period"] == params["backup"]["retention_days"]
    assert cluster["copy_tags_to_snapshot"] is True and cluster["iam_database_authentication_enabled"] is True
    assert len(cluster["cluster_identifier"]) <= 52
    serverless = cluster["serverlessv2_scaling_configuration"]
    if params["database"]["instance_class"] == "db.serverless":
        assert serverless[0]["min_capacity"] == params["scaling"]["serverless"]["min_capacity"]
    else:
        assert serverless == []
    plan = _plan(slug)
    instances = [r for r in plan["planned_values"]["root_module"]["resources"]
                 if r["type"] == "aws_rds_cluster_instance"]
    assert len(instances) == 1 + params["scaling"]["reader_count"]
    # Named when created (the time is part of the name): unknown at plan; tests/test_generated_steps.py
    # evaluates the names for every kind of prefix.
    if slug != UPGRADED:  # its first plan is against what the previous release created: names known
        assert all("identifier" not in i["values"] for i in instances)
    assert all(i["values"]["publicly_accessible"] is False and i["values"]["performance_insights_enabled"]
               for i in instances)
    zones = {i["values"]["availability_zone"] for i in instances}
    assert len(zones) == min(len(instances), 3)  # spread across AZs
    ingress = _planned(slug, "aws_vpc_security_group_ingress_rule.postgresql_from_vpc")
    assert ingress["cidr_ipv4"] == examples[slug].connections["vpc"]["data"]["infrastructure"]["cidr"]
    assert ingress["from_port"] == ingress["to_port"] == 5432
    # A new package's groups are main, of the configured major's family; no upgraded pair yet.
    major = params["database"]["engine_version"]
    group = _planned(slug, "aws_rds_cluster_parameter_group.main")
    assert group["family"] == f"aurora-postgresql{major}"
    assert {p["name"]: p["value"] for p in group["parameter"]}["rds.force_ssl"] == "1"
    assert _planned(slug, "aws_db_parameter_group.main")["family"] == f"aurora-postgresql{major}"
    assert not [r for r in plan["planned_values"]["root_module"]["resources"] if r["name"] == "upgraded"]


DATA_BEARING = ("aws_rds_cluster.main", "aws_db_subnet_group.main")
GROUPS = ("aws_rds_cluster_parameter_group", "aws_db_parameter_group")


def _groups(actions, group):
    """What a plan does to the parameter groups of one type (main and the upgraded ones)."""
    return {a: act for a, act in actions.items() if a.startswith(f"{group}.")}


ROLLING = ("database.instance_class", "database.ca_cert_identifier")  # what replaces instances, new ones first


def test_changing_every_mutable_param_replaces_no_data_bearing_resource(results):
    actions = results["production"].what_if
    assert actions, "the what-if plan found nothing to change"
    assert actions["aws_rds_cluster.main"] == ["update"]  # major upgrade, class, storage type... in place
    for address in DATA_BEARING:
        assert "delete" not in actions.get(address, [])
    instances = {a: act for a, act in actions.items() if a.startswith("aws_rds_cluster_instance.")}
    # The class and CA change: new instances join first, the old ones leave (the writer last).
    assert instances["aws_rds_cluster_instance.writer"] == ["create", "delete"]
    assert instances["aws_rds_cluster_instance.reader[0]"] == ["create", "delete"]
    assert instances["aws_rds_cluster_instance.reader[2]"] == ["create"]
    # Applied immediately, the major upgrade brings the new family's groups; main (the package's
    # first pair, 17) is never replaced, so it stays (its parameters follow the params: slow_query_ms).
    for group in GROUPS:
        changed = _groups(actions, group)
        assert changed.pop(f'{group}.upgraded["18"]') == ["create"], actions
        assert changed in ({}, {f"{group}.main": ["update"]}), actions


def test_taking_this_version_changes_no_parameter_group_cluster_or_instance(results):
    """A package deployed with the bundle version before the upgraded parameter groups and the conditional
    form (conftest.PREVIOUS_RELEASE: its src and its example's params) takes this version: its first plan
    changes no parameter group (main keeps its address and its groups), no cluster and no instance."""
    upgrade = results[UPGRADED].bundle_upgrade
    if upgrade is None:
        pytest.skip("the clone lacks conftest.PREVIOUS_RELEASE (a shallow clone): nothing was deployed with it")
    touched = [a for a in upgrade if a.startswith((*GROUPS, "aws_rds_cluster.", "aws_rds_cluster_instance.",
                                                   "random_password."))]
    assert touched == [], (upgrade, results[UPGRADED].bundle_upgrade_attributes)
    # The root password stays (its apps hold it): the new generation arguments replace nothing, the
    # cluster's master_password is not sent again, and the artifacts publish the same password as before.
    assert "master_password" not in results[UPGRADED].bundle_upgrade_attributes.get("aws_rds_cluster.main", [])
    assert len(results[UPGRADED].published_passwords) == 1, "the artifacts published another root password"


def test_turning_a_log_export_off_keeps_its_logs(results, examples):
    """The what-if turns iam-db-auth-error off (Production exports it): its log group stays."""
    assert "iam-db-auth-error" in examples["production"].params["observability"]["log_exports"]
    actions = results["production"].what_if
    assert not [a for a, act in actions.items() if a.startswith("aws_cloudwatch_log_group.") and "delete" in act]


def test_a_major_downgrade_is_refused_at_plan_time(results, examples):
    """Development runs 17; planning 16 against the deployed cluster fails with one message."""
    error = results["development"].downgrade_error
    assert error is not None
    flat = " ".join(error.split())
    assert "database.engine_version: is 16, but the cluster runs PostgreSQL 17: a major version cannot be downgraded" \
        in flat, error


def test_removing_a_subnet_replaces_no_instance(results):
    """Development's writer sits in the first zone; without that zone's subnet the zone list shifts."""
    actions = results["development"].subnet_removed
    assert actions.get("aws_db_subnet_group.main") == ["update"], actions
    assert not [a for a in actions if a.startswith("aws_rds_cluster_instance.")], actions
    assert "aws_rds_cluster.main" not in actions


def test_a_deploy_cancelled_while_instances_are_created_heals_on_the_next_deploy(results):
    """Development's first apply is cancelled while its writer is being created: the next deploy
    replaces the half-made writer (its successor gets its own name, so it comes up first) and converges."""
    result = results["development"]
    assert result.interrupted_exit not in (None, 0)
    writer = result.heal_actions.get("aws_rds_cluster_instance.writer")
    assert writer == ["create", "delete", "replace_because_tainted"], result.heal_actions
    assert result.error is None and result.replan_changes == {}


def test_a_minor_upgrade_aws_made_is_kept_and_changes_no_engine(results):
    """After AWS upgrades the minor by itself (the maintenance window), the next plan neither undoes it
    nor touches the cluster or its instances; only the artifacts, which publish the version, follow."""
    changes = results["development"].after_minor_upgrade
    assert not [c for c in changes if c.startswith(("aws_rds_cluster.", "aws_rds_cluster_instance."))], changes
    assert all(c.startswith("massdriver_resource.") for c in changes), changes


@pytest.mark.parametrize("slug", sorted(MUTATED))
def test_changing_any_one_param_replaces_no_data_bearing_resource(results, examples, slug):
    """Every mutable leaf param changed alone, planned against the deployed cluster: the cluster and its
    subnet group are never replaced, and instances are replaced only by the rolling change of a new class
    or CA (create-before-destroy); otherwise they are changed in place, added or removed."""
    planned, refused = results[slug].mutations, results[slug].mutation_refusals
    major = int(examples[slug].params["database"]["engine_version"])
    if examples[slug].params["database"]["apply_immediately"]:
        assert refused == {}, refused
        upgrade = planned["database.engine_version"]
        assert upgrade["aws_rds_cluster.main"] == ["update"], upgrade
        # The next major's pair is created and nothing is deleted: main, the package's first pair (the
        # running family), is never replaced.
        for group in GROUPS:
            assert _groups(upgrade, group) == {f'{group}.upgraded["{major + 1}"]': ["create"]}, upgrade
    else:  # a major upgrade is made during the deployment only: refused at plan while apply_immediately is off
        assert list(refused) == ["database.engine_version"], refused
        assert "[major-upgrade-needs-apply-immediately]" in refused["database.engine_version"], refused
    # 36 on Production, 40 on Development (Serverless): the params hold only the alarms that apply to the
    # class (no ACU alarm on a provisioned class, no database load alarm on db.serverless), each leaf read
    # from the schema's conditional branches too (conditional.merged).
    assert len(planned) + len(refused) >= 36, sorted(planned)
    assert "scaling.reader_count" in planned and "database.instance_class" in planned
    # A raised database.password_rotation draws a new root password, which the cluster is given in place.
    rotation = planned["database.password_rotation"]
    # Replaced create-before-destroy: the instances' create_before_destroy reaches what they depend on.
    assert rotation["random_password.root_password"] == ["create", "delete"], rotation
    assert rotation["aws_rds_cluster.main"] == ["update"], rotation
    for path, actions in planned.items():
        for address in DATA_BEARING:
            assert "delete" not in actions.get(address, []), (path, address, actions[address])
        for address, act in actions.items():
            if address.startswith("aws_rds_cluster_instance."):
                rolling = path in ROLLING
                assert act in (["update"], ["create"], ["delete"]) or (rolling and act == ["create", "delete"]), \
                    (path, address, act)
                assert act != ["delete"] or path == "scaling.reader_count", (path, address)


@pytest.mark.parametrize("slug", sorted(MUTATED))
def test_changing_extended_support_on_a_deployed_cluster_is_refused_in_one_line(results, examples, slug):
    """database.extended_support is immutable (AWS takes EngineLifecycleSupport only when it creates or
    restores a cluster): changed alone against the deployed cluster, the plan refuses it with one error
    naming the field, both values and the rule, so nothing, the cluster above all, is changed or replaced."""
    refusal = results[slug].immutable_refusals.get("database.extended_support")
    assert refusal is not None and not refusal.startswith("(planned"), results[slug].immutable_refusals
    assert refusal.count("Error:") == 1, refusal
    created = examples[slug].params["database"]["extended_support"]
    other = next(v for v in ("open-source-rds-extended-support", "open-source-rds-extended-support-disabled")
                 if v != created)
    assert (f"database.extended_support: is {other}, but the cluster was created with {created}: AWS sets RDS "
            "Extended Support only when a cluster is created") in " ".join(refusal.split()), refusal
    assert "[extended-support-fixed-at-creation]" in " ".join(refusal.split()), refusal


def test_the_kms_step_reads_no_param():
    """So no param change can touch the key: the kms step reads only md_metadata and the connections."""
    text = "".join(p.read_text() for p in (ROOT / "kms").glob("*.tf.json"))
    variables = set(re.findall(r"var\.([a-z_]+)", text))
    assert variables <= {"md_metadata", "aws_authentication", "vpc"}, variables


# ------------------------------------------------------------------ the day-2 scenario (Production)

DAY2_CHANGES = ["unplanned failover", "class change", "readers down", "readers up", "maintenance window", "autoscaling off",
                "autoscaling on", "autoscaling off with AWS's readers", "autoscaling drained",
                "autoscaling off, drained", "AWS's reader left after autoscaling off", "subnet added", "custom endpoint added",
                "major upgrade in the window", "major upgrade from a minor without a target",
                "major upgrade to a listed target", "major upgrade, immediately", "class change interrupted",
                "interrupted class change resumed", "after the resumed class change"]
# Planned only, and refused: the plan fails, nothing changes.
DAY2_REFUSED: set[str] = {"autoscaling off with AWS's readers", "major upgrade in the window",
                          "major upgrade from a minor without a target"}


@pytest.fixture(scope="module")
def day2(results):
    """Every part of the scenario, as one: their changes in order, the class change, the restore."""
    from proof.day2 import PARTS, Day2Result

    # A targeted run (AURORA_E2E_ONLY) may run one part: the other part's tests then fail on what they miss.
    parts = [results[f"production-day-2-{part}"] for part in PARTS if f"production-day-2-{part}" in results]
    for part in parts:
        assert part.error is None, part.error
        assert part.day2 is not None
        assert part.leftovers == [] and part.replan_changes == {}, (part.leftovers, part.replan_changes)
    merged = Day2Result(changes=[c for part in parts for c in part.day2.changes])
    merged.rolling_change = next((p.day2.rolling_change for p in parts if p.day2.rolling_change is not None), None)
    merged.restore = next((p.day2.restore for p in parts if p.day2.restore is not None), None)
    merged.failed_over_to = next((p.day2.failed_over_to for p in parts if p.day2.failed_over_to), None)
    return merged


def test_day2_every_change_deploys_and_the_next_plan_is_clean(results, day2):
    from proof.day2 import PARTS

    first_scaling_change = DAY2_CHANGES.index("maintenance window")
    first_engine_change = DAY2_CHANGES.index("subnet added")
    first_interruption = DAY2_CHANGES.index("class change interrupted")
    of_part = {"instances": DAY2_CHANGES[:first_scaling_change],
               "scaling": DAY2_CHANGES[first_scaling_change:first_engine_change],
               "engine": DAY2_CHANGES[first_engine_change:first_interruption],
               "interruptions": DAY2_CHANGES[first_interruption:]}
    expected = [name for part in PARTS if f"production-day-2-{part}" in results for name in of_part[part]]
    assert expected and [c.name for c in day2.changes] == expected, describe(day2)
    for change in day2.changes:
        assert (change.error is None) is (change.name not in DAY2_REFUSED), describe(day2)
        assert change.replan == [], describe(day2)


def _change(day2, name):
    return next(c for c in day2.changes if c.name == name)


def test_day2_a_rolling_change_keeps_a_writer_and_a_reader_available_throughout(day2):
    """From the emulator's timeline of the class change: the writer was always available, it changed once,
    and the readers never were all restarting together; every instance was replaced, none modified."""
    seen = day2.rolling_change
    assert seen is not None and seen.events >= 4, seen
    assert seen.no_writer == [], seen
    assert seen.no_reader == [], seen
    assert seen.failovers == 1, seen
    actions = _change(day2, "class change").actions
    instances = {a: act for a, act in actions.items() if a.startswith("aws_rds_cluster_instance.")}
    assert instances == {"aws_rds_cluster_instance.writer": ["create", "delete"],
                         "aws_rds_cluster_instance.reader[0]": ["create", "delete"],
                         "aws_rds_cluster_instance.reader[1]": ["create", "delete"]}, actions
    assert actions.get("aws_lambda_invocation.writer_failover") == ["delete", "create"], actions
    assert "aws_rds_cluster.main" not in actions


def test_day2_after_an_unplanned_failover_a_same_size_roll_fails_over_once_to_the_new_writer(day2):
    """The writer role moved to reader1 (FailoverDBCluster, as an instance failure leaves it); the plan after
    it has nothing to do. The class change (db.r7g.large -> db.r6g.large, the same memory: the case where
    deleting that reader would let AWS promote the old `writer`, tier 0 and as large, then delete it: two
    failovers) starts with reader1 as the writer; the roll's function fails over to the new `writer` once the new readers are up,
    before any old instance is deleted, so the deletions fail over no more. A writer and a reader stay
    available throughout."""
    assert day2.failed_over_to is not None and "-reader1-" in day2.failed_over_to, describe(day2)
    assert _change(day2, "unplanned failover").replan == [], describe(day2)
    seen = day2.rolling_change
    assert seen is not None and seen.writers[0] == day2.failed_over_to, seen
    assert seen.failovers == 1 and "-writer-" in seen.writers[-1], seen
    assert seen.writers[-1] not in {day2.failed_over_to, *seen.writers[:-1]}, seen  # the new writer, not the old one
    assert seen.no_writer == [] and seen.no_reader == [], seen


def test_day2_readers_and_subnets_change_no_other_instance(day2):
    down, up = _change(day2, "readers down").actions, _change(day2, "readers up").actions
    assert {a: act for a, act in down.items() if a.startswith("aws_rds_cluster_instance.")} == {
        "aws_rds_cluster_instance.reader[1]": ["delete"]}, down
    assert {a: act for a, act in up.items() if a.startswith("aws_rds_cluster_instance.")} == {
        "aws_rds_cluster_instance.reader[1]": ["create"], "aws_rds_cluster_instance.reader[2]": ["create"]}, up
    subnet = _change(day2, "subnet added").actions
    assert subnet.get("aws_db_subnet_group.main") == ["update"], subnet
    assert not [a for a in subnet if a.startswith(("aws_rds_cluster_instance.", "aws_rds_cluster."))], subnet


def test_day2_a_custom_endpoint_is_added_without_touching_an_instance(day2):
    actions = _change(day2, "custom endpoint added").actions
    assert actions.get('aws_rds_cluster_endpoint.custom["analytics"]') == ["create"], actions
    assert not [a for a in actions if a.startswith(("aws_rds_cluster_instance.", "aws_rds_cluster."))], actions




def test_day2_a_major_upgrade_waiting_for_the_window_is_refused_at_plan(day2):
    """apply_immediately off, 16 -> 17: the plan is refused, naming the way (Apply immediately on for that
    deployment). ModifyDBCluster's DBInstanceParameterGroupName is "applied immediately rather than during the
    next maintenance window" and nothing shows AWS defers the whole call (README, "Why a major upgrade waits
    for no window"); the emulator refuses it, the reading hardest on the bundle."""
    change = _change(day2, "major upgrade in the window")
    flat = " ".join((change.error or "").split())
    assert "database.apply_immediately: is off, but database.engine_version 17 upgrades the cluster from 16." in flat, \
        describe(day2)
    assert "turn Apply immediately on for this deployment" in flat and "[major-upgrade-needs-apply-immediately]" in flat
    assert change.actions == {} and change.replan == [], describe(day2)


def test_day2_a_major_upgrade_from_a_minor_without_a_target_names_the_minor_to_reach_first(day2):
    """The cluster was created long ago: it runs the oldest 16 minor AWS lists, which lists no 17 target
    (ValidUpgradeTarget). The plan is refused at once, naming the lowest 16 minor that lists one and the
    command; the operator runs it, and the upgrade then lands on the newest 17 that minor lists."""
    from proof.emulator.patches.rds_engine import BY_VERSION

    change = _change(day2, "major upgrade from a minor without a target")
    flat = " ".join((change.error or "").split())
    match = re.search(r"the cluster runs (16\.\d+), for which AWS lists no PostgreSQL 17 upgrade target: first "
                      r"upgrade the minor to (16\.\d+) \(the lowest that lists one\) with aws rds modify-db-cluster "
                      r"--db-cluster-identifier \S+ --engine-version \2 --apply-immediately", flat)
    assert match and "[major-upgrade-target]" in flat, describe(day2)
    running, first = match.groups()

    def major_targets(version: str) -> list[str]:
        return [t["EngineVersion"] for t in BY_VERSION[version]["ValidUpgradeTarget"] if t["IsMajorVersionUpgrade"]]

    assert major_targets(running) == []
    lower = [v for v in BY_VERSION if re.fullmatch(r"16\.\d+", v) and int(running[3:]) < int(v[3:]) < int(first[3:])]
    assert all(major_targets(v) == [] for v in lower) and major_targets(first)
    assert change.actions == {} and change.replan == [], describe(day2)


def test_day2_a_major_upgrade_lands_on_the_newest_target_the_running_minor_lists(day2):
    """After the operator's minor upgrade, 16 -> 17 immediately runs the newest 17 that the running 16 minor
    lists, not the newest 17 (AWS would refuse it: "Cannot upgrade aurora-postgresql from X to Y"); the 17
    groups are created (upgraded["17"]), main (16) stays; the next plan is clean."""
    from proof.emulator.patches.rds_engine import newest_standard

    change = _change(day2, "major upgrade to a listed target")
    assert change.error is None, describe(day2)
    for group in GROUPS:
        assert _groups(change.actions, group) == {f'{group}.upgraded["17"]': ["create"]}, describe(day2)
    assert not [a for a, act in change.actions.items() if a.startswith("aws_rds_cluster_instance.") and "delete" in act]
    assert change.running_version is not None and change.running_version.startswith("17."), describe(day2)
    assert change.running_version != newest_standard("17"), describe(day2)


def test_day2_no_limitless_version_was_ever_requested(day2):
    """From the emulator's request log (every EngineVersion a CreateDBCluster, RestoreDBClusterFromSnapshot or
    ModifyDBCluster asked for, refused or not): versions were requested, none of them a Limitless build,
    although the emulator's newest 16 build by CreateTime is one (what `latest = true` would pick)."""
    lines = [json.loads(line) for line in TIMELINE.read_text().splitlines() if line.strip()]
    requested = [line["engine_request"] for line in lines if "engine_request" in line]
    assert any(r["version"].startswith("16.") for r in requested), requested
    assert not [r for r in requested if "limitless" in r["version"]], requested


def test_day2_a_major_upgrade_applied_immediately_replaces_the_upgraded_groups_in_one_deployment(day2):
    """17 -> 18 immediately: upgraded["18"] is created, the cluster moves, upgraded["17"] is deleted at
    the end of the same deployment (the emulator refuses to delete a group in use); main (16) stays. The
    17 minor the last upgrade landed on lists an 18 target (the emulator refuses any other)."""
    change = _change(day2, "major upgrade, immediately")
    actions = change.actions
    assert actions["aws_rds_cluster.main"] == ["update"], describe(day2)
    for group in GROUPS:
        assert _groups(actions, group) == {f'{group}.upgraded["18"]': ["create"],
                                           f'{group}.upgraded["17"]': ["delete"]}, describe(day2)
    assert not [a for a, act in actions.items() if a.startswith("aws_rds_cluster_instance.") and "delete" in act]
    assert change.running_version is not None and change.running_version.startswith("18."), describe(day2)


def test_day2_a_snapshot_restores_into_a_new_package_that_keeps_its_root_user(day2):
    """A snapshot of the day-2 engine package's cluster, taken in the emulator once it is deployed, restored by
    a new package: the root user is the snapshot's; the package's second deployment turns IAM authentication
    on, in place (the AWS provider leaves it out of RestoreDBClusterFromSnapshot:
    hashicorp/terraform-provider-aws#35189) and changes nothing else; a plan after it has nothing to do; its
    decommission leaves nothing behind."""
    restore = day2.restore
    assert restore is not None
    assert restore.error is None, restore.error
    assert restore.username == restore.snapshot_username and restore.username.startswith("root")
    assert restore.first_deploy_warnings == ["restored-iam-authentication"], "the first deployment must say to deploy again"
    assert restore.second_deploy == {"aws_rds_cluster.main": ["iam_database_authentication_enabled"]}, \
        restore.second_deploy
    # With database.apply_immediately off, AWS would keep IAM authentication for the window (the emulator
    # does: ClusterPendingModifiedValues.IAMDatabaseAuthenticationEnabled); the package applies it at once.
    assert restore.apply_immediately is False
    assert restore.iam_after_second_deploy is True, "IAM logins must work after the second deployment"
    assert restore.replan_changes == {}, restore.replan_changes
    assert restore.leftovers == []


def test_day2_autoscaling_off_is_refused_while_awss_readers_run(day2):
    """Turning autoscaling off leaves AWS's readers running: refused at plan with the runbook; draining
    (minimum and maximum 0) removes them, then autoscaling turns off."""
    refused = _change(day2, "autoscaling off with AWS's readers")
    flat = " ".join((refused.error or "").split())
    assert f"[{AUTOSCALING_OFF_RULE}]" in flat and "1 readers added by AWS's autoscaling still run" in flat, flat
    assert refused.actions == {}
    drained = _change(day2, "autoscaling drained").actions
    assert not any(a.startswith("aws_rds_cluster_instance.") for a in drained), drained


def test_day2_a_decommission_with_awss_readers_left_is_refused_then_the_runbook_leaves_nothing(results):
    """A reader AWS added while autoscaling was being turned off is left running: the deployment after it
    records it in the decommission guard, the decommission is refused before anything is deleted, and the
    runbook (autoscaling on with minimum and maximum 0, deploy, off, deploy) lets it through, leaving nothing."""
    result = results["production-day-2-scaling"]
    assert result.readers_left_decommission_error is not None
    assert AUTOSCALED_READERS_MESSAGE in " ".join(result.readers_left_decommission_error.split())
    left = result.left_after_readers_left_decommission
    assert any(x.startswith("rds instance application-autoscaling-") for x in left), left
    assert any(x.startswith("rds cluster ") for x in left) and any(x.startswith("alarm ") for x in left), left
    assert result.leftovers == [] and result.error is None, (result.leftovers, result.error)


def test_day2_a_rolling_change_replaces_the_scaling_policy(day2):
    """No target-tracking policy acts while the instances are doubled: the roll deletes the policy and
    creates it again after the new readers (its alarms go with it; the target and AWS's readers stay)."""
    actions = _change(day2, "class change").actions
    assert actions.get("aws_appautoscaling_policy.readers[0]") == ["delete", "create"], actions
    assert "aws_appautoscaling_target.readers[0]" not in actions, actions
    assert "aws_appautoscaling_policy.readers[0]" not in _change(day2, "readers up").actions


KILLED = "production-day-2-interruptions"  # its first deployment is SIGKILLed mid-create (e2e._kill_then_heal)


def test_an_instance_a_killed_deployment_left_outside_state_is_adopted_by_the_next_one(results):
    """The first deployment is killed (SIGKILL to the provisioner's process group) 5 s after the writer's
    creation began, the state unlocked, the package deployed again: that deployment imports the writer
    RDS already has into its address instead of creating a second one, and afterwards every instance of
    the cluster is in state, and every instance in state is the cluster's."""
    result = results[KILLED]
    assert result.killed_exit not in (None, 0), result.kill_heal_actions
    assert "import" in result.kill_heal_actions.get("aws_rds_cluster_instance.writer", []), result.kill_heal_actions
    assert "create" not in result.kill_heal_actions["aws_rds_cluster_instance.writer"], result.kill_heal_actions
    assert result.outside_state_after_kill == [], result.outside_state_after_kill
    assert result.foreign_after_kill == [], result.foreign_after_kill
    # What nothing can adopt (README, Interrupted deployments): IAM objects AWS named from a prefix, made in the
    # kill's last seconds. Never an instance or a cluster. The e2e deletes them as operator.md says.
    assert all(x.startswith(("iam policy ", "iam role ")) for x in result.leaked_by_kill), result.leaked_by_kill
    assert result.error is None, result.error
    assert result.replan_changes == {}, result.replan_changes
    assert result.leftovers == [], result.leftovers  # after its decommission: nothing the kill made is left


def test_day2_a_class_change_cut_short_resumes_with_no_in_place_change(results):
    """SIGINT once the new writer is being created, then two deployments: the first replaces what the
    interrupted one left (the half-made writer, tainted, and the readers still on the old class), never
    changing an instance's class in place; across the whole roll a writer is always available and fails
    over once (the roll's function, to the new writer, before the old writer and the half-made one are
    deleted); every instance ends on the new class; the plans after are clean."""
    day2 = results[KILLED].day2
    assert day2 is not None, results[KILLED].error
    interrupted = _change(day2, "class change interrupted")
    assert interrupted.error is None, describe(day2)
    resumed = _change(day2, "interrupted class change resumed")
    instances = {a: act for a, act in resumed.actions.items() if a.startswith("aws_rds_cluster_instance.")}
    assert all(act == ["create", "delete"] or act == ["delete"] for act in instances.values()), describe(day2)
    assert {f"aws_rds_cluster_instance.reader[{i}]" for i in range(2)} <= set(instances), describe(day2)
    assert resumed.error is None and resumed.replan == [], describe(day2)
    after = _change(day2, "after the resumed class change")
    assert after.error is None and after.actions == {} and after.replan == [], describe(day2)
    new_class = day2.params["database"]["instance_class"]
    assert day2.classes_after_resume and set(day2.classes_after_resume.values()) == {new_class}, \
        day2.classes_after_resume
    seen = day2.interrupted_roll
    assert seen is not None and seen.no_writer == [] and seen.failovers == 1, seen
