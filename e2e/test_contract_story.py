"""The seed system's story, end to end against a real `medledger serve` process.

Every envelope and every blob upload is signed here in Python (`medledger_client`), independently
of the Swift signer: an administrator verifies a doctor, a patient books, is cared for, grants and
revokes access, an auditor checks the trail, and every step — the denials included — lands on the
ledger, which `medledger verify` then re-checks from scratch.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from medledger_client import Account, Node, run_cli


class Actor:
    """An account bound to a node: signs and sends actions, failing loudly on surprises."""

    def __init__(self, node: Node, account: Account, name: str):
        self.node = node
        self.account = account
        self.name = name

    @property
    def address(self) -> str:
        return self.account.address

    def send(self, tx_type: str, body: dict, expect: int = 201) -> dict:
        status, answer = self.node.submit(self.node.envelope(self.account, tx_type, body))
        assert status == expect, f"{self.name} {tx_type}: {status} {answer}"
        return answer

    def read(self, tx_type: str, body: dict, expect: int = 200) -> dict:
        status, answer = self.node.query(self.node.envelope(self.account, tx_type, body))
        assert status == expect, f"{self.name} {tx_type}: {status} {answer}"
        return answer

    def tally(self, record: str, expect: int = 200) -> dict:
        """`POST /v1/audit/tally`: a signed audit.trail read; the node runs the check and records it."""
        status, answer = self.node.post("/v1/audit/tally", self.node.envelope(self.account, "audit.trail", {"record": record, "limit": 1}))
        assert status == expect, f"{self.name} tally: {status} {answer}"
        return answer

    def upload(self, owner: str, content: bytes) -> str:
        status, answer = self.node.upload(self.account, owner, content)
        assert status == 201, f"{self.name} upload: {status} {answer}"
        cid = answer["cid"]
        assert cid.startswith("b")
        return cid


def denied(answer: dict, actor: str, action: str) -> dict:
    """Checks a 403 body: the denial's code, and its event on the ledger; returns the event."""
    assert answer["error"]["code"] == "denied", answer
    event = answer["receipt"]["event"]
    assert event["outcome"] == "denied" and event["actor"] == actor and event["action"] == action, event
    assert answer["receipt"]["index"] < answer["receipt"]["treeSize"]
    return event


def test_seed_story(node: Node) -> None:
    data = node.data
    admin = Actor(node, Account.from_key_file(data / "admin-key.json"), "admin")
    doctor = Actor(node, Account.new(), "doctor")
    auditor = Actor(node, Account.new(), "auditor")
    patient = Actor(node, Account.new(), "patient")
    stranger = Actor(node, Account.new(), "stranger")

    # 1. Administration: a doctor (pending until verified) and an auditor. Before the account
    # exists, the doctor's key stores its own sign-up documents.
    certificate = doctor.upload(doctor.address, b"%PDF-1.7 licence of Dr. Test")
    other = doctor.upload(doctor.address, b"some other certificate")
    draft = doctor.upload(doctor.address, b"a draft note")
    created = admin.send("account.create", {
        "publicKey": doctor.account.public_key, "role": "doctor", "displayName": "Dr. Test",
        "speciality": "cardiology", "licence": "LIC-1", "certificate": certificate,
    })
    assert created["event"]["outcome"] == "allowed" and created["event"]["doctor"] == doctor.address
    admin.send("account.create", {"publicKey": auditor.account.public_key, "role": "auditor", "displayName": "Auditor A"})

    patient_profile = patient.upload(patient.address, json.dumps({"name": "Pat Ient", "birthDate": "1980-01-01"}).encode())
    patient.send("patient.register", {"profile": patient_profile})

    # A pending doctor can do nothing, and the patient cannot book them yet.
    pending = doctor.send("record.create", {"id": "rec-0", "patient": patient.address, "category": "visit_notes",
                                            "content": draft}, expect=403)
    assert "verification" in denied(pending, doctor.address, "record.create")["message"]
    future = int(time.time() * 1000) + 86_400_000
    early = patient.send("appointment.book", {"id": "appt-early", "doctor": doctor.address, "time": future}, expect=403)
    denied(early, patient.address, "appointment.book")

    wrong = admin.send("doctor.verify", {"doctor": doctor.address, "decision": "approve", "certificate": other}, expect=403)
    assert "certificate" in denied(wrong, admin.address, "doctor.verify")["message"]
    verified = admin.send("doctor.verify", {"doctor": doctor.address, "decision": "approve", "certificate": certificate})
    assert verified["event"]["status"] == "verified"

    # 2. Care: appointment, a visit note, grants.
    patient.send("appointment.book", {"id": "appt-1", "doctor": doctor.address, "time": future})
    doctor.send("appointment.accept", {"appointment": "appt-1"})
    note_v1 = b"Visit 1: BP 120/80, no complaints."
    note_cid = doctor.upload(patient.address, note_v1)
    record = doctor.send("record.create", {"id": "rec-1", "patient": patient.address, "category": "visit_notes", "content": note_cid})
    assert record["event"]["record"] == "rec-1" and record["event"]["version"] == 1

    # oneTime is sent explicitly: the node rejects a grant.create without it (422 missing field).
    patient.send("grant.create", {"id": "grant-doctor", "grantee": doctor.address, "scope": {"kind": "all"}, "oneTime": False})
    patient.send("grant.create", {"id": "grant-auditor", "grantee": auditor.address, "scope": {"kind": "record", "record": "rec-1"}, "oneTime": False})

    viewed = doctor.read("record.view", {"record": "rec-1"})
    assert viewed["result"]["kind"] == "record"
    assert viewed["result"]["record"]["id"] == "rec-1" and viewed["result"]["version"]["number"] == 1
    assert base64.b64decode(viewed["result"]["content"]) == note_v1
    # The node stores ciphertext only.
    stored = [f.read_bytes() for f in (data / "blobs").rglob("b*") if f.is_file()]
    assert stored and not any(note_v1 in blob for blob in stored)
    assert viewed["receipt"]["event"]["status"] == "viewed" and viewed["receipt"]["event"]["outcome"] == "allowed"

    note_v2 = b"Visit 1 (amended): BP 120/80, mild headache."
    changed_cid = doctor.upload(patient.address, note_v2)
    changed = doctor.send("record.update", {"record": "rec-1", "content": changed_cid, "baseVersion": 1})
    assert changed["event"]["version"] == 2
    stale = doctor.send("record.update", {"record": "rec-1", "content": note_cid, "baseVersion": 1}, expect=403)
    denied(stale, doctor.address, "record.update")
    latest = doctor.read("record.view", {"record": "rec-1"})
    assert latest["result"]["version"]["number"] == 2 and base64.b64decode(latest["result"]["content"]) == note_v2
    first = doctor.read("record.view", {"record": "rec-1", "version": 1})
    assert base64.b64decode(first["result"]["content"]) == note_v1

    # Audit: the trail, a passing tally the node records and an approval; the content stays closed
    # to the auditor until the node's tally check fails.
    trail = auditor.read("audit.trail", {"record": "rec-1"})
    assert trail["result"]["kind"] == "events"
    assert [e["action"] for e in trail["result"]["events"]][:2] == ["record.create", "grant.create"]
    assert trail["result"]["events"][-1]["action"] == "audit.trail"
    assert trail["result"]["events"][-1]["actor"] == auditor.address

    closed = auditor.read("record.view", {"record": "rec-1"}, expect=403)
    assert "tally" in denied(closed, auditor.address, "record.view")["message"]
    # The auditor cannot assert a result: its own audit.tally is denied, on the trail, and opens nothing.
    claim = auditor.send("audit.tally", {"record": "rec-1", "auditor": auditor.address, "result": "discrepancy",
                                         "checkpointSize": 1, "discrepancies": 1}, expect=403)
    assert "only the node" in denied(claim, auditor.address, "audit.tally")["message"]
    passed = auditor.tally("rec-1")
    assert passed["result"] == "tallies" and "opensUntil" not in passed
    node_key = passed["recorded"]["event"]["actor"]
    assert node_key != auditor.address and passed["recorded"]["event"]["auditor"] == auditor.address
    signoff = auditor.send("audit.signoff", {"record": "rec-1", "decision": "approve"})
    assert signoff["event"]["auditor"] == auditor.address
    still_closed = auditor.read("record.view", {"record": "rec-1"}, expect=403)
    denied(still_closed, auditor.address, "record.view")
    # Version 2's stored object is altered behind the ledger's back: the node's check fails.
    stored_v2 = next(f for f in (data / "blobs").rglob(changed_cid) if f.is_file())
    tampered = bytearray(stored_v2.read_bytes())
    tampered[len(tampered) // 2] ^= 0x20
    stored_v2.write_bytes(bytes(tampered))
    failed = auditor.tally("rec-1")
    assert failed["result"] == "discrepancy" and failed["opensUntil"] > failed["recorded"]["time"]
    no_approval = auditor.send("audit.signoff", {"record": "rec-1", "decision": "approve"}, expect=403)
    denied(no_approval, auditor.address, "audit.signoff")
    opened = auditor.read("record.view", {"record": "rec-1", "version": 1})
    assert base64.b64decode(opened["result"]["content"]) == note_v1

    # Revocation takes effect at once: the doctor keeps only the versions they wrote themselves.
    patient.send("grant.revoke", {"grant": "grant-doctor"})
    # Listing the patient's records now shows only the record they wrote, and the write is refused.
    own = doctor.read("records.list", {"patient": patient.address})["result"]["records"]
    assert [r["id"] for r in own] == ["rec-1"] and all(r["author"] == doctor.address for r in own), own
    update_refused = doctor.send("record.update", {"record": "rec-1", "content": note_cid, "baseVersion": 2}, expect=403)
    denied(update_refused, doctor.address, "record.update")

    # 3. A key with no account is denied, and the attempt is audited.
    unknown = stranger.read("record.view", {"record": "rec-1"}, expect=403)
    stranger_event = denied(unknown, stranger.address, "record.view")
    assert "actorRole" not in stranger_event and stranger_event["record"] == "rec-1"

    # The patient's view of the trail: every event on the record, in ledger order, its own query last.
    own = patient.read("audit.trail", {"record": "rec-1"})
    events = own["result"]["events"]
    indexes = [e["index"] for e in events]
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    assert all(e.get("record") == "rec-1" for e in events)
    steps = [(e["action"], e["outcome"], e["actor"]) for e in events]
    assert steps == [
        ("record.create", "allowed", doctor.address),
        ("grant.create", "allowed", patient.address),  # the auditor's record-scoped grant
        ("record.view", "allowed", doctor.address),
        ("record.update", "allowed", doctor.address),
        ("record.update", "denied", doctor.address),  # stale baseVersion
        ("record.view", "allowed", doctor.address),
        ("record.view", "allowed", doctor.address),
        ("audit.trail", "allowed", auditor.address),
        ("record.view", "denied", auditor.address),
        ("audit.tally", "denied", auditor.address),  # the auditor's own claim
        ("audit.trail", "allowed", auditor.address),  # the tally check's read
        ("audit.tally", "allowed", node_key),  # recorded by the node
        ("audit.signoff", "allowed", auditor.address),
        ("record.view", "denied", auditor.address),
        ("audit.trail", "allowed", auditor.address),
        ("audit.tally", "allowed", node_key),  # the failed check
        ("audit.signoff", "denied", auditor.address),
        ("record.view", "allowed", auditor.address),
        ("record.update", "denied", doctor.address),  # after the revocation
        ("record.view", "denied", stranger.address),
        ("audit.trail", "allowed", patient.address),
    ], steps
    doctor_denied = events[-3]
    assert doctor_denied["status"] == "changed" and doctor_denied["actorRole"] == "doctor"
    assert doctor_denied["patient"] == patient.address and doctor_denied["index"] == update_refused["receipt"]["index"]
    assert events[-1]["index"] == own["receipt"]["index"]
    assert all(e.get("patient") == patient.address for e in events)
    assert not any(e["breakGlass"] for e in events)

    # Only the patient and auditors they granted may read the trail.
    denied(doctor.read("audit.trail", {"record": "rec-1"}, expect=403), doctor.address, "audit.trail")

    # 4. Stop the node; the whole ledger, contracts replayed, verifies.
    size = node.size()
    node.stop()
    result = run_cli("verify", "--data", str(data), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["entries"] == size
    assert report["events"] > 0 and report["stateObjects"] > 0
    assert report["events"] == size, "every entry here is a contract action (genesis included) with one event"


def test_bad_input_changes_nothing(node: Node) -> None:
    admin = Actor(node, Account.from_key_file(node.data / "admin-key.json"), "admin")
    auditor = Actor(node, Account.new(), "auditor")
    patient = Actor(node, Account.new(), "patient")
    admin.send("account.create", {"publicKey": auditor.account.public_key, "role": "auditor", "displayName": "Auditor B"})
    patient.send("patient.register", {})
    before = node.size()

    # A malformed body is refused before sequencing: 422, nothing written, nothing audited.
    for body in (
        {"id": "bad id!", "grantee": auditor.address, "scope": {"kind": "all"}, "oneTime": False},
        {"id": "g-1", "grantee": auditor.address, "scope": {"kind": "everything"}, "oneTime": False},
        {"id": "g-1", "grantee": auditor.address, "scope": {"kind": "record", "record": "no/such"}, "oneTime": False},
        {"id": "g-1", "grantee": patient.address, "scope": {"kind": "all"}, "oneTime": False},
        {"id": "g-1", "scope": {"kind": "all"}, "oneTime": False},
    ):
        status, answer = node.submit(node.envelope(patient.account, "grant.create", body))
        assert status == 422, (body, status, answer)
        assert answer["error"]["code"] == "invalid_body", answer
    status, answer = node.query(node.envelope(patient.account, "record.view", {"record": "bad id!"}))
    assert status == 422, answer
    assert answer["error"]["code"] == "invalid_body", answer
    assert node.size() == before, "refused input must not reach the ledger"

    # A replayed envelope is refused: 409, nothing written, the first one stands.
    envelope = node.envelope(patient.account, "grant.create", {"id": "g-ok", "grantee": auditor.address, "scope": {"kind": "all"}, "oneTime": False})
    status, first = node.submit(envelope)
    assert status == 201, first
    assert node.size() == before + 1
    status, answer = node.submit(envelope)
    assert status == 409, answer
    assert answer["error"]["code"] == "replayed_nonce", answer
    # A denied envelope is on the ledger too, so its replay is refused the same way.
    envelope = node.envelope(admin.account, "grant.create", {"id": "g-no", "grantee": auditor.address, "scope": {"kind": "all"}, "oneTime": False})
    status, answer = node.submit(envelope)
    assert status == 403, answer
    status, answer = node.submit(envelope)
    assert status == 409, answer
    # So is a replayed read.
    query = node.envelope(patient.account, "audit.trail", {"record": "rec-none"})
    assert node.query(query)[0] == 403
    status, answer = node.query(query)
    assert status == 409, answer
    assert node.size() == before + 3

    trail = patient.read("audit.trail", {"record": "rec-none"}, expect=403)
    assert trail["receipt"]["index"] == before + 3

    # Uploads must be signed over the exact bytes, at about the server's time.
    target = f"/v1/blobs?owner={patient.address}"
    swapped = {"Authorization": patient.account.request_authorization("POST", target, b"original"), "Content-Type": "text/plain"}
    status, answer = node.post(target, b"swapped", swapped)
    assert status == 401 and answer["error"]["code"] == "unauthenticated", answer
    stale = {"Authorization": patient.account.request_authorization("POST", target, b"x", int(time.time() * 1000) - 3_600_000)}
    assert node.post(target, b"x", stale)[0] == 401
    assert node.post(target, b"x", {})[0] == 401
    assert node.size() == before + 4
