"""Finding people by name, a hospital's patient list, patients shown by name, and the record page's
changes, in a real Chromium at 1280 and 390 pixels wide, against `medledger serve --demo`.

- A patient finds the demo auditor by part of their name on the Access page (a `directory.search`),
  sees the short id to confirm, chooses them (the id field fills in) and grants them access.
  Patients are never found.
- Hospital management sees its hospital's patients (`hospital.patients`): the patient who granted
  the hospital by name, the patient who only booked one of its doctors by short id.
- The doctor's patient list and overview, the pharmacy's and auditor's desks show patients by name
  (one `profile.names` read per page).
- A doctor who wrote a record without a grant reads it, is not offered "Change" or "Delete", and
  finds it on their page of the patient; with a grant both are offered.

Every page is checked with axe at both widths (no serious or critical finding). Screenshots go to
e2e/artifacts/directory/.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import PHONE, WIDE, WebNode, screenshots
from test_web_roles import DOCTOR_NAME, Visitor, shoot_both_widths, assert_pages_clean, signing_form, visitors  # noqa: F401 (fixture)

SHOTS = Path(__file__).resolve().parent / "artifacts" / "directory"
SHORT_ID = re.compile(r"^ml[0-9a-f]{4}…[0-9a-f]{4}$")
# What DemoSeed puts in the patients' encrypted profiles (Sources/medledger/DemoSeed.swift).
PATIENT_NAME = "Alex Demo"
SECOND_NAME = "Sam Second"
AUDITOR_NAME = "Avery Auditor"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("directory") / "data") as running:
        yield running



def both_widths(visitor: Visitor, name: str) -> None:
    """Screenshots at 1280 and 390 px, with axe run again at 390 (goto already ran it at 1280)."""
    shoot_both_widths(visitor, SHOTS, name)


def on_screen_at_phone_width(page, locator) -> None:
    page.set_viewport_size(PHONE)
    try:
        expect(locator).to_be_visible()
        locator.scroll_into_view_if_needed()
        box = locator.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    finally:
        page.set_viewport_size(WIDE)


def search(visitor: Visitor, text: str, role: str | None = None) -> None:
    page = visitor.page
    form = page.get_by_role("search")
    form.get_by_label("Name of a doctor, auditor, hospital or pharmacy").fill(text)
    if role:
        form.get_by_label("Kind of account").select_option(role)
    visitor.follow(form.get_by_role("button", name="Search"))


def test_patient_finds_an_auditor_by_name_and_grants_them(visitors, findings):
    patient = visitors("patient")
    page = patient.page
    patient.sign_in("pat.second", expect_home="/patient")
    patient.goto("/patient/access")

    # Patients are not in the directory.
    search(patient, "Alex")
    expect(page.locator("#directory-count")).to_have_text(re.compile("Nobody found"))
    expect(page.locator("#directory-results")).to_have_count(0)

    search(patient, "avery", role="auditor")
    expect(page.locator("#directory-count")).to_have_text("1 found.")
    # The page opens at the results, with focus on them, so a screen reader reads the count first.
    expect(page.get_by_role("region", name="1 found.")).to_be_focused()
    results = page.get_by_role("list", name="People and organisations found")
    entry = results.get_by_role("listitem").filter(has_text=AUDITOR_NAME)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("auditor")
    expect(entry.locator("code.address .id-short")).to_have_text(SHORT_ID)
    choose = entry.get_by_role("link", name=f"Choose {AUDITOR_NAME}")
    auditor_id = choose.get_attribute("data-pick-grantee")
    assert auditor_id and re.fullmatch(r"ml[0-9a-f]{40}", auditor_id), auditor_id
    both_widths(patient, "patient-directory-results")
    on_screen_at_phone_width(page, page.get_by_role("link", name=f"Choose {AUDITOR_NAME}"))

    # Choosing by keyboard fills the id field in place and says so; focus moves to the field.
    page.get_by_role("link", name=f"Choose {AUDITOR_NAME}").focus()
    page.keyboard.press("Enter")
    field = page.get_by_label("Or an account id")
    expect(field).to_have_value(auditor_id)
    expect(field).to_be_focused()
    expect(page.locator("#grant-picked")).to_contain_text(AUDITOR_NAME)
    assert "grantee=" not in page.url  # filled in place, no reload

    form = page.locator("#grant-form")
    patient.submit(form, button="Give access")
    granted = page.get_by_role("row").filter(has_text=AUDITOR_NAME).filter(has=page.get_by_role("button", name=re.compile("^Revoke access")))
    expect(granted.first).to_be_visible()

    # Without JavaScript the link carries the id in the address; the server fills the field.
    patient.goto(f"/patient/access?grantee={auditor_id}")
    expect(page.get_by_label("Or an account id")).to_have_value(auditor_id)

    # A hospital's name lists its staff.
    patient.goto("/patient/access")
    search(patient, "demo general")
    names = page.get_by_role("list", name="People and organisations found")
    expect(names).to_contain_text(DOCTOR_NAME)
    expect(names).to_contain_text("Demo Hospital Management")
    both_widths(patient, "patient-directory-hospital")
    assert_pages_clean(findings, "test_patient_finds_an_auditor_by_name_and_grants_them")


def test_hospital_management_sees_its_patient_list(visitors, findings):
    second = visitors("second")
    second.sign_in("pat.second", expect_home="/patient")
    second_id = second.address

    hospital = visitors("hospital")
    page = hospital.page
    hospital.sign_in("hospital.demo", expect_home="/staff")
    table = page.locator("#hospital-patients")
    expect(table).to_be_visible()
    # pat.demo granted the hospital reports: shown by name (their grant lets the hospital see it).
    named = table.get_by_role("row").filter(has_text=PATIENT_NAME)
    expect(named).to_have_count(1)
    expect(named.locator("code.address .id-short")).to_have_text(SHORT_ID)
    # pat.second only booked the hospital's doctor: listed, but by short id only.
    booked = table.get_by_role("row").filter(has=page.locator(f'a[href="/staff/patient?patient={second_id}"]'))
    expect(booked).to_have_count(1)
    expect(booked).not_to_contain_text(SECOND_NAME)
    both_widths(hospital, "hospital-patient-list")

    hospital.follow(named.get_by_role("link"))
    expect(page.locator("#patient-name")).to_have_text(PATIENT_NAME)
    both_widths(hospital, "hospital-patient")
    assert_pages_clean(findings, "test_hospital_management_sees_its_patient_list")


def test_patient_lists_show_names(visitors, findings):
    doctor = visitors("doctor")
    page = doctor.page
    doctor.sign_in("dr.demo", expect_home="/doctor")
    doctor.goto("/doctor/patients")
    grants = page.locator("section[aria-labelledby=granted-heading]")
    expect(grants.get_by_role("link", name=re.compile(PATIENT_NAME))).not_to_have_count(0)
    expect(grants.get_by_role("link", name=re.compile(SECOND_NAME))).not_to_have_count(0)
    both_widths(doctor, "doctor-patients")

    pharmacy = visitors("pharmacy")
    pharmacy.sign_in("pharmacy.demo", expect_home="/staff")
    expect(pharmacy.page.locator("section[aria-labelledby=grants-heading]")).to_contain_text(PATIENT_NAME)
    expect(pharmacy.page.locator("#hospital-patients")).to_have_count(0)
    both_widths(pharmacy, "pharmacy-desk")

    auditor = visitors("auditor")
    auditor.sign_in("auditor.demo", expect_home="/auditor")
    expect(auditor.page.locator("main")).to_contain_text(PATIENT_NAME)
    both_widths(auditor, "auditor-desk")
    auditor.follow(auditor.page.get_by_role("link", name=re.compile(PATIENT_NAME)).first)
    expect(auditor.page.locator("#patient-name")).to_have_text(PATIENT_NAME)
    both_widths(auditor, "auditor-patient")
    assert_pages_clean(findings, "test_patient_lists_show_names")


def test_record_page_offers_only_allowed_changes_and_doctor_lists_what_they_wrote(visitors, findings):
    second = visitors("second")
    spage = second.page
    second.sign_in("pat.second", expect_home="/patient")
    second_id = second.address
    second.goto("/patient/access")
    revoke = signing_form(spage, "grant.revoke", grant="grant-doctor-2")
    if revoke.count():
        second.submit(revoke)

    doctor = visitors("doctor")
    page = doctor.page
    doctor.sign_in("dr.demo", expect_home="/doctor")
    accept = signing_form(page, "appointment.accept", appointment="appt-4")
    if accept.count():
        doctor.submit(accept, button="Accept appointment")
    doctor.goto(f"/doctor/records/new?patient={second_id}")
    title = f"Visit {secrets.token_hex(3)}"
    form = page.locator("#record-form")
    form.get_by_label("Kind of record").select_option("visit_notes")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Diagnosis").fill("Seasonal allergy")
    form.get_by_label("Treatment plan").fill("Antihistamine for two weeks")
    doctor.submit(form, button="Save record")
    assert re.search(r"/records/rec-[0-9a-f]{20}$", page.url), page.url
    record_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#record-content")).to_contain_text(title)
    # No grant: the contracts would refuse a change or a deletion, so neither is offered.
    expect(page.get_by_role("heading", name="Change this record")).to_have_count(0)
    expect(page.get_by_role("heading", name="Delete this record")).to_have_count(0)
    expect(page.locator("#change-form")).to_have_count(0)
    both_widths(doctor, "doctor-own-record-without-grant")

    # The doctor's page of this patient lists the record they wrote, and shows the patient's name.
    doctor.goto(f"/doctor/patients/{second_id}")
    expect(page.locator("#records-denied")).to_have_count(0)
    expect(page.get_by_role("link", name=record_id)).to_be_visible()
    expect(page.get_by_text("Denied:")).to_have_count(0)
    both_widths(doctor, "doctor-patient-own-records")

    # With a grant (pat.demo granted everything) both are offered.
    doctor.goto("/doctor/patients")
    doctor.follow(page.locator("section[aria-labelledby=granted-heading]").get_by_role("link", name=re.compile(PATIENT_NAME)).first)
    doctor.follow(page.locator("section[aria-labelledby=records-heading]").get_by_role("link").first)
    expect(page.get_by_role("heading", name="Change this record")).to_be_visible()
    expect(page.get_by_role("heading", name="Delete this record")).to_be_visible()
    both_widths(doctor, "doctor-record-with-grant")
    assert_pages_clean(findings, "test_record_page_offers_only_allowed_changes_and_doctor_lists_what_they_wrote")
