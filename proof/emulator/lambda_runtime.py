"""Lambda's Invoke, run for real: the function's own deployment package, in a Python process of its own.

moto stores a function's code but runs it only in Docker, which this machine lacks. The bundle ships one
function (``src/writer-failover.zip``, ``aws/failover.py``) whose work is calls to RDS, so the emulator runs
the stored package as AWS's Python runtime would: the handler module from the archive, called with the
event and a context that knows the function's timeout, boto3 pointed at this emulator (AWS_ENDPOINT_URL,
honoured by boto3 since 1.28) with the function's region.

It answers as the Invoke API documents (Lambda API Reference, "Invoke"): 200 with the handler's return value
as JSON; a handler that raises gives 200 with ``X-Amz-Function-Error: Unhandled`` and ``errorMessage``,
``errorType``; an unknown function 404 ``ResourceNotFoundException``. Only RequestResponse invocations of
``$LATEST`` are served (what ``aws_lambda_invocation`` sends).

The call runs outside the server's one-request-at-a-time lock (``server._serialized``): the handler's own
requests to the emulator need it while the Invoke waits.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from io import BytesIO
from typing import Any

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")
CREDENTIAL_REGION = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/lambda/")
# Run in the function's process: the event on stdin, the result (or the error) as JSON on stdout.
_RUNNER = """
import json, sys, time, traceback
module_name, function_name, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
end = time.monotonic() + timeout
class Context:
    def get_remaining_time_in_millis(self):
        return max(int((end - time.monotonic()) * 1000), 0)
try:
    module = __import__(module_name)
    result = getattr(module, function_name)(json.load(sys.stdin), Context())
    print(json.dumps({"ok": result}))
except Exception as error:
    print(json.dumps({"error": {"errorMessage": str(error), "errorType": type(error).__name__,
                                "stackTrace": traceback.format_exc().splitlines()}}))
"""

Response = tuple[str, list[tuple[str, str]], bytes]


def _find_function(name: str) -> tuple[Any, str] | None:
    """The stored function (moto's) called ``name`` (or with that ARN), and its region."""
    from moto.awslambda.models import lambda_backends

    for _account, regions in list(lambda_backends.items()):
        for region, backend in list(regions.items()):
            try:
                return backend.get_function(name), region
            except Exception:  # moto raises its own not-found errors
                continue
    return None


def _json(status: str, body: dict[str, Any], headers: list[tuple[str, str]] | None = None) -> Response:
    return status, [("Content-Type", "application/json"), *(headers or [])], json.dumps(body).encode()


def run_function(code: bytes, handler: str, event: bytes, timeout: float, region: str, endpoint: str) -> dict[str, Any]:
    """Run ``handler`` ("module.function") from the zip ``code`` on ``event``: {"ok": result} or {"error": {...}}."""
    module_name, function_name = handler.rsplit(".", 1)
    with tempfile.TemporaryDirectory(prefix="lambda-") as scratch:
        zipfile.ZipFile(BytesIO(code)).extractall(scratch)
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
                    "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "PYTHONPATH": scratch,
                    "PYTHONDONTWRITEBYTECODE": "1"})
        try:
            done = subprocess.run([sys.executable, "-c", _RUNNER, module_name, function_name, str(timeout)],
                                  input=event or b"{}", capture_output=True, cwd=scratch, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": {"errorMessage": f"Task timed out after {timeout:.2f} seconds", "errorType": "Sandbox.Timedout"}}
    lines = done.stdout.decode().strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": {"errorMessage": done.stderr.decode()[-2000:] or "the runtime exited", "errorType": "Runtime.ExitError"}}
    outcome: dict[str, Any] = json.loads(lines[-1])
    return outcome


def invoke(environ: dict[str, Any], locked: Callable[[Callable[[], Any]], Any]) -> Response | None:
    """The response to a Lambda Invoke request, or None when ``environ`` is not one.

    ``locked(f)`` runs ``f`` under the server's lock (moto's backends are not thread-safe); the function runs outside
    it."""
    match = INVOKE_PATH.match(environ.get("PATH_INFO", ""))
    if environ.get("REQUEST_METHOD") != "POST" or match is None:
        return None
    from urllib.parse import unquote

    name = unquote(match["name"])
    length = int(environ.get("CONTENT_LENGTH") or 0)
    event = environ["wsgi.input"].read(length) if length else b""
    found = locked(lambda: _find_function(name))
    if found is None:
        return _json("404 Not Found", {"Type": "User", "message": f"Function not found: {name}"},
                     [("x-amzn-ErrorType", "ResourceNotFoundException")])
    function, region = found
    credential = CREDENTIAL_REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
    region = credential["region"] if credential else region
    endpoint = f"http://{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    outcome = run_function(function.code_bytes, function.handler, event, float(function.timeout), region, endpoint)
    executed = [("X-Amz-Executed-Version", "$LATEST")]
    if "error" in outcome:
        return _json("200 OK", outcome["error"], [*executed, ("X-Amz-Function-Error", "Unhandled")])
    return "200 OK", [("Content-Type", "application/json"), *executed], json.dumps(outcome["ok"]).encode()
