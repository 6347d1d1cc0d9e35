"""kill -9 a real node under load: every acknowledged entry survives and the ledger verifies."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from medledger_client import Account, Node, run_cli

ORIGIN = "e2e.medledger.localhost/log"


def test_acknowledged_entries_survive_kill_9_under_load(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init = run_cli("init", "--data", str(data), "--origin", ORIGIN)
    assert init.returncode == 0, init.stderr
    node = Node(data)
    # Only the node's service key may append pings; eight submitters share it, each entry with a fresh nonce.
    service = node.service_account()
    accounts = [service] * 8
    acknowledged: dict[int, str] = {}
    lock = threading.Lock()

    for round_number in range(3):
        node.start()
        stop = threading.Event()

        def submitter(account: Account) -> None:
            while not stop.is_set():
                envelope, nonce = account.envelope("ledger.ping", {}, origin=ORIGIN)
                try:
                    status, body = node.submit(envelope)
                except OSError:
                    return  # the node died mid-request: not acknowledged, so not promised
                if status == 201:
                    with lock:
                        assert body["index"] not in acknowledged, "an index was handed out twice"
                        acknowledged[body["index"]] = nonce

        threads = [threading.Thread(target=submitter, args=(a,)) for a in accounts]
        for thread in threads:
            thread.start()
        time.sleep(1.5 + 0.5 * round_number)
        node.kill9()
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    assert len(acknowledged) > 100, "the load was too light to mean anything"
    node.start()
    try:
        size = int(node.get("/checkpoint").decode().split("\n")[1])
        assert size >= max(acknowledged) + 1
        for index, nonce in sorted(acknowledged.items()):
            entry = json.loads(node.entry(index))
            payload = json.loads(__import__("base64").b64decode(entry["payload"]))
            assert payload["nonce"] == nonce, f"entry {index} is not the acknowledged one"
    finally:
        node.stop()

    verify = run_cli("verify", "--data", str(data))
    assert verify.returncode == 0, verify.stderr
    assert "ledger verified" in verify.stdout
