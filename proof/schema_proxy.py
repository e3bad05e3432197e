"""A pass-through in front of a reattached AWS provider that answers its schema for the types a bundle uses.

Every Terraform command asks its providers for their whole schema first. The AWS provider's is 1,500
resource and data source types: about 2 CPU-seconds a command (Terraform decoding it, the provider
building it), most of the CPU of a ``validate``, for a bundle that uses thirty types. This proxy sits
between Terraform and one reattached provider (``terraform.ReattachedProvider``) and forwards every call
byte for byte, except ``GetSchema``: it asks the provider once, keeps the answer, and hands Terraform that
answer with the resource, data source and ephemeral types cut to the ones the package's configurations
use. Each kept type's schema, the provider's own schema, its functions and capabilities are the
provider's bytes, untouched (``tests/test_schema_proxy.py``).

What Terraform does with a type it uses is unchanged; a type outside the kept set is refused by Terraform
as an unknown type (a loud failure, never a silent one). The wire format is the plugin protocol's
(hashicorp/terraform ``docs/plugin-protocol/tfplugin5.8.proto``): ``GetProviderSchema.Response`` keeps
``resource_schemas`` in field 2, ``data_source_schemas`` in 3 and ``ephemeral_resource_schemas`` in 8,
each a ``map<string, Schema>`` (on the wire: one length-delimited entry per type, its key in field 1).

``python -m proof.schema_proxy <upstream unix socket> <kept types, comma-separated>`` prints the socket it
serves on, then serves until its stdin closes.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from proof.protowire import fields

TYPE_MAPS = {2, 3, 8}  # GetProviderSchema.Response: resource, data source and ephemeral resource schemas
SCHEMA_METHOD = "/tfplugin5.Provider/GetSchema"
_STREAMING = {"/plugin.GRPCStdio/StreamStdio": "unary_stream", "/plugin.GRPCBroker/StartStream": "stream_stream"}
_UNLIMITED = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]


def _map_key(entry: bytes) -> str:
    """The key (field 1, a string) of one map entry."""
    return next((f.value.decode() for f in fields(entry) if f.number == 1 and isinstance(f.value, bytes)), "")


def trim_schema(response: bytes, keep: set[str]) -> bytes:
    """``response`` (a serialized ``GetProviderSchema.Response``) with only the ``keep`` types in its type maps."""
    kept = bytearray()
    for field in fields(response):
        if field.number in TYPE_MAPS and isinstance(field.value, bytes) and _map_key(field.value) not in keep:
            continue
        kept += response[field.start:field.end]
    return bytes(kept)


def types_used(directories: Iterable[Path]) -> set[str]:
    """Every AWS resource and data source type the ``*.tf.json`` files of ``directories`` declare."""
    import json

    found: set[str] = set()
    for directory in directories:
        for path in sorted(directory.glob("*.tf.json")):
            document = json.loads(path.read_text())
            for block in ("resource", "data", "ephemeral"):
                found.update(name for name in document.get(block, {}) if name.startswith("aws_"))
    return found


def serve(upstream: str, keep: set[str]) -> None:
    import grpc

    channel = grpc.insecure_channel(f"unix:{upstream}", options=_UNLIMITED)
    schema: list[bytes] = []
    schema_lock = threading.Lock()

    def same(value: bytes) -> bytes:
        return value

    class Forward(grpc.GenericRpcHandler):  # type: ignore[misc]
        def service(self, details: Any) -> Any:
            method = details.method
            kind = _STREAMING.get(method, "unary_unary")
            call = getattr(channel, kind)(method, request_serializer=same, response_deserializer=same)

            def metadata(context: Any) -> list[tuple[str, str]]:
                return [(k, v) for k, v in context.invocation_metadata() if not k.startswith(":")]

            if kind == "unary_stream":
                def unary_stream(request: bytes, context: Any) -> Iterator[bytes]:
                    upstream = call(request, metadata=metadata(context))
                    context.add_callback(upstream.cancel)  # a Terraform command that ends ends its stream
                    with contextlib.suppress(grpc.RpcError):  # cancelled: the command is over
                        yield from upstream
                return grpc.unary_stream_rpc_method_handler(unary_stream, same, same)
            if kind == "stream_stream":
                def stream_stream(requests: Iterator[bytes], context: Any) -> Iterator[bytes]:
                    upstream = call(requests, metadata=metadata(context))
                    context.add_callback(upstream.cancel)
                    with contextlib.suppress(grpc.RpcError):
                        yield from upstream
                return grpc.stream_stream_rpc_method_handler(stream_stream, same, same)

            def unary(request: bytes, context: Any) -> bytes:
                if method == SCHEMA_METHOD:
                    with schema_lock:
                        if not schema:
                            schema.append(trim_schema(call(request, metadata=metadata(context)), keep))
                        return schema[0]
                try:
                    answer: bytes = call(request, metadata=metadata(context))
                    return answer
                except grpc.RpcError as error:  # the provider's own status, passed on as it is
                    context.abort(error.code(), error.details() or "")
                    raise
            return grpc.unary_unary_rpc_method_handler(unary, same, same)

    server = grpc.server(ThreadPoolExecutor(max_workers=32), options=_UNLIMITED)
    server.add_generic_rpc_handlers((Forward(),))
    with tempfile.TemporaryDirectory(prefix="tf-schema-proxy-") as scratch:
        address = f"{scratch}/plugin.sock"
        server.add_insecure_port(f"unix:{address}")
        server.start()
        print(address, flush=True)
        sys.stdin.read()  # until the owner closes our stdin (or dies)
        server.stop(grace=1)
    channel.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: python -m proof.schema_proxy <upstream unix socket> <type,type,...>", file=sys.stderr)
        raise SystemExit(2)
    serve(sys.argv[1], set(filter(None, sys.argv[2].split(","))))
