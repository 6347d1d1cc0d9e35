"""The browser's own signing and entry checks, run in Chromium against a real node.

- ledger.js: envelopes the page signs name the ledger's origin and carry only low-S signatures, and
  the node accepts them; so do the signed `Authorization` headers of uploads.
- proofs.js: the auditor's verifier refuses, with the reason named, every entry the node's
  admission would refuse — a high-S signature, another or no origin, duplicate member names,
  lone surrogates, integers beyond 2^53, invalid UTF-8, members nobody reads, a keyid that is not
  the signer — and accepts the node's real entries.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import urllib.error
import urllib.request

import pytest

from browser_support import ROOT, WEB_ROOT, WebNode
from medledger_client import P256_ORDER, Account, Node, b64url, high_s_twin, origin_of_vkey, run_cli


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    data = tmp_path_factory.mktemp("verifier") / "data"
    made = run_cli("init", "--data", str(data))
    assert made.returncode == 0, made.stderr
    with WebNode(data, web_root=WEB_ROOT, demo=False) as node:
        node.origin = origin_of_vkey(get(node.url + "/log-key").decode())
        yield node


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def page(chromium, web):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(web.url + "/login")
    yield page
    context.close()


def hand_payload(account: Account, origin_member: str, body: str = "{}", tx_type: str = '"ledger.ping"') -> bytes:
    """Payload text written by hand; `origin_member` is inserted verbatim (e.g. `"origin":"x",`)."""
    expires = int(time.time() * 1000) + 600_000
    return (f'{{"type":{tx_type},{origin_member}"signer":"{account.public_key}",'
            f'"nonce":"{b64url(secrets.token_bytes(16))}","expires":{expires},"body":{body}}}').encode()


CHECK_ENTRIES = """async ([entries, origin]) => {
  const proofs = await import("/static/js/proofs.js");
  const out = [];
  for (const text of entries) {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    try {
      const opened = await proofs.openEntry(bytes, origin);
      out.push("ok " + opened.type);
    } catch (error) {
      out.push(error.message);
    }
  }
  return out;
}"""


def test_the_verifier_refuses_entries_the_node_would_refuse(page, web) -> None:
    account = Account.new()
    origin = web.origin
    good = account.sign_payload(hand_payload(account, f'"origin":{json.dumps(origin)},'))
    cases = {
        "good": good,
        "high-S": high_s_twin(good),
        "other origin": account.sign_payload(hand_payload(account, '"origin":"other.example/log",')),
        "no origin": account.sign_payload(hand_payload(account, "")),
        "duplicate in payload": account.sign_payload(
            hand_payload(account, f'"origin":{json.dumps(origin)},', body='{"a":1,"a":2}')),
        "duplicate in envelope": good.replace(b'"payloadType":', b'"payloadType":"x","payloadType":', 1),
        "lone surrogate": account.sign_payload(
            hand_payload(account, f'"origin":{json.dumps(origin)},', body='{"note":"\\udc00"}')),
        "big integer": account.sign_payload(
            hand_payload(account, f'"origin":{json.dumps(origin)},', body='{"n":9007199254740993}')),
        "invalid UTF-8": account.sign_payload(
            hand_payload(account, f'"origin":{json.dumps(origin)},', body='{"note":"X"}').replace(b'"X"', b'"\xc0\xaf"')),
        "not JSON": account.sign_payload(hand_payload(account, f'"origin":{json.dumps(origin)},', body="{'a':1}")),
        "unread payload member": account.sign_payload(hand_payload(account, f'"origin":{json.dumps(origin)},"memo":"x",')),
        "unread envelope member": good.replace(b'"payloadType":', b'"memo":"x","payloadType":', 1),
        "other keyid": good.replace(account.address.encode(), Account.new().address.encode()),
    }
    # The node's own entries pass (entry 0 is the genesis the node signed; entry 1 the operator's ping).
    reader = Node(web.data, port=web.port)
    status, raw = post(web.url + "/v1/transactions", reader.service_account().envelope("ledger.ping", {}, origin=origin)[0],
                       {"Content-Type": "application/json"})
    assert status == 201, raw
    cases["node entry 0"] = reader.entry(0)
    cases["node entry 1"] = reader.entry(1)

    results = dict(zip(cases, page.evaluate(CHECK_ENTRIES, [[base64.b64encode(v).decode() for v in cases.values()], origin])))
    assert results["good"] == "ok ledger.ping", results
    assert results["node entry 0"].startswith("ok "), results
    assert results["node entry 1"] == "ok ledger.ping", results
    assert "low-S" in results["high-S"], results
    assert "other.example/log" in results["other origin"] and origin in results["other origin"], results
    assert "no log origin" in results["no origin"], results
    assert "payload is not I-JSON" in results["duplicate in payload"] and '"a" appears twice' in results["duplicate in payload"], results
    assert "envelope is not I-JSON" in results["duplicate in envelope"] and "appears twice" in results["duplicate in envelope"], results
    assert "surrogate" in results["lone surrogate"], results
    assert "9007199254740993" in results["big integer"], results
    assert "UTF-8" in results["invalid UTF-8"], results
    assert "not I-JSON" in results["not JSON"], results
    assert '"memo"' in results["unread payload member"] and "payload" in results["unread payload member"], results
    assert '"memo"' in results["unread envelope member"] and "envelope" in results["unread envelope member"], results
    assert "keyid" in results["other keyid"], results


SIGN_IN_PAGE = """async ([count]) => {
  const ledger = await import("/static/js/ledger.js");
  const key = await ledger.generateKeyPair();
  const envelopes = [];
  for (let i = 0; i < count; i++) envelopes.push(JSON.stringify(await ledger.signEnvelope(key, "organizations.list", {})));
  const body = new TextEncoder().encode("browser upload");
  const target = "/v1/blobs?owner=" + key.address;
  const authorization = await ledger.requestAuthorization(key, "POST", target, body);
  const upload = await fetch(target, { method: "POST", headers: { "Content-Type": "text/plain", Authorization: authorization }, body });
  return { address: key.address, envelopes, authorization, uploadStatus: upload.status };
}"""


def test_the_page_signs_low_s_envelopes_for_this_ledger(page, web) -> None:
    # 24 signatures: the chance that WebCrypto returned no high-S one to normalise is 2^-24.
    signed = page.evaluate(SIGN_IN_PAGE, [24])
    for text in signed["envelopes"]:
        envelope = json.loads(text)
        payload = json.loads(base64.b64decode(envelope["payload"]))
        assert payload["origin"] == web.origin, payload
        sig = base64.b64decode(envelope["signatures"][0]["sig"])
        assert len(sig) == 64 and int.from_bytes(sig[32:], "big") <= P256_ORDER // 2
        status, raw = post(web.url + "/v1/transactions", text.encode(), {"Content-Type": "application/json"})
        # A key with no account: the contracts deny the read, so the node accepted the signature and
        # sequenced the entry (a refused signature would be a 400 with no receipt).
        answer = json.loads(raw)
        assert status == 403 and answer["error"]["code"] == "denied" and "receipt" in answer, raw
    sig = signed["authorization"].split('sig="', 1)[1].rstrip('"')
    raw_sig = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    assert int.from_bytes(raw_sig[32:], "big") <= P256_ORDER // 2
    # The upload's owner is not a registered patient, so the node may refuse it, but never for its signature.
    assert signed["uploadStatus"] != 401, signed


def test_signing_without_the_ledger_name_fails_in_plain_words(chromium, web) -> None:
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(web.url + "/login")
        page.route(web.url + "/log-key", lambda route: route.fulfill(status=503, body="unavailable"))
        message = page.evaluate("""async () => {
          const ledger = await import("/static/js/ledger.js");
          const key = await ledger.generateKeyPair();
          try { await ledger.signEnvelope(key, "ledger.ping", {}); return "signed"; } catch (error) { return error.message; }
        }""")
        assert "ledger's name" in message, message
    finally:
        context.close()


PASSWORD_VECTORS = """async (vectors) => {
  const ledger = await import("/static/js/ledger.js");
  const results = [];
  for (const vector of vectors) {
    const keys = await ledger.deriveKeys(vector.password, vector.salt, vector.iterations);
    const key = await ledger.unwrapPrivateKey(vector.wrappedKey, keys.wrappingKey, vector.address, { extractable: true });
    const jwk = await crypto.subtle.exportKey("jwk", key);
    let wrongPassword = "opened";
    try {
      const wrong = await ledger.deriveKeys(vector.password + "!", vector.salt, vector.iterations);
      await ledger.unwrapPrivateKey(vector.wrappedKey, wrong.wrappingKey, vector.address);
    } catch (error) { wrongPassword = error.message; }
    results.push({ authKey: keys.authKey, x: jwk.x, y: jwk.y, wrongPassword });
  }
  return results;
}"""


def test_the_browser_derives_the_shared_password_key_vectors(page) -> None:
    """Tests/Vectors/password-keys.json holds Swift's `PasswordKeys` and the browser to one derivation."""
    vectors = json.loads((ROOT / "Tests" / "Vectors" / "password-keys.json").read_text())["vectors"]
    results = page.evaluate(PASSWORD_VECTORS, vectors)
    assert len(results) == len(vectors) >= 2
    for vector, result in zip(vectors, results):
        assert result["authKey"] == vector["authKey"], vector["password"]
        point = base64.urlsafe_b64decode(vector["publicKey"] + "=" * (-len(vector["publicKey"]) % 4))
        assert b64url(point[1:33]) == result["x"] and b64url(point[33:]) == result["y"], vector["password"]
        assert "password does not unlock" in result["wrongPassword"], result


BUNDLE_VECTORS = """async ([logKeyText, cases]) => {
  const proofs = await import("/static/js/proofs.js");
  const logKey = await proofs.parseLogKey(logKeyText);
  const answers = [];
  for (const vector of cases) {
    try {
      answers.push((await proofs.verifyBundle(vector.bundle, logKey)).failures);
    } catch (error) {
      answers.push(["thrown: " + error.message]);
    }
  }
  return answers;
}"""


def first_number(text: str) -> str | None:
    match = re.search(r"\d+", text)
    return match.group(0) if match else None


def test_the_browser_verifier_fails_the_shared_tampered_bundles_as_the_node_does(page) -> None:
    """Tests/Vectors/audit-bundles.json: Core's AuditBundleVerifier's answers, which proofs.js must match."""
    vectors = json.loads((ROOT / "Tests" / "Vectors" / "audit-bundles.json").read_text())
    cases = vectors["cases"]
    answers = page.evaluate(BUNDLE_VECTORS, [vectors["logKey"], cases])
    assert len(answers) == len(cases) >= 10
    for vector, failures in zip(cases, answers):
        expected = vector["failures"]
        assert len(failures) == len(expected), (vector["name"], failures, expected)
        # The same rule fires on the same entry or version: each failure names the same number first.
        assert sorted(map(str, map(first_number, failures))) == sorted(map(str, map(first_number, expected))), (vector["name"], failures, expected)
