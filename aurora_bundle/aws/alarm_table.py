"""The alarms: one row per alarm, everything about it in that row.

A row says how CloudWatch measures the alarm (metric, statistic, periods, how its threshold is
computed from the param), what Massdriver shows when it fires, and what the params offer for it:
``alarms.<key>.enabled`` and ``alarms.<key>.threshold``, with their defaults, bounds and texts.
From this table ``make build`` writes the alarms' part of ``schemas/alarms.json``, their order in
massdriver.yaml's ``ui`` block, the README's params reference and ``src/alarms.tf.json``; presets
and examples need nothing (the schema's defaults apply, in Massdriver's form and in Terraform).
Adding an alarm is adding a row; a preset lists it only to differ from its defaults.

No cdktf here: ``make build`` reads the table before it loads anything heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aurora_bundle.aws.conditions import HAS_READERS, SERVERLESS
from aurora_bundle.inputs.engine import MAJORS
from aurora_bundle.inputs.params_root import ALWAYS, Cond, P

GIB = 1024**3
TIB = 1024**4
# The volume limit of the chosen major, in bytes (Aurora's cluster-level VolumeBytesUsed is billed bytes).
VOLUME_LIMIT_BYTES = ("lookup({" + ", ".join(f'"{m}" = {info.volume_limit_tib}' for m, info in MAJORS.items())
                      + f"}}, {P.database.engine_version}) * {TIB}")
# Known at plan time: the alarms need not wait for the cluster to exist (CloudWatch accepts them before).
CLUSTER = "local.identifier"


@dataclass(frozen=True)
class Threshold:
    """The ``alarms.<key>.threshold`` param: its default and bounds."""

    default: int | float
    minimum: int | float
    maximum: int | float
    unit: str | None = None  # shown in the field's title, "Threshold (%)"
    integer: bool = False  # whole numbers only


# Where AWS documents each metric for Aurora PostgreSQL: its meaning, the entity it applies to
# (instance or cluster) and its unit.
METRICS_REFERENCE = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html"
INSTANCE_METRICS = f"{METRICS_REFERENCE}#Aurora.AuroraMySQL.Monitoring.Metrics.instances"
CLUSTER_METRICS = f"{METRICS_REFERENCE}#Aurora.AuroraMySQL.Monitoring.Metrics.clusters"
PERFORMANCE_INSIGHTS_METRICS = ("https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
                                "USER_PerfInsights.Cloudwatch.html")
SERVERLESS_METRICS = ("https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
                      "aurora-serverless-v2.viewing.monitoring.html")
DIMENSIONS_REFERENCE = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/dimensions.html"

# The dimension sets AWS documents each (namespace, metric) of the alarm table under: a CloudWatch
# alarm on any other set watches a series that never exists, and with treat_missing_data =
# notBreaching stays OK forever. Each row cites the pages it comes from.
#
# - Aurora's instance-level metrics (Aurora.AuroraMonitoring.Metrics, "Instance-level metrics for
#   Amazon Aurora") are published per instance (DBInstanceIdentifier) and aggregated per cluster and
#   role (DBClusterIdentifier + Role, WRITER or READER: "Amazon CloudWatch dimensions for Aurora",
#   which creating_alarms.html recommends for alarms, since roles change on failover).
# - Cluster-level metrics ("Cluster-level metrics for Amazon Aurora") are per cluster
#   (DBClusterIdentifier).
# - Performance Insights' metrics (USER_PerfInsights.Cloudwatch: DBLoad, DBLoadCPU, DBLoadNonCPU,
#   DBLoadRelativeToNumVCPUs) are documented per DB instance only (its example queries
#   DBInstanceIdentifier), and "published to CloudWatch only if there is load on the DB instance".
INSTANCE_SETS = (frozenset({"DBInstanceIdentifier"}), frozenset({"DBClusterIdentifier", "Role"}))
DOCUMENTED_DIMENSIONS: dict[tuple[str, str], tuple[tuple[frozenset[str], ...], tuple[str, ...]]] = {
    ("AWS/RDS", "CPUUtilization"): (INSTANCE_SETS, (INSTANCE_METRICS, DIMENSIONS_REFERENCE)),
    ("AWS/RDS", "FreeableMemory"): (INSTANCE_SETS, (INSTANCE_METRICS, DIMENSIONS_REFERENCE)),
    ("AWS/RDS", "DatabaseConnections"): (INSTANCE_SETS, (INSTANCE_METRICS, DIMENSIONS_REFERENCE)),
    ("AWS/RDS", "AuroraReplicaLag"): (INSTANCE_SETS, (INSTANCE_METRICS, DIMENSIONS_REFERENCE)),
    ("AWS/RDS", "MaximumUsedTransactionIDs"): (INSTANCE_SETS, (INSTANCE_METRICS, DIMENSIONS_REFERENCE)),
    ("AWS/RDS", "Deadlocks"): (INSTANCE_SETS, (INSTANCE_METRICS, DIMENSIONS_REFERENCE)),
    # Serverless v2's capacity metrics are instance-level metrics of the same tables (the serverless page
    # shows them per instance and for the writer or readers of a cluster).
    ("AWS/RDS", "ACUUtilization"): (INSTANCE_SETS, (INSTANCE_METRICS, SERVERLESS_METRICS, DIMENSIONS_REFERENCE)),
    ("AWS/RDS", "VolumeBytesUsed"): ((frozenset({"DBClusterIdentifier"}),), (CLUSTER_METRICS, DIMENSIONS_REFERENCE)),
    ("AWS/RDS", "DBLoad"): ((frozenset({"DBInstanceIdentifier"}),), (PERFORMANCE_INSIGHTS_METRICS,)),
}


@dataclass(frozen=True, kw_only=True)
class AlarmSpec:
    key: str  # the alarm's params under ``alarms``, and its Terraform name
    title: str  # the alarm in the form and the README
    description: str  # what it watches, for the form and the README (also the threshold's description)
    param: Threshold
    enabled: bool = True  # the default of ``alarms.<key>.enabled``
    display_name: str  # the alarm as Massdriver shows it on the package
    source: str = INSTANCE_METRICS  # AWS's documentation of the metric, dimension and unit
    unit: str  # the metric's unit, as AWS documents it
    metric: str
    statistic: str
    comparison: str
    period: int  # seconds
    periods: int  # evaluation periods
    # HCL computing CloudWatch's threshold from the param, which ``{threshold}`` stands for.
    threshold: str = "{threshold}"
    message: str  # what Massdriver shows when the alarm fires: what to do about it
    role: str | None = "WRITER"  # None: cluster-wide metric
    # One alarm per instance of the package (the writer and each fixed reader, keyed "writer",
    # "reader1".. as local.instance_members names them), on DBInstanceIdentifier: for metrics AWS
    # publishes per instance only. ``role`` is then ignored.
    per_instance: bool = False
    applies: Cond = ALWAYS  # besides being enabled, does the alarm make sense here
    namespace: str = "AWS/RDS"
    dimensions: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        if self.per_instance:
            dims = {"DBInstanceIdentifier": "${each.value}"}
        else:
            dims = {"DBClusterIdentifier": f"${{{CLUSTER}}}"}
            if self.role:
                dims["Role"] = self.role
        object.__setattr__(self, "dimensions", dims)

    @property
    def threshold_hcl(self) -> str:
        return self.threshold.replace("{threshold}", str(P.alarms.at(self.key, "threshold")))


ALARMS: list[AlarmSpec] = [
    AlarmSpec(
        key="cpu_utilization", title="CPU utilization",
        description="Writer CPU above this percentage, averaged over 5 minutes, three periods in a row.",
        param=Threshold(80, minimum=0, maximum=100, unit="%"),
        display_name="Writer CPU utilization", metric="CPUUtilization", unit="Percent", statistic="Average",
        comparison="GreaterThanThreshold", period=300, periods=3,
        message="Writer CPU has been high for 15 minutes: find the expensive queries in Performance Insights or size up.",
    ),
    AlarmSpec(
        key="freeable_memory", title="Freeable memory",
        description="Writer freeable memory below this percentage of the instance's memory (of the maximum ACUs' "
        "memory when serverless) for 15 minutes.",
        param=Threshold(10, minimum=1, maximum=90, unit="%"),
        display_name="Writer freeable memory", metric="FreeableMemory", unit="Bytes", statistic="Average",
        comparison="LessThanThreshold", period=300, periods=3,
        threshold="floor(local.instance_memory_bytes * {threshold} / 100)",
        message="Writer memory is nearly exhausted: the instance may swap or restart. Size up or lower work_mem.",
    ),
    AlarmSpec(
        key="database_connections", title="Database connections",
        description="Writer connections above this percentage of the estimated max_connections for the instance "
        "size, for 10 minutes.",
        param=Threshold(80, minimum=1, maximum=100, unit="%"),
        display_name="Writer connections", metric="DatabaseConnections", unit="Count", statistic="Maximum",
        comparison="GreaterThanThreshold", period=300, periods=2,
        threshold="floor(local.max_connections * {threshold} / 100)",
        message="Writer connections are close to max_connections: add a pooler (RDS Proxy, PgBouncer) or size up.",
    ),
    AlarmSpec(
        key="replica_lag", title="Replica lag",
        description="Highest reader lag behind the writer, in milliseconds, for 5 minutes. Only created when the "
        "cluster has readers.",
        param=Threshold(2000, minimum=100, maximum=600000, unit="ms", integer=True),
        display_name="Reader replica lag", metric="AuroraReplicaLag", unit="Milliseconds", statistic="Maximum",
        comparison="GreaterThanThreshold", period=60, periods=5,
        message="Readers are falling behind the writer: reads may be stale and failover slower.",
        role="READER", applies=HAS_READERS,
    ),
    AlarmSpec(
        key="acu_utilization", title="ACU utilization",
        description="Serverless writer capacity above this percentage of the maximum ACUs for 15 minutes: raise "
        "the maximum. Only created for db.serverless.",
        param=Threshold(90, minimum=1, maximum=100, unit="%"),
        display_name="Writer ACU utilization", metric="ACUUtilization", unit="Percent", source=SERVERLESS_METRICS,
        statistic="Average",
        comparison="GreaterThanThreshold", period=300, periods=3,
        message="The serverless writer is running at its maximum capacity: raise scaling.serverless.max_capacity.",
        applies=SERVERLESS,
    ),
    AlarmSpec(
        key="volume_bytes_used", title="Storage used",
        description="Cluster volume above this percentage of its size limit (it grows automatically up to 256 TiB, "
        "128 TiB on PostgreSQL 14).",
        param=Threshold(80, minimum=1, maximum=100, unit="%", integer=True),
        display_name="Storage used", metric="VolumeBytesUsed", unit="Bytes", source=CLUSTER_METRICS, statistic="Maximum",
        comparison="GreaterThanThreshold", period=3600, periods=1,
        threshold=f"floor({{threshold}} / 100 * {VOLUME_LIMIT_BYTES})",
        message="The cluster volume is close to its size limit: delete or archive data, or plan a split.",
        role=None,
    ),
    AlarmSpec(
        key="maximum_used_transaction_ids", title="Transaction ID age",
        description="Oldest unvacuumed transaction ID age above this value: wraparound stops writes at about 2.1 "
        "billion, so vacuum must catch up well before.",
        param=Threshold(1000000000, minimum=100000000, maximum=2000000000, integer=True),
        display_name="Transaction ID age", metric="MaximumUsedTransactionIDs", unit="Count", statistic="Maximum",
        comparison="GreaterThanThreshold", period=300, periods=1,
        message="Transaction IDs are nearing wraparound: check autovacuum and long-running transactions.",
    ),
    AlarmSpec(
        key="db_load", title="Database load",
        description="Load of each instance, the writer and every fixed reader (average active sessions, from "
        "Performance Insights) above this multiple of the instance's vCPUs for 15 minutes: sessions are queueing "
        "for CPU or waiting. Provisioned classes only.",
        param=Threshold(2, minimum=0.5, maximum=20, unit="× vCPUs"),
        display_name="Database load", metric="DBLoad", unit="Count", source=PERFORMANCE_INSIGHTS_METRICS,
        statistic="Average", comparison="GreaterThanThreshold", period=300, periods=3,
        threshold=f"{{threshold}} * lookup(local.instance_vcpus, {P.database.instance_class}, 2)",
        message="More sessions are active on this instance than it has vCPUs: find the top waits and SQL in "
        "Performance Insights, then tune or size up.",
        per_instance=True, applies=~SERVERLESS,
    ),
    AlarmSpec(
        key="deadlocks", title="Deadlocks",
        description="Writer deadlocks above this many per minute, averaged over 5 minutes.",
        param=Threshold(1, minimum=0.1, maximum=1000, unit="per minute"),
        display_name="Writer deadlocks", metric="Deadlocks", unit="Count/Second", statistic="Average",
        comparison="GreaterThanThreshold", period=300, periods=1, threshold="{threshold} / 60",
        message="Transactions are deadlocking: the postgresql log names both statements; make them take locks in "
        "the same order.",
    ),
]

ALARM_KEYS = [spec.key for spec in ALARMS]
assert len(set(ALARM_KEYS)) == len(ALARM_KEYS), "alarm keys must be unique"
