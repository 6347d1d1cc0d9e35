"""Schemathesis hooks for e2e/test_api_fuzz.py: generated requests carry valid credentials where an
operation needs them, so the fuzzer reaches past the authentication checks.

- `POST /v1/blobs` is signed per request (`Authorization: MedLedger …` over the method, the exact
  request target and the body's digest) with the key in `MEDLEDGER_FUZZ_KEY`; a generated `owner`
  that is a well-formed address is replaced by the registered patient `MEDLEDGER_FUZZ_OWNER`, so
  uploads can succeed.
- Operations that read the web session take the cookie in `MEDLEDGER_FUZZ_COOKIE` and the CSRF token
  in `MEDLEDGER_FUZZ_CSRF`, when given.

The signed-envelope routes cannot get valid signatures from random data; they are left to answer
with their documented refusals.

Loaded by `schemathesis run` through `SCHEMATHESIS_HOOKS=api_fuzz_hooks` with e2e/ on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import requests
import schemathesis

from medledger_client import Account

ADDRESS = re.compile(r"^ml[0-9a-f]{40}$")

_account: Account | None = None


def signer() -> Account | None:
    global _account
    path = os.environ.get("MEDLEDGER_FUZZ_KEY")
    if _account is None and path:
        _account = Account.from_key_file(Path(path))
    return _account


def body_bytes(transport: dict[str, Any]) -> bytes:
    """The exact bytes `requests` will send for these transport arguments."""
    if "json" in transport:
        return json.dumps(transport["json"], allow_nan=False).encode()
    data = transport.get("data")
    if data is None:
        return b""
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    raise TypeError(f"cannot sign a body of type {type(data).__name__}")


@schemathesis.hook
def before_call(context, case, kwargs: dict[str, Any]) -> None:
    cookie, csrf = os.environ.get("MEDLEDGER_FUZZ_COOKIE"), os.environ.get("MEDLEDGER_FUZZ_CSRF")
    if cookie:
        case.headers = dict(case.headers or {})
        case.headers.setdefault("Cookie", cookie)
        if csrf:
            case.headers.setdefault("X-CSRF-Token", csrf)

    account = signer()
    if account is None or case.operation.path != "/v1/blobs" or case.method.upper() != "POST":
        return
    owner = os.environ.get("MEDLEDGER_FUZZ_OWNER")
    if owner and isinstance(case.query, dict) and ADDRESS.match(str(case.query.get("owner", ""))):
        case.query["owner"] = owner
    transport = case.as_transport_kwargs()
    try:
        body = body_bytes(transport)
    except (TypeError, ValueError):
        return  # a body the hook cannot reproduce goes unsigned: the node must refuse it (401)
    prepared = requests.Request(transport["method"], transport["url"], params=transport.get("params")).prepare()
    kwargs["data"] = body
    case.headers = dict(case.headers or {})
    case.headers["Authorization"] = account.request_authorization("POST", prepared.path_url, body)
