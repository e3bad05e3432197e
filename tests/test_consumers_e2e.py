"""The consumer proof on what the e2e published: every preset's writer and readers artifacts, exactly as
the massdriver stand-in received them, through psql, psycopg and Node's pg with ``sslmode=verify-full``,
against a real PostgreSQL server whose certificate names the artifacts' hostnames (see test_consumers.py).

One exception, on purpose: the package conftest.UPGRADED is deployed first with the previous release, whose
root password (40 characters with specials) this version keeps, since its applications hold it. libpq's
keyword form (psql) takes any password, so that package's artifacts go through psql; a DATABASE_URL
concatenated from them may or may not parse, which is why operator.md's rotation procedure exists.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from proof.consumers import proof
from proof.consumers.clients import Client
from proof.consumers.contract import Endpoint, endpoints
from proof.consumers.server import PostgresServer
from tests.conftest import UPGRADED
from tests.test_e2e import SLUGS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def published(e2e_results) -> dict[str, list[Endpoint]]:
    found = {}
    for slug in SLUGS:
        artifacts = e2e_results[slug].artifacts
        assert sorted(artifacts) == ["readers", "writer"], f"{slug}: the e2e published {sorted(artifacts)}"
        found[slug] = endpoints(artifacts)
    return found


@pytest.fixture(scope="module")
def server(published: dict[str, list[Endpoint]]) -> Iterator[PostgresServer]:
    with PostgresServer([e for found in published.values() for e in found]) as running:
        yield running


@pytest.fixture(scope="module")
def clients(server: PostgresServer) -> Iterator[list[Client]]:
    with proof.clients(server) as connecting:
        yield connecting


@pytest.mark.parametrize("slug", SLUGS)
def test_the_published_artifacts_connect_with_every_client_verifying_the_server(e2e_results, published, server, clients,
                                                                               slug):
    found = published[slug]
    assert {e.sslmode for e in found} == {"verify-full"}
    kept_password = slug == UPGRADED and e2e_results[slug].bundle_upgrade is not None  # drawn by the previous release
    connecting = [c for c in clients if c.name == "psql"] if kept_password else clients
    report = proof.run(server, connecting, found)
    assert report.ok, f"{slug}: {report.summary()}"
    assert report.accepted == {client.name: 2 for client in connecting}
