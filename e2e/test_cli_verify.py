"""`medledger verify` passes on a good ledger and fails, naming the fault, on any altered byte."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from medledger_client import Account, Node, leaf_hash, mth, run_cli, tile_index


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("ledger") / "data"
    assert run_cli("init", "--data", str(data), "--origin", "verify.medledger.localhost/log").returncode == 0
    node = Node(data)
    node.start()
    try:
        account = node.service_account()
        for _ in range(300):
            status, _ = node.submit(node.envelope(account, "ledger.ping", {}))
            assert status == 201
        # Independent check: the tiles rebuild the checkpoint's root with RFC 6962 hashing.
        lines = node.get("/checkpoint").decode().split("\n")
        size = int(lines[1])
        leaves = node.get("/tile/0/000") + node.get(f"/tile/0/{tile_index(1)}.p/{size - 256}")
        hashes = [leaves[i:i + 32] for i in range(0, len(leaves), 32)]
        assert mth(hashes) == __import__("base64").b64decode(lines[2])
        assert hashes[5] == leaf_hash(node.entry(5))
    finally:
        node.stop()
    return data


def copy(ledger: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(ledger, target)
    return target


def flip(data: Path, sql_select: str, sql_update: str) -> None:
    db = sqlite3.connect(data / "ledger.sqlite")
    value = bytearray(db.execute(sql_select).fetchone()[0])
    value[len(value) // 2] ^= 0x01
    db.execute(sql_update, (bytes(value),))
    db.commit()
    db.close()


def test_untouched_ledger_verifies(ledger: Path) -> None:
    result = run_cli("verify", "--data", str(ledger), "--json")
    assert result.returncode == 0, result.stderr
    assert '"ok":true' in result.stdout
    assert '"entries":301' in result.stdout


@pytest.mark.parametrize(
    "select, update, named",
    [
        ("SELECT envelope FROM entry WHERE idx = 123", "UPDATE entry SET envelope = ? WHERE idx = 123", "entry 123"),
        ("SELECT hash FROM tree_node WHERE level = 8 AND idx = 0", "UPDATE tree_node SET hash = ? WHERE level = 8 AND idx = 0", "level 8 index 0"),
        ("SELECT hashes FROM hash_tile WHERE level = 0 AND idx = 0", "UPDATE hash_tile SET hashes = ? WHERE level = 0 AND idx = 0", "tree hash at level"),
        ("SELECT CAST(note AS BLOB) FROM checkpoint WHERE size = 200", "UPDATE checkpoint SET note = CAST(? AS TEXT) WHERE size = 200", "checkpoint of size 200"),
    ],
)
def test_one_altered_byte_fails_verification(ledger: Path, tmp_path: Path, select: str, update: str, named: str) -> None:
    data = copy(ledger, tmp_path)
    flip(data, select, update)
    result = run_cli("verify", "--data", str(data))
    assert result.returncode != 0
    assert named in result.stderr, result.stderr
