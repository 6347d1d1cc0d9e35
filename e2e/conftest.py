"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from medledger_client import Node, run_cli


@pytest.fixture
def node(tmp_path: Path):
    """A fresh `medledger init` data directory served by `medledger serve` on loopback; its first
    administrator's key is `node.data / "admin-key.json"`. Modules may define their own `node`."""
    data = tmp_path / "data"
    made = run_cli("init", "--data", str(data))
    assert made.returncode == 0, made.stderr
    node = Node(data)
    node.start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium through Playwright, shared by a module's browser tests."""
    from browser_support import browser

    with browser() as instance:
        yield instance


@pytest.fixture
def findings():
    """What a browser test's page checks find (axe, markup hygiene), checked at its end. A module
    may define its own, such as one collection for the whole module."""
    from test_web_roles import Findings

    return Findings()
