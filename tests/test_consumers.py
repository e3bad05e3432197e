"""The consumer proof, without the emulator: real clients against a real PostgreSQL server with TLS.

Passwords are drawn with the shipped ``random_password`` arguments (``src/credentials.tf.json``, read now)
through real Terraform and the random stand-in; each is set on the server role and must be accepted by
psql (libpq keyword parameters), psycopg and Node's pg (a ``DATABASE_URL`` concatenated as Massdriver's
application templates do), all with ``sslmode=verify-full``. ``$CONSUMERS_PASSWORD_ARGUMENTS`` replaces
the arguments for a throwaway run (see ``proof.consumers.passwords``). The artifacts the
e2e published go through the same clients in ``test_consumers_e2e.py``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from proof.consumers import passwords, proof
from proof.consumers.clients import Client
from proof.consumers.contract import Endpoint, endpoints
from proof.consumers.server import PostgresServer, ServerError
from tests.conftest import BUILD

pytestmark = pytest.mark.consumers
COUNT = 200
REGION = "us-east-1"


def hand_made_artifacts(password: str = "Hand0made0password0of0letters0and0digits") -> dict[str, dict[str, Any]]:
    """Test data shaped as the bundle's writer and readers payloads (an RDS cluster's endpoints, the TLS facts).

    It stands in for the e2e's artifacts where no emulator runs; the e2e's own are checked in
    test_consumers_e2e.py."""
    def payload(hostname: str) -> dict[str, Any]:
        return {"data": {"authentication": {"hostname": hostname, "port": 5432, "username": "rootc0nsumer",
                                            "password": password},
                         "infrastructure": {"arn": f"arn:aws:rds:{REGION}:123456789012:cluster:proj-prod-db-a1b2"},
                         "security": {"tls": {"sslmode": "verify-full", "ca_identifier": "rds-ca-rsa2048-g1",
                                              "ca_bundle_url": f"https://truststore.pki.rds.amazonaws.com/{REGION}/"
                                                               f"{REGION}-bundle.pem",
                                              "minimum_version": "TLSv1.2"}}},
                "specs": {"rdbms": {"engine": "postgresql", "version": "17.9"}, "aws": {"region": REGION}}}
    return {"writer": payload(f"proj-prod-db-a1b2.cluster-c1a2b3c4d5e6.{REGION}.rds.amazonaws.com"),
            "readers": payload(f"proj-prod-db-a1b2.cluster-ro-c1a2b3c4d5e6.{REGION}.rds.amazonaws.com")}


@pytest.fixture(scope="module")
def hand_made() -> list[Endpoint]:
    return endpoints(hand_made_artifacts())


@pytest.fixture(scope="module")
def server(hand_made: list[Endpoint]) -> Iterator[PostgresServer]:
    with PostgresServer(hand_made) as running:
        yield running


@pytest.fixture(scope="module")
def clients(server: PostgresServer) -> Iterator[list[Client]]:
    with proof.clients(server) as connecting:
        yield connecting


def test_every_password_the_shipped_arguments_draw_reaches_the_server_through_every_client(server, clients, hand_made):
    args = passwords.arguments()
    if passwords.OVERRIDE_ENV not in os.environ:
        assert args == passwords.shipped_arguments()
    started = time.monotonic()
    drawn = passwords.generate(COUNT, args, BUILD / "consumers" / "passwords")
    drawing = time.monotonic() - started
    assert len(set(drawn)) == COUNT
    writer = next(e for e in hand_made if e.name == "writer")
    report = proof.run(server, clients, [writer.with_password(p) for p in drawn])
    print(f"\n{COUNT} passwords drawn with {args} in {drawing:.1f} s; {report.summary()}")
    assert report.ok, f"random_password {args}: {report.summary()}"


def test_the_writer_and_the_readers_artifact_connect_with_every_client_verifying_the_server(server, clients, hand_made):
    report = proof.run(server, clients, hand_made)
    assert report.ok, report.summary()
    assert report.accepted == {"psql": 2, "psycopg": 2, "node": 2}
    assert {e.sslmode for e in hand_made} == {"verify-full"}


def test_a_refusal_names_the_client_the_password_index_and_the_error(server, clients, hand_made):
    writer = next(e for e in hand_made if e.name == "writer")
    report = proof.run(server, clients, [writer.with_password("Letters0and0digits"), writer.with_password("has#hash%")])
    assert not report.ok
    assert report.accepted == {"psql": 2, "psycopg": 1, "node": 1}  # libpq keywords quote anything; the URL does not
    assert {(r.client, r.index) for r in report.refusals} == {("psycopg", 1), ("node", 1)}
    summary = report.summary()
    assert "psql accepted 2 of 2; psycopg accepted 1 of 2; node accepted 1 of 2; all 3 accepted 1" in summary
    assert "psycopg refused password #1 'has#hash%' (writer): ProgrammingError: invalid percent-encoded token" in summary
    assert "node refused password #1 'has#hash%' (writer): TypeError: Invalid URL" in summary


def test_verify_full_refuses_a_hostname_the_certificate_does_not_name(server, clients, hand_made):
    writer = next(e for e in hand_made if e.name == "writer")
    impostor = Endpoint("impostor", f"someone-else.cluster-c1a2b3c4d5e6.{REGION}.rds.amazonaws.com", writer.port,
                        writer.username, writer.password, writer.sslmode, writer.ca_bundle_url, writer.minimum_version)
    report = proof.run(server, clients, [impostor])
    assert report.accepted == {"psql": 0, "psycopg": 0, "node": 0}
    errors = {r.client: r.error for r in report.refusals}
    assert 'server certificate for "proj-prod-db-a1b2.cluster-c1a2b3c4d5e6' in errors["psql"]
    assert "does not match host name" in errors["psql"] and "does not match host name" in errors["psycopg"]
    assert "ERR_TLS_CERT_ALTNAME_INVALID" in errors["node"] or "altnames" in errors["node"], errors["node"]


def test_the_server_refuses_a_connection_without_tls_as_rds_force_ssl_does(server, clients, hand_made):
    writer = next(e for e in hand_made if e.name == "writer")
    plain = dataclasses.replace(writer, sslmode="disable")
    report = proof.run(server, clients[:2], [plain])
    assert report.accepted == {"psql": 0, "psycopg": 0}
    for refusal in report.refusals:
        assert 'no pg_hba.conf entry for host "127.0.0.1", user "rootc0nsumer", database "postgres", no encryption' \
            in refusal.error, refusal


def test_the_server_is_configured_as_the_cluster_meets_clients(server):
    assert server.query("select type, auth_method from pg_hba_file_rules") == [("hostssl", "scram-sha-256")]
    assert server.query("show ssl_min_protocol_version") == [("TLSv1.2",)]
    assert server.query("show listen_addresses") == [("127.0.0.1",)]
    assert server.query("show ssl") == [("on",)]


def test_a_second_server_on_the_taken_port_fails_in_one_line(server, hand_made):
    with pytest.raises(ServerError) as refused:
        PostgresServer(hand_made).start()
    message = str(refused.value)
    assert "\n" not in message and message.startswith("127.0.0.1:5432 (the artifacts' port) is taken")


def test_an_artifact_without_the_tls_facts_is_refused_naming_the_field():
    artifacts = hand_made_artifacts()
    del artifacts["readers"]["data"]["security"]["tls"]["ca_bundle_url"]
    with pytest.raises(ValueError, match=r"^artifact readers: data\.security\.tls\.ca_bundle_url is missing"):
        endpoints(artifacts)
