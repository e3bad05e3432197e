"""Terraform's plugin protocol (version 6) for the stand-in providers.

Terraform starts a provider executable and reads one handshake line from its stdout
(``core-version|protocol-version|network|address|grpc|server-cert``), then talks gRPC over TLS to
that address. Values travel as msgpack: unknown values are msgpack extensions (code 0, or 12 with
refinements), which are kept byte for byte so Terraform gets back exactly what it sent.

The protocol's generated message classes come from the ``tf`` package on PyPI (``tf.gen``); the
service, the value codec and the plan/apply semantics are ours, driven by the transcribed schema
(``aurora_bundle/terraform/provider_schemas/<provider>.json``, in the format ``terraform providers
schema -json`` prints; the generator's reference check reads the same files) and by one ``Resource``
object per resource type.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgpack

from aurora_bundle.terraform import PROVIDER_SCHEMAS as SCHEMAS

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


class Unknown:
    """A value Terraform does not know yet; ``raw`` keeps the extension's bytes (refinements included)."""

    def __init__(self, raw: msgpack.ExtType | None = None) -> None:
        self.raw = raw or msgpack.ExtType(0, b"\x00")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


def decode(data: bytes) -> Any:
    if not data:
        return None
    return msgpack.unpackb(data, ext_hook=lambda code, raw: Unknown(msgpack.ExtType(code, raw)), raw=False,
                           strict_map_key=False)


def encode(value: Any) -> bytes:
    def default(obj: Any) -> Any:
        if isinstance(obj, Unknown):
            return obj.raw
        raise TypeError(f"cannot encode {type(obj).__name__}")

    return msgpack.packb(value, default=default, use_bin_type=True)


def is_known(value: Any) -> bool:
    """True when nothing inside ``value`` is unknown."""
    if isinstance(value, Unknown):
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


class ProviderError(Exception):
    """Reported to Terraform as an error diagnostic: ``summary`` then ``detail``, on ``attribute`` if given."""

    def __init__(self, summary: str, detail: str = "", attribute: str | None = None) -> None:
        super().__init__(f"{summary}: {detail}" if detail else summary)
        self.summary, self.detail, self.attribute = summary, detail, attribute


@dataclass(frozen=True)
class BlockSchema:
    """One block of a transcribed schema: attribute name -> JSON attribute, block name -> JSON block type."""

    attributes: dict[str, dict[str, Any]]
    block_types: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, block: dict[str, Any]) -> BlockSchema:
        return cls(block.get("attributes", {}), block.get("block_types", {}))

    def nested(self, name: str) -> BlockSchema:
        return BlockSchema.of(self.block_types[name]["block"])

    def conform(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """``value`` with every attribute and block present (absent ones null or empty), as Terraform expects."""
        if value is None:
            return None
        out: dict[str, Any] = {name: value.get(name) for name in self.attributes}
        for name, block_type in self.block_types.items():
            child, mode = self.nested(name), block_type["nesting_mode"]
            raw = value.get(name)
            if mode == "single":
                out[name] = child.conform(raw)
            elif mode == "map":
                out[name] = {k: child.conform(v) for k, v in (raw or {}).items()}
            else:
                out[name] = [child.conform(v) for v in (raw or [])]
        return out

    def plan_create(self, proposed: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
        """What a new object will hold: computed attributes left null become their default or unknown."""
        out = dict(proposed)
        for name, attribute in self.attributes.items():
            if attribute.get("computed") and out.get(name) is None:
                out[name] = defaults.get(name, UNKNOWN)
            elif out.get(name) is None and name in defaults:
                out[name] = defaults[name]  # an SDKv2 Default on an optional attribute
        for name, block_type in self.block_types.items():
            if block_type["nesting_mode"] in ("list", "set") and isinstance(out.get(name), list):
                child = self.nested(name)
                out[name] = [child.plan_create(v, {}) if isinstance(v, dict) else v for v in out[name]]
        return out


@dataclass(frozen=True)
class ProviderSchema:
    address: str  # registry.terraform.io/<namespace>/<type>
    version: str
    provider: dict[str, Any]  # {"version": N, "block": {...}}
    resources: dict[str, dict[str, Any]]  # type -> {"version": N, "block": {...}}
    source: dict[str, Any]

    @classmethod
    def load(cls, name: str) -> ProviderSchema:
        data = json.loads((SCHEMAS / f"{name}.json").read_text())
        schema = data["schema"]
        return cls(data["provider_address"], data["version"], schema["provider"], schema["resource_schemas"],
                   data["source"])

    def block(self, type_name: str) -> BlockSchema:
        return BlockSchema.of(self.resources[type_name]["block"])


class Resource:
    """The behaviour of one resource type. Values are plain dicts (all attributes present), with ``UNKNOWN``s."""

    force_new: tuple[str, ...] = ()  # arguments whose change replaces the object
    legacy_type_system = False  # SDKv2 providers say so; Terraform then tolerates their defaults

    def __init__(self, block: BlockSchema, provider: StandIn) -> None:
        self.block = block
        self.provider = provider

    def defaults(self) -> dict[str, Any]:
        """What an argument left out holds once planned."""
        return {}

    def validate(self, config: dict[str, Any]) -> None:
        """Raise ``ProviderError`` for a configuration the real provider refuses at validate time."""

    def create(self, planned: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def update(self, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        return planned

    def delete(self, prior: dict[str, Any]) -> None:
        """Nothing to clean up by default."""

    def plan(self, prior: dict[str, Any] | None, proposed: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        if prior is None:
            return self.block.plan_create(proposed, self.defaults()), []
        planned = self.block.plan_create(proposed, self.defaults())  # defaults for arguments left out again
        replace = [name for name in self.force_new if planned.get(name) != prior.get(name)]
        if replace:  # Terraform plans the create again with no prior state; computed values are new
            for name, attribute in self.block.attributes.items():
                if attribute.get("computed") and not (attribute.get("optional") or attribute.get("required")):
                    planned[name] = UNKNOWN
        return planned, replace


@dataclass
class StandIn:
    """A provider: its schema, its resources' behaviour, and where it records what it would have sent."""

    schema: ProviderSchema
    resources: dict[str, Callable[[BlockSchema, StandIn], Resource]]
    configure: Callable[[dict[str, Any]], None] = lambda config: None  # raises ProviderError as the real one would
    record_env: str = "AURORA_STANDIN_RECORD"
    config: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def resource(self, type_name: str) -> Resource:
        return self.resources[type_name](self.schema.block(type_name), self)

    def record(self, event: dict[str, Any]) -> None:
        """Append one line of what the real provider would have sent (to ``$AURORA_STANDIN_RECORD``)."""
        path = os.environ.get(self.record_env)
        if not path:
            return
        line = json.dumps({"provider": self.schema.address, **event}, sort_keys=True)
        with self._lock, open(path, "a") as handle:
            handle.write(line + "\n")


# --------------------------------------------------------------------------------------------
# gRPC service
# --------------------------------------------------------------------------------------------


def _schema_pb(pb: Any, schema: dict[str, Any]) -> Any:
    kinds = {"plain": pb.StringKind.PLAIN, "markdown": pb.StringKind.MARKDOWN}
    modes = {"single": 1, "list": 2, "set": 3, "map": 4, "group": 5}

    def block_pb(block: dict[str, Any]) -> Any:
        attributes = [
            pb.Schema.Attribute(
                name=name, type=json.dumps(a["type"], separators=(",", ":")).encode(),
                description=a.get("description", ""), description_kind=kinds[a.get("description_kind", "plain")],
                required=a.get("required", False), optional=a.get("optional", False),
                computed=a.get("computed", False), sensitive=a.get("sensitive", False),
                deprecated=a.get("deprecated", False))
            for name, a in sorted(block.get("attributes", {}).items())
        ]
        nested = [
            pb.Schema.NestedBlock(type_name=name, block=block_pb(b["block"]), nesting=modes[b["nesting_mode"]],
                                  min_items=b.get("min_items", 0), max_items=b.get("max_items", 0))
            for name, b in sorted(block.get("block_types", {}).items())
        ]
        return pb.Schema.Block(attributes=attributes, block_types=nested, description=block.get("description", ""),
                               description_kind=kinds[block.get("description_kind", "plain")],
                               deprecated=block.get("deprecated", False))

    return pb.Schema(version=schema.get("version", 0), block=block_pb(schema["block"]))


def _service(standin: StandIn, on_shutdown: Callable[[], None]) -> tuple[Any, list[Callable[[Any], None]]]:
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
    from tf.gen import tfplugin_pb2 as pb
    from tf.gen import tfplugin_pb2_grpc as rpc

    def diagnostics(exc: Exception) -> list[Any]:
        if isinstance(exc, ProviderError):
            path = None
            if exc.attribute:
                path = pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=exc.attribute)])
            return [pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=exc.summary, detail=exc.detail, attribute=path)]
        traceback.print_exc(file=sys.stderr)
        return [pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=f"stand-in provider failed: {exc}",
                              detail=traceback.format_exc())]

    def dynamic(value: Any) -> Any:
        return pb.DynamicValue(msgpack=encode(value))

    def value_of(dv: Any) -> Any:
        if dv.json:
            return json.loads(dv.json)
        return decode(dv.msgpack)

    capabilities = pb.ServerCapabilities(plan_destroy=False, get_provider_schema_optional=False)

    class Provider(rpc.ProviderServicer):  # type: ignore[misc]
        def GetMetadata(self, request: Any, context: Any) -> Any:
            return pb.GetMetadata.Response(
                server_capabilities=capabilities,
                resources=[pb.GetMetadata.ResourceMetadata(type_name=t) for t in sorted(standin.resources)])

        def GetProviderSchema(self, request: Any, context: Any) -> Any:
            return pb.GetProviderSchema.Response(
                provider=_schema_pb(pb, standin.schema.provider),
                resource_schemas={t: _schema_pb(pb, standin.schema.resources[t]) for t in standin.resources},
                server_capabilities=capabilities)

        def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
            return pb.ValidateProviderConfig.Response()

        def ConfigureProvider(self, request: Any, context: Any) -> Any:
            standin.config = value_of(request.config) or {}
            try:
                standin.configure(standin.config)
            except Exception as exc:
                return pb.ConfigureProvider.Response(diagnostics=diagnostics(exc))
            return pb.ConfigureProvider.Response()

        def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
            try:
                standin.resource(request.type_name).validate(value_of(request.config))
            except Exception as exc:
                return pb.ValidateResourceConfig.Response(diagnostics=diagnostics(exc))
            return pb.ValidateResourceConfig.Response()

        def UpgradeResourceState(self, request: Any, context: Any) -> Any:
            block = standin.schema.block(request.type_name)
            state = json.loads(request.raw_state.json) if request.raw_state.json else None
            return pb.UpgradeResourceState.Response(upgraded_state=dynamic(block.conform(state)))

        def ReadResource(self, request: Any, context: Any) -> Any:
            return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

        def PlanResourceChange(self, request: Any, context: Any) -> Any:
            resource = standin.resource(request.type_name)
            proposed = value_of(request.proposed_new_state)
            if proposed is None:  # destroy
                return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
            try:
                planned, replace = resource.plan(value_of(request.prior_state), proposed)
            except Exception as exc:
                return pb.PlanResourceChange.Response(diagnostics=diagnostics(exc))
            return pb.PlanResourceChange.Response(
                planned_state=dynamic(planned), legacy_type_system=resource.legacy_type_system,
                requires_replace=[pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=n)]) for n in replace])

        def ApplyResourceChange(self, request: Any, context: Any) -> Any:
            resource = standin.resource(request.type_name)
            prior, planned = value_of(request.prior_state), value_of(request.planned_state)
            try:
                if planned is None:
                    resource.delete(prior)
                    new_state = None
                elif prior is None:
                    new_state = resource.create(planned)
                else:
                    new_state = resource.update(prior, planned)
            except Exception as exc:
                return pb.ApplyResourceChange.Response(new_state=request.prior_state, diagnostics=diagnostics(exc))
            return pb.ApplyResourceChange.Response(new_state=dynamic(new_state), private=request.planned_private,
                                                   legacy_type_system=resource.legacy_type_system)

        def ImportResourceState(self, request: Any, context: Any) -> Any:
            error = ProviderError("Import is not supported by this stand-in provider")
            return pb.ImportResourceState.Response(diagnostics=diagnostics(error))

        def GetFunctions(self, request: Any, context: Any) -> Any:
            return pb.GetFunctions.Response()

        def StopProvider(self, request: Any, context: Any) -> Any:
            return pb.StopProvider.Response()

    class Controller(controller_rpc.GRPCControllerServicer):  # type: ignore[misc]
        def Shutdown(self, request: Any, context: Any) -> Any:
            on_shutdown()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):  # type: ignore[misc]
        def StreamStdio(self, request: Any, context: Any) -> Any:
            return iter(())

    registrations = [
        lambda server: rpc.add_ProviderServicer_to_server(Provider(), server),
        lambda server: controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server),
        lambda server: stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server),
    ]
    return pb, registrations


def _certificate() -> tuple[bytes, bytes, bytes]:
    """A throw-away self-signed certificate for this process: (key PEM, cert PEM, cert DER)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                     data_encipherment=False, key_agreement=True, key_cert_sign=True, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM), cert.public_bytes(serialization.Encoding.DER)


def serve(standin: StandIn) -> int:
    """Run as Terraform's plugin: handshake on stdout, then serve until Terraform shuts us down."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        print("This is a Terraform provider plugin (a stand-in for tests); Terraform starts it.", file=sys.stderr)
        return 1
    stopped = threading.Event()
    server = _server(standin, stopped.set)
    key_pem, cert_pem, cert_der = _certificate()
    # Terraform checks our certificate against the handshake's. Its own (PLUGIN_CLIENT_CERT) is ECDSA
    # P-521, which gRPC's BoringSSL does not ask for, so a server requiring it never gets it.
    import grpc

    credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
    with tempfile.TemporaryDirectory(prefix="tf-standin-") as tmp:
        socket = f"{tmp}/plugin.sock"
        server.add_secure_port(f"unix://{socket}", credentials)
        server.start()
        cert_field = base64.b64encode(cert_der).decode().rstrip("=")
        sys.stdout.write(f"1|6|unix|{socket}|grpc|{cert_field}\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            stopped.wait()
        server.stop(grace=0.5)
    return 0


def serve_unmanaged(standin: StandIn) -> int:
    """Serve one process for many Terraform commands, as a provider's debug mode does.

    Prints the ``TF_REATTACH_PROVIDERS`` entry Terraform attaches with (plain gRPC on a unix socket, as a
    provider's debug server offers it), then serves until stdin closes. Terraform neither starts nor stops an
    unmanaged provider, so a ``Shutdown`` is not obeyed."""
    server = _server(standin, lambda: None)
    with tempfile.TemporaryDirectory(prefix="tf-standin-") as tmp:
        socket = f"{tmp}/plugin.sock"
        server.add_insecure_port(f"unix://{socket}")
        server.start()
        entry = {"Protocol": "grpc", "ProtocolVersion": 6, "Pid": os.getpid(), "Test": True,
                 "Addr": {"Network": "unix", "String": socket}}
        sys.stdout.write(json.dumps({standin.schema.address: entry}) + "\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()
        server.stop(grace=0.5)
    return 0


def _server(standin: StandIn, on_shutdown: Callable[[], None]) -> Any:
    from concurrent.futures import ThreadPoolExecutor

    import grpc

    _pb, registrations = _service(standin, on_shutdown)
    server = grpc.server(ThreadPoolExecutor(max_workers=8))
    for register in registrations:
        register(server)
    return server
