"""Content is bound to its owner, uploader and purpose, tried against a real `medledger serve`.

The sequences an attacker would try with nothing but public ledger data (every CID is public in
the entry tiles) and a signing key: stretch a narrow grant over another record's content by naming
its CID, store files without an account or under someone else's key, and pin an upload by naming it
in a refused entry. Each is refused; those that reach the ledger are denials on the record's trail.
"""

from __future__ import annotations

import base64
import json
import re

from medledger_client import Account, Node
from test_contract_story import Actor, denied


def cids_in_tiles(node: Node) -> set[str]:
    """Every CID-looking string an attacker can read from the public entries."""
    found: set[str] = set()
    for index in range(1, node.size()):
        envelope = json.loads(node.entry(index))
        payload = base64.b64decode(envelope["payload"]).decode()
        found.update(re.findall(r"\bbafk[a-z2-7]{50,}\b", payload))
    return found


def setup(node: Node) -> tuple[Actor, Actor, Actor]:
    admin = Actor(node, Account.from_key_file(node.data / "admin-key.json"), "admin")
    doctor = Actor(node, Account.new(), "doctor")
    patient = Actor(node, Account.new(), "patient")
    certificate = doctor.upload(doctor.address, b"%PDF-1.7 licence")
    admin.send("account.create", {"publicKey": doctor.account.public_key, "role": "doctor", "displayName": "Dr. Mallory",
                                  "certificate": certificate})
    admin.send("doctor.verify", {"doctor": doctor.address, "decision": "approve", "certificate": certificate})
    patient.send("patient.register", {})
    patient.send("grant.create", {"id": "g-all", "grantee": doctor.address, "scope": {"kind": "all"}, "oneTime": False})
    return admin, doctor, patient


def test_a_narrow_grant_cannot_borrow_another_records_content(node: Node) -> None:
    _, doctor, patient = setup(node)
    # The lab result is the patient's own document: the doctor did not write it, so only a grant
    # would let them read it.
    lab = b"Ferritin 12 ug/L (low)"
    patient.send("record.add", {"id": "rec-lab-1", "category": "lab_results", "content": patient.upload(patient.address, lab)})
    doctor.send("record.create", {"id": "rec-visit-1", "patient": patient.address, "category": "visit_notes",
                                  "content": doctor.upload(patient.address, b"Visit: cough")})
    doctor.send("record.create", {"id": "rec-rx-1", "patient": patient.address, "category": "prescriptions",
                                  "content": doctor.upload(patient.address, b"Amoxicillin 500 mg")})
    # The patient narrows the doctor's access to the visit note.
    patient.send("grant.revoke", {"grant": "g-all"})
    patient.send("grant.create", {"id": "g-visit", "grantee": doctor.address, "scope": {"kind": "record", "record": "rec-visit-1"},
                                  "oneTime": False})
    denied(doctor.read("record.view", {"record": "rec-lab-1"}, expect=403), doctor.address, "record.view")

    # Every CID is public; the lab result's is among them.
    public = cids_in_tiles(node)
    before = node.size()
    attempts = 0
    for cid in public:
        status, answer = node.submit(node.envelope(doctor.account, "record.update", {"record": "rec-visit-1", "content": cid, "baseVersion": 1}))
        assert status in (403, 422), answer
        if status == 403:
            event = denied(answer, doctor.address, "record.update")
            assert event["record"] == "rec-visit-1"
        attempts += 1
    assert attempts >= 3
    viewed = doctor.read("record.view", {"record": "rec-visit-1"})
    assert base64.b64decode(viewed["result"]["content"]) == b"Visit: cough"
    assert viewed["result"]["version"]["number"] == 1
    assert node.size() > before, "the refused attempts are on the ledger"

    # A category grant cannot copy a prescription into a new record either.
    patient.send("grant.create", {"id": "g-imm", "grantee": doctor.address, "scope": {"kind": "category", "category": "immunizations"},
                                  "oneTime": False})
    for cid in cids_in_tiles(node):
        status, answer = node.submit(node.envelope(doctor.account, "record.create", {"id": "rec-imm-1", "patient": patient.address,
                                                                                     "category": "immunizations", "content": cid}))
        assert status in (403, 422), answer
    own = patient.read("audit.trail", {"record": "rec-visit-1"})
    refused = [e for e in own["result"]["events"] if e["action"] == "record.update" and e["outcome"] == "denied"]
    assert refused, "the patient sees the refused attempts on the record's trail"


def test_storage_needs_an_account_that_may_write_for_the_owner(node: Node) -> None:
    _, doctor, patient = setup(node)
    stranger = Account.new()
    nobody = Account.new().address
    blobs_before = sorted(p.name for p in (node.data / "blobs").rglob("b*") if p.is_file())
    keys_before = sorted(p.name for p in (node.data / "keys").iterdir())
    for owner in (patient.address, nobody):
        status, answer = node.upload(stranger, owner, b"2 MiB of junk would go here")
        assert status == 403 and answer["error"]["code"] == "upload_not_allowed", answer
    status, answer = node.upload(patient.account, doctor.address, b"not my document")
    assert status == 403, answer
    assert sorted(p.name for p in (node.data / "blobs").rglob("b*") if p.is_file()) == blobs_before
    assert sorted(p.name for p in (node.data / "keys").iterdir()) == keys_before

    # The patient's own upload, not yet named by anything, cannot be claimed by the doctor.
    status, answer = node.upload(patient.account, patient.address, b"my private diary")
    assert status == 201
    draft = answer["cid"]
    status, answer = node.submit(node.envelope(doctor.account, "record.create", {"id": "rec-x", "patient": patient.address,
                                                                               "category": "visit_notes", "content": draft}))
    assert status == 422 and answer["error"]["code"] == "content_not_uploaded_by_signer", answer
    patient.send("record.add", {"id": "diary", "category": "medical_history", "content": draft})


def test_storage_quota_refuses_over_the_daily_quota(tmp_path) -> None:
    from medledger_client import run_cli

    data = tmp_path / "data"
    assert run_cli("init", "--data", str(data)).returncode == 0
    node = Node(data, extra_args=("--storage-mb-per-day", "1"))
    node.start()
    try:
        _, _, patient = setup(node)
        half = b"x" * (600 * 1024)
        assert node.upload(patient.account, patient.address, half)[0] == 201
        status, answer = node.upload(patient.account, patient.address, half + b"y")
        assert status == 429 and answer["error"]["code"] == "storage_quota", answer
    finally:
        node.stop()
