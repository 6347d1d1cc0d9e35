"""The auditor's tools against a real `medledger serve`, checked by an independent implementation.

The proofs the node serves (`/v1/proofs/…`, and inside audit bundles) are compared byte for byte
with proofs this file computes itself from the log's entries, following RFC 6962 §2.1.1 (PATH) and
§2.1.2 (PROOF); checkpoints are verified with the `cryptography` package's Ed25519, and entries'
DSSE signatures with its P-256. Then the CLI: `audit tally` has the node record a tally, `audit export` writes a
bundle that `audit verify-bundle` accepts with the log key alone; altered content, an altered bundle
and a wrong key are each refused with the failure named.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives import hashes

from medledger_client import P256_ORDER, Account, Node, b64url_decode, binary, leaf_hash, mth, pae, parse_vkey, run_cli

# ---------------------------------------------------------------------------------------------
# An independent RFC 6962 implementation: proofs computed from the leaves, not verified by folding.


def largest_power_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]), nearest the leaf first."""
    n = len(leaves)
    if n <= 1:
        return []
    k = largest_power_below(n)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = largest_power_below(n)
    if m <= k:
        return subproof(m, leaves[:k], complete) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def consistency(m: int, leaves: list[bytes]) -> list[bytes]:
    return subproof(m, leaves, True)


def open_checkpoint(note: str, vkey: str) -> tuple[int, bytes, str]:
    """Verifies the log's signature on a checkpoint note; returns (size, root, body)."""
    name, key_id, key_type, public = parse_vkey(vkey)
    assert key_type == 0x01 and len(public) == 32
    key = Ed25519PublicKey.from_public_bytes(public)
    body, _, signatures = note.rpartition("\n\n")
    body += "\n"
    verified = False
    for line in signatures.strip().split("\n"):
        dash, signer, blob = line.split(" ")
        raw = base64.b64decode(blob)
        if dash == "\u2014" and signer == name and raw[:4] == key_id:
            key.verify(raw[4:], body.encode())  # raises on a bad signature
            verified = True
    assert verified, "no signature by the log key"
    lines = body.split("\n")
    return int(lines[1]), base64.b64decode(lines[2]), body


def dsse_signer(entry: bytes, origin: str) -> tuple[str, str, dict]:
    """Verifies a DSSE envelope as the ledger admits one (a low-S P-256 signature, a payload naming
    the log's origin); returns (type, signer address, body)."""
    envelope = json.loads(entry)
    payload = base64.b64decode(envelope["payload"])
    statement = json.loads(payload)
    point = b64url_decode(statement["signer"])
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    sig = base64.b64decode(envelope["signatures"][0]["sig"])
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    assert s <= P256_ORDER // 2, "the ledger holds only low-S signatures"
    assert statement["origin"] == origin, statement
    key.verify(encode_dss_signature(r, s), pae(envelope["payloadType"], payload), ec.ECDSA(hashes.SHA256()))
    return statement["type"], "ml" + hashlib.sha256(point).digest()[:20].hex(), statement["body"]


def another_vkey(name: str) -> str:
    """A well-formed verifier key of the same name but another Ed25519 key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    raw = b"\x01" + Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
    return f"{name}+{key_id}+{base64.b64encode(raw).decode()}"


# ---------------------------------------------------------------------------------------------


def send(node: Node, account: Account, tx_type: str, body: dict, expect: int = 201) -> dict:
    status, answer = node.submit(node.envelope(account, tx_type, body))
    assert status == expect, f"{tx_type}: {status} {answer}"
    return answer


def all_entries(node: Node, size: int) -> list[bytes]:
    return [node.entry(i) for i in range(size)]


def audit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary(), "audit", *args], capture_output=True, text=True, timeout=120)


def test_proofs_checkpoints_and_bundles_agree_with_an_independent_implementation(node: Node, tmp_path: Path) -> None:
    admin = Account.from_key_file(node.data / "admin-key.json")
    patient = Account.new()
    key_file = tmp_path / "auditor.json"
    made = run_cli("keys", "--out", str(key_file))
    assert made.returncode == 0, made.stderr
    auditor = Account.from_key_file(key_file)

    send(node, patient, "patient.register", {})
    send(node, admin, "account.create", {"publicKey": auditor.public_key, "role": "auditor", "displayName": "Auditor A"})
    versions = []
    for text in (b"haemoglobin 13.5 g/dL", b"haemoglobin 13.9 g/dL", b"haemoglobin 14.1 g/dL"):
        status, stored = node.upload(patient, patient.address, text)
        assert status == 201, stored
        versions.append(stored["cid"])
    send(node, patient, "record.add", {"id": "lab-7", "category": "lab_results", "content": versions[0]})
    send(node, patient, "record.update", {"record": "lab-7", "content": versions[1], "baseVersion": 1})
    send(node, patient, "record.update", {"record": "lab-7", "content": versions[2], "baseVersion": 2})
    send(node, patient, "grant.create", {"id": "g-audit", "grantee": auditor.address, "scope": {"kind": "all"}})
    vkey = node.get("/log-key").decode()

    # Served proofs are exactly the RFC's, computed here from the entries.
    size, root, _ = open_checkpoint(node.get("/checkpoint").decode(), vkey)
    leaves = [leaf_hash(entry) for entry in all_entries(node, size)]
    assert mth(leaves) == root
    for index in range(size):
        answer = json.loads(node.get(f"/v1/proofs/inclusion?index={index}&size={size}"))
        assert [base64.b64decode(h) for h in answer["proof"]] == path(index, leaves), index
    for old in range(1, size + 1):
        answer = json.loads(node.get(f"/v1/proofs/consistency?from={old}&to={size}"))
        assert [base64.b64decode(h) for h in answer["proof"]] == consistency(old, leaves), old
    for bad in ("/v1/proofs/inclusion?index=5", f"/v1/proofs/inclusion?index={size}&size={size}",
                f"/v1/proofs/consistency?from=0&to={size}", f"/v1/proofs/consistency?from=2&to={size + 1}",
                "/v1/proofs/inclusion?index=01&size=4"):
        try:
            node.get(bad)
            raise AssertionError(f"{bad} was answered")
        except Exception as error:  # urllib raises HTTPError for the 400
            assert getattr(error, "code", None) == 400, (bad, error)

    # The CLI's tally: it tallies, and the node records the result on the ledger itself.
    tallied = audit("tally", "--record", "lab-7", "--key", str(key_file), "--url", node.url)
    assert tallied.returncode == 0, tallied.stdout + tallied.stderr
    assert "TALLIES" in tallied.stdout and "recorded on the ledger" in tallied.stdout

    # The bundle: the CLI exports it and verifies it with the log key alone…
    bundle_path = tmp_path / "bundle.json"
    exported = audit("export", "--record", "lab-7", "--key", str(key_file), "--url", node.url, "--out", str(bundle_path))
    assert exported.returncode == 0, exported.stderr
    checked = audit("verify-bundle", str(bundle_path), "--log-key", vkey)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "VALID" in checked.stdout

    # …and this file checks it again independently: signature, every proof, every entry's signer.
    bundle = json.loads(bundle_path.read_text())
    b_size, b_root, _ = open_checkpoint(bundle["checkpoint"], vkey)
    leaves = [leaf_hash(entry) for entry in all_entries(node, b_size)]
    assert mth(leaves) == b_root
    actions = []
    for item in bundle["events"]:
        event, entry = item["event"], base64.b64decode(item["entry"])
        assert leaf_hash(entry) == leaves[event["index"]]
        assert [base64.b64decode(h) for h in item["proof"]] == path(event["index"], leaves)
        tx_type, signer, body = dsse_signer(entry, node.origin)
        assert tx_type == event["action"] and event["record"] == "lab-7"
        assert signer == event["actor"] and "lab-7" in json.dumps(body)
        actions.append(event["action"])
    assert actions[:3] == ["record.add", "record.update", "record.update"]
    assert "audit.tally" in actions and "audit.trail" in actions
    assert [v["content"] for v in bundle["versions"]] == versions

    # An altered bundle, and a wrong key, are refused with the failure named.
    altered = json.loads(bundle_path.read_text())
    entry = bytearray(base64.b64decode(altered["events"][1]["entry"]))
    entry[-20] ^= 1
    altered["events"][1]["entry"] = base64.b64encode(bytes(entry)).decode()
    altered_path = tmp_path / "altered.json"
    altered_path.write_text(json.dumps(altered))
    refused = audit("verify-bundle", str(altered_path), "--log-key", vkey)
    assert refused.returncode == 1
    assert f"Entry {altered['events'][1]['event']['index']}: its inclusion proof does not lead" in refused.stdout
    stranger = audit("verify-bundle", str(bundle_path), "--log-key", another_vkey(vkey.split("+")[0]))
    assert stranger.returncode == 1 and "not signed by the log key" in stranger.stdout, stranger.stdout + stranger.stderr

    # Altered content: the tally names the version, records the discrepancy, and the auditor may then open the record.
    blobs = list((node.data / "blobs").glob(f"*/{versions[1]}"))
    assert len(blobs) == 1
    stored = bytearray(blobs[0].read_bytes())
    stored[len(stored) // 2] ^= 0x20
    blobs[0].write_bytes(bytes(stored))
    before = node.query(node.envelope(auditor, "record.view", {"record": "lab-7"}))
    assert before[0] == 403
    failed = audit("tally", "--record", "lab-7", "--key", str(key_file), "--url", node.url)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "DOES NOT TALLY" in failed.stdout and "version 2:" in failed.stdout
    assert "you may open the record until" in failed.stdout
    status, answer = node.query(node.envelope(auditor, "record.view", {"record": "lab-7", "version": 3}))
    assert status == 200, answer
