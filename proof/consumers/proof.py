"""Run endpoints through every client against one server; count what each client accepted and say why not.

For each endpoint, in order: its password is set on the server role named as its username, then every
client connects with it. The report names, for every refusal, the client, the endpoint's index and name,
the password and the client's error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from proof.consumers.clients import Client, Node, Psql, Psycopg
from proof.consumers.contract import Endpoint
from proof.consumers.server import PostgresServer


@dataclass(frozen=True)
class Refusal:
    client: str
    index: int
    endpoint: str
    password: str
    error: str

    def __str__(self) -> str:
        return f"{self.client} refused password #{self.index} {self.password!r} ({self.endpoint}): {self.error}"


@dataclass
class Report:
    attempts: int = 0
    accepted: dict[str, int] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.refusals and all(n == self.attempts for n in self.accepted.values())

    @property
    def accepted_by_all(self) -> int:
        return self.attempts - len({refusal.index for refusal in self.refusals})

    def counts(self) -> str:
        each = "; ".join(f"{name} accepted {n} of {self.attempts}" for name, n in self.accepted.items())
        return f"{each}; all {len(self.accepted)} accepted {self.accepted_by_all}"

    def summary(self, shown: int = 12) -> str:
        lines = [f"{self.counts()} ({self.seconds:.1f} s)"]
        lines += [f"  {refusal}" for refusal in self.refusals[:shown]]
        if len(self.refusals) > shown:
            lines.append(f"  ... and {len(self.refusals) - shown} more refusals")
        return "\n".join(lines)


@contextmanager
def clients(server: PostgresServer) -> Iterator[list[Client]]:
    """psql (the server's major), psycopg and the Node client, ready for ``run``."""
    with ExitStack() as stack:
        yield [Psql(server.bin / "psql"), Psycopg(), stack.enter_context(Node())]


def run(server: PostgresServer, connecting: Sequence[Client], endpoints: Sequence[Endpoint]) -> Report:
    report = Report(accepted={client.name: 0 for client in connecting})
    started = time.monotonic()
    for index, endpoint in enumerate(endpoints):
        server.set_password(endpoint.username, endpoint.password)
        ca_bundle = server.ca_for(endpoint)
        report.attempts += 1
        for client in connecting:
            outcome = client.connect(endpoint, ca_bundle)
            if outcome.ok:
                report.accepted[client.name] += 1
            else:
                report.refusals.append(Refusal(client.name, index, endpoint.name, endpoint.password, outcome.detail))
    report.seconds = time.monotonic() - started
    return report
