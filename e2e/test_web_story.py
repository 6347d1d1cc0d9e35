"""The whole story across roles, in a real Chromium, each user in their own browser context (their
own key in IndexedDB, their own session cookie):

patient signs up and books → doctor accepts and writes a record → patient grants the doctor and an
auditor → doctor views and changes the record → auditor reads the trail, records that it tallies
and approves → patient revokes the doctor's grant → the doctor still reads the note they wrote, is told
plainly that the patient's other records are closed, and no refusal shows in the patient's activity. Finally `medledger verify` replays the ledger.
"""

from __future__ import annotations

import re
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest

from browser_support import WebNode, browser
from medledger_client import binary

PASSWORD = "story-password-2026"


def sign_in(context, base: str, username: str, password: str):
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)
    return page


def address_of(page) -> str:
    return page.locator('meta[name="ml-address"]').get_attribute("content")


def choose(select, text: str) -> None:
    """Selects the option whose label contains `text`."""
    select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def submit(form):
    """Submits a signing form and waits for the page it leads to."""
    page = form.page
    with page.expect_navigation(timeout=60_000):
        form.locator('button[type="submit"]').first.click()
    page.wait_for_load_state("load")


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("story") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def chromium():
    with browser() as instance:
        yield instance


def test_staff_and_doctor_sign_ups_wait_and_say_so(node, chromium, tmp_path):
    """(Runs before the story, which stops the node.) A doctor's and an auditor's sign-up in the browser each prove their new key (a signed
    challenge) and then wait: the page says for what, and the pending doctor's log-in gets a
    notice instead of a session."""
    base = node.url
    certificate = tmp_path / "licence.pdf"
    certificate.write_bytes(b"%PDF-1.4\n% licence\n%%EOF\n")
    context = chromium.new_context()
    page = context.new_page()
    page.goto(base + "/signup?role=doctor")
    page.fill("#username", "story.doctor")
    page.fill("#password", PASSWORD)
    page.fill("#password-confirm", PASSWORD)
    page.fill("#display-name", "Dr Story Doctor")
    page.fill("#speciality", "Cardiology")
    page.fill("#licence", "STORY-0001")
    page.set_input_files("#certificate", str(certificate))
    page.click("#signup-button")
    status = page.locator("#signup-status")
    status.filter(has_text="verify your licence").wait_for(timeout=60_000)

    page.goto(base + "/login")
    page.fill("#username", "story.doctor")
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    notice = page.locator("#login-status.notice")
    notice.filter(has_text="waiting for an administrator's verification").wait_for(timeout=60_000)
    assert page.url.endswith("/login")
    assert not [c for c in context.cookies() if c["name"] == "ml_session"]

    staff = chromium.new_context().new_page()
    staff.goto(base + "/signup?role=auditor")
    staff.fill("#username", "story.auditor")
    staff.fill("#password", PASSWORD)
    staff.fill("#password-confirm", PASSWORD)
    staff.click("#signup-button")
    staff.locator("#signup-status").filter(has_text="An administrator must create your account").wait_for(timeout=60_000)


def test_story_across_roles(node, chromium):
    base = node.url
    dialogs = lambda page: page.on("dialog", lambda dialog: dialog.accept())

    # The patient signs up in the browser: the key is made and wrapped here, never sent in clear.
    patient_context = chromium.new_context()
    patient = patient_context.new_page()
    dialogs(patient)
    patient.goto(base + "/signup?role=patient")
    patient.fill("#username", "story.patient")
    patient.fill("#password", PASSWORD)
    patient.fill("#password-confirm", PASSWORD)
    patient.click("#signup-button")
    patient.wait_for_url(re.compile(r"/patient$"), timeout=60_000)
    patient_id = address_of(patient)
    assert patient_id.startswith("ml")

    # The patient books with the demo doctor.
    patient.goto(base + "/patient/appointments")
    book = patient.locator('form[data-tx="appointment.book"]')
    choose(book.locator("#book-doctor"), "Dana Demo")
    when = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT10:30")
    book.locator("#book-time").fill(when)
    book.locator("#book-symptoms").fill("Cough for two weeks")
    submit(book)
    assert patient.locator("#appointments-table").get_by_text("waiting for the doctor").count() >= 1

    # The doctor accepts it and writes a record.
    doctor_context = chromium.new_context()
    doctor = sign_in(doctor_context, base, "dr.demo", "demo-doctor-2026")
    dialogs(doctor)
    doctor.goto(base + "/doctor")
    row = doctor.locator("tr", has=doctor.locator(f'a[href="/doctor/patients/{patient_id}"]'))
    submit(row.locator('form[data-tx="appointment.accept"]'))
    assert doctor.locator("tr", has=doctor.locator(f'a[href="/doctor/patients/{patient_id}"]')).get_by_text("accepted").count() >= 1

    doctor.goto(f"{base}/doctor/records/new?patient={patient_id}")
    form = doctor.locator("#record-form")
    form.locator("#record-category").select_option("visit_notes")
    form.locator("#record-title").fill("Story visit")
    form.locator("#record-diagnosis").fill("Viral bronchitis")
    form.locator("#record-plan").fill("Rest and fluids")
    submit(form)
    assert "/records/" in doctor.url
    record_url = doctor.url.split("?")[0]
    record_id = record_url.rsplit("/", 1)[1]
    # Writing is allowed by the care relationship; the doctor reads back what they wrote (the
    # patient's other records would need a grant).
    assert doctor.get_by_text("Viral bronchitis").count() >= 1
    assert doctor.get_by_text(re.compile("no active grant|Denied")).count() == 0

    # The auditor's id, which the patient needs to grant them.
    auditor_context = chromium.new_context()
    auditor = sign_in(auditor_context, base, "auditor.demo", "demo-auditor-2026")
    dialogs(auditor)
    auditor_id = address_of(auditor)

    # The patient grants the doctor and the auditor.
    patient.goto(base + "/patient/access")
    grant = patient.locator("#grant-form")
    choose(grant.locator("#grant-doctor"), "Dana Demo")
    submit(grant)
    grant = patient.locator("#grant-form")
    grant.locator("#grant-account").fill(auditor_id)
    submit(grant)
    assert patient.get_by_text("Avery Auditor").count() >= 1 or patient.get_by_text(auditor_id).count() >= 1

    # The doctor views and changes the record.
    doctor.goto(record_url)
    assert doctor.get_by_text("Viral bronchitis").count() >= 1
    change = doctor.locator("#change-form")
    change.locator("#change-field-diagnosis").fill("Viral bronchitis, improving")
    submit(change)
    doctor.goto(record_url)
    assert doctor.get_by_text("Viral bronchitis, improving").count() >= 1
    assert doctor.get_by_text(re.compile(r"Version 2 of 2")).count() >= 1

    # The auditor reads the trail, has the node run and record the tally check, and approves.
    trail_url = f"{base}/auditor/patients/{patient_id}/records/{record_id}"
    auditor.goto(trail_url)
    submit(auditor.locator("#tally-form"))
    assert auditor.get_by_text(re.compile("tallies", re.I)).count() >= 1
    signoff = auditor.locator("#signoff-form")
    signoff.locator("#decision-approve").check()
    submit(signoff)
    auditor.goto(trail_url)
    assert auditor.get_by_text(re.compile("approve", re.I)).count() >= 1

    # The patient revokes the doctor's grant.
    patient.goto(base + "/patient/access")
    revoke = patient.locator("tr", has_text="Dana Demo").locator('form[data-tx="grant.revoke"]').first
    submit(revoke)

    # The doctor still reads the note they wrote, and their patient page lists it (records they
    # wrote stay listed to their author), without putting a refused read on the ledger.
    doctor.goto(record_url)
    assert doctor.get_by_text("Viral bronchitis, improving").count() >= 1
    doctor.goto(f"{base}/doctor/patients/{patient_id}")
    assert doctor.locator(f'a[href="/records/{record_id}"]').count() >= 1
    assert doctor.get_by_text("Denied:").count() == 0

    # So the patient's activity page shows the doctor's read of their own note, and no refusal.
    patient.goto(base + "/patient/activity")
    assert patient.locator("tr", has_text=record_id).count() >= 1
    assert patient.locator("tr.row-denied", has_text=record_id).count() == 0

    for context in (patient_context, doctor_context, auditor_context):
        context.close()

    # Everything above is on the ledger and replays to the same state.
    node.stop()
    result = subprocess.run([binary(), "verify", "--data", str(node.data)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

