"""What a saved plan does to each resource, read from the plan file itself: no ``terraform show``.

``terraform show -json`` starts every provider of the configuration to read its schema (the AWS provider
costs 2-3 s of CPU each time); the e2e plans about 40 single-param changes per preset and needs only
each resource's actions. A plan file is a zip whose ``tfplan`` member is a protobuf ``tfplan.Plan``
(hashicorp/terraform ``internal/plans/planproto/planfile.proto``): ``resource_changes`` (field 3) of
``ResourceInstanceChange`` (``addr`` 13, ``deposed_key`` 7, ``change`` 9), each ``Change`` with its
``action`` (field 1, enum ``Action``). Only those fields are decoded; the e2e cross-checks the result
against ``show -json`` on every plan it shows anyway (``e2e.run_preset``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from proof.protowire import fields

# planfile.proto enum Action -> the actions ``show -json`` prints (internal/command/jsonplan/plan.go).
ACTIONS = {0: ["no-op"], 1: ["create"], 2: ["read"], 3: ["update"], 5: ["delete"], 6: ["delete", "create"],
           7: ["create", "delete"], 8: ["forget"], 9: ["create", "forget"]}


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """A protobuf message's varint and length-delimited fields in order: (number, value)."""
    return [(field.number, field.value) for field in fields(data) if field.value is not None]


def resource_actions(plan: Path) -> list[tuple[str, str, list[str]]]:
    """(address, deposed key or "", actions) for every resource instance change the plan holds."""
    with zipfile.ZipFile(plan) as archive:
        data = archive.read("tfplan")
    found = []
    for number, change in _fields(data):
        if number != 3 or not isinstance(change, bytes):
            continue
        parts = _fields(change)
        address = next((v.decode() for n, v in parts if n == 13 and isinstance(v, bytes)), "")
        deposed = next((v.decode() for n, v in parts if n == 7 and isinstance(v, bytes)), "")
        body = next((v for n, v in parts if n == 9 and isinstance(v, bytes)), b"")
        action = next((v for n, v in _fields(body) if n == 1 and isinstance(v, int)), 0)
        found.append((address, deposed, ACTIONS[action]))
    return found


def changed_actions(plan: Path) -> dict[str, list[str]]:
    """address -> actions for what the plan changes (``changes``), as ``e2e._actions`` of ``show -json``."""
    found = sorted(resource_actions(plan), key=lambda change: change[1] == "")  # the current object's last: it wins
    return {address: actions for address, _deposed, actions in found if changes(address, actions)}


def changes(address: str, actions: list[str]) -> bool:
    """Whether an action changes something.

    Not a no-op or a read, nor a data source dropped from state (what a destroy plan does to every data source; ``show
    -json`` may list or omit those)."""
    return actions not in (["no-op"], ["read"]) and not (address.startswith("data.") and actions == ["delete"])
