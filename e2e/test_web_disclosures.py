"""The accounting of disclosures and the administrators' transaction filters, in a real Chromium.

The patient (pat.demo) sees the demo doctor's view of rec-visit-1 with the purpose "Treatment",
the pharmacy's refused attempt flagged, filters by date, action and person, prints the page and
downloads the CSV, which Python's csv module reads back with the right rows; the download is itself
on the ledger as the patient's own read. The administrator filters the transactions by time and
action and downloads the same selection as CSV; the "next page" link keeps the filters.

Every page is checked with axe (no serious or critical finding), and screenshots go to
e2e/artifacts/disclosures/ at 1280 and 390 pixels wide, plus the print rendering.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import PHONE, WIDE, WebNode, screenshots
from test_web_pages import refused_attempt
from test_web_roles import DOCTOR_NAME, Visitor, assert_pages_clean

SHOTS = Path(__file__).resolve().parent / "artifacts" / "disclosures"

DISCLOSURE_HEADER = [
    "time_utc", "who_name", "who_role", "who_account", "action", "what", "record", "version", "purpose", "basis",
    "outcome", "break_glass", "message", "entry",
]


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("disclosures") / "data") as running:
        yield running



def shoot(page, name: str) -> None:
    """Full-page screenshots at desktop and phone widths, and the page as it prints."""
    screenshots(page, SHOTS, name)
    page.emulate_media(media="print")
    try:
        page.screenshot(path=str(SHOTS / f"{name}-print.png"), full_page=True)
    finally:
        page.emulate_media(media="screen")


def no_sideways_scroll(page) -> None:
    """At phone width the page itself must not scroll sideways (tables may, inside their wrapper)."""
    page.set_viewport_size(PHONE)
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    finally:
        page.set_viewport_size(WIDE)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"


def read_csv(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows, "empty CSV"
    return [dict(zip(rows[0], row)) for row in rows[1:]], rows[0]


def utc_today() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


def utc_tomorrow() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%d")


def test_patient_accounting_of_disclosures(chromium, node, findings):
    # A refused attempt first: the pharmacy may see prescriptions only, not a visit note.
    pharmacy = Visitor(chromium, node, findings, "test_patient_accounting_of_disclosures", "pharmacy")
    patient = Visitor(chromium, node, findings, "test_patient_accounting_of_disclosures", "patient")
    try:
        pharmacy.sign_in("pharmacy.demo")
        # Pages no longer issue reads the contracts refuse: the attempt is signed in the browser.
        assert refused_attempt(pharmacy, "rec-visit-1") != "allowed"
        pharmacy_address = pharmacy.address

        page = patient.page
        patient.sign_in("pat.demo", expect_home="/patient")
        patient.goto("/patient/activity")
        table = page.locator("#activity-table")
        expect(table).to_be_visible()
        # Only others' actions: never the patient's own id.
        assert page.locator(f'#activity-table tr[data-actor="{patient.address}"]').count() == 0

        view = table.locator("tbody tr").filter(has_text=DOCTOR_NAME).filter(has_text="rec-visit-1").filter(has_text="record.view")
        expect(view.first).to_be_visible()
        purpose = view.first.locator("td[data-label='Purpose and basis']")
        expect(purpose).to_contain_text("Treatment")
        expect(purpose).to_contain_text("under your grant")
        expect(view.first.locator("td[data-label='What']")).to_contain_text("Viewed a record")
        expect(view.first.locator(".badge-allowed")).to_have_text("allowed")

        refused = table.locator("tbody tr.row-denied").filter(has_text="Demo Pharmacy Counter")
        expect(refused.first).to_be_visible()
        expect(refused.first.locator(".badge-denied")).to_have_text("refused")
        expect(refused.first).to_contain_text("attempted and refused")
        shoot(page, "patient-activity")
        no_sideways_scroll(page)

        # The printed page: no form or buttons, the report's heading with its filters instead.
        page.emulate_media(media="print")
        expect(page.locator("#activity-filter")).to_be_hidden()
        expect(page.locator("#activity-print")).to_be_hidden()
        expect(page.locator(".report-heading")).to_be_visible()
        expect(page.locator(".report-heading")).to_contain_text("Accounting of disclosures")
        page.emulate_media(media="screen")

        # Filter by action and dates through the form.
        page.get_by_label("Show").select_option("record.view")
        page.get_by_label("From (UTC date)").fill(utc_today())
        page.get_by_label("Before (UTC date)").fill(utc_tomorrow())
        patient.follow(page.get_by_role("button", name="Show events"))
        assert "action=record.view" in page.url and f"from={utc_today()}" in page.url and f"to={utc_tomorrow()}" in page.url
        rows = page.locator("#activity-table tbody tr")
        expect(rows.first).to_be_visible()
        for code in rows.locator("td[data-label='What'] > code").all():
            expect(code).to_have_text("record.view")
        shoot(page, "patient-activity-filtered")

        # Only the doctor.
        patient.follow(view.first.get_by_role("link", name=re.compile("Only this person")))
        doctor_address = re.search(r"actor=(ml[0-9a-f]{40})", page.url).group(1)
        actors = {row.get_attribute("data-actor") for row in page.locator("#activity-table tbody tr").all()}
        assert actors == {doctor_address}, actors
        expect(page.get_by_label("Who (account id)")).to_have_value(doctor_address)

        # The CSV of this selection, read with Python's csv module.
        link = page.get_by_role("link", name="Download as CSV")
        href = link.get_attribute("href")
        assert f"actor={doctor_address}" in href and "action=record.view" in href, href
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert re.fullmatch(r"disclosures-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename), download.suggested_filename
        text = Path(download.path()).read_bytes().decode("utf-8")
        records, header = read_csv(text)
        assert header == DISCLOSURE_HEADER
        assert records, "the CSV holds no rows"
        assert {r["who_account"] for r in records} == {doctor_address}
        assert {r["action"] for r in records} == {"record.view"}
        visit = [r for r in records if r["record"] == "rec-visit-1"]
        assert visit, records
        assert visit[0]["who_name"] == DOCTOR_NAME
        assert visit[0]["who_role"] == "Doctor"
        assert visit[0]["purpose"] == "Treatment"
        assert "grant" in visit[0]["basis"]
        assert visit[0]["outcome"] == "allowed"
        for r in records:
            when = datetime.fromisoformat(r["time_utc"].replace("Z", "+00:00"))
            assert when.tzinfo is not None and when.utcoffset() == timedelta(0)
            assert r["time_utc"].startswith(utc_today())

        # The refusal is in the full export, flagged.
        answer = page.request.get(node.url + "/patient/activity.csv")
        assert answer.ok and answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.headers["cache-control"] == "no-store"
        everyone, _ = read_csv(answer.text())
        pharmacy_rows = [r for r in everyone if r["who_account"] == pharmacy_address]
        assert any(r["outcome"] == "denied" and r["purpose"] == "Dispensing" for r in pharmacy_rows), pharmacy_rows
        assert all(r["who_account"] != patient.address for r in everyone)

        # Each download is the patient's own audited read: it shows on the full trail.
        mine = page.request.get(node.url + "/patient/activity.csv?all=true&action=audit.events")
        own, _ = read_csv(mine.text())
        own_exports = [r for r in own if r["who_account"] == patient.address and r["outcome"] == "allowed"]
        assert len(own_exports) >= 2, own
        assert {r["purpose"] for r in own_exports} == {"Your own access"}

        patient.goto("/patient/activity/all?action=audit.events")
        expect(page.locator("#activity-table")).to_contain_text("Searched the audit log")
        shoot(page, "patient-activity-all")

        # Signed out, the export sends the browser to log in.
        anonymous = chromium.new_context()
        try:
            answer = anonymous.request.get(node.url + "/patient/activity.csv", headers={"Accept": "text/html"}, max_redirects=0)
            assert answer.status == 303 and answer.headers["location"].startswith("/login?next="), answer.status
        finally:
            anonymous.close()
    finally:
        pharmacy.close()
        patient.close()
    assert_pages_clean(findings, "test_patient_accounting_of_disclosures")


def test_admin_transaction_filters(chromium, node, findings):
    admin = Visitor(chromium, node, findings, "test_admin_transaction_filters", "admin")
    try:
        page = admin.page
        admin.sign_in("admin.demo", expect_home="/admin")
        admin.goto("/admin/transactions")
        page.get_by_label("Action (transaction type)").fill("record.view")
        page.get_by_label("From (UTC date)").fill(utc_today())
        page.get_by_label("Before (UTC date)").fill(utc_tomorrow())
        admin.follow(page.get_by_role("button", name="Show transactions"))
        assert f"from={utc_today()}" in page.url and f"to={utc_tomorrow()}" in page.url and "action=record.view" in page.url
        rows = page.locator("table.transactions tbody tr")
        expect(rows.first).to_be_visible()
        shown = rows.count()
        for code in rows.locator("td[data-label=Action] code").all():
            expect(code).to_have_text("record.view")
        shoot(page, "admin-transactions-filtered")
        no_sideways_scroll(page)

        link = page.get_by_role("link", name="Export these filters as CSV")
        href = link.get_attribute("href")
        for part in ("action=record.view", f"from={utc_today()}", f"to={utc_tomorrow()}"):
            assert part in href, href
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert re.fullmatch(r"transactions-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename), download.suggested_filename
        records, header = read_csv(Path(download.path()).read_text(encoding="utf-8"))
        assert header[:3] == ["index", "time", "action"]
        assert len(records) == shown
        assert {r["action"] for r in records} == {"record.view"}
        assert all(r["time"].startswith(utc_today()) and r["time"].endswith("Z") for r in records)

        # A date range with nothing in it.
        admin.goto(f"/admin/transactions?from={utc_tomorrow()}")
        expect(page.get_by_text("No transaction matches these filters.")).to_be_visible()

        # More than one page: the next page keeps the filters.
        admin.goto(f"/admin/transactions?from={utc_today()}&to={utc_tomorrow()}")
        next_link = page.get_by_role("link", name="Next 50 transactions")
        expect(next_link).to_be_visible()
        next_href = next_link.get_attribute("href")
        assert f"from={utc_today()}" in next_href and f"to={utc_tomorrow()}" in next_href, next_href
        admin.follow(next_link)
        assert "after=" in page.url and f"from={utc_today()}" in page.url
        expect(page.get_by_role("link", name="Back to the first page")).to_be_visible()
        shoot(page, "admin-transactions-page-2")

        # Other roles are refused the export.
        patient = Visitor(chromium, node, findings, "test_admin_transaction_filters", "patient")
        try:
            patient.sign_in("pat.demo", expect_home="/patient")
            refused = patient.page.request.get(node.url + "/admin/transactions.csv")
            assert refused.status == 403, refused.status
        finally:
            patient.close()
    finally:
        admin.close()
    assert_pages_clean(findings, "test_admin_transaction_filters")
