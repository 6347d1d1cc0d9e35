"""The FHIR R4 API with SMART tokens, end to end, against a real `medledger serve` process.

Tokens come from the real OAuth flow over HTTP (`smart_support.authorize`: sign in, the authorise
page's JSON block signed with the user's key, the code exchanged with a PKCE verifier). Every
resource the node serves is parsed with `fhir.resources` 6.4.0, the last release whose models are
FHIR R4 4.0.1 (7.x and later default to R5 and carry only R4B, 4.3.0, beside it); its models refuse
unknown elements, wrong types and missing required elements, so a resource that parses is valid
R4 structure. The world (fhir_world.py): a hospital, an author doctor with a grant of everything,
a reader doctor granted lab results only, a patient with a record in every category.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import time
import urllib.parse
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fhir.resources import __fhir_version__, get_fhir_model_class

import smart_support
from fhir_world import World, build_world, send
from medledger_client import PAYLOAD_TYPE, Node, leaf_hash, mth, pae, run_cli

CLIENT_ID = "fhir-e2e-app"
REDIRECT = "http://127.0.0.1:8765/callback"
FHIR_JSON = "application/fhir+json"
SEARCHABLE = ["Patient", "Practitioner", "Organization", "Appointment", "DocumentReference", "MedicationRequest",
              "Immunization", "Consent", "AuditEvent", "Provenance"]


# ---------------------------------------------------------------------------------------------
# Plumbing


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def __repr__(self) -> str:
        return f"HTTP {self.status} {self.content_type} {self.body[:300]!r}"


def call(node: Node, method: str, path: str, token: str | None = None, headers: dict[str, str] | None = None,
         body: bytes | None = None, header_list: list[tuple[str, str]] | None = None) -> Answer:
    """One request on a fresh connection, with any headers (http.client does not refuse odd ones)."""
    connection = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        sent = {"Accept": FHIR_JSON, **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if body is not None:
            sent["Content-Length"] = str(len(body))
        for name, value in list(sent.items()) + (header_list or []):
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def validate(resource: dict):
    """Parses `resource` with the R4 model of its type; fails the test on any structural error."""
    assert __fhir_version__ == "4.0.1"
    kind = resource.get("resourceType")
    assert kind, resource
    return get_fhir_model_class(kind).parse_obj(absolute_attachment_urls(resource))


def absolute_attachment_urls(value):
    """A copy of `value` whose relative `Attachment.url`s are made absolute.

    R4 lets an Attachment's url be a relative reference, resolved against the service base like a
    resource reference (the node serves `Binary/<id>-<v>`, which the tests fetch), but
    fhir.resources types every `url` element as an absolute URL. Resolving the relative form first
    keeps the rest of the check strict without refusing what the specification allows."""
    if isinstance(value, list):
        return [absolute_attachment_urls(item) for item in value]
    if not isinstance(value, dict):
        return value
    copy = {key: absolute_attachment_urls(item) for key, item in value.items()}
    attachment = copy.get("attachment")
    if isinstance(attachment, dict) and isinstance(attachment.get("url"), str) and "://" not in attachment["url"]:
        copy["attachment"] = {**attachment, "url": "http://fhir.base.invalid/fhir/" + attachment["url"].lstrip("/")}
    return copy


def fhir_ok(answer: Answer, kind: str | None = None) -> dict:
    assert answer.status == 200, answer
    assert answer.content_type.startswith(FHIR_JSON), answer
    resource = answer.json()
    if kind:
        assert resource["resourceType"] == kind, resource
    validate(resource)
    return resource


def outcome(answer: Answer, *statuses: int) -> dict:
    """A clear error: one of `statuses` with an OperationOutcome that validates."""
    assert answer.status in statuses, answer
    assert answer.content_type.startswith(FHIR_JSON), answer
    resource = answer.json()
    assert resource["resourceType"] == "OperationOutcome", resource
    validate(resource)
    assert resource["issue"] and resource["issue"][0]["severity"] in ("error", "fatal"), resource
    return resource


def get(node: Node, path: str, token: str | None) -> Answer:
    return call(node, "GET", "/fhir/" + path, token)


def search(node: Node, path: str, token: str) -> list[dict]:
    """A searchset Bundle, every page followed by its `next` link; the resources of all pages."""
    bundle = fhir_ok(get(node, path, token), "Bundle")
    assert bundle["type"] == "searchset" and "total" in bundle, bundle
    found = [entry["resource"] for entry in bundle.get("entry", [])]
    seen = 1
    while (link := next((l["url"] for l in bundle.get("link", []) if l["relation"] == "next"), None)) is not None:
        target = urllib.parse.urlsplit(link)
        bundle = fhir_ok(call(node, "GET", target.path + ("?" + target.query if target.query else ""), token), "Bundle")
        found += [entry["resource"] for entry in bundle.get("entry", [])]
        seen += 1
        assert seen < 100, "paging does not end"
    assert len(found) == bundle["total"], (len(found), bundle["total"])
    for resource in found:
        validate(resource)
    return found


def alive(node: Node) -> None:
    assert node.proc is not None and node.proc.poll() is None, "the node died"
    assert node.size() > 0


def post_form(node: Node, path: str, fields: dict[str, str]) -> Answer:
    return call(node, "POST", path, headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                body=urllib.parse.urlencode(fields).encode())


def entries_between(node: Node, start: int, end: int) -> list[dict]:
    return [json.loads(node.entry(i)) for i in range(start, end)]


def payload_of(entry: dict) -> dict:
    return json.loads(base64.b64decode(entry["payload"]))


# ---------------------------------------------------------------------------------------------
# Fixtures: one node and world for the module; tokens from the real OAuth flow


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    data = tmp_path_factory.mktemp("fhir") / "data"
    made = run_cli("init", "--data", str(data))
    assert made.returncode == 0, made.stderr
    node = Node(data)
    node.start()
    try:
        built = build_world(node)
        send(node, built.admin, "app.register", {"id": CLIENT_ID, "name": "FHIR E2E Reader", "redirectURIs": [REDIRECT]})
        yield built
    finally:
        node.stop()


def token_for(world: World, who, scopes: str, client_id: str = CLIENT_ID) -> dict:
    """A token response for `who` (a fhir_world.Person) from the whole OAuth flow over HTTP."""
    response = smart_support.authorize(world.node, who.account, who.username, who.password, client_id, REDIRECT, scopes)
    assert response["token_type"].lower() == "bearer" and response["access_token"], response
    return response


@pytest.fixture(scope="module")
def patient_token(world: World) -> dict:
    return token_for(world, world.patient, "launch/patient openid fhirUser patient/*.rs")


@pytest.fixture(scope="module")
def token(patient_token: dict) -> str:
    return patient_token["access_token"]


# ---------------------------------------------------------------------------------------------
# Conformance: what the server says it does, with no token


def test_capability_statement_is_valid_r4_and_points_at_the_oauth_endpoints(world: World) -> None:
    node = world.node
    statement = fhir_ok(get(node, "metadata", None), "CapabilityStatement")
    assert statement["fhirVersion"] == "4.0.1" and statement["kind"] == "instance", statement
    assert "json" in " ".join(statement["format"])
    rest = statement["rest"][0]
    assert rest["mode"] == "server"
    served = {resource["type"] for resource in rest["resource"]}
    assert set(SEARCHABLE) | {"Binary"} <= served, served
    smart = json.loads(node.get("/.well-known/smart-configuration")) if _has_smart_configuration(node) else None
    uris = [e for e in rest["security"].get("extension", []) if e["url"].endswith("oauth-uris")]
    assert uris, rest["security"]
    named = {e["url"]: e.get("valueUri") for e in uris[0]["extension"]}
    assert named["authorize"].endswith("/oauth/authorize") and named["token"].endswith("/oauth/token"), named
    if smart:
        assert smart["authorization_endpoint"] == named["authorize"] and smart["token_endpoint"] == named["token"]
        assert smart["code_challenge_methods_supported"] == ["S256"]
        assert {"launch-standalone", "client-public", "permission-v2"} <= set(smart["capabilities"])


def _has_smart_configuration(node: Node) -> bool:
    return call(node, "GET", "/.well-known/smart-configuration", headers={"Accept": "application/json"}).status == 200


def test_without_a_token_every_read_is_401_with_a_bearer_challenge(world: World) -> None:
    for path in (f"Patient/{world.patient.address}", "DocumentReference", f"Binary/{world.records['reports']}-1"):
        answer = get(world.node, path, None)
        outcome(answer, 401)
        assert answer.headers.get("www-authenticate", "").startswith("Bearer"), answer.headers
    outcome(get(world.node, f"Patient/{world.patient.address}", "not-a-token"), 401)


def test_scopes_sent_as_a_form_encodes_them_are_understood(world: World) -> None:
    # smart_support builds the authorise URL with urlencode, which sends spaces as '+', as HTML
    # forms and most OAuth clients do; both scopes must arrive apart.
    response = token_for(world, world.patient, "launch/patient patient/*.rs")
    assert set(response["scope"].split()) == {"launch/patient", "patient/*.rs"}, response


# ---------------------------------------------------------------------------------------------
# Every resource the node serves is valid R4


def test_every_resource_read_and_searched_is_valid_r4(world: World, patient_token: dict, token: str) -> None:
    node, patient = world.node, world.patient.address
    assert patient_token.get("patient") == patient, patient_token
    person = fhir_ok(get(node, f"Patient/{patient}", token), "Patient")
    assert person["id"] == patient

    practitioner = fhir_ok(get(node, f"Practitioner/{world.author.address}", token), "Practitioner")
    assert practitioner["id"] == world.author.address
    organization = fhir_ok(get(node, f"Organization/{world.hospital}", token), "Organization")
    assert organization["id"] == world.hospital

    appointment = fhir_ok(get(node, f"Appointment/{world.appointments[0]}", token), "Appointment")
    assert appointment["status"] == "booked", appointment  # accepted
    asked = fhir_ok(get(node, f"Appointment/{world.appointments[1]}", token), "Appointment")
    assert asked["status"] == "proposed", asked  # requested, not yet answered

    for category in ("visit_notes", "lab_results", "reports", "medical_history"):
        document = fhir_ok(get(node, f"DocumentReference/{world.records[category]}", token), "DocumentReference")
        assert document["status"] == "current" and document["subject"]["reference"].endswith(patient), document
        attachment = document["content"][0]["attachment"]
        assert attachment["url"].split("/")[-2:][0] == "Binary", attachment
    note = fhir_ok(get(node, f"DocumentReference/{world.records['visit_notes']}", token), "DocumentReference")
    assert note["content"][0]["attachment"]["url"].endswith(f"Binary/{world.records['visit_notes']}-2"), note
    prescription = fhir_ok(get(node, f"MedicationRequest/{world.records['prescriptions']}", token), "MedicationRequest")
    assert prescription["intent"] == "order" and prescription["status"] == "active", prescription
    immunization = fhir_ok(get(node, f"Immunization/{world.records['immunizations']}", token), "Immunization")
    assert immunization["status"] == "completed", immunization
    for grant in world.grants:
        consent = fhir_ok(get(node, f"Consent/{grant}", token), "Consent")
        assert consent["status"] == "active", consent
    provenance = fhir_ok(get(node, f"Provenance/{world.records['visit_notes']}-2", token), "Provenance")
    assert provenance["signature"], provenance

    # Binary: the decrypted content, as raw bytes or as a FHIR Binary resource when asked for JSON.
    for record in (world.records["reports"], world.records["visit_notes"]):
        version = 2 if record == world.records["visit_notes"] else 1
        raw = call(node, "GET", f"/fhir/Binary/{record}-{version}", token, headers={"Accept": "*/*"})
        assert raw.status == 200, raw
        if raw.content_type.startswith(FHIR_JSON):
            binary = raw.json()
            validate(binary)
            assert base64.b64decode(binary["data"]) == world.texts[record]
        else:
            assert raw.body == world.texts[record]
        as_json = call(node, "GET", f"/fhir/Binary/{record}-{version}", token, headers={"Accept": FHIR_JSON})
        if as_json.status == 200 and as_json.content_type.startswith(FHIR_JSON):
            binary = fhir_ok(as_json, "Binary")
            assert base64.b64decode(binary["data"]) == world.texts[record]
    pdf = call(node, "GET", f"/fhir/Binary/{world.records['reports']}-1", token, headers={"Accept": "application/pdf"})
    assert pdf.status == 200 and pdf.body == world.texts[world.records["reports"]] and "pdf" in pdf.content_type, pdf

    # Searches: every type, every entry valid, the patient's records all found.
    documents = search(node, f"DocumentReference?patient={patient}", token)
    assert {d["id"] for d in documents} == {world.records[c] for c in ("visit_notes", "lab_results", "reports", "medical_history")}
    assert [m["id"] for m in search(node, f"MedicationRequest?patient={patient}", token)] == [world.records["prescriptions"]]
    assert [i["id"] for i in search(node, f"Immunization?patient={patient}", token)] == [world.records["immunizations"]]
    assert {a["id"] for a in search(node, f"Appointment?patient={patient}", token)} == set(world.appointments)
    assert {c["id"] for c in search(node, f"Consent?patient={patient}", token)} == set(world.grants)
    assert [p["id"] for p in search(node, f"Patient?_id={patient}", token)] == [patient]
    provenances = search(node, f"Provenance?target=DocumentReference/{world.records['visit_notes']}", token)
    assert {f"{world.records['visit_notes']}-1", f"{world.records['visit_notes']}-2"} <= {p["id"] for p in provenances}
    events = search(node, f"AuditEvent?patient={patient}&_count=200", token)
    assert events, "the patient's trail is served"
    fhir_ok(get(node, f"AuditEvent/{events[0]['id']}", token), "AuditEvent")
    for kind in ("Practitioner", "Organization"):
        answer = get(node, f"{kind}?_count=10", token)
        if answer.status == 200:
            fhir_ok(answer, "Bundle")
        else:
            outcome(answer, 400, 403)

    # Errors are OperationOutcomes.
    outcome(get(node, "DocumentReference/no-such-record", token), 404, 403)
    outcome(get(node, "Observation/x", token), 404, 400)


def test_search_pages_link_to_each_other_and_cover_the_set(world: World, token: str) -> None:
    node, patient = world.node, world.patient.address
    everything = {d["id"] for d in search(node, f"DocumentReference?patient={patient}&_count=200", token)}
    assert len(everything) == 4
    first = fhir_ok(get(node, f"DocumentReference?patient={patient}&_count=1", token), "Bundle")
    assert first["total"] == 4 and len(first["entry"]) == 1
    relations = {l["relation"] for l in first["link"]}
    assert {"self", "next"} <= relations and "previous" not in relations, first["link"]
    paged = search(node, f"DocumentReference?patient={patient}&_count=1", token)
    assert {d["id"] for d in paged} == everything and len(paged) == 4
    nxt = urllib.parse.urlsplit(next(l["url"] for l in first["link"] if l["relation"] == "next"))
    second = fhir_ok(call(node, "GET", f"{nxt.path}?{nxt.query}", token), "Bundle")
    assert "previous" in {l["relation"] for l in second["link"]}, second["link"]


# ---------------------------------------------------------------------------------------------
# Authorisation: the scopes, the grants, the trail, revocation and retirement


def test_a_token_for_appointments_only_reads_no_documents(world: World) -> None:
    node, patient = world.node, world.patient.address
    appointments = token_for(world, world.patient, "patient/Appointment.rs")["access_token"]
    assert {a["id"] for a in search(node, f"Appointment?patient={patient}", appointments)} == set(world.appointments)
    outcome(get(node, f"DocumentReference/{world.records['visit_notes']}", appointments), 403)
    outcome(get(node, f"Binary/{world.records['reports']}-1", appointments), 403)
    found = get(node, f"DocumentReference?patient={patient}", appointments)
    if found.status == 200:
        bundle = fhir_ok(found, "Bundle")
        assert bundle["total"] == 0 and not bundle.get("entry"), bundle
    else:
        outcome(found, 403)


def test_a_doctors_user_token_sees_only_what_the_patient_granted(world: World) -> None:
    node, patient = world.node, world.patient.address
    reader = token_for(world, world.reader, "user/*.rs")
    assert "patient" not in reader or reader["patient"] in (None, ""), reader
    documents = search(node, f"DocumentReference?patient={patient}", reader["access_token"])
    assert [d["id"] for d in documents] == [world.records["lab_results"]], documents
    fhir_ok(get(node, f"DocumentReference/{world.records['lab_results']}", reader["access_token"]), "DocumentReference")
    outcome(get(node, f"DocumentReference/{world.records['visit_notes']}", reader["access_token"]), 403, 404)
    assert search(node, f"MedicationRequest?patient={patient}", reader["access_token"]) == []
    # The author, granted everything, sees all four documents.
    author = token_for(world, world.author, "user/*.rs")
    assert len(search(node, f"DocumentReference?patient={patient}", author["access_token"])) == 4


def test_each_fhir_read_is_one_ledger_entry_naming_the_app_on_the_patients_trail(world: World, token: str) -> None:
    node, patient = world.node, world.patient.address
    paths = [f"Patient/{patient}", f"DocumentReference/{world.records['lab_results']}",
             f"DocumentReference?patient={patient}", f"MedicationRequest/{world.records['prescriptions']}"]
    before = node.size()
    for path in paths:
        assert get(node, path, token).status == 200
    after = node.size()
    assert after - before == len(paths), (before, after)
    signers = set()
    for entry in entries_between(node, before, after):
        payload = payload_of(entry)
        assert payload["type"] == "page.view", payload["type"]
        signers.add(payload["signer"])
    assert len(signers) == 1 and world.patient.account.public_key not in signers, "signed by the app's session key"
    # The patient reads their own events (signed with their own key): the FHIR reads carry the app.
    status, answer = node.query(node.envelope(world.patient.account, "audit.events",
                                              {"query": {"patient": patient, "after": before - 1, "limit": 100}}))
    assert status == 200, answer
    events = [e for e in answer["result"]["events"] if before <= e["index"] < after]
    assert {e["index"] for e in events} == set(range(before, after)), events
    assert all(e.get("app") == CLIENT_ID and e["actor"] == patient for e in events), events
    # The same reads appear as FHIR AuditEvents naming the app.
    audit = search(node, f"AuditEvent?patient={patient}&_count=200", token)
    ids = {a["id"] for a in audit}
    assert {str(i) for i in range(before, after)} <= ids, (before, after, sorted(ids)[-10:])
    mine = next(a for a in audit if a["id"] == str(before))
    assert any(CLIENT_ID in json.dumps(agent) or "FHIR E2E Reader" in json.dumps(agent) for agent in mine["agent"]), mine["agent"]


def test_a_revoked_token_and_a_closed_session_answer_401(world: World) -> None:
    node, patient = world.node, world.patient.address
    revoked = token_for(world, world.patient, "patient/*.rs")["access_token"]
    fhir_ok(get(node, f"Patient/{patient}", revoked), "Patient")
    answer = post_form(node, "/oauth/revoke", {"token": revoked, "client_id": CLIENT_ID})
    assert answer.status == 200, answer
    outcome(get(node, f"Patient/{patient}", revoked), 401)

    closed = token_for(world, world.patient, "patient/*.rs")["access_token"]
    fhir_ok(get(node, f"Patient/{patient}", closed), "Patient")
    status, answer = node.query(node.envelope(world.patient.account, "app_sessions.list", {}))
    assert status == 200, answer
    sessions = [s for s in answer["result"]["appSessions"] if s.get("app") == CLIENT_ID and not s.get("closedAt")]
    newest = max(sessions, key=lambda s: s["createdAt"])
    send(node, world.patient.account, "session.close", {"session": newest["id"]})
    outcome(get(node, f"Patient/{patient}", closed), 401)
    alive(node)


def test_a_retired_apps_tokens_answer_401(world: World) -> None:
    node, patient = world.node, world.patient.address
    send(node, world.admin, "app.register", {"id": "fhir-retiring-app", "name": "Retiring App", "redirectURIs": [REDIRECT]})
    retiring = token_for(world, world.patient, "patient/*.rs", client_id="fhir-retiring-app")["access_token"]
    fhir_ok(get(node, f"Patient/{patient}", retiring), "Patient")
    send(node, world.admin, "app.retire", {"id": "fhir-retiring-app"})
    outcome(get(node, f"Patient/{patient}", retiring), 401)
    outcome(get(node, f"DocumentReference?patient={patient}", retiring), 401)


# ---------------------------------------------------------------------------------------------
# Hostile inputs: clear 4xx OperationOutcomes, never a server error, the process alive


def test_hostile_inputs_get_clear_4xx_answers_and_the_node_survives(world: World, token: str) -> None:
    node, patient = world.node, world.patient.address
    hostile = [
        f"DocumentReference?patient={patient}&_count=99999999999999999999999",
        f"DocumentReference?patient={patient}&_count=-5",
        f"DocumentReference?patient={patient}&_count=abc",
        f"DocumentReference?patient={patient}&date=2026-13-45",
        f"DocumentReference?patient={patient}&date=not-a-date",
        f"DocumentReference?patient={patient}&date=xx2026",
        f"DocumentReference?patient={patient}&no-such-parameter=1",
        f"Appointment?date=" + "9" * 10_000,
        "DocumentReference/..%2F..%2F..%2Fetc%2Fpasswd",
        "Binary/..%2F..%2Fmaster.key",
        "Binary/rec-reports-99999999999999999999999",
        "Patient/" + "a" * 5_000,
        "Patient/%00",
        "Provenance/%2e%2e",
    ]
    for path in hostile:
        answer = get(node, path, token)
        assert answer.status < 500, (path, answer)
        if answer.status >= 400:
            outcome(answer, answer.status)
        else:  # a server may clamp _count (FHIR allows fewer than asked)
            bundle = fhir_ok(answer, "Bundle")
            assert len(bundle.get("entry", [])) <= 200, path
    # Path traversal outside /fhir never reaches a file.
    traversal = call(node, "GET", "/fhir/../../master.key", token)
    assert traversal.status < 500 and b"PRIVATE" not in traversal.body, traversal

    # A 100 KB token and ten thousand headers.
    huge = call(node, "GET", f"/fhir/Patient/{patient}", "A" * 100_000)
    assert 400 <= huge.status < 500, huge
    if huge.content_type.startswith(FHIR_JSON):
        outcome(huge, huge.status)
    try:
        many = call(node, "GET", f"/fhir/Patient/{patient}", token,
                    header_list=[(f"X-Filler-{i}", "x") for i in range(10_000)])
        assert 400 <= many.status < 500, many
    except (ConnectionError, http.client.RemoteDisconnected):
        pass  # refusing the head before it is complete, by closing, is a clear answer too
    # Methods FHIR does not offer here.
    put = call(node, "PUT", f"/fhir/Patient/{patient}", token, headers={"Content-Type": FHIR_JSON}, body=b"{}")
    assert 400 <= put.status < 500, put
    alive(node)
    fhir_ok(get(node, f"Patient/{patient}", token), "Patient")


# ---------------------------------------------------------------------------------------------
# Provenance: the signed envelope and its place in the log


def test_provenance_carries_the_signed_entry_and_proves_its_inclusion(world: World, token: str) -> None:
    node, record = world.node, world.records["visit_notes"]
    provenance = fhir_ok(get(node, f"Provenance/{record}-2", token), "Provenance")
    assert any(t["reference"].endswith(f"DocumentReference/{record}/_history/2") or record in t["reference"]
               for t in provenance["target"]), provenance["target"]
    signature = provenance["signature"][0]
    assert signature["sigFormat"] == "application/vnd.dsse+json", signature
    assert any(c["code"] == "1.2.840.10065.1.12.1.1" for c in signature["type"]), signature["type"]
    envelope_bytes = base64.b64decode(signature["data"])
    envelope = json.loads(envelope_bytes)
    payload = base64.b64decode(envelope["payload"])
    body = json.loads(payload)
    assert body["type"] == "record.update" and body["body"]["record"] == record, body
    assert body["signer"] == world.author.account.public_key
    # The author's signature verifies over the DSSE pre-authentication encoding.
    raw = base64.b64decode(envelope["signatures"][0]["sig"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        world.author.account.key.public_key().verify(der, pae(PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        pytest.fail("the Provenance signature is not the author's")

    # The extensions give the entry index and a checkpoint: the entry is that log entry, and the
    # checkpoint's root is the Merkle tree of the log up to its size.
    extensions = {e["url"].rsplit("/", 1)[-1]: e for e in all_extensions(provenance)}
    index_ext = extensions["ledger-entry"]
    index = int(next(v for k, v in index_ext.items() if k.startswith("value")))
    checkpoint_ext = extensions["ledger-checkpoint"]
    note = next(v for k, v in checkpoint_ext.items() if k.startswith("value"))
    assert node.entry(index) == envelope_bytes
    lines = note.split("\n")
    size, root = int(lines[1]), base64.b64decode(lines[2])
    assert index < size
    leaves = [leaf_hash(node.entry(i)) for i in range(size)]
    assert mth(leaves) == root, "the checkpoint's root covers the entry"
    assert hashlib.sha256(b"\x00" + envelope_bytes).digest() == leaves[index]


def all_extensions(value) -> list[dict]:
    """Every extension anywhere in a resource (docs/FHIR.md names them `ledger-entry` and
    `ledger-checkpoint`, without fixing where they sit)."""
    found = []
    if isinstance(value, list):
        for item in value:
            found += all_extensions(item)
    elif isinstance(value, dict):
        found += [e for e in value.get("extension", []) if isinstance(e, dict) and "url" in e]
        for key, item in value.items():
            if key != "extension":
                found += all_extensions(item)
    return found


# ---------------------------------------------------------------------------------------------
# Bulk export


def test_patient_export_runs_async_and_every_ndjson_line_is_valid_r4(world: World, token: str) -> None:
    node, patient = world.node, world.patient.address
    outcome(get(node, f"Patient/{patient}/$export", token), 400)  # respond-async is required
    kick = call(node, "GET", f"/fhir/Patient/{patient}/$export", token, headers={"Prefer": "respond-async", "Accept": FHIR_JSON})
    assert kick.status == 202, kick
    status_url = urllib.parse.urlsplit(kick.headers["content-location"])
    deadline = time.time() + 60
    while True:
        polled = call(node, "GET", status_url.path + ("?" + status_url.query if status_url.query else ""), token,
                      headers={"Accept": "application/json"})
        if polled.status == 200:
            break
        assert polled.status == 202, polled
        assert time.time() < deadline, "the export did not finish"
        time.sleep(0.1)
    manifest = polled.json()
    assert manifest["requiresAccessToken"] is True and manifest["output"], manifest
    counts: dict[str, int] = {}
    for item in manifest["output"]:
        url = urllib.parse.urlsplit(item["url"])
        outcome(call(node, "GET", url.path, None, headers={"Accept": "application/fhir+ndjson"}), 401)
        file = call(node, "GET", url.path + ("?" + url.query if url.query else ""), token, headers={"Accept": "application/fhir+ndjson"})
        assert file.status == 200, file
        lines = [line for line in file.body.decode().split("\n") if line]
        assert len(lines) == item["count"], item
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == item["type"]
            validate(resource)
        counts[item["type"]] = counts.get(item["type"], 0) + len(lines)
    assert counts.get("Patient") == 1, counts
    assert counts.get("DocumentReference") == 4 and counts.get("MedicationRequest") == 1 and counts.get("Immunization") == 1, counts
