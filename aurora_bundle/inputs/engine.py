"""What AWS offers for Aurora PostgreSQL: engine majors, instance classes and their limits.

The single source for these facts: ``make build`` writes them into the params schema
(``massdriver/params.py``: the engine and instance class enums, the reader and capacity bounds, the
exportable logs), and the Terraform lookups (memory per class, families) and the rules use them.
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
# Aurora's limit on readers (replicas) per cluster, fixed and autoscaled together.
MAX_READERS = 15
# Instances per cluster (the writer and 15 readers): a rolling class change needs room for its new set.
MAX_INSTANCES = MAX_READERS + 1
# Serverless v2 capacity in ACUs: from 0 (scale to zero, where the major supports it; see
# EngineMajor.scale_to_zero) up to 256, in steps of 0.5; the maximum is at least 1.
ACU_MIN = 0
ACU_MAX = 256
ACU_STEP = 0.5
ACU_MAX_AT_LEAST = 1
# How long an instance may stay idle before it pauses (seconds), when the minimum is 0 ACUs.
AUTO_PAUSE_SECONDS = (300, 86400)
# The logs Aurora PostgreSQL exports to CloudWatch Logs.
POSTGRESQL_LOG = "postgresql"
IAM_AUTH_ERROR_LOG = "iam-db-auth-error"
LOG_EXPORTS = (POSTGRESQL_LOG, IAM_AUTH_ERROR_LOG)
# Custom endpoints: AWS allows five per cluster. Their names are kept to 10 characters so that
# "<cluster identifier>-<name>" fits RDS's 63 without shortening (the identifier has at most 52,
# aws/naming.py). Members are named as aws/instances.py's local.instance_members names the
# instances: the writer, and reader1.. for the fixed readers.
MAX_CUSTOM_ENDPOINTS = 5
CUSTOM_ENDPOINT_NAME_MAX = 10
WRITER_MEMBER = "writer"


def instance_members(reader_count: int = MAX_READERS) -> list[str]:
    """The member names of a cluster with ``reader_count`` fixed readers: writer, reader1, reader2, ..."""
    return [WRITER_MEMBER, *(f"reader{number}" for number in range(1, reader_count + 1))]


@dataclass(frozen=True)
class EngineMajor:
    major: str
    latest_minor: str
    end_of_standard_support: str
    # Scale to zero (min 0 ACU) needs 16.3+, 15.7+, 14.12+ or 13.15+. With a major-only pin AWS
    # creates the major's current default minor, which is past these for every major offered.
    scale_to_zero: bool
    # The cluster volume's size limit: 256 TiB on 17.5+, 16.9+ and 15.13+ (every major's newest
    # minor, which the bundle runs, is past these), 128 TiB before.
    volume_limit_tib: int

    @property
    def family(self) -> str:
        return f"{ENGINE}{self.major}"


MAJORS: dict[str, EngineMajor] = {
    m.major: m
    for m in (
        EngineMajor("18", "18.3", "2031-02-28", scale_to_zero=True, volume_limit_tib=256),
        EngineMajor("17", "17.9", "2030-02-28", scale_to_zero=True, volume_limit_tib=256),
        EngineMajor("16", "16.13", "2029-02-28", scale_to_zero=True, volume_limit_tib=256),
        EngineMajor("15", "15.17", "2028-02-29", scale_to_zero=True, volume_limit_tib=256),
        EngineMajor("14", "14.22", "2027-02-28", scale_to_zero=True, volume_limit_tib=128),
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

# vCPUs of every provisioned class offered: 2 per large, doubling with each size (the t4g classes have 2).
_SIZES_VCPU = {"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64,
               "24xlarge": 96, "48xlarge": 192}
INSTANCE_VCPUS: dict[str, int] = {
    name: 2 if name.startswith("db.t4g.") else _SIZES_VCPU[name.rsplit(".", 1)[1]] for name in INSTANCE_MEMORY_GIB
}

INSTANCE_CLASSES: list[str] = [SERVERLESS_CLASS, *INSTANCE_MEMORY_GIB]
