"""What a consumer takes from an artifact payload, and the two connection strings it builds from it.

Only the payload's fields are read (``data.authentication`` and ``data.security.tls``), plus the
database name ``postgres`` that Massdriver's application examples hard-code, and the path of the CA
bundle the client downloaded from ``ca_bundle_url`` (in the proof, the test CA standing in for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATABASE = "postgres"  # massdriver-cloud/application-examples gcp/cloud-run/cachethq/massdriver.yaml hard-codes it
TLS_FIELDS = ("sslmode", "ca_bundle_url", "minimum_version")


def _get(payload: dict[str, Any], where: str, path: str) -> Any:
    node: Any = payload
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise ValueError(f"{where}: {path} is missing: a consumer needs it to connect")
        node = node[key]
    return node


@dataclass(frozen=True)
class Endpoint:
    """One artifact as an application reads it."""

    name: str  # "writer", "readers", or a label for the proof's output
    hostname: str
    port: int
    username: str
    password: str
    sslmode: str
    ca_bundle_url: str
    minimum_version: str

    @classmethod
    def from_payload(cls, name: str, payload: dict[str, Any]) -> Endpoint:
        fields = {key: _get(payload, f"artifact {name}", f"data.authentication.{key}")
                  for key in ("hostname", "port", "username", "password")}
        fields.update({key: _get(payload, f"artifact {name}", f"data.security.tls.{key}") for key in TLS_FIELDS})
        return cls(name=name, **fields)

    def with_password(self, password: str, name: str | None = None) -> Endpoint:
        return Endpoint(name or self.name, self.hostname, self.port, self.username, password, self.sslmode,
                        self.ca_bundle_url, self.minimum_version)

    def database_url(self, ca_bundle: Path) -> str:
        """``DATABASE_URL`` exactly as Massdriver's application templates build it.

        Raw concatenation, no escaping (massdriver-cloud/application-templates ``rails-kubernetes/massdriver.yaml`` @
        10b1b3d5: ``"postgres://" + ….username + ":" + ….password + "@" + ….hostname + ":" + (….port|tostring) + "/" +
        .params.database_name``), then the artifact's TLS mode and the downloaded bundle as query parameters."""
        return ("postgres://" + self.username + ":" + self.password + "@" + self.hostname + ":" + str(self.port)
                + "/" + DATABASE + "?sslmode=" + self.sslmode + "&sslrootcert=" + str(ca_bundle))

    def keywords(self, ca_bundle: Path, hostaddr: str) -> str:
        """A libpq keyword/value connection string.

        Every value single-quoted, ``'`` and ``\\`` backslash-escaped (PostgreSQL docs, libpq "Keyword/Value
        Connection Strings")."""
        values = {"host": self.hostname, "hostaddr": hostaddr, "port": str(self.port), "user": self.username,
                  "password": self.password, "dbname": DATABASE, "sslmode": self.sslmode,
                  "sslrootcert": str(ca_bundle)}
        return " ".join(f"{key}='{_quote(value)}'" for key, value in values.items())


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def endpoints(artifacts: dict[str, dict[str, Any]]) -> list[Endpoint]:
    """Every artifact of a package (``{"writer": payload, "readers": payload}``) as endpoints, in name order."""
    return [Endpoint.from_payload(name, payload) for name, payload in sorted(artifacts.items())]
