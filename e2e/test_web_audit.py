"""The auditor's page checks a record's trail in the browser and notices a rewritten log.

A demo ledger is copied; the original grows while the auditor's browser verifies the trail (and
keeps that checkpoint); then the copy — same origin, same log key, a different history from the
copy point on — is served at the same address and grown past the size the browser saw. Its
checkpoints are validly signed, but it cannot prove that it extends the checkpoint the browser
kept, and the page must say so loudly.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from browser_support import WebNode, browser
from medledger_client import Account, Node, free_port

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


def pings(url: str, count: int) -> None:
    node = Node(Path("."), port=int(url.rsplit(":", 1)[1]))
    for _ in range(count):
        status, answer = node.submit(node.envelope(Account.new(), "ledger.ping", {}))
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
            pings(node.url, 5)
            page.reload()
            expect(section).to_have_attribute("data-verified", "true", timeout=30_000)
            expect(status).to_contain_text("The log is consistent with the checkpoint this browser verified before")
            page.screenshot(path=str(ARTIFACTS / "auditor-proofs-verified.png"), full_page=True)
            kept = page.evaluate("() => JSON.parse(localStorage.getItem('medledger.verified-checkpoints'))")
            (origin, seen), = kept.items()
            assert seen["size"] > 0 and re.fullmatch(r"[A-Za-z0-9+/]{43}=", seen["root"])

        # The same address now serves the copy: same origin and key, another history, grown past what was seen.
        with WebNode(copy, port=port) as forked:
            pings(forked.url, seen["size"] + 10)
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
