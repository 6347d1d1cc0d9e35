"""`serve --tls-cert/--tls-key`: HTTPS with HSTS, and a session cookie marked Secure. The client
here is independent of the browser code: it derives the keys with Python's hashlib and signs the
`session.open` with its own DSSE signer."""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.cookies
import json
import os
import ssl
import subprocess
import time
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from medledger_client import Account, b64url, b64url_decode, binary, free_port, origin_of_vkey

PASSWORD = "tls-admin-password"


def self_signed(directory) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_https_sets_secure_session_cookie(tmp_path):
    data = tmp_path / "data"
    subprocess.run([binary(), "init", "--data", str(data)], check=True, capture_output=True)
    subprocess.run(
        [binary(), "passwd", "--data", str(data), "--key", str(data / "admin-key.json"), "--username", "root.admin"],
        check=True, capture_output=True, env={**os.environ, "MEDLEDGER_PASSWORD": PASSWORD},
    )
    cert, key = self_signed(tmp_path)
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([binary(), "serve", "--data", str(data), "--port", str(port), "--tls-cert", cert, "--tls-key", key],
                            stdout=log, stderr=subprocess.STDOUT)
    context = ssl.create_default_context(cafile=cert)
    context.check_hostname = False
    base = f"https://127.0.0.1:{port}"

    def call(path: str, body: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(base + path, data=body, headers=headers or {}, method="POST" if body is not None else "GET")
        try:
            with urllib.request.urlopen(request, context=context, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    try:
        deadline = time.time() + 60
        while True:
            try:
                status, headers, _ = call("/login")
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=")

        _, _, raw = call("/auth/prelogin", json.dumps({"username": "root.admin"}).encode(), {"Content-Type": "application/json"})
        salt = json.loads(raw)
        bits = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), b64url_decode(salt["salt"]), salt["iterations"], 64)
        status, _, raw = call("/auth/login", json.dumps({"username": "root.admin", "authKey": b64url(bits[32:])}).encode())
        assert status == 200, raw
        login = json.loads(raw)

        admin_file = json.loads((data / "admin-key.json").read_text())
        admin = Account.from_key_file(data / "admin-key.json")
        assert login["address"] == admin_file["address"] == admin.address
        origin = origin_of_vkey(call("/log-key")[2].decode())
        envelope, _ = admin.envelope("session.open", {"sessionKey": login["sessionKey"], "expires": login["sessionExpires"]}, origin=origin)
        status, headers, raw = call("/auth/session", envelope, {"Content-Type": "application/json"})
        assert status == 200, raw
        cookie = http.cookies.SimpleCookie(headers["Set-Cookie"])["ml_session"]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
