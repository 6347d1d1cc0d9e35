"""Witnesses end to end: `medledger witness init/serve` and `medledger serve --witness`.

The cosignatures are checked here from the C2SP tlog-cosignature text alone (message built by
hand, Ed25519 from `cryptography`), and a fork is forged with the node's own key to show that the
witness refuses it with 409 and keeps the request as evidence.
"""

from __future__ import annotations

import base64
import hashlib
import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from medledger_client import binary, free_port, parse_vkey, run_cli, service_account

ORIGIN = "witness-e2e.medledger.localhost/log"
WITNESS_NAME = "witness-e2e.localhost/w1"


class Process:
    """A `medledger` server process on loopback, its log in a file."""

    def __init__(self, args: list[str], port: int, log: Path, ready_path: str):
        self.args, self.port, self.log, self.ready_path = args, port, log, ready_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen([binary(), *self.args, "--port", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=self.log.open("ab"))
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                get(self.url + self.ready_path)
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.args[0]} exited: " + self.log.read_text())
                time.sleep(0.1)
        raise RuntimeError(f"{self.args[0]} did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def get_status(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post(url: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    text, _, signatures = note.rpartition("\n\n")
    lines = []
    for line in signatures.strip("\n").split("\n"):
        assert line.startswith("\u2014 ")
        name, blob = line[2:].split(" ")
        lines.append((name, base64.b64decode(blob)))
    return text + "\n", lines


def log_signature_valid(note: str, vkey: str) -> bool:
    name, key_id, key_type, public = parse_vkey(vkey)
    assert key_type == 0x01
    text, lines = split_note(note)
    for line_name, blob in lines:
        if line_name == name and blob[:4] == key_id:
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], text.encode())
                return True
            except Exception:
                return False
    return False


def cosignature_time(note: str, vkey: str) -> int | None:
    """tlog-cosignature v1: key ID || u64 big-endian time || Ed25519 over
    'cosignature/v1\\ntime <t>\\n' + note text."""
    name, key_id, key_type, public = parse_vkey(vkey)
    assert key_type == 0x04
    text, lines = split_note(note)
    for line_name, blob in lines:
        if line_name != name or blob[:4] != key_id or len(blob) != 4 + 8 + 64:
            continue
        timestamp = int.from_bytes(blob[4:12], "big")
        message = f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(blob[12:], message)
            return timestamp
        except Exception:
            return None
    return None


def wait_for(condition, seconds: float = 20, what: str = "") -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out: " + what)


def size_of(note: bytes) -> int:
    return int(note.decode().split("\n")[1])


@pytest.fixture()
def setup(tmp_path: Path):
    data, wdir = tmp_path / "data", tmp_path / "witness-data"
    result = run_cli("init", "--data", str(data), "--origin", ORIGIN)
    assert result.returncode == 0, result.stderr
    log_key = next(line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("log key: "))
    result = run_cli("witness", "init", "--dir", str(wdir), "--name", WITNESS_NAME, "--log-key", log_key)
    assert result.returncode == 0, result.stderr
    witness_key = next(line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("witness key: "))
    assert (wdir / "witness-key.json").stat().st_mode & 0o777 == 0o600
    witness = Process(["witness", "serve", "--dir", str(wdir), "--log-level", "warning"], free_port(), tmp_path / "witness.log", "/")
    witness.start()
    node = Process(["serve", "--data", str(data), "--log-level", "warning",
                    "--witness", f"http://127.0.0.1:{witness.port}={witness_key}"],
                   free_port(), tmp_path / "node.log", "/checkpoint/latest")
    node.start()
    try:
        yield data, wdir, log_key, witness_key, witness, node
    finally:
        node.stop()
        witness.stop()


def test_checkpoint_carries_a_valid_cosignature_and_sequencing_survives_the_witness(setup) -> None:
    data, wdir, log_key, witness_key, witness, node = setup
    account = service_account(data)  # pings are the node operator's
    for _ in range(5):
        status, _ = post(node.url + "/v1/transactions", account.envelope("ledger.ping", {}, origin=ORIGIN)[0])[:2]
        assert status == 201
    latest = lambda: size_of(get(node.url + "/checkpoint/latest"))
    assert latest() == 6
    wait_for(lambda: get_status(node.url + "/checkpoint")[0] == 200 and size_of(get(node.url + "/checkpoint")) == 6,
             what="the latest checkpoint is cosigned")
    note = get(node.url + "/checkpoint").decode()
    assert log_signature_valid(note, log_key)
    cosigned_at = cosignature_time(note, witness_key)
    assert cosigned_at is not None and abs(cosigned_at - time.time()) < 120
    # The served note is the log's latest with one extra line.
    assert note.startswith(get(node.url + "/checkpoint/latest").decode().rstrip("\n"))

    # The witness goes away: sequencing does not wait for it, /checkpoint stays at the last witnessed one.
    witness.stop()
    started = time.time()
    for _ in range(20):
        status, _ = post(node.url + "/v1/transactions", account.envelope("ledger.ping", {}, origin=ORIGIN)[0])[:2]
        assert status == 201
    assert time.time() - started < 10
    assert latest() == 26
    assert size_of(get(node.url + "/checkpoint")) == 6

    # Back again: the node catches it up with a consistency proof from 6.
    witness.start()
    wait_for(lambda: size_of(get(node.url + "/checkpoint")) == 26, what="the witness catches up")
    note = get(node.url + "/checkpoint").decode()
    assert log_signature_valid(note, log_key) and cosignature_time(note, witness_key) is not None

    # After a restart, the node serves the saved cosigned checkpoint at once.
    node.stop()
    witness.stop()
    node.start()
    status, body = get_status(node.url + "/checkpoint")
    assert status == 200 and size_of(body) == 26 and cosignature_time(body.decode(), witness_key) is not None


def test_a_forked_checkpoint_is_refused_with_409_and_kept_as_evidence(setup) -> None:
    data, wdir, log_key, witness_key, witness, node = setup
    account = service_account(data)  # pings are the node operator's
    for _ in range(3):
        assert post(node.url + "/v1/transactions", account.envelope("ledger.ping", {}, origin=ORIGIN)[0])[0] == 201
    wait_for(lambda: get_status(node.url + "/checkpoint")[0] == 200 and size_of(get(node.url + "/checkpoint")) == 4,
             what="size 4 is cosigned")
    node.stop()  # nothing else reaches the witness now
    recorded = 4

    # Same size, another root, signed with the node's own key from node-key.json: a fork.
    key_file = json.loads((data / "node-key.json").read_text())
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(key_file["ed25519PrivateKey"]))
    origin = key_file["origin"]
    name, key_id, _, _ = parse_vkey(log_key)
    assert name == origin
    text = (f"{origin}\n{recorded}\n{base64.b64encode(hashlib.sha256(b'forked').digest()).decode()}\n"
            f"time {int(time.time() * 1000)}\nprev 0 {base64.b64encode(bytes(32)).decode()}\n")
    signature = private.sign(text.encode())
    note = text + "\n" + f"\u2014 {origin} " + base64.b64encode(key_id + signature).decode() + "\n"
    assert log_signature_valid(note, log_key)
    body = f"old {recorded}\n\n{note}".encode()
    status, headers, answer = post(witness.url + "/add-checkpoint", body)
    assert status == 409
    assert headers.get("Content-Type") == "text/x.tlog.size"
    assert answer == f"{recorded}\n".encode()

    evidence = sorted((wdir / "evidence").glob("*-fork-*.request"))
    assert len(evidence) == 1
    assert evidence[0].read_bytes() == body
    described = json.loads(evidence[0].with_suffix(".json").read_text())
    assert described["reason"] == "fork" and described["origin"] == origin
    assert f"\n{recorded}\n" in described["recordedCheckpoint"]
    shown = run_cli("witness", "show", "--dir", str(wdir))
    assert shown.returncode == 0 and "evidence: 1 refused request(s)" in shown.stdout
