"""A small, independent MedLedger client for end-to-end tests.

It builds DSSE envelopes and checks RFC 6962 hashes from the published formats alone, using
Python's `cryptography` package, so the tests exercise the wire formats rather than the Swift
code's own helpers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

PAYLOAD_TYPE = "application/vnd.medledger.tx+json"
# The order of the P-256 group: (r, s) and (r, n - s) both verify, and the ledger accepts only
# s <= n/2 (low-S), so every signature has one encoding.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
ROOT = Path(__file__).resolve().parent.parent


def binary() -> str:
    return os.environ.get("MEDLEDGER_BIN", str(ROOT / ".build" / "debug" / "medledger"))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


@dataclass
class Account:
    key: ec.EllipticCurvePrivateKey

    @classmethod
    def new(cls) -> "Account":
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @property
    def point(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    @classmethod
    def from_key_file(cls, path: Path) -> "Account":
        """Loads a `medledger keys` / `medledger init` key file (base64url 32-byte scalar)."""
        data = json.loads(Path(path).read_text())
        raw = b64url_decode(data["privateKey"])
        account = cls(ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()))
        assert account.public_key == data["publicKey"] and account.address == data["address"], "key file does not match"
        return account

    @property
    def public_key(self) -> str:
        """The account's public key as the API names it: base64url of the uncompressed point."""
        return b64url(self.point)

    @property
    def address(self) -> str:
        return "ml" + hashlib.sha256(self.point).digest()[:20].hex()

    def raw_sign(self, message: bytes) -> bytes:
        """ECDSA P-256 SHA-256 over `message`, as 64 bytes r||s in low-S form."""
        r, s = decode_dss_signature(self.key.sign(message, ec.ECDSA(hashes.SHA256())))
        return low_s(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def request_authorization(self, method: str, target: str, body: bytes, time_ms: int | None = None) -> str:
        """The `Authorization: MedLedger ...` header value for a signed HTTP request (blob uploads)."""
        time_ms = int(time.time() * 1000) if time_ms is None else time_ms
        message = f"medledger-request-v1\n{method.upper()}\n{target}\n{time_ms}\n{hashlib.sha256(body).hexdigest()}"
        sig = self.raw_sign(message.encode())
        return f'MedLedger key="{self.public_key}", time="{time_ms}", sig="{b64url(sig)}"'

    def signup_proof(self, *, origin: str, challenge: str, username: str, role: str) -> str:
        """The sign-up proof of possession (docs/WEB.md): base64url low-S r||s over the
        domain-separated text binding the challenge, the ledger's origin, the username and the role."""
        message = "\n".join(["medledger-signup-v1", origin, challenge, username, role])
        return b64url(self.raw_sign(message.encode()))

    def payload(self, tx_type: str, body: dict, *, origin: str, nonce: str | None = None,
                ttl_ms: int = 600_000) -> tuple[bytes, str]:
        """The payload bytes of an action for the ledger named `origin` (see `Node.origin`)."""
        nonce = nonce or b64url(secrets.token_bytes(16))
        payload = json.dumps(
            {"type": tx_type, "origin": origin, "signer": b64url(self.point), "nonce": nonce,
             "expires": int(time.time() * 1000) + ttl_ms, "body": body},
            separators=(",", ":"),
        ).encode()
        return payload, nonce

    def sign_payload(self, payload: bytes) -> bytes:
        """A DSSE envelope (JSON bytes) signing `payload` exactly as given, in low-S form."""
        sig = self.raw_sign(pae(PAYLOAD_TYPE, payload))
        envelope = {
            "payloadType": PAYLOAD_TYPE,
            "payload": base64.b64encode(payload).decode(),
            "signatures": [{"keyid": self.address, "sig": base64.b64encode(sig).decode()}],
        }
        return json.dumps(envelope, separators=(",", ":")).encode()

    def envelope(self, tx_type: str, body: dict, nonce: str | None = None, ttl_ms: int = 600_000, *,
                 origin: str) -> tuple[bytes, str]:
        """A signed envelope of `tx_type` for the ledger named `origin`, and its nonce."""
        payload, nonce = self.payload(tx_type, body, origin=origin, nonce=nonce, ttl_ms=ttl_ms)
        return self.sign_payload(payload), nonce


def low_s(signature: bytes) -> bytes:
    """The low-S form of a 64-byte r||s signature: s becomes n - s when it is above n/2."""
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if s > P256_ORDER // 2:
        s = P256_ORDER - s
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def high_s_twin(envelope: bytes) -> bytes:
    """The same envelope with its signature replaced by the other valid encoding, (r, n - s)."""
    data = json.loads(envelope)
    sig = base64.b64decode(data["signatures"][0]["sig"])
    r, s = sig[:32], int.from_bytes(sig[32:], "big")
    data["signatures"][0]["sig"] = base64.b64encode(r + (P256_ORDER - s).to_bytes(32, "big")).decode()
    return json.dumps(data, separators=(",", ":")).encode()


def origin_of_vkey(vkey: str) -> str:
    """The log's origin: the name part of its verifier key, before the first '+'."""
    name = vkey.strip().split("+", 1)[0]
    assert name, f"malformed verifier key {vkey!r}"
    return name


def parse_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """A signed-note verifier key `name+hex id+base64(type || key)` -> (name, key id, type, public
    key), checking that the key ID is SHA-256(name || "\\n" || type || key)[:4]."""
    name, key_id, material = vkey.strip().split("+", 2)
    raw = base64.b64decode(material)
    assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_id
    return name, bytes.fromhex(key_id), raw[0], raw[1:]


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash of leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def tile_index(n: int) -> str:
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def unbundle(data: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        length = int.from_bytes(data[i:i + 2], "big")
        out.append(data[i + 2:i + 2 + length])
        i += 2 + length
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """A real `medledger serve` process on loopback."""

    def __init__(self, data: Path, port: int | None = None, extra_args: tuple[str, ...] = ()):
        self.data = data
        self.port = port or free_port()
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen | None = None
        self._origin: str | None = None
        self._service: Account | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        """The ledger's origin, which every signed payload names (read once from `GET /log-key`)."""
        if self._origin is None:
            self._origin = origin_of_vkey(self.get("/log-key").decode())
        return self._origin

    def envelope(self, account: "Account", tx_type: str, body: dict, **options) -> bytes:
        """`account`'s signed envelope of `tx_type` for this node's ledger."""
        return account.envelope(tx_type, body, origin=self.origin, **options)[0]

    def service_account(self) -> "Account":
        """The node's service key, the only key whose `ledger.ping` admission takes, exported from
        the data directory with `medledger keys --node-service` (as an operator's monitor would)."""
        if self._service is None:
            self._service = service_account(self.data)
        return self._service

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [binary(), "serve", "--data", str(self.data), "--port", str(self.port), "--log-level", "warning",
             *self.extra_args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                self.get("/checkpoint")
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("medledger serve exited: " + self.proc.stderr.read().decode())
                time.sleep(0.1)
        raise RuntimeError("medledger serve did not start")

    def kill9(self) -> None:
        assert self.proc
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read()

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path, data=body, method="POST",
                                         headers=headers or {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def submit(self, envelope: bytes) -> tuple[int, dict]:
        return self.post("/v1/transactions", envelope)

    def challenge(self) -> str:
        """A single-use sign-up challenge (`POST /auth/challenge`)."""
        status, answer = self.post("/auth/challenge", b"{}")
        assert status == 200, answer
        return answer["challenge"]

    def signup(self, account: Account, username: str, role: str, *, auth_key: bytes, salt: bytes,
               wrapped_key: str, iterations: int = 600_000, envelope: bytes | None = None) -> tuple[int, dict]:
        """`POST /auth/signup` for `account`'s key, with a fresh challenge signed by that key.
        Patients and doctors pass their signed registration as `envelope`."""
        challenge = self.challenge()
        body = {"username": username, "role": role, "publicKey": account.public_key, "salt": b64url(salt),
                "iterations": iterations, "wrappedKey": wrapped_key, "authKey": b64url(auth_key),
                "challenge": challenge,
                "proof": account.signup_proof(origin=self.origin, challenge=challenge, username=username, role=role)}
        if envelope is not None:
            body["envelope"] = json.loads(envelope)
        return self.post("/auth/signup", json.dumps(body).encode())

    def query(self, envelope: bytes) -> tuple[int, dict]:
        """`POST /v1/queries`: a signed read action."""
        return self.post("/v1/queries", envelope)

    def upload(self, account: Account, owner: str, content: bytes, media_type: str | None = None) -> tuple[int, dict]:
        """`POST /v1/blobs?owner=...` signed by `account`; the node encrypts under `owner`'s key.
        The media type defaults to JSON for a JSON document and plain text otherwise."""
        target = f"/v1/blobs?owner={owner}"
        if media_type is None:
            media_type = "application/json" if content.lstrip()[:1] in (b"{", b"[") else "text/plain"
        headers = {"Content-Type": media_type,
                   "Authorization": account.request_authorization("POST", target, content)}
        return self.post(target, content, headers)

    def size(self) -> int:
        return int(self.get("/checkpoint").decode().split("\n")[1])

    def entry(self, index: int) -> bytes:
        tile, offset = divmod(index, 256)
        size = int(self.get("/checkpoint").decode().split("\n")[1])
        width = min(256, size - tile * 256)
        path = f"/tile/entries/{tile_index(tile)}" + ("" if width == 256 else f".p/{width}")
        return unbundle(self.get(path))[offset]


def service_account(data: Path) -> Account:
    """The service key of the node whose data directory is `data` (`medledger keys --node-service`):
    the only key that may sign `ledger.ping`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "service-key.json"
        exported = run_cli("keys", "--node-service", "--data", str(data), "--out", str(path))
        assert exported.returncode == 0, exported.stderr
        return Account.from_key_file(path)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary(), *args], capture_output=True, text=True, timeout=600)
