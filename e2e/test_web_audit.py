"""The auditor's page checks a record's trail in the browser and notices a rewritten log.

A demo ledger is copied; the original grows while the auditor's browser verifies the trail (and
keeps that checkpoint); then the copy — same origin, same log key, a different history from the
copy point on — is served at the same address and grown past the size the browser saw. Its
checkpoints are validly signed, but it cannot prove that it extends the checkpoint the browser
kept, and the page must say so loudly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import time
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import expect

from browser_support import WebNode, browser
from medledger_client import (Account, Node, free_port, high_s_twin, leaf_hash, mth, origin_of_vkey, tile_index,
                              unbundle)
from test_audit_tools import path

ARTIFACTS = Path(__file__).parent / "artifacts" / "screenshots"


def sign_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", "auditor.demo")
    page.fill("#password", "demo-auditor-2026")
    page.click("#login-button")
    page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)


def open_trail(page, base: str) -> None:
    page.goto(base + "/auditor")
    patient = page.locator("a[href^='/auditor/patients/']").first.get_attribute("href")
    page.goto(base + patient + "/records/rec-visit-1")


def pings(web: WebNode, count: int) -> None:
    """Grows the log with the operator's pings (only the node's service key may sign them)."""
    node = Node(web.data, port=web.port)
    service = node.service_account()
    for _ in range(count):
        status, answer = node.submit(node.envelope(service, "ledger.ping", {}))
        assert status == 201, answer


def test_auditor_page_verifies_proofs_and_shouts_when_the_log_was_rewritten(tmp_path: Path) -> None:
    port = free_port()
    original = tmp_path / "original"
    copy = tmp_path / "rewritten"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with WebNode(original, port=port):
        pass  # seeds the demo ledger
    shutil.copytree(original, copy)

    with browser() as chromium:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        with WebNode(original, port=port) as node:
            sign_in(page, node.url)
            open_trail(page, node.url)
            section = page.locator("[data-verify-trail]")
            expect(section).to_have_attribute("data-verified", "true", timeout=30_000)
            status = section.locator("[data-verify-status]")
            expect(status).to_contain_text("This is the first checkpoint this browser has verified")
            rows = page.locator("td[data-label=Proof]")
            assert rows.count() > 0
            for index in range(rows.count()):
                expect(rows.nth(index)).to_have_text("✓ proven")
            # A second visit proves the log only grew since.
            pings(node, 5)
            page.reload()
            expect(section).to_have_attribute("data-verified", "true", timeout=30_000)
            expect(status).to_contain_text("The log is consistent with the checkpoint this browser verified before")
            page.screenshot(path=str(ARTIFACTS / "auditor-proofs-verified.png"), full_page=True)
            kept = page.evaluate("() => JSON.parse(localStorage.getItem('medledger.verified-checkpoints'))")
            (origin, seen), = kept.items()
            assert seen["size"] > 0 and re.fullmatch(r"[A-Za-z0-9+/]{43}=", seen["root"])

        # The same address now serves the copy: same origin and key, another history, grown past what was seen.
        with WebNode(copy, port=port) as forked:
            pings(forked, seen["size"] + 10)
            sign_in(page, forked.url)
            open_trail(page, forked.url)
            section = page.locator("[data-verify-trail]")
            expect(section).to_have_attribute("data-verified", "false", timeout=30_000)
            alert = section.locator("[data-verify-status]")
            expect(alert).to_have_attribute("role", "alert")
            expect(alert).to_have_class(re.compile(r"\balert-danger\b"))
            expect(alert).to_contain_text("NOT consistent")
            expect(alert).to_contain_text(f"extends the one of size {seen['size']}")
            page.screenshot(path=str(ARTIFACTS / "auditor-proofs-rewritten.png"), full_page=True)
            # The kept checkpoint is not replaced by the rewritten log's.
            kept_after = page.evaluate("() => JSON.parse(localStorage.getItem('medledger.verified-checkpoints'))")
            assert kept_after[origin] == seen
        context.close()


# ---------------------------------------------------------------------------------------------
# Rows whose entries the node would never admit


def all_entries(url: str, size: int) -> list[bytes]:
    """Entries 0..size-1 from the entry tiles (the tree may have grown past `size`)."""
    now = int(urllib.request.urlopen(url + "/checkpoint/latest", timeout=30).read().decode().split("\n")[1])
    entries: list[bytes] = []
    for tile in range((size + 255) // 256):
        width = min(256, now - tile * 256)
        suffix = "" if width == 256 else f".p/{width}"
        with urllib.request.urlopen(f"{url}/tile/entries/{tile_index(tile)}{suffix}", timeout=30) as response:
            entries += unbundle(response.read())
    return entries[:size]


class ForgedLog:
    """A log with the node's origin and entries, except for the ones replaced, under a checkpoint
    signed by a key of this test's own: every inclusion proof holds, so the only faults the page can
    find are in the replaced entries themselves."""

    def __init__(self, origin: str, entries: list[bytes]):
        self.origin = origin
        self.entries = entries
        self.key = Ed25519PrivateKey.generate()
        public = b"\x01" + self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = hashlib.sha256(origin.encode() + b"\n" + public).digest()[:4]
        self.vkey = f"{origin}+{self.key_id.hex()}+{base64.b64encode(public).decode()}"

    def bundle(self, real: dict) -> dict:
        leaves = [leaf_hash(entry) for entry in self.entries]
        body = (f"{self.origin}\n{len(leaves)}\n{base64.b64encode(mth(leaves)).decode()}\n"
                f"time {int(time.time() * 1000)}\nprev 0 {base64.b64encode(bytes(32)).decode()}\n")
        signature = self.key.sign(body.encode())
        forged = dict(real)
        forged["checkpoint"] = body + "\n" + f"\u2014 {self.origin} {base64.b64encode(self.key_id + signature).decode()}\n"

        def proven(index: int) -> dict:
            return {"entry": base64.b64encode(self.entries[index]).decode(),
                    "proof": [base64.b64encode(h).decode() for h in path(index, leaves)]}

        forged["events"] = [{**item, **proven(item["event"]["index"])} for item in real["events"]]
        forged["delegations"] = [{**item, **proven(item["index"])} for item in real["delegations"]]
        return forged


def test_trail_rows_whose_entries_break_the_admission_rules_fail_with_their_reason(tmp_path: Path) -> None:
    with WebNode(tmp_path / "data") as node, browser() as chromium:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, node.url)
        page.goto(node.url + "/auditor")
        record_page = page.locator("a[href^='/auditor/patients/']").first.get_attribute("href") + "/records/rec-visit-1"
        origin = origin_of_vkey(urllib.request.urlopen(node.url + "/log-key", timeout=30).read().decode())

        # The real bundle, with four of its events' entries replaced by ones the node would refuse.
        answer = context.request.get(node.url + "/records/rec-visit-1/audit-bundle", headers={"Accept": "application/json"})
        assert answer.ok, answer.status
        real = answer.json()
        entries = all_entries(node.url, int(real["checkpoint"].split("\n")[1]))
        indices = [item["event"]["index"] for item in real["events"]]
        assert len(indices) >= 5, indices
        stranger = Account.new()
        # The same statement, with the other valid encoding of its signature.
        entries[indices[0]] = high_s_twin(entries[indices[0]])
        # A statement signed for another ledger.
        entries[indices[1]] = stranger.envelope("ledger.ping", {}, origin="elsewhere.example/log")[0]
        # Two members with one name.
        twice = stranger.payload("ledger.ping", {}, origin=origin)[0].replace(b'"type":"ledger.ping"', b'"type":"ledger.ping","type":"x"')
        entries[indices[2]] = stranger.sign_payload(twice)
        # An integer past 2^53.
        big = stranger.payload("ledger.ping", {}, origin=origin)[0].replace(b'"body":{}', b'"body":{"n":9007199254740993}')
        entries[indices[3]] = stranger.sign_payload(big)
        replaced = {indices[0]: "low-S", indices[1]: "elsewhere.example/log", indices[2]: "appears twice",
                    indices[3]: "9007199254740993"}
        log = ForgedLog(origin, entries)
        forged = json.dumps(log.bundle(real))
        page.route(re.compile(r".*/audit-bundle$"),
                   lambda route: route.fulfill(status=200, headers={"Content-Type": "application/json"}, body=forged))
        page.route(node.url + "/log-key", lambda route: route.fulfill(status=200, headers={"Content-Type": "text/plain"}, body=log.vkey + "\n"))
        page.goto(node.url + record_page)

        section = page.locator("[data-verify-trail]")
        expect(section).to_have_attribute("data-verified", "false", timeout=60_000)
        status = section.locator("[data-verify-status]")
        expect(status).to_contain_text("does NOT verify")
        for index, reason in replaced.items():
            cell = page.locator(f'td[data-proof-for="{index}"]')
            expect(cell).to_contain_text("✗ FAILED")
            expect(cell).to_contain_text(reason)
            expect(status).to_contain_text(f"Entry {index}: ")
        # The untouched rows still prove.
        expect(page.locator(f'td[data-proof-for="{indices[4]}"]')).to_have_text("✓ proven")
        page.screenshot(path=str(ARTIFACTS / "auditor-proofs-refused-entries.png"), full_page=True)
        context.close()
