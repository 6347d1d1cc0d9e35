"""`medledger keys` and `medledger tx` sign and submit transactions from scripts."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from medledger_client import Node, run_cli


def test_tx_signs_and_submits_and_reports_refusals(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli("init", "--data", str(data)).returncode == 0
    key = tmp_path / "key.json"
    made = run_cli("keys", "--out", str(key))
    assert made.returncode == 0, made.stderr
    assert (key.stat().st_mode & 0o777) == 0o600
    address = json.loads(key.read_text())["address"]

    node = Node(data)
    node.start()
    try:
        accepted = run_cli("tx", "patient.register", "--key", str(key), "--url", node.url)
        assert accepted.returncode == 0, accepted.stdout + accepted.stderr
        answer = json.loads(accepted.stdout)
        assert answer["index"] == 1
        entry = json.loads(node.entry(1))
        assert entry["signatures"][0]["keyid"] == address
        assert json.loads(base64.b64decode(entry["payload"]))["type"] == "patient.register"

        # A ping is the node operator's: from any other key it is refused and never reaches the ledger.
        not_ours = run_cli("tx", "ledger.ping", "--key", str(key), "--url", node.url)
        assert not_ours.returncode == 1
        assert json.loads(not_ours.stdout)["error"]["code"] == "operator_only"
        service = tmp_path / "service.json"
        assert run_cli("keys", "--node-service", "--data", str(data), "--out", str(service)).returncode == 0
        pinged = run_cli("tx", "ledger.ping", "--key", str(service), "--url", node.url)
        assert pinged.returncode == 0, pinged.stdout + pinged.stderr
        assert json.loads(pinged.stdout)["index"] == 2

        refused = run_cli("tx", "no.such.type", "--key", str(key), "--url", node.url)
        assert refused.returncode == 1
        assert json.loads(refused.stdout)["error"]["code"] == "unknown_transaction_type"

        bad_body = run_cli("tx", "ledger.ping", "--key", str(key), "--body", "[1]", "--url", node.url)
        assert bad_body.returncode != 0
        assert "--body must be a JSON object" in bad_body.stderr

        size = int(node.get("/checkpoint").decode().split("\n")[1])
        assert size == 3, "refused transactions must not reach the ledger"
    finally:
        node.stop()
