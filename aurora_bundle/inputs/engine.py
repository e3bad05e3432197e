"""What AWS offers for Aurora PostgreSQL: engine majors and instance classes.

The single source for version- and class-dependent facts; the schema's enums are checked against it
(see tests) and the Terraform lookups (memory per class, families) are generated from it.
Facts as of 2026-11 (../shared/docs/aurora-reference.md).
"""

from __future__ import annotations

from dataclasses import dataclass

SERVERLESS_CLASS = "db.serverless"
ENGINE = "aurora-postgresql"
PORT = 5432
ACU_MEMORY_GIB = 2
# Aurora PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000).
MAX_CONNECTIONS_BYTES_PER_CONNECTION = 9531392
MAX_CONNECTIONS_CAP = 5000


@dataclass(frozen=True)
class EngineMajor:
    major: str
    latest_minor: str
    end_of_standard_support: str
    # Scale to zero (min 0 ACU) needs 16.3+, 15.7+, 14.12+ or 13.15+. With a major-only pin AWS
    # creates the major's current default minor, which is past these for every major offered.
    scale_to_zero: bool

    @property
    def family(self) -> str:
        return f"{ENGINE}{self.major}"


MAJORS: dict[str, EngineMajor] = {
    m.major: m
    for m in (
        EngineMajor("18", "18.3", "2031-02-28", scale_to_zero=True),
        EngineMajor("17", "17.9", "2030-02-28", scale_to_zero=True),
        EngineMajor("16", "16.13", "2029-02-28", scale_to_zero=True),
        EngineMajor("15", "15.17", "2028-02-29", scale_to_zero=True),
        EngineMajor("14", "14.22", "2027-02-28", scale_to_zero=True),
    )
}

_SIZES_GIB = {"large": 16, "xlarge": 32, "2xlarge": 64, "4xlarge": 128, "8xlarge": 256,
              "12xlarge": 384, "16xlarge": 512, "24xlarge": 768, "48xlarge": 1536}
_X2G_SIZES_GIB = {"large": 32, "xlarge": 64, "2xlarge": 128, "4xlarge": 256, "8xlarge": 512,
                  "12xlarge": 768, "16xlarge": 1024}


def _family(name: str, sizes: dict[str, int], largest: str) -> dict[str, int]:
    keys = list(sizes)
    return {f"db.{name}.{size}": sizes[size] for size in keys[: keys.index(largest) + 1]}


# Memory (GiB) of every provisioned class offered; db.serverless memory follows its ACUs.
INSTANCE_MEMORY_GIB: dict[str, int] = {
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    **_family("r6g", _SIZES_GIB, "16xlarge"),
    **_family("r7g", _SIZES_GIB, "16xlarge"),
    **_family("r8g", _SIZES_GIB, "48xlarge"),
    **_family("x2g", _X2G_SIZES_GIB, "16xlarge"),
}

INSTANCE_CLASSES: list[str] = [SERVERLESS_CLASS, *INSTANCE_MEMORY_GIB]
