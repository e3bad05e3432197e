"""operator.md, the runbook Massdriver renders on each instance's Runbook tab: a mustache template.

Two checks. Statically, every tag of the guide must name a field of the schemas Massdriver renders it
against (the params with ``md_metadata``, the connections as ``dependencies``, the artifacts as
``resources``), no tag may reach a field the artifact definition marks ``$md.sensitive``, and a
printed value must be a string or a number. Then each example is rendered with a real mustache
implementation (chevron), with ``resources`` built from artifacts/*.json as the bundle fills them and
validated against Massdriver's postgresql-authentication definition: the header has no empty value,
nothing sensitive is printed, every shell block parses, and the shell setup yields the cluster
identifier the bundle derives in Terraform.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import chevron
import pytest
import yaml
from chevron.tokenizer import tokenize
from jsonschema import Draft7Validator

from aurora_bundle.aws.naming import _KEEP, IDENTIFIER_MAX
from aurora_bundle.aws.tls import CA_BUNDLE_BASES, MINIMUM_TLS_VERSION, SSLMODE, TLS_SCHEMA, ca_bundle_url
from aurora_bundle.inputs.conditional import merged
from aurora_bundle.inputs.spec import BundleSpec, Example, read_artifact_template
from aurora_bundle.massdriver.artifacts import PLACEHOLDER, references
from tests.conftest import ROOT, shared_schema

GUIDE = ROOT / "operator.md"
FRONTMATTER = re.compile(r"---\n(.*?)\n---\n", re.S)
SENSITIVE = "$md.sensitive"
MASK = "[SENSITIVE]"  # what Massdriver renders in place of a sensitive field
# Massdriver's default tags: managed-by, md-project, md-manifest, md-package and md-target as its operator
# guide lists them, md-environment, md-component and md-instance as its metadata docs do. The published
# md_metadata schema only says default_tags maps names to strings, which would let any typo through.
DEFAULT_TAGS = ("managed-by", "md-project", "md-environment", "md-target", "md-manifest", "md-package",
                "md-component", "md-instance")
SCALARS = {"string", "integer", "number"}  # a boolean prints True in Python and true in other engines
VARIABLES = ("variable", "no escape")
SECTIONS = ("section", "inverted section")
# A variable tag, {{x}}, {{{x}}} or {{&x}}: no section, end, comment, partial or delimiter tag.
VARIABLE_TAG = re.compile(r"\{\{\{[^}]*\}\}\}|\{\{\s*&[^}]*\}\}|\{\{\s*[^#^/!>=&{\s][^}]*\}\}")
SHELL_BLOCK = re.compile(r"^[ ]*```sh\n(.*?)^[ ]*```$", re.S | re.M)

Chain = tuple[dict[str, Any], ...]  # the schema nodes from the context's root down to one field


# --- the template and the schemas its tags name ---------------------------------------------------------

def split_guide(text: str) -> tuple[dict[str, Any], str]:
    """(frontmatter, the template Massdriver renders)."""
    match = FRONTMATTER.match(text)
    assert match, "operator.md must open with YAML frontmatter choosing the template engine"
    frontmatter = yaml.safe_load(match.group(1))
    assert isinstance(frontmatter, dict), "the frontmatter must be a YAML mapping"
    return frontmatter, text[match.end():]


def definition(ref: str) -> dict[str, Any]:
    """A Massdriver definition ``massdriver/<name>`` from the published copies in ../shared."""
    owner, _, name = ref.partition("/")
    assert owner == "massdriver", ref
    return json.loads(shared_schema(f"{name}.json").read_text())


def context_schema(spec: BundleSpec) -> dict[str, Any]:
    """The schema of the context Massdriver renders the guide with (no deprecated alias: ``slug``,
    ``connections`` and ``artifacts`` are not in it, so a tag using one fails)."""
    md_metadata = copy.deepcopy(json.loads(shared_schema("meta/md_metadata.json").read_text())
                                ["properties"]["md_metadata"])
    md_metadata["properties"]["default_tags"] = {
        "type": "object", "properties": {tag: {"type": "string"} for tag in DEFAULT_TAGS}}
    full = merged(spec.params_schema)  # the fields the params' conditional branches add too
    params = {**full, "properties": {**full["properties"], "md_metadata": md_metadata}}
    connections = spec.document["connections"]["properties"]
    artifacts = spec.document["artifacts"]["properties"]
    return {"type": "object", "properties": {
        "id": {"type": "string"},
        "params": params,
        "dependencies": {"type": "object", "properties": {k: definition(v["$ref"]) for k, v in connections.items()}},
        "resources": {"type": "object", "properties": {k: published(v["$ref"]) for k, v in artifacts.items()}},
    }}


def published(ref: str) -> dict[str, Any]:
    """An artifact definition with the fields the bundle adds to it (data.security.tls: aws/tls.py), so a tag
    may name them and a typo in one still fails."""
    schema = definition(ref)
    security = schema["properties"]["data"]["properties"]["security"]
    security.setdefault("properties", {})["tls"] = TLS_SCHEMA
    return schema


def branches(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The node and every subschema that may describe the same value (allOf, anyOf, oneOf)."""
    yield node
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key, []):
            yield from branches(sub)


def children(node: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The schemas of ``key`` in an object described by ``node``. Strict: a key an object does not
    declare (by name, pattern or an additionalProperties schema) is no field, so a typo fails."""
    found = []
    for branch in branches(node):
        if key in branch.get("properties", {}):
            found.append(branch["properties"][key])
            continue
        patterned = [sub for pattern, sub in branch.get("patternProperties", {}).items() if re.search(pattern, key)]
        found += patterned
        if not patterned and isinstance(branch.get("additionalProperties"), dict):
            found.append(branch["additionalProperties"])
    return found


def is_sensitive(node: dict[str, Any]) -> bool:
    return any(branch.get(SENSITIVE) is True for branch in branches(node))


def holds_sensitive(node: Any) -> bool:
    if isinstance(node, dict):
        return node.get(SENSITIVE) is True or any(holds_sensitive(v) for v in node.values())
    return isinstance(node, list) and any(holds_sensitive(v) for v in node)


def types(node: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for branch in branches(node):
        kind = branch.get("type")
        found |= {kind} if isinstance(kind, str) else set(kind or ())
    return found


@dataclass(frozen=True)
class Frame:
    """One level of mustache's context stack: the schema chains its value may have (none when the
    section pushes nothing, as an inverted section)."""

    chains: tuple[Chain, ...]


def resolve(frames: list[Frame], name: str) -> list[Chain]:
    """Mustache's lookup: the first name in the innermost frame that has it, the rest from there only."""
    if name == ".":
        return list(frames[-1].chains)
    first, *rest = name.split(".")
    for frame in reversed(frames):
        chains = [(*chain, node) for chain in frame.chains for node in children(chain[-1], first)]
        if chains:
            for part in rest:
                chains = [(*chain, node) for chain in chains for node in children(chain[-1], part)]
            return chains
    return []


def tag_problems(template: str, schema: dict[str, Any]) -> list[str]:
    """One line per tag that names no field of ``schema``, reaches a sensitive field or prints no scalar."""
    problems: list[str] = []
    frames = [Frame(((schema,),))]
    for kind, name in tokenize(template):
        if kind == "literal":
            continue
        if kind == "end":
            frames.pop()
            continue
        if kind not in VARIABLES + SECTIONS:
            problems.append(f"{{{{{name}}}}}: a {kind} tag; the guide uses variables and sections only")
            continue
        chains = resolve(frames, name)
        if not chains:
            problems.append(f"{{{{{name}}}}}: no such field in the params, dependencies or resources schemas")
        elif any(is_sensitive(node) for chain in chains for node in chain) or (
                kind in VARIABLES and any(holds_sensitive(chain[-1]) for chain in chains)):
            problems.append(f"{{{{{name}}}}}: reaches a field marked {SENSITIVE}")
        elif kind in VARIABLES and not all(types(chain[-1]) and types(chain[-1]) <= SCALARS for chain in chains):
            problems.append(f"{{{{{name}}}}}: prints {sorted(set().union(*map(types, (c[-1] for c in chains))))}, "
                            "not a string or number")
        if kind == "section":  # a list pushes each item; anything else pushes itself
            frames.append(Frame(tuple((*chain, chain[-1]["items"]) if isinstance(chain[-1].get("items"), dict)
                                      else chain for chain in chains)))
        elif kind == "inverted section":
            frames.append(Frame(()))
    return problems


# --- the context Massdriver renders it with, per example -------------------------------------------------

def cluster_identifier(name_prefix: str) -> str:
    """local.identifier of aurora_bundle/aws/naming.py: the prefix when it fits, else shortened plus a hash."""
    if len(name_prefix) <= IDENTIFIER_MAX:
        return name_prefix
    return f"{name_prefix[:_KEEP].rstrip('-')}-{hashlib.sha1(name_prefix.encode()).hexdigest()[:8]}"


def facts(example: Example) -> dict[str, Any]:
    """Plausible values of what the artifact templates' placeholders name, for this example's cluster."""
    vpc = example.connections["vpc"]
    _, partition, _, vpc_region, account, _ = vpc["data"]["infrastructure"]["arn"].split(":", 5)
    region = vpc.get("specs", {}).get("aws", {}).get("region") or vpc_region  # as local.region
    cluster = cluster_identifier(example.params["md_metadata"]["name_prefix"])
    digest = hashlib.sha256(cluster.encode()).hexdigest()
    return {
        "cluster.identifier": cluster,
        "cluster.arn": f"arn:{partition}:rds:{region}:{account}:cluster:{cluster}",
        "cluster.endpoint": f"{cluster}.cluster-c7tj4example.{region}.rds.amazonaws.com",
        "cluster.reader_endpoint": f"{cluster}.cluster-ro-c7tj4example.{region}.rds.amazonaws.com",
        "cluster.port": 5432,
        "cluster.engine_version": f"{example.params['database']['engine_version']}.4",
        "root.username": f"root{digest[:12]}",
        "root.password": f"Pw{digest[:38]}",
        "security_group.arn": f"arn:{partition}:ec2:{region}:{account}:security-group/sg-{digest[:17]}",
        "iam.connect_policy_arn": f"arn:{partition}:iam::{account}:policy/{cluster[:40]}-connect-{digest[:26]}",
        "region": region,
        "tls.sslmode": SSLMODE,
        "tls.ca_identifier": example.params["database"]["ca_cert_identifier"],
        "tls.ca_bundle_url": ca_bundle_url(CA_BUNDLE_BASES[partition], region),
        "tls.minimum_version": MINIMUM_TLS_VERSION,
    }


def fill(node: Any, values: dict[str, Any]) -> Any:
    """An artifact template filled as aurora_bundle/massdriver/artifacts.py fills it: a placeholder that
    is the whole string keeps the value's type."""
    if isinstance(node, dict):
        return {k: fill(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [fill(v, values) for v in node]
    if not isinstance(node, str):
        return node
    whole = PLACEHOLDER.fullmatch(node)
    return values[whole.group(1)] if whole else PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), node)


def masked(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` as Massdriver hands it to the guide: each leaf of a sensitive field is [SENSITIVE]."""
    if is_sensitive(schema):
        return mask_all(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            for sub in children(schema, key):
                item = masked(item, sub)
            out[key] = item
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [masked(item, schema["items"]) for item in value]
    return value


def mask_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [MASK for _ in value]
    return MASK


@dataclass(frozen=True)
class Rendering:
    facts: dict[str, Any]
    context: dict[str, Any]  # with the password as the artifacts hold it
    shown: dict[str, Any]  # as Massdriver renders the guide: sensitive fields masked


def rendering(spec: BundleSpec, example: Example) -> Rendering:
    values = facts(example)
    assert set(values) == set(references("password")), "a placeholder of artifacts/*.json has no value here"
    resources, shown = {}, {}
    for field, prop in spec.document["artifacts"]["properties"].items():
        schema = published(prop["$ref"])  # Massdriver's definition, and data.security.tls as aws/tls.py has it
        payload = fill(read_artifact_template(ROOT, field)[1]["payload"], values)
        assert [e.message for e in Draft7Validator(schema).iter_errors(payload)] == [], field
        resources[field], shown[field] = payload, masked(payload, schema)
    tags = example.params["md_metadata"]["default_tags"]
    instance = f"{tags['md-project']}-{tags['md-environment']}-{tags['md-manifest']}"  # <project>-<env>-<manifest>
    context = {"id": instance, "params": example.params, "dependencies": example.connections, "resources": resources}
    return Rendering(values, context, {**context, "resources": shown})


def header(template: str) -> str:
    """What comes before the first section: the instance's facts."""
    return template.split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def guide() -> tuple[dict[str, Any], str]:
    return split_guide(GUIDE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema(spec: BundleSpec) -> dict[str, Any]:
    return context_schema(spec)


EXAMPLES = sorted(path.name for path in (ROOT / "examples").iterdir() if path.is_dir())


# --- the tests -------------------------------------------------------------------------------------------

def test_frontmatter_selects_mustache(guide: tuple[dict[str, Any], str]) -> None:
    frontmatter, template = guide
    assert frontmatter.get("templating") == "mustache"
    assert template.lstrip().startswith(("#", "{{!")), "the guide starts right after its frontmatter"


def test_every_tag_names_a_field_and_none_a_sensitive_one(guide: tuple[dict[str, Any], str], schema: dict[str, Any]) -> None:
    _, template = guide
    assert list(tokenize(template)), "the guide has no tag at all"
    assert tag_problems(template, schema) == []


@pytest.mark.parametrize("template, problem", [
    ("{{params.databse.engine_version}}", "no such field"),
    ("{{params.database.engine_versoin}}", "no such field"),
    ("{{params.md_metadata.default_tags.md-projcet}}", "no such field"),
    ("{{dependencies.vpc.specs.aws.regoin}}", "no such field"),
    ("{{resources.writer.data.authentication.hostnme}}", "no such field"),
    ("{{resources.writer.data.security.iam.connect.policy_arm}}", "no such field"),
    ("{{{resources.writer.data.security.tls.ca_bundel_url}}}", "no such field"),
    ("{{#resources.readers.data.authentication}}{{hostnme}}{{/resources.readers.data.authentication}}", "no such field"),
    ("{{slug}}", "no such field"),
    ("{{connections.vpc.specs.aws.region}}", "no such field"),
    ("{{artifacts.writer.data.infrastructure.arn}}", "no such field"),
    ("{{resources.writer.data.authentication.password}}", "sensitive"),
    ("{{{resources.readers.data.authentication.password}}}", "sensitive"),
    ("{{#resources.writer.data.authentication}}{{password}}{{/resources.writer.data.authentication}}", "sensitive"),
    ("{{resources.writer.data.authentication}}", "sensitive"),
    ("{{params.database.deletion_protection}}", "not a string or number"),
    ("{{params.database}}", "not a string or number"),
    ("{{> partial}}", "partial"),
])
def test_the_tag_check_fails_on_a_bad_tag(schema: dict[str, Any], template: str, problem: str) -> None:
    problems = tag_problems(template, schema)
    assert len(problems) == 1 and problem in problems[0], problems


def test_the_tag_check_passes_good_tags(schema: dict[str, Any]) -> None:
    good = ("{{id}} {{#params.database.iam_authentication}}{{id}}{{/params.database.iam_authentication}}"
            "{{^params.database.iam_authentication}}off{{/params.database.iam_authentication}}"
            "{{#params.observability.log_exports}}{{.}}{{/params.observability.log_exports}}"
            "{{#resources.readers.data.authentication}}{{hostname}}:{{port}} {{id}}{{/resources.readers.data.authentication}}"
            "{{resources.readers.data.security.network.postgresql.arn}} {{params.md_metadata.package.created_at}}"
            "{{dependencies.aws_authentication.data.arn}} {{params.scaling.serverless.max_capacity}}")
    assert tag_problems(good, schema) == []


@pytest.mark.parametrize("slug", EXAMPLES)
def test_each_example_renders(spec: BundleSpec, guide: tuple[dict[str, Any], str], slug: str) -> None:
    _, template = guide
    example = next(e for e in spec.examples if e.slug == slug)
    case = rendering(spec, example)
    text = chevron.render(template, case.shown)

    # Each printed value between marks; adjacent values print as one (a value and its fallback: the region).
    marked = chevron.render(VARIABLE_TAG.sub(lambda m: f"⟦{m.group(0)}⟧", header(template)), case.shown)
    marked = marked.replace("⟧⟦", "")
    assert "⟦" in marked and not re.search(r"⟦\s*⟧", marked), f"an empty value in the header:\n{marked}"
    assert MASK not in text, "the guide prints a sensitive field"
    assert case.facts["root.password"] not in chevron.render(template, case.context)
    assert "{{" not in text and "}}" not in text

    blocks = SHELL_BLOCK.findall(text)
    assert blocks, "the guide has no shell commands"
    for block in blocks:
        parsed = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True, timeout=10)
        assert parsed.returncode == 0, f"{parsed.stderr}\n{block}"
    setup = next(block for block in blocks if "CLUSTER=" in block)
    shown = subprocess.run(["bash", "-c", setup + 'printf "%s\\n" "$AWS_REGION" "$CLUSTER_ARN" "$CLUSTER"'],
                           capture_output=True, text=True, timeout=10, env={"PATH": os.environ["PATH"]})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [case.facts["region"], case.facts["cluster.arn"], case.facts["cluster.identifier"]]
    assert f"/aws/rds/cluster/{case.facts['cluster.identifier']}/postgresql" not in text  # only through $CLUSTER
    assert f"alias/{example.params['md_metadata']['name_prefix']}-aurora" in text  # the kms step's key


def test_a_long_prefix_is_not_the_cluster_identifier(spec: BundleSpec) -> None:
    """The guide may not assume name_prefix is the cluster identifier: at least one example proves it."""
    prefixes = [e.params["md_metadata"]["name_prefix"] for e in spec.examples]
    assert any(cluster_identifier(p) != p for p in prefixes)
    assert any(cluster_identifier(p) == p for p in prefixes)


def test_urls_and_addresses_are_printed_as_they_are(spec: BundleSpec, guide: tuple[dict[str, Any], str]) -> None:
    """Values an operator copies from a code span are not HTML-escaped (mustache escapes {{x}})."""
    _, template = guide
    example = next(e for e in spec.examples if e.slug == "production")
    case = rendering(spec, example)
    params = copy.deepcopy(case.shown["params"])
    url, email = "https://alarms.example.com/hook?id=1&token=a<b>", "o'brien+db@example.com"
    params["md_metadata"]["observability"]["alarm_webhook_url"] = url
    params["md_metadata"]["target"]["contact_email"] = email
    text = chevron.render(template, {**case.shown, "params": params})
    assert f"`{url}`" in text and f"`{email}`" in text
