"""Stand-in for massdriver-cloud/massdriver 2.x: massdriver_resource and massdriver_instance_alarm.

What a deploy depends on, as the provider's source does it
(``terraform/provider_schemas/massdriver.json`` names the commit; messages are the provider's own):

- configuring the provider (every plan and apply) needs credentials -- a deployment's
  ``MASSDRIVER_DEPLOYMENT_ID`` and ``MASSDRIVER_TOKEN``, or an organization's API key -- and an
  organization id;
- ``massdriver_resource`` needs the deployment's environment, validates its ``resource`` JSON
  against ``properties.<field>`` of ``schema_path`` (``../schema-artifacts.json``, which
  ``mass bundle build`` writes) and, on create, takes its type from
  ``artifacts.properties.<field>.$ref`` of ``specification_path`` (``../massdriver.yaml``); any
  failure fails the apply. Only ``field`` forces a replacement;
- ``massdriver_instance_alarm`` needs an instance id: its own, else ``MASSDRIVER_INSTANCE_ID``, else
  ``MASSDRIVER_PACKAGE_NAME`` without its last ``-`` part (read at plan time). Only ``instance_id``
  forces a replacement.

Instead of calling Massdriver's API, each records the request it would have sent, one JSON line
per request, in ``$AURORA_STANDIN_RECORD``. Schema validation uses Python's jsonschema (the provider
uses gojsonschema); the first error is reported in gojsonschema's ``<path>: <description>`` form.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from proof.standins.protocol import ProviderError, ProviderSchema, Resource, StandIn

# Required by the SDK's deployment client, checked in this order.
DEPLOYMENT_KEYS = ("DEPLOYMENT_ID", "TOKEN", "BUNDLE_NAME", "BUNDLE_VERSION", "DEPLOYMENT_ACTION", "INSTANCE_ID",
                   "STEP_PATH")
ALARM_INSTANCE_MESSAGE = ("instance_id must be set in config, or MASSDRIVER_INSTANCE_ID / MASSDRIVER_PACKAGE_NAME "
                          "must be set in the environment")


def env(key: str) -> str | None:
    """``MASSDRIVER_<key>``, falling back to a bare ``<key>`` as the SDK's envconfig does."""
    return os.environ.get(f"MASSDRIVER_{key}", os.environ.get(key))


def configure(_config: dict[str, Any]) -> None:
    has_deployment = env("DEPLOYMENT_ID") and env("TOKEN")
    organization = env("ORGANIZATION_ID") or env("ORG_ID")
    if not (has_deployment or (organization and env("API_KEY"))):
        raise ProviderError("Unable to create Massdriver client",
                            "error initializing configuration: error resolving credentials: no credentials found")
    if not organization:
        raise ProviderError("Unable to create Massdriver client",
                            "configuration is invalid: organization ID is required")


def _deployment() -> None:
    for key in DEPLOYMENT_KEYS:
        if env(key) is None:
            raise ProviderError(f"required key {key} missing value")


def _gojsonschema_message(error: Any) -> str:
    """A jsonschema ``ValidationError`` as gojsonschema words it."""
    path = ".".join(str(p) for p in error.absolute_path) or "(root)"
    match error.validator:
        case "required":
            return f"{path}: {error.message.split(chr(39))[1]} is required"
        case "additionalProperties":
            extra = error.message.split("'")[1] if "'" in error.message else "?"
            return f"{path}: Additional property {extra} is not allowed"
        case "type":
            given = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
                     type(None): "null"}[type(error.instance)]
            return f"{path}: Invalid type. Expected: {error.validator_value}, given: {given}"
        case _:
            return f"{path}: {error.message}"


class MassdriverResource(Resource):
    legacy_type_system = True
    force_new = ("field",)

    def defaults(self) -> dict[str, Any]:
        return {"schema_path": "../schema-artifacts.json", "specification_path": "../massdriver.yaml"}

    @staticmethod
    def _validate_payload(field: str, resource: str, schema_path: str) -> None:
        from jsonschema import Draft7Validator  # here, not at the top: every plan starts this process

        try:
            text = Path(schema_path).read_text()
        except OSError:
            raise ProviderError(f"unable to open schema file: {schema_path}") from None
        try:
            schema = json.loads(text).get("properties", {}).get(field)
        except (json.JSONDecodeError, AttributeError) as exc:
            raise ProviderError(f"invalid JSON in {schema_path}: {exc}") from None
        if schema is None:
            raise ProviderError(f'resource validation failed: field "{field}" does not exist in schema')
        try:
            payload = json.loads(resource)
        except json.JSONDecodeError as exc:
            raise ProviderError(f"invalid JSON in `resource`: {exc}") from None
        first = next(iter(sorted(Draft7Validator(schema).iter_errors(payload), key=lambda e: list(e.absolute_path))),
                     None)
        if first is not None:
            raise ProviderError(f"resource validation failed: {_gojsonschema_message(first)}")

    @staticmethod
    def _resource_type(field: str, specification_path: str) -> str:
        import yaml  # here, not at the top: every plan starts this process

        try:
            text = Path(specification_path).read_text()
        except OSError:
            raise ProviderError(f"unable to open specification file: {specification_path}") from None
        try:
            properties = (yaml.safe_load(text) or {}).get("artifacts", {}).get("properties", {})
            if not all(isinstance(v, dict) and all(not isinstance(x, dict | list) for x in v.values())
                       for v in properties.values()):
                raise ValueError("artifacts.properties must map each field to a map of strings")
        except (yaml.YAMLError, AttributeError, ValueError) as exc:
            raise ProviderError(f"invalid YAML in {specification_path}: {exc}") from None
        if field not in properties:
            raise ProviderError(f'field "{field}" does not exist in {specification_path}')
        ref = properties[field].get("$ref")
        if not ref:
            raise ProviderError(f'field "{field}" in {specification_path} has no $ref')
        return str(ref) if "/" in str(ref) else f"{env('ORGANIZATION_ID') or env('ORG_ID')}/{ref}"

    def _send(self, method: str, values: dict[str, Any], identifier: str, resource_type: str) -> dict[str, Any]:
        self._validate_payload(values["field"], values["resource"], values["schema_path"])
        body = {"id": "", "field": values["field"], "type": resource_type, "name": values["name"],
                "payload": json.loads(values["resource"])}
        path = "/v1/resources" if method == "POST" else f"/v1/resources/{identifier}"
        self.provider.record({"resource": "massdriver_resource", "method": method, "path": path, "body": body})
        return {**values, "id": identifier, "resource_type": resource_type}

    def create(self, planned: dict[str, Any]) -> dict[str, Any]:
        _deployment()
        self._validate_payload(planned["field"], planned["resource"], planned["schema_path"])
        resource_type = self._resource_type(planned["field"], planned["specification_path"])
        return self._send("POST", planned, str(uuid.uuid4()), resource_type)

    def update(self, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        _deployment()
        return self._send("PUT", planned, prior["id"], prior["resource_type"])  # the yaml is not read again

    def delete(self, prior: dict[str, Any]) -> None:
        _deployment()
        self.provider.record({"resource": "massdriver_resource", "method": "DELETE",
                              "path": f"/v1/resources/{prior['id']}", "body": {"field": prior["field"]}})


class InstanceAlarm(Resource):
    legacy_type_system = True
    force_new = ("instance_id",)

    def defaults(self) -> dict[str, Any]:
        instance = env("INSTANCE_ID")
        if not instance and env("PACKAGE_NAME"):
            instance = env("PACKAGE_NAME").rsplit("-", 1)[0]  # type: ignore[union-attr]
        return {"instance_id": instance} if instance else {}

    @staticmethod
    def _input(values: dict[str, Any]) -> dict[str, Any]:
        """The GraphQL input: optional fields only when set (and not zero), dimensions as name/value pairs."""
        sent: dict[str, Any] = {"cloudResourceId": values["cloud_resource_id"], "displayName": values["display_name"]}
        for attribute, key in (("comparison_operator", "comparisonOperator"), ("threshold", "threshold"),
                               ("period", "period")):
            if values.get(attribute):
                sent[key] = values[attribute]
        metric = (values.get("metric") or [None])[0]
        if metric:
            sent["metric"] = {k: v for k, v in metric.items() if v and k != "dimensions"}
            if metric.get("dimensions"):
                sent["metric"]["dimensions"] = [{"name": k, "value": v} for k, v in sorted(metric["dimensions"].items())]
        return sent

    def _record(self, operation: str, variables: dict[str, Any]) -> None:
        organization = env("ORGANIZATION_ID") or env("ORG_ID")
        self.provider.record({"resource": "massdriver_instance_alarm", "graphql": operation,
                              "variables": {"organizationId": organization, **variables}})

    def create(self, planned: dict[str, Any]) -> dict[str, Any]:
        if not planned.get("instance_id"):
            raise ProviderError(ALARM_INSTANCE_MESSAGE)
        identifier = str(uuid.uuid4())
        self._record("createInstanceAlarm", {"instanceId": planned["instance_id"], "input": self._input(planned)})
        return {**planned, "id": identifier}

    def update(self, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        self._record("updateInstanceAlarm", {"id": prior["id"], "input": self._input(planned)})
        return {**planned, "id": prior["id"]}

    def delete(self, prior: dict[str, Any]) -> None:
        self._record("deleteInstanceAlarm", {"id": prior["id"]})


def standin() -> StandIn:
    return StandIn(ProviderSchema.load("massdriver"),
                   {"massdriver_resource": MassdriverResource, "massdriver_instance_alarm": InstanceAlarm},
                   configure=configure)
