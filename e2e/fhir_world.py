"""A small MedLedger world for the FHIR API tests, built over HTTP with Python-signed envelopes.

An administrator (the data directory's first one) adds a hospital; two doctors sign up with
passwords and are verified; a patient signs up with a password and a profile; the first doctor
cares for the patient (an accepted appointment, then a grant of all records) and writes a record
in every category, one of them a PDF file and one in two versions; the patient books the second
doctor too and grants them their lab results only.
Patient and doctors sign up exactly as the browser does (docs/WEB.md: PBKDF2 → wrapping and
authentication keys, the private key wrapped with AES-GCM), so the OAuth flow can sign them in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medledger_client import Account, Node, b64url

ITERATIONS = 600_000
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% discharge letter for the FHIR tests\n%%EOF\n"


@dataclass
class Person:
    """A signed-in-able account: its key, username and password."""

    account: Account
    username: str
    password: str

    @property
    def address(self) -> str:
        return self.account.address


@dataclass
class World:
    node: Node
    admin: Account
    patient: Person
    author: Person  # the doctor who writes the records
    reader: Person  # the doctor granted lab results only
    hospital: str
    records: dict[str, str] = field(default_factory=dict)  # category -> record id
    texts: dict[str, bytes] = field(default_factory=dict)  # record id -> latest plaintext
    appointments: list[str] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)


def send(node: Node, account: Account, tx_type: str, body: dict, expect: int = 201) -> dict:
    status, answer = node.submit(node.envelope(account, tx_type, body))
    assert status == expect, f"{tx_type}: {status} {answer}"
    return answer


def upload(node: Node, account: Account, owner: str, content: bytes, media_type: str | None = None) -> str:
    status, answer = node.upload(account, owner, content, media_type)
    assert status == 201, f"upload: {status} {answer}"
    return answer["cid"]


def signup(node: Node, person: Person, role: str, envelope: bytes) -> dict:
    """`POST /auth/signup` with a real password credential for `person`'s key."""
    salt = secrets.token_bytes(16)
    bits = hashlib.pbkdf2_hmac("sha256", person.password.encode(), salt, ITERATIONS, 64)
    der = person.account.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())
    nonce = secrets.token_bytes(12)
    wrapped = nonce + AESGCM(bits[:32]).encrypt(nonce, der, f"medledger-key-v1:{person.address}".encode())
    challenge = node.challenge()
    body = {"username": person.username, "role": role, "publicKey": person.account.public_key, "salt": b64url(salt),
            "iterations": ITERATIONS, "wrappedKey": b64url(wrapped), "authKey": b64url(bits[32:]), "challenge": challenge,
            "proof": person.account.signup_proof(origin=node.origin, challenge=challenge, username=person.username, role=role),
            "envelope": json.loads(envelope)}
    # The node hashes the password on its sign-in thread; on a busy machine that takes a while.
    status, answer = post_json(node, "/auth/signup", body, timeout=120)
    assert status == 201, f"signup {person.username}: {status} {answer}"
    return answer


def post_json(node: Node, path: str, body: dict, timeout: float = 60) -> tuple[int, dict]:
    request = urllib.request.Request(node.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Origin": node.url})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def build_world(node: Node, suffix: str = "") -> World:
    admin = Account.from_key_file(node.data / "admin-key.json")
    hospital = "fhir-hospital" + suffix
    send(node, admin, "organization.create", {"id": hospital, "name": "FHIR General Hospital", "kind": "hospital"})

    patient = Person(Account.new(), "pat.fhir" + suffix, "patient password for the fhir tests")
    profile = upload(node, patient.account, patient.address, json.dumps(
        {"name": "Fhir Patient", "birthDate": "1984-03-07", "gender": "female", "phone": "+41 44 000 00 00"}).encode())
    signup(node, patient, "patient", node.envelope(patient.account, "patient.register", {"profile": profile}))

    doctors = []
    for name, username in (("Dr. Ada Author", "dr.author"), ("Dr. Rea Reader", "dr.reader")):
        doctor = Person(Account.new(), username + suffix, f"{username} password for the fhir tests")
        certificate = upload(node, doctor.account, doctor.address, b"%PDF-1.7 licence of " + name.encode(), "application/pdf")
        body = {"displayName": name, "speciality": "General practice", "licence": "LIC-" + username.upper(),
                "certificate": certificate, "organization": hospital}
        signup(node, doctor, "doctor", node.envelope(doctor.account, "doctor.register", body))
        send(node, admin, "doctor.verify", {"doctor": doctor.address, "decision": "approve", "certificate": certificate})
        doctors.append(doctor)
    author, reader = doctors

    world = World(node=node, admin=admin, patient=patient, author=author, reader=reader, hospital=hospital)
    future = int(time.time() * 1000) + 7 * 86_400_000
    send(node, patient.account, "appointment.book", {"id": "appt-care" + suffix, "doctor": author.address, "time": future})
    send(node, author.account, "appointment.accept", {"appointment": "appt-care" + suffix})
    send(node, patient.account, "appointment.book", {"id": "appt-ask" + suffix, "doctor": reader.address, "time": future + 3_600_000})
    world.appointments = ["appt-care" + suffix, "appt-ask" + suffix]

    contents = {
        "visit_notes": (b"Visit: blood pressure 120/80, no complaints.", "text/plain"),
        "lab_results": (json.dumps({"test": "HbA1c", "value": "5.4 %"}).encode(), "application/json"),
        "reports": (PDF, "application/pdf"),
        "prescriptions": (b"Amoxicillin 500 mg, three times a day for 7 days", "text/plain"),
        "immunizations": (b"Tick-borne encephalitis vaccine, dose 2", "text/plain"),
        "medical_history": (b"Appendectomy in 2001.", "text/plain"),
    }
    for category, (content, media_type) in contents.items():
        record = f"rec-{category.replace('_', '-')}{suffix}"
        cid = upload(node, author.account, patient.address, content, media_type)
        send(node, author.account, "record.create", {"id": record, "patient": patient.address, "category": category, "content": cid})
        world.records[category] = record
        world.texts[record] = content
    # The author may change records under a grant; the visit note gets a second version.
    send(node, patient.account, "grant.create", {"id": "grant-author-all" + suffix, "grantee": author.address,
                                                 "scope": {"kind": "all"}, "oneTime": False})
    note = world.records["visit_notes"]
    amended = b"Visit (amended): blood pressure 120/80, mild headache."
    cid = upload(node, author.account, patient.address, amended, "text/plain")
    send(node, author.account, "record.update", {"record": note, "content": cid, "baseVersion": 1})
    world.texts[note] = amended

    send(node, patient.account, "grant.create", {"id": "grant-reader-labs" + suffix, "grantee": reader.address,
                                                 "scope": {"kind": "category", "category": "lab_results"}, "oneTime": False})
    world.grants = ["grant-author-all" + suffix, "grant-reader-labs" + suffix]
    return world
