"""SMART App Launch over plain HTTP, as an app and its user's browser would do it, for e2e tests.

    tokens = authorize(node, account, "pat.demo", PASSWORD, "demo-app",
                       "http://127.0.0.1:9/callback", "launch/patient openid fhirUser patient/*.rs")
    tokens["access_token"], tokens["patient"]

`node` is anything with a `url` (medledger_client.Node, browser_support.WebNode). `account` is the
user's key (medledger_client.Account); pass None to unwrap it from the log-in answer with the
password, as the browser does (docs/WEB.md, "Keys, sign-up and sign-in"). The flow is the one the
authorise page's JavaScript runs: sign in, GET /oauth/authorize, sign the page's
`{"request", "body"}` block's body as `session.open` with the user's own key, POST it with the
CSRF token, take the code from the redirect and redeem it at /oauth/token with the PKCE verifier.
"""

from __future__ import annotations

import hashlib
import http.cookies
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medledger_client import Account, b64url, b64url_decode, origin_of_vkey


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - urllib hook
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def call(url: str, *, method: str = "GET", body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request without following redirects: (status, headers, body)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _opener.open(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def origin(node) -> str:
    """The ledger's origin, which every signed payload names."""
    return origin_of_vkey(call(node.url + "/log-key")[2].decode())


def pkce_pair() -> tuple[str, str]:
    """A fresh (code_verifier, S256 code_challenge)."""
    verifier = b64url(secrets.token_bytes(48))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def sign_in(node, username: str, password: str, account: Account | None = None) -> tuple[str, str, Account]:
    """Signs `username` in the way the browser does; returns the `Cookie` header value, the CSRF
    token of the session and the user's key (unwrapped with the password when not given)."""
    json_headers = {"Content-Type": "application/json", "Origin": node.url}
    status, _, raw = call(node.url + "/auth/prelogin", method="POST", body=json.dumps({"username": username}).encode(),
                          headers=json_headers)
    assert status == 200, raw
    salt = json.loads(raw)
    bits = hashlib.pbkdf2_hmac("sha256", password.encode(), b64url_decode(salt["salt"]), salt["iterations"], 64)
    status, _, raw = call(node.url + "/auth/login", method="POST",
                          body=json.dumps({"username": username, "authKey": b64url(bits[32:])}).encode(), headers=json_headers)
    assert status == 200, raw
    login = json.loads(raw)
    if account is None:
        wrapped = b64url_decode(login["wrappedKey"])
        der = AESGCM(bits[:32]).decrypt(wrapped[:12], wrapped[12:], f"medledger-key-v1:{login['address']}".encode())
        account = Account(serialization.load_der_private_key(der, password=None))
    assert account.address == login["address"], "the key is not this user's"
    envelope = account.envelope("session.open", {"sessionKey": login["sessionKey"], "expires": login["sessionExpires"]},
                                origin=origin(node))[0]
    status, headers, raw = call(node.url + "/auth/session", method="POST", body=envelope, headers=json_headers)
    assert status == 200, raw
    cookie = "ml_session=" + http.cookies.SimpleCookie(headers["Set-Cookie"])["ml_session"].value
    status, _, raw = call(node.url + "/account", headers={"Cookie": cookie})
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', raw.decode())
    assert match, "a signed-in page carries the CSRF token"
    return cookie, match.group(1), account


def authorization_block(html: str) -> dict:
    """The authorise page's `<script type="application/json" id="authorization">` block."""
    match = re.search(r'<script type="application/json" id="authorization">(.*?)</script>', html, re.S)
    assert match, "the authorise page carries its authorization block"
    return json.loads(match.group(1))


def authorize_url(node, client_id: str, redirect_uri: str, scopes: str, state: str, challenge: str) -> str:
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scopes,
        "state": state, "aud": node.url + "/fhir", "code_challenge": challenge, "code_challenge_method": "S256",
    })
    return f"{node.url}/oauth/authorize?{query}"


def redeem(node, code: str, verifier: str, client_id: str, redirect_uri: str) -> tuple[int, dict]:
    """POST /oauth/token for `code`: (status, JSON answer)."""
    form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                                   "client_id": client_id, "redirect_uri": redirect_uri}).encode()
    status, _, raw = call(node.url + "/oauth/token", method="POST", body=form,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    return status, json.loads(raw)


def revoke(node, token: str) -> int:
    """POST /oauth/revoke (RFC 7009): the status, always 200."""
    return call(node.url + "/oauth/revoke", method="POST", body=urllib.parse.urlencode({"token": token}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"})[0]


def authorize(node, account: Account | None, username: str, password: str, client_id: str, redirect_uri: str,
              scopes: str) -> dict:
    """The whole standalone launch without a browser; returns the token endpoint's answer
    (`access_token`, `token_type`, `expires_in`, `scope`, `patient`?, `id_token`?)."""
    cookie, csrf, account = sign_in(node, username, password, account)
    verifier, challenge = pkce_pair()
    state = b64url(secrets.token_bytes(12))
    status, headers, raw = call(authorize_url(node, client_id, redirect_uri, scopes, state, challenge),
                                headers={"Cookie": cookie, "Accept": "text/html"})
    assert status == 200, (status, headers.get("Location"), raw[:500])
    block = authorization_block(raw.decode())
    envelope = account.envelope("session.open", block["body"], origin=origin(node))[0]
    status, _, raw = call(node.url + "/oauth/authorize", method="POST",
                          body=json.dumps({"request": block["request"], "envelope": json.loads(envelope)}).encode(),
                          headers={"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json", "Origin": node.url})
    assert status == 200, raw
    redirect = json.loads(raw)["redirect"]
    assert redirect.startswith(redirect_uri), redirect
    answer = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect).query)
    assert answer["state"] == [state]
    status, tokens = redeem(node, answer["code"][0], verifier, client_id, redirect_uri)
    assert status == 200, tokens
    return tokens


def register_app(node, admin: Account, client_id: str, name: str, redirect_uris: list[str]) -> dict:
    """Registers a SMART app (`app.register`, signed by a system administrator); returns the answer."""
    envelope = admin.envelope("app.register", {"id": client_id, "name": name, "redirectURIs": list(redirect_uris)},
                              origin=origin(node))[0]
    status, _, raw = call(node.url + "/v1/transactions", method="POST", body=envelope,
                          headers={"Content-Type": "application/json"})
    answer = json.loads(raw)
    assert status in (200, 201), answer
    return answer
