"""The pages people found broken or confusing, in a real Chromium, at 1280 and 390 pixels wide.

- A doctor who saves a record lands on it and reads it, even with no grant (they wrote it); the
  pages never issue a read the contracts would refuse, so the patient's "Who saw my records"
  shows no refused attempt by their own doctor, and the doctor reads a plain "no access" sentence.
- The demo log-in table names one role per row.
- The auditor's trail fits its panel at 1280 px (ids shortened, full value on hover and copy);
  on a phone the Access table's "Revoke access" is on screen.
- The administrators' account filter has no empty "(current filter)" option.
- Refusals read as plain sentences, the ledger's message one click away; dates share one format.

Every page is checked with axe at both widths (no serious or critical finding). Screenshots go to
e2e/artifacts/pages/.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import PHONE, WIDE, WebNode, screenshots
from test_web_roles import DOCTOR_NAME, PASSWORDS, Visitor, shoot_both_widths, assert_pages_clean, signing_form, visitors  # noqa: F401 (fixture)

SHOTS = Path(__file__).resolve().parent / "artifacts" / "pages"
ROLE_WORDS = {"Administrator", "Patient", "Doctor", "Auditor", "Hospital management", "Pharmacy"}
ONE_DATE = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2} UTC\b")
OTHER_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
SHORT_ID = re.compile(r"^ml[0-9a-f]{4}…[0-9a-f]{4}$")


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("pages") / "data") as running:
        yield running



def both_widths(visitor: Visitor, name: str) -> None:
    """Screenshots at 1280 and 390 px, with axe run again at 390 (goto already ran it at 1280)."""
    shoot_both_widths(visitor, SHOTS, name)


def dates_share_one_format(page) -> None:
    text = page.locator("main").inner_text()
    assert ONE_DATE.search(text), f"no date on {page.url}"
    assert not OTHER_DATE.search(text), f"{page.url} shows a date in another format: {OTHER_DATE.search(text).group(0)}"


def refused_attempt(visitor: Visitor, record: str) -> str:
    """A read the contracts refuse, signed in the browser with the visitor's key and posted to the
    API (pages no longer issue such reads): the answer's message."""
    return visitor.page.evaluate(
        """async (record) => {
          const ledger = await import('/static/js/ledger.js');
          const key = await ledger.currentKey();
          const envelope = await ledger.signEnvelope(key, 'record.view', { record });
          try { await ledger.postJSON('/v1/queries', envelope); return 'allowed'; }
          catch (error) { return error.message; }
        }""",
        record,
    )


def test_demo_login_table_names_one_role_per_row(visitors, findings):
    visitor = visitors("visitor")
    page = visitor.page
    visitor.goto("/login")
    table = page.locator("#demo-accounts")
    rows = table.get_by_role("row").filter(has=page.get_by_role("button", name=re.compile(r"^Use ")))
    assert rows.count() >= 6
    seen = set()
    for index in range(rows.count()):
        role = rows.nth(index).get_by_role("cell").first.inner_text().strip()
        assert role in ROLE_WORDS, f"row {index} names the role {role!r}"
        seen.add(role)
    assert {"Administrator", "Patient", "Doctor", "Auditor", "Hospital management", "Pharmacy"} <= seen
    expect(page.get_by_role("row", name=re.compile(r"^Patient pat\.demo"))).to_be_visible()
    both_widths(visitor, "login")
    assert_pages_clean(findings, "test_demo_login_table_names_one_role_per_row")


def test_doctor_reads_what_they_wrote_and_pages_issue_no_refused_reads(visitors, findings):
    second = visitors("second")
    second.sign_in("pat.second", expect_home="/patient")
    second_id = second.address

    # On a phone, the patient revokes the doctor's grant from the Access table: the button is on screen.
    page = second.page
    second.goto("/patient/access")
    page.set_viewport_size(PHONE)
    grants = page.get_by_role("table").filter(has=page.get_by_role("button", name=re.compile("^Revoke access")))
    revoke = grants.get_by_role("button", name=re.compile(f"^Revoke access of {re.escape(DOCTOR_NAME)}"))
    expect(revoke).to_be_visible()
    box = revoke.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "patient-access-before-revoking-390.png"), full_page=True)
    second.submit(signing_form(page, "grant.revoke", grant="grant-doctor-2"))
    page.set_viewport_size(WIDE)
    dates_share_one_format(page)
    both_widths(second, "patient-access")

    # The doctor accepts the patient's visit (an appointment lets them write, not read) and writes.
    doctor = visitors("doctor")
    dpage = doctor.page
    doctor.sign_in("dr.demo", expect_home="/doctor")
    doctor.submit(signing_form(dpage, "appointment.accept", appointment="appt-4"), button="Accept appointment")
    doctor.goto(f"/doctor/records/new?patient={second_id}")
    title = f"Visit {secrets.token_hex(3)}"
    form = dpage.locator("#record-form")
    form.get_by_label("Kind of record").select_option("visit_notes")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Diagnosis").fill("Seasonal allergy")
    form.get_by_label("Treatment plan").fill("Antihistamine for two weeks")
    doctor.submit(form, button="Save record")
    assert re.search(r"/records/rec-[0-9a-f]{20}$", dpage.url), dpage.url
    record_id = dpage.url.rsplit("/", 1)[1]
    expect(dpage.locator("#record-content")).to_contain_text(title)
    expect(dpage.get_by_text(re.compile(r"Denied|no active grant"))).to_have_count(0)
    dates_share_one_format(dpage)
    both_widths(doctor, "doctor-record-after-saving")

    # The doctor's page of this patient: without a grant it lists the record they wrote (its author
    # reads it), and nothing refused.
    doctor.goto(f"/doctor/patients/{second_id}")
    expect(dpage.get_by_role("link", name=record_id)).to_be_visible()
    expect(dpage.get_by_text("Denied:")).to_have_count(0)
    both_widths(doctor, "doctor-patient-without-grant")

    # The patient's "Who saw my records": their doctor read what they wrote; nothing was refused.
    second.goto("/patient/activity")
    expect(page.get_by_role("heading", name="Who saw my records")).to_be_visible()
    table = page.locator("#activity-table")
    # The doctor's record page was one page view: it names the record and its patient.
    view = table.get_by_role("row").filter(has_text=DOCTOR_NAME).filter(has_text=record_id).filter(has_text="Viewed a page")
    expect(view.first).to_be_visible()
    expect(table.locator("tr.row-denied").filter(has_text=DOCTOR_NAME)).to_have_count(0)
    dates_share_one_format(page)
    both_widths(second, "patient-activity-after-doctor-wrote")

    assert_pages_clean(findings, "test_doctor_reads_what_they_wrote_and_pages_issue_no_refused_reads")


def test_auditor_trail_fits_and_refusals_read_plainly(visitors, findings):
    # A refused attempt for the trail: the pharmacy may see prescriptions only, not a visit note.
    pharmacy = visitors("pharmacy")
    pharmacy.sign_in("pharmacy.demo")
    message = refused_attempt(pharmacy, "rec-visit-1")
    assert message != "allowed", message

    patient = visitors("patient")
    patient.sign_in("pat.demo", expect_home="/patient")
    patient_id = patient.address

    auditor = visitors("auditor")
    page = auditor.page
    auditor.sign_in("auditor.demo", expect_home="/auditor")
    auditor.goto(f"/auditor/patients/{patient_id}/records/rec-visit-1")
    trail = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Outcome"))
    expect(trail).to_be_visible()

    # At 1280 px the table fits its panel: nothing scrolls sideways and the outcome is on screen.
    wrap = page.locator(".table-wrap", has=trail)
    scroll = wrap.evaluate("e => e.scrollWidth - e.clientWidth")
    assert scroll <= 0, f"the trail table overflows its panel by {scroll}px at 1280px"
    outcome = trail.get_by_role("cell").filter(has=page.locator(".badge-allowed")).first
    box = outcome.bounding_box()
    assert box and box["x"] + box["width"] <= WIDE["width"], box

    # Addresses are shortened; the full value is in the title and the copy button's name.
    short = trail.locator("code.short-id").first
    full = short.get_attribute("title")
    assert full and re.fullmatch(r"ml[0-9a-f]{40}", full), full
    assert SHORT_ID.match(short.locator(".id-short").inner_text()), short.inner_text()
    copy = trail.get_by_role("button", name=f"Copy {full}").first
    expect(copy).to_be_visible()

    # The pharmacy's refusal in plain words, the ledger's message one click away.
    refused = trail.get_by_role("row").filter(has=page.locator(".badge-denied")).filter(has_text="record.view")
    expect(refused.first).to_contain_text("No grant from the patient covers this record.")
    details = refused.first.locator("details.ledger-message")
    expect(details.locator("p")).to_be_hidden()
    details.locator("summary").click()
    expect(details.locator("p")).to_contain_text("Denied:")
    expect(details.get_by_role("link", name=re.compile(r"^Entry #\d+$"))).to_be_visible()
    dates_share_one_format(page)
    both_widths(auditor, "auditor-trail")

    # The patient sees the same refusal in plain words on "Who saw my records".
    patient.goto("/patient/activity")
    row = patient.page.locator("#activity-table tr.row-denied").filter(has_text="record.view").first
    expect(row).to_contain_text("No grant from the patient covers this record.")
    both_widths(patient, "patient-activity")

    assert_pages_clean(findings, "test_auditor_trail_fits_and_refusals_read_plainly")


def test_admin_accounts_filter_has_no_empty_option(visitors, findings):
    admin = visitors("admin")
    page = admin.page
    admin.sign_in("admin.demo", expect_home="/admin")
    for query in ("", "?role=&status=", "?role=doctor&status=active"):
        admin.goto("/admin/accounts" + query)
        for label in ("Role", "Status"):
            select = page.get_by_role("form", name="Filter accounts").get_by_label(label, exact=True)
            options = [text.strip() for text in select.locator("option").all_inner_texts()]
            assert all(options), f"{label} has an empty option on /admin/accounts{query}: {options}"
            assert not any("current filter" in text for text in options), options
            assert len(options) == len(set(options)), options
    filters = page.get_by_role("form", name="Filter accounts")
    expect(filters.get_by_label("Role", exact=True)).to_have_value("doctor")
    expect(filters.get_by_label("Status", exact=True)).to_have_value("active")
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
    both_widths(admin, "admin-accounts")
    admin.goto("/admin/accounts?role=&status=")
    expect(page.get_by_role("form", name="Filter accounts").get_by_label("Role", exact=True)).to_have_value("")
    expect(page.get_by_role("link", name="Clear filters")).to_have_count(0)
    assert_pages_clean(findings, "test_admin_accounts_filter_has_no_empty_option")
