"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis).

Whatever a client sends, the node answers with a documented status, content type and body shape,
and never with a server error. Every operation of /openapi.json is exercised, with valid
credentials where it needs them (e2e/api_fuzz_hooks.py): blob uploads are signed with a registered
account's key, and a web session's cookie and CSRF token go with every request.
"""

from __future__ import annotations

import hashlib
import http.cookies
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from medledger_client import Account, Node, b64url, b64url_decode, binary, run_cli

E2E = Path(__file__).resolve().parent
PASSWORD = "fuzzing the api, correct horse"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def open_web_session(node: Node, account: Account, username: str) -> tuple[str, str]:
    """Signs `username` in the way the browser does (docs/WEB.md); returns the session's
    `Cookie` header value and its CSRF token."""

    def post(path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(node.url + path, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Origin": node.url})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    status, _, raw = post("/auth/prelogin", json.dumps({"username": username}).encode())
    assert status == 200, raw
    salt = json.loads(raw)
    bits = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), b64url_decode(salt["salt"]), salt["iterations"], 64)
    status, _, raw = post("/auth/login", json.dumps({"username": username, "authKey": b64url(bits[32:])}).encode())
    assert status == 200, raw
    login = json.loads(raw)
    envelope = node.envelope(account, "session.open", {"sessionKey": login["sessionKey"], "expires": login["sessionExpires"]})
    status, headers, raw = post("/auth/session", envelope)
    assert status == 200, raw
    morsel = http.cookies.SimpleCookie(headers["Set-Cookie"])["ml_session"]
    cookie = f"ml_session={morsel.value}"
    page = urllib.request.Request(node.url + "/admin", headers={"Cookie": cookie})
    with urllib.request.urlopen(page, timeout=30) as response:
        html = response.read().decode()
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "the signed-in page carries a CSRF token"
    return cookie, match.group(1)


def documented_operations(node: Node) -> set[str]:
    document = json.loads(node.get("/openapi.json"))
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item if method in methods}


def exercised_operations(report_dir: Path) -> set[str]:
    """Operations the run sent requests to, from its NDJSON event stream."""
    seen: set[str] = set()
    for path in report_dir.glob("*.ndjson"):
        for line in path.read_text().splitlines():
            for label in re.findall(r'"((?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) /[^"]*)"', line):
                seen.add(label)
    return seen


def test_api_answers_generated_requests_without_server_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli("init", "--data", str(data)).returncode == 0
    passwd = run_cli_with_password("passwd", "--data", str(data), "--key", str(data / "admin-key.json"), "--username", "fuzz.admin")
    assert passwd.returncode == 0, passwd.stderr
    node = Node(data)
    node.start()
    try:
        # A registered patient whose key signs the generated uploads.
        key_file = tmp_path / "patient-key.json"
        made = run_cli("keys", "--out", str(key_file))
        assert made.returncode == 0, made.stderr
        patient = Account.from_key_file(key_file)
        status, answer = node.submit(node.envelope(patient, "patient.register", {}))
        assert status == 201, answer
        admin = Account.from_key_file(data / "admin-key.json")
        cookie, csrf = open_web_session(node, admin, "fuzz.admin")

        # Installed next to the interpreter running the tests (the e2e venv).
        schemathesis = Path(sys.executable).parent / "schemathesis"
        command = str(schemathesis) if schemathesis.exists() else "schemathesis"
        reports = tmp_path / "reports"
        # Read from a file: schemathesis leaves out the operation a schema was fetched from, and
        # GET /openapi.json is an operation like any other.
        schema = tmp_path / "openapi.json"
        schema.write_bytes(node.get("/openapi.json"))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(E2E), os.environ.get("PYTHONPATH")])),
            "SCHEMATHESIS_HOOKS": "api_fuzz_hooks",
            "MEDLEDGER_FUZZ_KEY": str(key_file),
            "MEDLEDGER_FUZZ_OWNER": patient.address,
            "MEDLEDGER_FUZZ_COOKIE": cookie,
            "MEDLEDGER_FUZZ_CSRF": csrf,
        }
        result = subprocess.run(
            [command, "run", str(schema), "--url", node.url, "--max-examples", "150", "--seed", "20261121",
             "--checks", CHECKS, "--report", "ndjson", "--report-dir", str(reports)],
            capture_output=True, text=True, timeout=1500, env=env, cwd=tmp_path,
        )
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        missing = documented_operations(node) - exercised_operations(reports)
        assert not missing, f"operations the fuzzer never exercised: {sorted(missing)}"
        # Signed uploads got through: the store holds objects the fuzzer sent.
        assert any((data / "blobs").glob("*/b*")), "no generated upload was accepted"
        assert node.proc is not None and node.proc.poll() is None
    finally:
        node.stop()


def run_cli_with_password(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary(), *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "MEDLEDGER_PASSWORD": PASSWORD})
