"""Hostile input through the public HTTP API of a real `medledger serve`.

Each test sends what a hostile client could send — extreme numbers in headers, JSON that parsers
disagree on, the second valid encoding of a signature, an envelope meant for another ledger, a
flood of writes — and checks that the node answers with a clear 4xx (or a correct partial answer),
stays up, and changes nothing when it refuses.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from medledger_client import Account, Node, b64url, binary, high_s_twin, run_cli

INT64_MIN = "-9223372036854775808"
INT64_MAX = "9223372036854775807"


# ---------------------------------------------------------------------------------------------
# Plumbing


def call(node: Node, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One raw request; any status comes back as (status, headers, body) instead of raising."""
    request = urllib.request.Request(node.url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def error_code(raw: bytes) -> str:
    """The `error.code` of a JSON refusal."""
    data = json.loads(raw)
    assert isinstance(data.get("error"), dict) and isinstance(data["error"].get("message"), str), data
    return data["error"]["code"]


def latest_size(node: Node) -> int:
    return int(node.get("/checkpoint/latest").decode().split("\n")[1])


def assert_alive(node: Node) -> None:
    """The process is still running and still answers."""
    assert node.proc is not None and node.proc.poll() is None, "medledger serve exited"
    note = node.get("/checkpoint/latest").decode()
    assert note.startswith(node.origin + "\n"), note


def stored_objects(node: Node) -> set[str]:
    return {path.name for path in (node.data / "blobs").glob("*/b*")}


def submit_raw(node: Node, envelope: bytes) -> tuple[int, bytes]:
    status, _, raw = call(node, "POST", "/v1/transactions", envelope, {"Content-Type": "application/json"})
    return status, raw


def refused(node: Node, envelope: bytes, status: int, code: str | None) -> None:
    """`envelope` is refused with `status` (and `code`, when given); the ledger is unchanged and the
    node still up."""
    before = latest_size(node)
    got, raw = submit_raw(node, envelope)
    assert got == status, (got, raw[:400])
    if code is not None:
        assert error_code(raw) == code, raw[:400]
    assert latest_size(node) == before, "a refused envelope must not reach the ledger"
    assert_alive(node)


def payload_text(account: Account, tx_type: str, body_json: str, origin: str | None,
                 expires: int | str | None = None) -> bytes:
    """Payload bytes written by hand, so they can hold what a JSON library would never emit.
    `body_json` is inserted verbatim; `origin=None` leaves the member out."""
    expires = int(time.time() * 1000) + 600_000 if expires is None else expires
    members = [f'"type":{json.dumps(tx_type)}']
    if origin is not None:
        members.append(f'"origin":{json.dumps(origin)}')
    members += [f'"signer":"{account.public_key}"', f'"nonce":"{b64url(secrets.token_bytes(16))}"',
                f'"expires":{expires}', f'"body":{body_json}']
    return ("{" + ",".join(members) + "}").encode()


def registered_patient(node: Node) -> Account:
    patient = Account.new()
    status, answer = node.submit(node.envelope(patient, "patient.register", {}))
    assert status == 201, answer
    return patient


# ---------------------------------------------------------------------------------------------
# (1) Authorization header times at the ends of Int64


@pytest.mark.parametrize("sent_time", [INT64_MIN, INT64_MAX])
def test_a_blob_upload_signed_at_an_extreme_time_is_refused_and_the_node_stays_up(node: Node, sent_time: str) -> None:
    owner = registered_patient(node)
    before, objects = latest_size(node), stored_objects(node)
    status, _, raw = call(node, "POST", f"/v1/blobs?owner={owner.address}", b"hello",
                          {"Content-Type": "text/plain",
                           "Authorization": f'MedLedger key="x", time="{sent_time}", sig="x"'})
    assert status == 401, raw[:400]
    error_code(raw)
    # With a real key and a real signature over the extreme time: refused as stale all the same.
    target = f"/v1/blobs?owner={owner.address}"
    signed = owner.request_authorization("POST", target, b"hello", time_ms=int(sent_time))
    status, _, raw = call(node, "POST", target, b"hello", {"Content-Type": "text/plain", "Authorization": signed})
    assert status == 401, raw[:400]
    assert_alive(node)
    assert latest_size(node) == before and stored_objects(node) == objects, "a refused upload stores nothing"


# ---------------------------------------------------------------------------------------------
# (2) Range headers at the ends of Int64 on a content download


def download(node: Node, reader: Account, record: str, range_header: str) -> tuple[int, dict[str, str], bytes]:
    envelope = node.envelope(reader, "record.view", {"record": record})
    return call(node, "POST", "/v1/queries", envelope,
                {"Content-Type": "application/json", "Accept": "application/octet-stream", "Range": range_header})


def test_content_ranges_at_the_ends_of_int64_are_answered_and_the_node_stays_up(node: Node) -> None:
    patient = registered_patient(node)
    content = b"Lab results: haemoglobin 13.5 g/dL\n" * 40
    status, stored = node.upload(patient, patient.address, content, "text/plain")
    assert status == 201, stored
    status, answer = node.submit(node.envelope(patient, "record.add", {"id": "lab-1", "category": "lab_results", "content": stored["cid"]}))
    assert status == 201, answer

    # An honest range first: the flow works.
    status, headers, body = download(node, patient, "lab-1", "bytes=10-19")
    assert status == 206 and body == content[10:20], (status, body[:100])

    # An end far beyond the file: the range is clamped to the file.
    status, headers, body = download(node, patient, "lab-1", f"bytes=0-{INT64_MAX}")
    assert status in (200, 206), (status, body[:200])
    assert body == content
    if status == 206:
        assert headers["Content-Range"] == f"bytes 0-{len(content) - 1}/{len(content)}"
    assert_alive(node)

    # A suffix longer than the file. RFC 9110 §14.1.3 asks for the whole representation (206); a
    # length that does not even fit in 64 bits may also be answered as not satisfiable. Never a crash.
    status, headers, body = download(node, patient, "lab-1", f"bytes={INT64_MIN}")
    assert status in (200, 206, 416), (status, body[:200])
    if status == 416:
        assert headers["Content-Range"] == f"bytes */{len(content)}" and body == b""
    else:
        assert body == content
    # A suffix that fits in 64 bits but is longer than the file: the whole file.
    status, headers, body = download(node, patient, "lab-1", f"bytes=-{INT64_MAX}")
    assert status in (200, 206), (status, body[:200])
    assert body == content
    assert_alive(node)

    # A start far beyond the file: not satisfiable (or the range ignored), never a crash.
    status, headers, body = download(node, patient, "lab-1", f"bytes={INT64_MAX}-")
    assert status in (200, 416), (status, body[:200])
    if status == 416:
        assert headers["Content-Range"] == f"bytes */{len(content)}"
    else:
        assert body == content
    assert_alive(node)


# ---------------------------------------------------------------------------------------------
# (3) Entries must be I-JSON, and bodies hold only the fields their action reads


def test_payloads_that_are_not_i_json_are_refused(node: Node) -> None:
    patient = registered_patient(node)
    admin = Account.from_key_file(node.data / "admin-key.json")
    grantee = Account.new()
    status, answer = node.submit(node.envelope(admin, "account.create", {"publicKey": grantee.public_key, "role": "auditor",
                                                                         "displayName": "Auditor A"}))
    assert status == 201, answer
    origin = node.origin
    grant = f'"grantee":"{grantee.address}","scope":{{"kind":"all"}},"oneTime":false'

    # Two "id" members: which one counts would depend on the parser.
    twice = payload_text(patient, "grant.create", '{"id":"g-1","id":"g-2",' + grant + "}", origin)
    refused(node, patient.sign_payload(twice), 400, "invalid_json")
    # The same duplicate at the top level of the payload.
    top = payload_text(patient, "ledger.ping", "{}", origin).replace(b'"type":"ledger.ping"', b'"type":"ledger.ping","type":"ledger.ping"')
    refused(node, patient.sign_payload(top), 400, "invalid_json")
    # A lone surrogate, escaped.
    lone = payload_text(patient, "grant.create", '{"id":"g-\\ud800",' + grant + "}", origin)
    refused(node, patient.sign_payload(lone), 400, "invalid_json")
    # An integer a double cannot hold exactly.
    big = payload_text(patient, "record.update", '{"record":"lab-1","content":"bafkreib","baseVersion":9007199254740993}', origin)
    refused(node, patient.sign_payload(big), 400, "invalid_json")
    # Invalid UTF-8 inside a string.
    bad_utf8 = payload_text(patient, "grant.create", '{"id":"g-X",' + grant + "}", origin).replace(b"g-X", b"g-\xff")
    refused(node, patient.sign_payload(bad_utf8), 400, "invalid_json")

    # The envelope itself is an entry too: a duplicate member there is refused the same way.
    good = node.envelope(patient, "ledger.ping", {})
    doubled = good.replace(b'"payloadType":', b'"payloadType":"application/vnd.medledger.tx+json","payloadType":', 1)
    refused(node, doubled, 400, "invalid_json")

    # A body member the action does not read.
    extra = node.envelope(patient, "grant.create", {"id": "g-3", "grantee": grantee.address, "scope": {"kind": "all"},
                                                    "oneTime": False, "note": "read me"})
    refused(node, extra, 400, "unknown_field")
    extra_ping = node.envelope(patient, "ledger.ping", {"extra": 1})
    refused(node, extra_ping, 400, "unknown_field")
    # A payload member no one reads.
    extra_member = payload_text(patient, "ledger.ping", "{}", origin).replace(b'"body":{}', b'"body":{},"memo":"x"')
    refused(node, patient.sign_payload(extra_member), 400, "unknown_field")

    # The honest grant is still accepted afterwards.
    status, answer = node.submit(node.envelope(patient, "grant.create", {"id": "g-1", "grantee": grantee.address,
                                                                          "scope": {"kind": "all"}, "oneTime": False}))
    assert status == 201, answer


def test_a_ping_is_the_node_operators_alone(node: Node) -> None:
    before = latest_size(node)
    refused(node, node.envelope(Account.new(), "ledger.ping", {}), 403, "operator_only")
    assert latest_size(node) == before
    status, answer = node.submit(node.envelope(node.service_account(), "ledger.ping", {}))
    assert status == 201, answer
    # Even the operator's ping carries nothing.
    refused(node, node.envelope(node.service_account(), "ledger.ping", {"note": "hello"}), 400, "unknown_field")


# ---------------------------------------------------------------------------------------------
# (4) Only the low-S encoding of a signature is accepted


def test_the_high_s_twin_of_a_signature_is_refused_and_the_low_s_original_accepted(node: Node) -> None:
    account = node.service_account()
    envelope = node.envelope(account, "ledger.ping", {})
    refused(node, high_s_twin(envelope), 400, "non_canonical_signature")
    before = latest_size(node)
    status, raw = submit_raw(node, envelope)
    assert status == 201, raw[:400]
    assert latest_size(node) == before + 1


# ---------------------------------------------------------------------------------------------
# (5) An envelope is bound to one ledger's origin


def test_an_envelope_for_another_ledger_or_none_is_refused(node: Node) -> None:
    account = node.service_account()
    other, _ = account.envelope("ledger.ping", {}, origin="other.medledger.example/log")
    refused(node, other, 400, "wrong_origin")
    # A prefix of the origin, or the origin with something after it, is another origin too.
    refused(node, account.envelope("ledger.ping", {}, origin=node.origin[:-1])[0], 400, "wrong_origin")
    refused(node, account.envelope("ledger.ping", {}, origin=node.origin + "x")[0], 400, "wrong_origin")
    # No origin at all, or one that is not a string.
    refused(node, account.sign_payload(payload_text(account, "ledger.ping", "{}", None)), 400, None)
    not_text = payload_text(account, "ledger.ping", "{}", "placeholder").replace(b'"origin":"placeholder"', b'"origin":7')
    refused(node, account.sign_payload(not_text), 400, None)
    status, answer = node.submit(node.envelope(account, "ledger.ping", {}))
    assert status == 201, answer


# ---------------------------------------------------------------------------------------------
# (6) Per-key rate limits


def serve_has_flag(flag: str) -> bool:
    """Whether this build's `medledger serve` offers `flag`; an unusable binary counts as offering
    it, so the test runs and fails loudly instead of being skipped."""
    try:
        shown = subprocess.run([binary(), "serve", "--help"], capture_output=True, text=True, timeout=60)
    except OSError:
        return True
    return flag in shown.stdout + shown.stderr


@pytest.mark.skipif(not serve_has_flag("--tx-per-minute"), reason="this medledger build has no --tx-per-minute")
def test_a_key_writing_too_fast_gets_429_with_retry_after(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = run_cli("init", "--data", str(data))
    assert made.returncode == 0, made.stderr
    node = Node(data, extra_args=("--tx-per-minute", "5"))
    node.start()
    try:
        busy, calm = node.service_account(), Account.new()
        for n in range(5):
            status, answer = node.submit(node.envelope(busy, "ledger.ping", {}))
            assert status == 201, (n, answer)
        before = latest_size(node)
        status, headers, raw = call(node, "POST", "/v1/transactions", node.envelope(busy, "ledger.ping", {}),
                                    {"Content-Type": "application/json"})
        assert status == 429, raw[:400]
        assert error_code(raw) == "rate_limited"
        retry = headers.get("Retry-After")
        assert retry is not None and retry.isdigit() and 0 < int(retry) <= 60, headers
        assert latest_size(node) == before, "a limited write must not reach the ledger"
        status, answer = node.submit(node.envelope(calm, "patient.register", {}))
        assert status == 201, answer
        assert_alive(node)
    finally:
        node.stop()


# ---------------------------------------------------------------------------------------------
# (7) A sign-up proves it holds the key it names


def test_a_sign_up_for_someone_elses_key_is_refused_and_the_holders_own_is_accepted(node: Node) -> None:
    victim, squatter = Account.new(), Account.new()
    wrapped = b64url(secrets.token_bytes(12 + 16 + 138))
    signup = dict(auth_key=secrets.token_bytes(32), salt=secrets.token_bytes(16), wrapped_key=wrapped)
    # No proof at all.
    body = {"username": "squat.victim", "role": "auditor", "publicKey": victim.public_key,
            "salt": b64url(signup["salt"]), "iterations": 600_000, "wrappedKey": wrapped,
            "authKey": b64url(signup["auth_key"])}
    status, _, raw = call(node, "POST", "/auth/signup", json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert (status, error_code(raw)) == (422, "proof_required"), raw[:400]
    # The squatter's own signature over a real challenge, naming the victim's key.
    challenge = node.challenge()
    body.update(challenge=challenge, proof=squatter.signup_proof(
        origin=node.origin, challenge=challenge, username="squat.victim", role="auditor"))
    status, _, raw = call(node, "POST", "/auth/signup", json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert (status, error_code(raw)) == (422, "proof_invalid"), raw[:400]
    # The challenge is spent: the victim's own proof over it is refused too.
    body["proof"] = victim.signup_proof(origin=node.origin, challenge=challenge, username="squat.victim", role="auditor")
    status, _, raw = call(node, "POST", "/auth/signup", json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert (status, error_code(raw)) == (422, "challenge_invalid"), raw[:400]
    # The key's holder, with a fresh challenge, signs up.
    status, answer = node.signup(victim, "squat.victim", "auditor", **signup)
    assert status == 201 and answer["status"] == "awaiting_account", answer
    assert_alive(node)
