"""Stand-in for hashicorp/random 3.7.2: random_password, random_string and random_id.

Behaviour follows the provider's source (see ``terraform/provider_schemas/random.json`` for the commit): every argument
replaces the object when it changes; the character classes are on by default; ``min_*`` characters
of each class are drawn first, the rest from every enabled class, then the whole is shuffled;
``override_special`` replaces the default special characters.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

import bcrypt

from proof.standins.protocol import ProviderError, ProviderSchema, Resource, StandIn, is_known

LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NUMERIC = "0123456789"
SPECIAL = "!@#$%&*()-_=+[]{}<>:?"
MIN_COUNTS = ("min_lower", "min_upper", "min_numeric", "min_special")


def generate(values: dict[str, Any]) -> str:
    special = values["override_special"] if values.get("override_special") is not None else SPECIAL
    classes = {"min_lower": LOWER, "min_upper": UPPER, "min_numeric": NUMERIC, "min_special": special}
    pool = "".join(chars for flag, chars in (("upper", UPPER), ("lower", LOWER), ("numeric", NUMERIC),
                                               ("special", special)) if values[flag])
    picked = [secrets.choice(classes[name]) for name in MIN_COUNTS for _ in range(int(values[name]))]
    rest = int(values["length"]) - len(picked)
    if rest > 0 and not pool:
        raise ProviderError("No characters to choose from", "every character class is turned off")
    picked += [secrets.choice(pool) for _ in range(max(rest, 0))]
    secrets.SystemRandom().shuffle(picked)
    return "".join(picked)


class RandomString(Resource):
    force_new = ("keepers", "length", "special", "upper", "lower", "number", "numeric", *MIN_COUNTS,
                 "override_special")

    def defaults(self) -> dict[str, Any]:
        return {"special": True, "upper": True, "lower": True, "number": True, "numeric": True,
                **dict.fromkeys(MIN_COUNTS, 0)}

    def plan(self, prior: dict[str, Any] | None, proposed: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        # `number` (deprecated) and `numeric` mirror each other: one set, the other copies it.
        if proposed.get("number") is None and proposed.get("numeric") is not None:
            proposed = {**proposed, "number": proposed["numeric"]}
        elif proposed.get("numeric") is None and proposed.get("number") is not None:
            proposed = {**proposed, "numeric": proposed["number"]}
        return super().plan(prior, proposed)

    def validate(self, config: dict[str, Any]) -> None:
        length = config.get("length")
        if not is_known(length) or length is None:
            return
        if length < 1:
            raise ProviderError("Invalid Attribute Value", f"Attribute length value must be at least 1, got: {length}",
                                "length")
        counts = [config.get(name) for name in MIN_COUNTS]
        if all(is_known(c) for c in counts) and length < sum(c or 0 for c in counts):
            raise ProviderError("Invalid Attribute Value",
                                f"Attribute length value must be at least sum of min_upper + min_lower + "
                                f"min_numeric + min_special, got: {length}", "length")

    def create(self, planned: dict[str, Any]) -> dict[str, Any]:
        result = generate(planned)
        return {**planned, "result": result, "id": result}


class RandomPassword(RandomString):
    def create(self, planned: dict[str, Any]) -> dict[str, Any]:
        result = generate(planned)
        digest = bcrypt.hashpw(result.encode(), bcrypt.gensalt(rounds=10)).decode()
        return {**planned, "result": result, "bcrypt_hash": digest, "id": "none"}


class RandomId(Resource):
    force_new = ("keepers", "byte_length", "prefix")

    def validate(self, config: dict[str, Any]) -> None:
        size = config.get("byte_length")
        if is_known(size) and size is not None and size < 1:
            raise ProviderError("Invalid Attribute Value", f"Attribute byte_length value must be at least 1, got: {size}",
                                "byte_length")

    def create(self, planned: dict[str, Any]) -> dict[str, Any]:
        raw = secrets.token_bytes(int(planned["byte_length"]))
        prefix = planned.get("prefix") or ""
        url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return {**planned, "id": url, "b64_url": prefix + url, "b64_std": prefix + base64.b64encode(raw).decode(),
                "hex": prefix + raw.hex(), "dec": prefix + str(int.from_bytes(raw, "big"))}


def standin() -> StandIn:
    return StandIn(ProviderSchema.load("random"),
                   {"random_password": RandomPassword, "random_string": RandomString, "random_id": RandomId})
