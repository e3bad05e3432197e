"""``python -m proof.consumers [COUNT]``: the password half of the proof, outside pytest.

Draws COUNT (default 200) root passwords with the shipped ``random_password`` arguments (or
``$CONSUMERS_PASSWORD_ARGUMENTS``), runs each through psql, psycopg and Node's pg against a real
PostgreSQL server, prints how many each client accepted and the first refusals; exit 1 if any refused.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from proof.consumers import passwords, proof
from proof.consumers.contract import Endpoint
from proof.consumers.server import PostgresServer

# An endpoint shaped as the bundle's writer artifact (an RDS cluster endpoint in us-east-1, the TLS facts).
SAMPLE = Endpoint(name="writer", hostname="consumer-proof.cluster-c0nsumerpr00f.us-east-1.rds.amazonaws.com",
                  port=5432, username="rootconsumers", password="", sslmode="verify-full",
                  ca_bundle_url="https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem",
                  minimum_version="TLSv1.2")


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 200
    args = passwords.arguments()
    print(f"random_password arguments: {args}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="consumer-passwords-") as work:
        drawn = passwords.generate(count, args, Path(work))
    print(f"{count} passwords drawn through terraform and the random stand-in in {time.monotonic() - started:.1f} s")
    endpoints = [SAMPLE.with_password(p) for p in drawn]
    with PostgresServer([SAMPLE]) as server, proof.clients(server) as connecting:
        report = proof.run(server, connecting, endpoints)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
