"""Profiles in a real Chromium: the patient's clinical profile and its versions, what doctors see
of it, and a doctor's own profile with licence re-verification.

Against `medledger serve --demo`: pat.demo fills the clinical fields (the age shows as the date of
birth is known), saves, changes them again and reads the earlier version from the history; the
node refuses a profile with an out-of-range weight that skipped the page's checks. dr.demo, who
holds a grant, sees the clinical profile on the patient's page; dr.pending, verified during the test
and without a grant or appointment, does not. dr.demo then changes their speciality (at once) and
their licence number and certificate (held until admin.demo approves it from the verification
queue; the doctor then sees the new licence verified).

Every page is checked with axe (no serious or critical finding) and for inline script or style;
screenshots go to e2e/artifacts/profiles/ at 1280 and 390 pixels wide.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import WebNode, screenshots
from test_web_roles import Visitor, shoot_both_widths, assert_pages_clean, visitors  # noqa: F401 (fixture)

SHOTS = Path(__file__).resolve().parent / "artifacts" / "profiles"
BIRTH_DATE = "1985-04-12"   # pat.demo's date of birth in the demo profile (DemoSeed)
ALLERGY = "Penicillin: hives"
MEDICATION = "Salbutamol inhaler as needed"
CONDITION = "Mild asthma"
NEW_LICENCE = "DEMO-GP-2026"
CERTIFICATE_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("profiles") / "data") as running:
        yield running



def age_today(born: str) -> int:
    year, month, day = (int(part) for part in born.split("-"))
    today = datetime.now(timezone.utc)
    return today.year - year - ((today.month, today.day) < (month, day))


def both_widths(visitor: Visitor, name: str) -> None:
    """Screenshots at 1280 and 390 px, with axe run again at 390 (goto already ran it at 1280)."""
    shoot_both_widths(visitor, SHOTS, name)


def saved_value(page, label: str):
    """The value beside `label` in the profile's "What is saved" list."""
    return page.locator("#profile-fields dt", has_text=re.compile(f"^{re.escape(label)}$")).locator("xpath=following-sibling::dd[1]")


def test_patient_clinical_profile_versions_and_what_doctors_see(visitors, findings):
    test = "test_patient_clinical_profile_versions_and_what_doctors_see"
    patient = visitors("patient")
    page = patient.page
    patient.sign_in("pat.demo", expect_home="/patient")
    patient.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile"))
    expect(page.get_by_role("heading", level=1, name="Your profile")).to_be_visible()
    age = age_today(BIRTH_DATE)
    # The age shows from the saved date of birth, and follows the field as it changes.
    expect(saved_value(page, "Age")).to_have_text(f"{age} years")
    expect(page.locator("#profile-age")).to_have_text(f"Age: {age} years")
    page.get_by_label("Date of birth").fill("2000-01-01")
    expect(page.locator("#profile-age")).to_have_text(f"Age: {age_today('2000-01-01')} years")
    page.get_by_label("Date of birth").fill(BIRTH_DATE)

    form = page.locator("#profile-form")
    clinical = form.get_by_role("group", name="Clinical profile")
    clinical.get_by_label("Gender").select_option(label="Female")
    clinical.get_by_label("Weight (kg)").fill("71.5")
    clinical.get_by_label("Height (cm)").fill("168")
    clinical.get_by_label("Blood type").select_option(label="O− (O negative)")
    clinical.get_by_label("Allergies").fill(ALLERGY)
    clinical.get_by_label("Current medications").fill(MEDICATION)
    clinical.get_by_label("Chronic conditions").fill(CONDITION)
    # The browser's own checks stop a weight out of range before anything is signed.
    clinical.get_by_label("Weight (kg)").fill("900")
    assert not clinical.get_by_label("Weight (kg)").evaluate("input => input.checkValidity()")
    clinical.get_by_label("Weight (kg)").fill("71.5")
    patient.submit(form)

    expect(saved_value(page, "Blood type")).to_have_text("O−")
    expect(saved_value(page, "Weight (kg)")).to_have_text("71.5")
    expect(saved_value(page, "Height (cm)")).to_have_text("168")
    expect(saved_value(page, "Gender")).to_have_text("Female")
    expect(saved_value(page, "Allergies")).to_have_text(ALLERGY)
    expect(saved_value(page, "Age")).to_have_text(f"{age} years")
    # The form shows what was saved, selects included.
    expect(clinical.get_by_label("Blood type")).to_have_value("O-")
    expect(clinical.get_by_label("Gender")).to_have_value("female")
    versions = page.get_by_role("table", name=re.compile("Saved versions of your profile"))
    expect(versions.locator("tbody tr")).to_have_count(2)

    # A second change is a new version; the earlier one stays readable from the history.
    clinical.get_by_label("Weight (kg)").fill("69")
    patient.submit(form)
    expect(saved_value(page, "Weight (kg)")).to_have_text("69")
    expect(versions.locator("tbody tr")).to_have_count(3)
    expect(versions.locator("tbody tr").first).to_contain_text("current")
    both_widths(patient, "patient-profile")
    patient.follow(versions.get_by_role("link", name="Open version 2"))
    expect(page.get_by_role("heading", level=2, name="Version 2")).to_be_visible()
    expect(page.locator("#version-fields")).to_contain_text("71.5")
    both_widths(patient, "patient-profile-version-2")

    # A profile that skipped the page's checks is refused by the node, and nothing changes.
    refused = page.evaluate(
        """async () => {
          const ledger = await import('/static/js/ledger.js');
          const key = await ledger.currentKey();
          const cid = await ledger.uploadJSON(key, ledger.signedInAddress(), { name: 'Alex Demo', weightKg: 9000 });
          const envelope = await ledger.signEnvelope(key, 'profile.update', { profile: cid });
          try { await ledger.postJSON('/v1/transactions', envelope); return 'saved'; }
          catch (error) { return error.message; }
        }""")
    assert "weight" in refused and "not saved" in refused, refused
    patient.goto("/patient/profile")
    expect(saved_value(page, "Weight (kg)")).to_have_text("69")
    expect(versions.locator("tbody tr")).to_have_count(3)

    # dr.demo holds pat.demo's grant: the clinical profile is on the patient's page.
    doctor = visitors("doctor")
    doctor.sign_in("dr.demo", expect_home="/doctor")
    doctor.goto(f"/doctor/patients/{patient.address}")
    shown = doctor.page.locator("#clinical-profile")
    expect(doctor.page.get_by_role("heading", name="Clinical profile")).to_be_visible()
    for text in ["O−", "69", "168", ALLERGY, MEDICATION, CONDITION, "Female"]:
        expect(shown).to_contain_text(text)
    expect(doctor.page.locator("main")).to_contain_text(f"{age} years")
    both_widths(doctor, "doctor-patient-clinical")

    # dr.pending, once verified, has no grant or appointment: no profile, no clinical field.
    admin = visitors("admin")
    admin.sign_in("admin.demo", expect_home="/admin")
    admin.submit(admin.page.locator('form[data-tx="doctor.verify"]').filter(
        has=admin.page.get_by_role("button", name="Approve Dr. Pat Pending")))
    stranger = visitors("stranger")
    stranger.sign_in("dr.pending", expect_home="/doctor")
    stranger.goto(f"/doctor/patient?patient={patient.address}")
    expect(stranger.page.locator("#clinical-profile")).to_have_count(0)
    main = stranger.page.locator("main")
    for text in [ALLERGY, MEDICATION, CONDITION, "O−"]:
        expect(main).not_to_contain_text(text)
    both_widths(stranger, "doctor-without-grant")
    assert_pages_clean(findings, test)


def test_doctor_changes_speciality_at_once_and_licence_through_an_administrator(visitors, findings):
    test = "test_doctor_changes_speciality_at_once_and_licence_through_an_administrator"
    doctor = visitors("doctor")
    page = doctor.page
    doctor.sign_in("dr.demo", expect_home="/doctor")
    doctor.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="My profile"))
    expect(page.get_by_role("heading", level=1, name="My profile")).to_be_visible()
    old_licence = page.locator("#current-licence").inner_text().strip()
    assert old_licence and old_licence != NEW_LICENCE
    both_widths(doctor, "doctor-profile")

    # Speciality and contact details apply at once.
    contact = page.locator("#doctor-profile-form")
    contact.get_by_label("Speciality").fill("Family medicine")
    contact.get_by_label("Email").fill("dana.demo@example.org")
    doctor.submit(contact)
    expect(page.locator("#current-speciality")).to_have_text("Family medicine")
    expect(page.locator("#contact-fields")).to_contain_text("dana.demo@example.org")

    # Licence facts wait for an administrator; the verified ones stay in force.
    licence = page.locator("#licence-form")
    licence.get_by_label("Licence number").fill(NEW_LICENCE)
    licence.get_by_label("New licence certificate").set_input_files(
        {"name": "licence-2026.pdf", "mimeType": "application/pdf", "buffer": CERTIFICATE_PDF})
    doctor.submit(licence)
    pending = page.locator("#licence-change-pending")
    expect(pending).to_contain_text(NEW_LICENCE)
    expect(page.locator("#current-licence")).to_have_text(old_licence)
    both_widths(doctor, "doctor-profile-pending")

    # Another user still sees the verified licence facts only.
    patient = visitors("patient")
    patient.sign_in("pat.demo", expect_home="/patient")
    listed = patient.page.evaluate(
        """async () => {
          const ledger = await import('/static/js/ledger.js');
          const key = await ledger.currentKey();
          const envelope = await ledger.signEnvelope(key, 'accounts.list', { role: 'doctor', status: 'active' });
          const answer = await ledger.postJSON('/v1/queries', envelope);
          return JSON.stringify(answer.result);
        }""")
    assert old_licence in listed and NEW_LICENCE not in listed and "licenceChange" not in listed

    # The administrator's queue shows the change; approving it makes it the verified licence.
    admin = visitors("admin")
    admin.sign_in("admin.demo", expect_home="/admin")
    queue = admin.page.get_by_role("region", name="Licence changes waiting for verification")
    expect(queue).to_contain_text(NEW_LICENCE)
    expect(queue.get_by_role("link", name=re.compile("Open the submitted certificate"))).to_be_visible()
    # The submitted certificate opens for the administrator, byte for byte, and not for the patient.
    href = queue.get_by_role("link", name=re.compile("Open the submitted certificate")).get_attribute("href")
    assert href == f"/accounts/{doctor.address}/certificate?pending=1", href
    certificate = admin.page.request.get(admin.base + href)
    assert certificate.status == 200 and certificate.body() == CERTIFICATE_PDF
    assert patient.page.request.get(patient.base + href).status >= 400
    both_widths(admin, "admin-licence-queue")
    admin.submit(queue.locator('form[data-tx="doctor.verify"]').filter(
        has=admin.page.get_by_role("button", name=re.compile("^Approve the licence change of"))))
    expect(admin.page.get_by_role("region", name="Licence changes waiting for verification")).to_contain_text(
        "No verified doctor has changed their licence facts")

    doctor.goto("/doctor/profile")
    expect(page.locator("#current-licence")).to_have_text(NEW_LICENCE)
    expect(page.locator("#licence-change-pending")).to_have_count(0)
    expect(page.locator("#verified-facts")).to_contain_text("active")
    assert_pages_clean(findings, test)
