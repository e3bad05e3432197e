"""Rules JSON Schema cannot express, checked twice from one definition.

Each rule is evaluated in Python on presets and examples at build time, on the params as the plan reads
them (``planned.as_planned``), and emitted as a Terraform precondition on the cluster, so a deployment with
params that break it fails at plan time with the same message, before anything changes.

A rule that is one decision on the params is a ``Cond`` (``_held``): the HCL and the Python check are the
same object. The window rules (which parse ``ddd:hh:mm`` text) and the custom-endpoint rules (which walk a
list and name the offending item) keep a Python check beside their HCL; tests/test_rules_in_terraform.py
plans both sides on the same documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aurora_bundle.inputs.engine import (
    IAM_AUTH_ERROR_LOG,
    MAJORS,
    MAX_READERS,
    SERVERLESS_CLASS,
    WRITER_MEMBER,
    instance_members,
)
from aurora_bundle.inputs.errors import Problem
from aurora_bundle.inputs.params_root import Cond, P, get_path, implies
from aurora_bundle.inputs.planned import as_planned


def _window_minutes(window: str) -> int:
    start, end = window.split("-")
    to_min = [int(t[:2]) * 60 + int(t[3:]) for t in (start, end)]
    return (to_min[1] - to_min[0]) % 1440


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES, WEEK_MINUTES = 1440, 10080
# The backup window repeats daily; these days (relative to the week's start) cover a maintenance
# window that wraps past Sunday and a backup window that wraps past midnight.
_DAYS_CHECKED = (-1, 15)


def _weekly(window: str) -> tuple[int, int]:
    """A ddd:hh:mm-ddd:hh:mm window as minutes of the week, the end after the start."""
    start, end = (DAYS.index(t[:3]) * DAY_MINUTES + int(t[4:6]) * 60 + int(t[7:9]) for t in window.split("-"))
    return start, end + WEEK_MINUTES if end <= start else end


def _daily(window: str) -> tuple[int, int]:
    """An hh:mm-hh:mm window as minutes of the day, the end after the start."""
    start, end = (int(t[:2]) * 60 + int(t[3:5]) for t in window.split("-"))
    return start, end + DAY_MINUTES if end <= start else end


def _windows_overlap(maintenance: str, backup: str) -> bool:
    (ms, me), (bs, be) = _weekly(maintenance), _daily(backup)
    return any(max(ms, d * DAY_MINUTES + bs) < min(me, d * DAY_MINUTES + be) for d in range(*_DAYS_CHECKED))


_MW, _BW = P.database.maintenance_window, P.backup.window
_HCL_DAYS = "[" + ", ".join(f'"{d}"' for d in DAYS) + "]"
_HCL_MW, _HCL_BW = "local.maintenance_window_minutes", "local.backup_window_minutes"


def _hcl_bounds(start: str, end: str, period: int) -> str:
    """HCL: [start, end], the end after the start (a window that wraps gets ``period`` added to its end)."""
    return f"[{start}, {end} <= {start} ? {end} + {period} : {end}]"


# What the rules' conditions read besides the params: the windows as minutes (of the week, of the day).
# The cluster declares them (``cluster.build_cluster``), beside the preconditions.
RULE_LOCALS = {
    "maintenance_window_parts": f"[for o in [0, 10] : index({_HCL_DAYS}, substr({_MW}, o, 3)) * {DAY_MINUTES} + "
    f"tonumber(substr({_MW}, o + 4, 2)) * 60 + tonumber(substr({_MW}, o + 7, 2))]",
    "maintenance_window_minutes": _hcl_bounds("local.maintenance_window_parts[0]", "local.maintenance_window_parts[1]",
                                              WEEK_MINUTES),
    "backup_window_parts": f"[for o in [0, 6] : tonumber(substr({_BW}, o, 2)) * 60 + tonumber(substr({_BW}, o + 3, 2))]",
    "backup_window_minutes": _hcl_bounds("local.backup_window_parts[0]", "local.backup_window_parts[1]", DAY_MINUTES),
}
_LOCAL_REF = re.compile(r"\blocal\.(" + "|".join(RULE_LOCALS) + r")\b")


def inline_rule_locals(code: str) -> str:
    """``code`` with every reference to a rule local replaced by its expression (for a config without them)."""
    while (expanded := _LOCAL_REF.sub(lambda m: f"({RULE_LOCALS[m.group(1)]})", code)) != code:
        code = expanded
    return code


@dataclass(frozen=True)
class Rule:
    id: str  # says what the rule is about; shown in both messages, named by the tests
    field: str  # the field a user has to change
    expected: str  # what it must be, as a user reads it
    broken: Callable[[dict[str, Any]], bool]  # True when params break the rule
    condition: str  # the same rule as a Terraform expression (true = fine)
    related: str | None = None  # the other field involved, whose value the build error shows
    # For a rule about items of a list: the first item breaking it, as (its path, its value), so the
    # build error points at that item; None when none does.
    offender: Callable[[dict[str, Any]], tuple[str, Any] | None] | None = None
    check: Cond | None = None  # the decision both come from, for a rule that is one (``_held``)

    def message(self) -> str:
        """The Terraform precondition's error message."""
        return f"{self.field}: {self.expected} [{self.id}]."

    def explain(self, params: dict[str, Any]) -> str:
        """What was expected, with the related field's value when there is one."""
        related = "" if self.related is None else f" ({self.related} = {json.dumps(get_path(params, self.related))})"
        return f"{self.expected}{related} [{self.id}]"

    def where(self, params: dict[str, Any]) -> tuple[str, Any]:
        """The field the build error names and the value it shows: the offending item's, or the rule's field."""
        found = self.offender(params) if self.offender else None
        return found if found is not None else (self.field, get_path(params, self.field))


_SCALE_TO_ZERO_MAJORS = sorted(m for m, info in MAJORS.items() if info.scale_to_zero)

ENDPOINTS = "database.custom_endpoints"
_HCL_ENDPOINTS = P.database.custom_endpoints
_MEMBER_LISTS = ("static_members", "excluded_members")


def _endpoints(p: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    value = get_path(p, ENDPOINTS)
    return [(i, e) for i, e in enumerate(value) if isinstance(e, dict)] if isinstance(value, list) else []


def _duplicate_name(p: dict[str, Any]) -> tuple[str, Any] | None:
    seen: set[str] = set()
    for i, endpoint in _endpoints(p):
        name = endpoint.get("name")
        if name in seen:
            return f"{ENDPOINTS}[{i}].name", name
        seen.add(name)
    return None


def _both_member_lists(p: dict[str, Any]) -> tuple[str, Any] | None:
    for i, endpoint in _endpoints(p):
        if endpoint.get("static_members") and endpoint.get("excluded_members"):
            return f"{ENDPOINTS}[{i}].excluded_members", endpoint["excluded_members"]
    return None


def _unknown_member(p: dict[str, Any]) -> tuple[str, Any] | None:
    reader_count = get_path(p, "scaling.reader_count")
    known = set(instance_members(reader_count if isinstance(reader_count, int) else 0))
    for i, endpoint in _endpoints(p):
        for key in _MEMBER_LISTS:
            for j, member in enumerate(endpoint.get(key) or []):
                if member not in known:
                    return f"{ENDPOINTS}[{i}].{key}[{j}]", member
    return None


def _per_endpoint(rule_id: str, expected: str, offender: Callable[[dict[str, Any]], tuple[str, Any] | None],
                  condition: str, related: str | None = None) -> Rule:
    """A rule on database.custom_endpoints whose build error names the offending item."""
    return Rule(id=rule_id, field=ENDPOINTS, expected=expected, broken=lambda p: offender(p) is not None,
                condition=condition, related=related, offender=offender)


def _held(check: Cond, **rule: Any) -> Rule:
    """A rule that is one decision on the params (``Cond``).

    Terraform's condition and the build's check are the same definition."""
    return Rule(broken=lambda p: not check.holds(p), condition=str(check), check=check, **rule)


_HCL_MEMBERS = f'concat(["{WRITER_MEMBER}"], [for n in range({P.scaling.reader_count}) : format("reader%d", n + 1)])'

# The serverless capacity applies: the class is db.serverless and the block is there (a block kept from
# a class that no longer applies is ignored).
_SERVERLESS_APPLIES = (P.database.instance_class == SERVERLESS_CLASS) & ~P.scaling.serverless.is_null()
_AUTOSCALING_OFF = P.scaling.autoscaling.mode == "disabled"

RULES: list[Rule] = [
    _held(
        (P.database.instance_class != SERVERLESS_CLASS) | ~P.scaling.serverless.is_null(),
        id="serverless-capacity-required",
        field=P.scaling.serverless.path,
        expected="is required when database.instance_class is db.serverless (set the minimum and maximum ACUs)",
    ),
    _held(
        implies(_SERVERLESS_APPLIES, P.scaling.serverless.min_capacity <= P.scaling.serverless.max_capacity),
        id="serverless-min-at-most-max",
        field=P.scaling.serverless.min_capacity.path,
        expected="must be at most scaling.serverless.max_capacity",
        related=P.scaling.serverless.max_capacity.path,
    ),
    _held(
        implies(_SERVERLESS_APPLIES, (P.scaling.serverless.min_capacity > 0)
                | P.database.engine_version.one_of(_SCALE_TO_ZERO_MAJORS)),
        id="scale-to-zero-needs-auto-pause",
        field=P.scaling.serverless.min_capacity.path,
        expected="can be 0 (scale to zero) only on engine versions that support auto-pause: "
        + ", ".join(_SCALE_TO_ZERO_MAJORS),
    ),
    _held(
        _AUTOSCALING_OFF | (P.scaling.autoscaling.min_readers <= P.scaling.autoscaling.max_readers),
        id="autoscaling-min-at-most-max",
        field=P.scaling.autoscaling.min_readers.path,
        expected="must be at most scaling.autoscaling.max_readers",
        related=P.scaling.autoscaling.max_readers.path,
    ),
    _held(
        _AUTOSCALING_OFF | (P.scaling.reader_count + P.scaling.autoscaling.max_readers <= MAX_READERS),
        id="readers-within-limit",
        field=P.scaling.autoscaling.max_readers.path,
        expected=f"plus scaling.reader_count must be at most {MAX_READERS} (Aurora's reader limit)",
        related=P.scaling.reader_count.path,
    ),
    _held(
        (P.scaling.autoscaling.mode != "cpu") | (P.scaling.autoscaling.target <= 100),
        id="cpu-target-is-a-percentage",
        field="scaling.autoscaling.target",
        expected="must be a CPU percentage of at most 100 when scaling on cpu",
    ),
    _held(
        (P.database.instance_class != SERVERLESS_CLASS) | (P.scaling.autoscaling.mode != "cpu"),
        id="serverless-scales-readers-on-connections",
        field="scaling.autoscaling.mode",
        expected="can be connections or disabled, not cpu, with db.serverless: ACU scaling already answers CPU "
        "load, and a serverless reader's CPU is measured against its current capacity, so CPU-driven reader "
        "autoscaling would add readers a larger capacity absorbs",
        related="database.instance_class",
    ),
    _held(
        ~P.observability.log_exports.has(IAM_AUTH_ERROR_LOG) | (P.database.iam_authentication == True),  # noqa: E712
        id="iam-auth-log-needs-iam-auth",
        field=P.observability.log_exports.path,
        expected=f"can include {IAM_AUTH_ERROR_LOG} only when database.iam_authentication is on",
        related=P.database.iam_authentication.path,
    ),
    Rule(
        id="backup-window-at-least-30-minutes",
        field="backup.window",
        expected="must be at least 30 minutes long",
        broken=lambda p: isinstance(w := get_path(p, "backup.window"), str) and _window_minutes(w) < 30,
        condition=f"(tonumber(substr({P.backup.window}, 6, 2)) * 60 + tonumber(substr({P.backup.window}, 9, 2)) "
        f"- tonumber(substr({P.backup.window}, 0, 2)) * 60 - tonumber(substr({P.backup.window}, 3, 2)) + 1440) "
        "% 1440 >= 30",
    ),
    Rule(
        id="maintenance-window-at-least-30-minutes",
        field="database.maintenance_window",
        expected="must be at least 30 minutes long",
        broken=lambda p: (w := _str(p, "database.maintenance_window")) is not None
        and _weekly(w)[1] - _weekly(w)[0] < 30,
        condition=f"{_HCL_MW}[1] - {_HCL_MW}[0] >= 30",
    ),
    Rule(
        id="maintenance-window-clear-of-backup-window",
        field="database.maintenance_window",
        expected="must not overlap the daily backup window (backup.window)",
        broken=lambda p: (m := _str(p, "database.maintenance_window")) is not None
        and (w := _str(p, "backup.window")) is not None and _windows_overlap(m, w),
        condition=f"alltrue([for d in range({_DAYS_CHECKED[0]}, {_DAYS_CHECKED[1]}) : "
        f"max({_HCL_MW}[0], d * {DAY_MINUTES} + {_HCL_BW}[0]) >= min({_HCL_MW}[1], d * {DAY_MINUTES} + {_HCL_BW}[1])])",
        related="backup.window",
    ),
    _per_endpoint(
        "custom-endpoint-names-unique",
        "names must be unique: each endpoint's identifier and hostname are made from its name",
        _duplicate_name,
        f"length(distinct([for e in {_HCL_ENDPOINTS} : e.name])) == length({_HCL_ENDPOINTS})",
    ),
    _per_endpoint(
        "custom-endpoint-static-or-excluded",
        "an endpoint lists static_members or excluded_members, not both",
        _both_member_lists,
        f"alltrue([for e in {_HCL_ENDPOINTS} : length(e.static_members) == 0 || length(e.excluded_members) == 0])",
    ),
    _per_endpoint(
        "custom-endpoint-members-exist",
        f"members must be {WRITER_MEMBER} or a fixed reader, reader1 up to reader<scaling.reader_count>",
        _unknown_member,
        f"alltrue([for e in {_HCL_ENDPOINTS} : alltrue([for m in concat(e.static_members, e.excluded_members) : "
        f"contains({_HCL_MEMBERS}, m)])])",
        related="scaling.reader_count",
    ),
]


RULE_IDS = [rule.id for rule in RULES]
assert len(set(RULE_IDS)) == len(RULE_IDS), "rule ids must be unique"


def rule(rule_id: str) -> Rule:
    return next(r for r in RULES if r.id == rule_id)


def _str(params: dict[str, Any], path: str) -> str | None:
    value = get_path(params, path)
    return value if isinstance(value, str) else None


def broken_rules(params_schema: dict[str, Any], params: dict[str, Any]) -> list[Rule]:
    """The rules ``params`` break, read as the plan reads them (``as_planned``).

    Call only on params that passed the JSON Schema."""
    planned = as_planned(params_schema, params)
    return [rule for rule in RULES if rule.broken(planned)]


def rule_problems(params_schema: dict[str, Any], params: dict[str, Any], source: str) -> list[Problem]:
    """One problem per rule ``params`` break, naming the field (or the offending item) and its value."""
    planned = as_planned(params_schema, params)
    return [Problem(source, *rule.where(planned), rule.explain(planned)) for rule in RULES if rule.broken(planned)]
