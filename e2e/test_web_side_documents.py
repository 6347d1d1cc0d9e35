"""Side documents in a real Chromium: symptoms, a request's reason, a break-glass justification.

Against `medledger serve --demo`: the demo doctor opens the symptoms pat.demo wrote when booking,
and the read shows on the patient's activity; the patient sees the demo hospital's reason inside
its pending access request (overview and Access page); the doctor opens emergency access with a
justification, which the patient and the demo auditor then read from their pages. Another patient
is refused the symptoms, and the refusal is on the ledger too.

Every page is checked with axe (no serious or critical finding) and for inline script or style;
screenshots go to e2e/artifacts/side-documents/ at 1280 and 390 pixels wide.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import WebNode, screenshots
from test_web_roles import Findings, Visitor, assert_pages_clean

SHOTS = Path(__file__).resolve().parent / "artifacts" / "side-documents"

# What DemoSeed stores (Sources/medledger/DemoSeed.swift).
DEMO_SYMPTOMS = re.compile(r"Dry cough for two weeks|Follow-up of the bronchitis|Yearly check-up")
DEMO_REASON = "Quality review of recent laboratory results at Demo General Hospital"
JUSTIFICATION = "Brought in unconscious after a road accident; allergies must be checked before surgery"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("side-documents") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def findings():
    return Findings()


def shoot(page, name: str) -> None:
    """Full-page screenshots at desktop and phone widths; the page must not scroll sideways on a phone."""
    overflow = screenshots(page, SHOTS, name)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"


def test_doctor_reads_the_symptoms_a_patient_wrote(chromium, node, findings):
    test = "test_doctor_reads_the_symptoms_a_patient_wrote"
    doctor = Visitor(chromium, node, findings, test, "doctor")
    patient = Visitor(chromium, node, findings, test, "patient")
    other = Visitor(chromium, node, findings, test, "patient")
    try:
        page = doctor.page
        doctor.sign_in("dr.demo", expect_home="/doctor")
        links = page.get_by_role("link", name=re.compile(r"^Show symptoms"))
        expect(links.first).to_be_visible()
        shoot(page, "doctor-appointments")
        href = links.first.get_attribute("href")
        assert re.fullmatch(r"/documents/symptoms/[A-Za-z0-9_-]+", href), href
        doctor.follow(links.first)
        expect(page.get_by_role("heading", level=1, name="Symptoms")).to_be_visible()
        expect(page.locator("#document-content")).to_contain_text(DEMO_SYMPTOMS)
        expect(page.locator("#document-denied")).to_have_count(0)
        shoot(page, "doctor-symptoms")

        # The read is on the patient's activity, as the doctor's: the document page was one page view
        # whose entry says it showed the appointment's symptoms.
        patient.sign_in("pat.demo", expect_home="/patient")
        patient.goto("/patient/activity?action=page.view")
        rows = patient.page.locator("#activity-table tbody tr").filter(has_text="symptoms of appointment")
        expect(rows.first).to_be_visible()
        expect(rows.first).to_contain_text("Dr. Dana Demo")

        # The patient reads their own symptoms from their appointments.
        patient.goto("/patient/appointments")
        own = patient.page.get_by_role("link", name=re.compile(r"^Show symptoms"))
        expect(own.first).to_be_visible()
        patient.follow(own.first)
        expect(patient.page.locator("#document-content")).to_contain_text(DEMO_SYMPTOMS)

        # Another patient is refused, and the page says so without showing anything.
        other.sign_in("pat.second", expect_home="/patient")
        other.goto(href)
        expect(other.page.locator("#document-denied")).to_contain_text("only the patient and the appointment's doctor")
        expect(other.page.locator("#document-content")).to_have_count(0)
        shoot(other.page, "other-patient-refused")
    finally:
        doctor.close()
        patient.close()
        other.close()
    assert_pages_clean(findings, test)


def test_patient_sees_why_access_is_requested(chromium, node, findings):
    test = "test_patient_sees_why_access_is_requested"
    patient = Visitor(chromium, node, findings, test, "patient")
    try:
        page = patient.page
        patient.sign_in("pat.demo", expect_home="/patient")
        request = page.locator(".request-alert").filter(has_text="asks to see your records")
        expect(request.first).to_be_visible()
        expect(request.first.locator(".request-reason")).to_contain_text(DEMO_REASON)
        patient.goto("/patient/access")
        request = page.locator(".request-alert")
        expect(request.first.locator(".request-reason")).to_contain_text(DEMO_REASON)
        expect(request.first.get_by_role("button", name="Approve request")).to_be_visible()
        shoot(page, "patient-access-request")
    finally:
        patient.close()
    assert_pages_clean(findings, test)


def test_emergency_justification_reaches_patient_and_auditor(chromium, node, findings):
    test = "test_emergency_justification_reaches_patient_and_auditor"
    doctor = Visitor(chromium, node, findings, test, "doctor")
    patient = Visitor(chromium, node, findings, test, "patient")
    auditor = Visitor(chromium, node, findings, test, "auditor")
    try:
        patient.sign_in("pat.demo", expect_home="/patient")
        doctor.sign_in("dr.demo", expect_home="/doctor")
        doctor.goto(f"/doctor/patients/{patient.address}")
        form = doctor.page.locator("#breakglass-form")
        form.get_by_label("Justification").fill(JUSTIFICATION)
        doctor.submit(form)

        patient.goto("/patient")
        notice = patient.page.locator("section").filter(has=patient.page.get_by_role("heading", name="Emergency access to your records"))
        link = notice.get_by_role("link", name=re.compile(r"read the justification", re.I))
        expect(link.first).to_be_visible()
        shoot(patient.page, "patient-emergency-notice")
        patient.follow(link.first)
        expect(patient.page.get_by_role("heading", level=1, name="Justification for emergency access")).to_be_visible()
        expect(patient.page.locator("#document-content")).to_contain_text(JUSTIFICATION)
        shoot(patient.page, "patient-justification")

        auditor.sign_in("auditor.demo", expect_home="/auditor")
        auditor.goto(f"/auditor/patients/{patient.address}")
        listed = auditor.page.locator("#emergency-accesses li")
        expect(listed.first).to_contain_text("Dr. Dana Demo")
        shoot(auditor.page, "auditor-emergency-accesses")
        auditor.follow(listed.first.get_by_role("link", name=re.compile(r"^Read the justification")))
        expect(auditor.page.locator("#document-content")).to_contain_text(JUSTIFICATION)
        shoot(auditor.page, "auditor-justification")
    finally:
        doctor.close()
        patient.close()
        auditor.close()
    assert_pages_clean(findings, test)
