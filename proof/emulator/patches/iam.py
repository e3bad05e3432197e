"""IAM: AWS-managed policies (AmazonRDSEnhancedMonitoringRole) must exist to be attached."""

from __future__ import annotations

import os


def _patch_iam_managed_policies() -> bool:
    # moto only loads AWS-managed IAM policies on request; without them
    # attaching AmazonRDSEnhancedMonitoringRole fails with NoSuchEntity.
    # Must be set before moto.iam builds its first backend.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return True
