"""The Lambda function that moves the writer role to the new ``writer`` during a rolling change.

The Lambda function a rolling change invokes to move the writer role to the new ``writer`` (shipped as
``src/writer-failover.zip``; ``aws/failover.py`` builds it from this file, alone, so it imports only the standard
library and boto3, which AWS's Python runtimes include).

A class or CA change brings a new writer (tier 0) and new readers up before the old instances leave.
Deleting the instance that holds the writer role fails over to the replica AWS picks: the lowest
promotion tier, then the largest, then "an arbitrary replica" (AuroraUserGuide, "Fault tolerance for an
Aurora DB cluster"). After an unplanned failover that instance is an old reader, and the old ``writer``
(tier 0 too, and as large for a CA change or larger for a smaller class) may be promoted and then
deleted: two failovers. So before any old instance is deleted, this function fails over once, to the
new writer (FailoverDBCluster with TargetDBInstanceIdentifier: "the name of the DB instance to promote
to the primary DB instance", RDS API Reference), and waits until the cluster is available with it as
its writer; the deletions that follow then never delete the writer.

Event: ``{"cluster_identifier": ..., "writer_identifier": ...}``. Returns what it did; raises (Terraform's
``aws_lambda_invocation`` then fails, before any old instance is deleted) when the role has not moved in
time.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from botocore.exceptions import ClientError

POLL_SECONDS = 5.0
RETRY_AFTER_SECONDS = 60.0  # a failover asked for that has not moved the role by then is asked for again
MARGIN_MS = 10_000  # stop this long before Lambda's timeout, so the error says why
# What FailoverDBCluster answers while the cluster or the target is busy (RDS API Reference,
# FailoverDBCluster "Errors"): wait and ask again.
BUSY = {"InvalidDBClusterStateFault", "InvalidDBInstanceState"}


def _writer(rds: Any, cluster: str) -> tuple[str | None, str]:
    found = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]
    writer = next((m["DBInstanceIdentifier"] for m in found.get("DBClusterMembers", []) if m.get("IsClusterWriter")), None)
    return writer, found.get("Status", "")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cluster, target = event["cluster_identifier"], event["writer_identifier"]
    rds = boto3.client("rds")
    remaining = context.get_remaining_time_in_millis() if context is not None else 600_000
    deadline = time.monotonic() + max(remaining - MARGIN_MS, 0) / 1000
    asked_at: float | None = None
    writer, status = _writer(rds, cluster)
    while True:
        if writer == target and status == "available":
            return {"cluster": cluster, "writer": target, "failed_over": asked_at is not None}
        now = time.monotonic()
        if writer != target and (asked_at is None or now - asked_at >= RETRY_AFTER_SECONDS):
            try:
                rds.failover_db_cluster(DBClusterIdentifier=cluster, TargetDBInstanceIdentifier=target)
                asked_at = now
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in BUSY:
                    raise
        if now >= deadline:
            raise RuntimeError(f"{cluster}: the writer is {writer} ({status}), not {target}, after waiting; "
                               "no old instance was deleted: deploy again")
        time.sleep(POLL_SECONDS if asked_at is None else min(POLL_SECONDS, 1 + (now - asked_at)))
        writer, status = _writer(rds, cluster)
