"""The account's DB-instance quota: Service Quotas serves it, and RDS refuses CreateDBInstance beyond it.

AWS: "Quotas in Amazon Aurora" (AuroraUserGuide/CHAP_Limits.html) lists "DB instances", default 40 in
each Region, adjustable; Aurora's instances count. The Service Quotas API answers the default
(GetAWSDefaultServiceQuota, ListAWSDefaultServiceQuotas) and the applied value (GetServiceQuota;
servicequotas/2019-06-24/apireference). RDS's CreateDBInstance (APIReference/API_CreateDBInstance.html,
Errors) refuses an instance beyond it: ``InstanceQuotaExceeded`` (HTTP 400), "The request would result
in the user exceeding the allowed number of DB instances" (its code in AWS's API model, botocore's
rds/2014-10-31/service-2.json ``InstanceQuotaExceededFault``).

moto 5.2.5 knows no quota of the rds service code (only vpc) and creates instances without a limit.
The applied value here is ``AURORA_EMULATOR_DB_INSTANCE_QUOTA`` (default ``DEFAULT_APPLIED``: the e2e
runs several packages, and their rolling changes, in one emulator region at once), the default value
AWS's 40.
"""

from __future__ import annotations

import json
import os
from typing import Any

from proof.emulator import DB_INSTANCE_QUOTA_ENV

SERVICE_CODE = "rds"
# The quota's name as AWS's quota table (CHAP_Limits) and Service Quotas give it; its code as Service
# Quotas lists it for rds (not printed in an AWS guide page; the bundle looks the quota up by name).
QUOTA_NAME = "DB instances"
QUOTA_CODE = "L-7B6409FD"
AWS_DEFAULT = 40.0
DEFAULT_APPLIED = 200


def applied_quota() -> int:
    return int(os.environ.get(DB_INSTANCE_QUOTA_ENV) or DEFAULT_APPLIED)


def _quota(account: str, region: str, value: float) -> dict[str, Any]:
    return {"ServiceCode": SERVICE_CODE, "ServiceName": "Amazon Relational Database Service",
            "QuotaArn": f"arn:aws:servicequotas:{region}:{account}:{SERVICE_CODE}/{QUOTA_CODE}",
            "QuotaCode": QUOTA_CODE, "QuotaName": QUOTA_NAME, "Value": value, "Unit": "None",
            "Adjustable": True, "GlobalQuota": False}


def _patch_servicequotas_rds() -> bool:
    from moto.servicequotas import models as sq_models
    from moto.servicequotas import responses as sq_responses

    backend_cls: Any = getattr(sq_models, "ServiceQuotasBackend", None)
    resp_cls: Any = getattr(sq_responses, "ServiceQuotasResponse", None)
    if backend_cls is None or resp_cls is None:
        return False
    orig_list = backend_cls.list_aws_default_service_quotas
    orig_get = backend_cls.get_service_quota

    def list_aws_default_service_quotas(self: Any, service_code: str) -> list[dict[str, Any]]:
        if service_code == SERVICE_CODE:
            return [_quota(self.account_id, self.region_name, AWS_DEFAULT)]
        result: list[dict[str, Any]] = orig_list(self, service_code)
        return result

    def get_service_quota(self: Any, service_code: str, quota_code: str) -> dict[str, Any]:
        if (service_code, quota_code) == (SERVICE_CODE, QUOTA_CODE):
            return _quota(self.account_id, self.region_name, float(applied_quota()))
        result: dict[str, Any] = orig_get(self, service_code, quota_code)
        return result

    def get_aws_default_service_quota(self: Any) -> str:  # not implemented by moto 5.2.5
        params = json.loads(self.body)
        service_code, quota_code = str(params.get("ServiceCode")), str(params.get("QuotaCode"))
        for quota in self.backend.list_aws_default_service_quotas(service_code):
            if quota["QuotaCode"] == quota_code:
                return json.dumps({"Quota": quota})
        from moto.servicequotas.exceptions import NoSuchResource
        raise NoSuchResource

    backend_cls.list_aws_default_service_quotas = list_aws_default_service_quotas
    backend_cls.get_service_quota = get_service_quota
    resp_cls.get_aws_default_service_quota = get_aws_default_service_quota
    return True


def _patch_rds_instance_quota() -> bool:
    from moto.rds import models as rds_models
    from moto.rds.exceptions import RDSClientError

    backend_cls: Any = getattr(rds_models, "RDSBackend", None)
    orig_create = getattr(backend_cls, "create_db_instance", None)
    if orig_create is None:
        return False

    def create_db_instance(self: Any, db_kwargs: dict[str, Any]) -> Any:
        # Every DB instance of the account in the Region counts, of any engine and any cluster.
        if db_kwargs.get("db_instance_identifier") not in self.databases and len(self.databases) >= applied_quota():
            raise RDSClientError("InstanceQuotaExceeded",
                                 "The request would result in the user exceeding the allowed number of DB instances.")
        return orig_create(self, db_kwargs)

    backend_cls.create_db_instance = create_db_instance
    return True
