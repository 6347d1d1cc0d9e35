"""Invitations in a real Chromium: an administrator onboards a doctor and a patient with one-time links.

Against `medledger serve --demo`: admin.demo makes a doctor invitation (into the demo hospital, with
the licence number checked) and a patient invitation on /admin/invitations, copies each link, and a
fresh browser context (its own key, no cookie) opens it, sees what it is invited to, signs up and
lands signed in on its home page. The used link then shows why it cannot be used again; a revoked
link, a damaged key, a missing key and damaged or unknown ids get plain pages, never a crash.
(An expired invitation is refused in `InvitedSignupTests`, where the node's clock can be moved.)

Every page is checked with axe (no serious or critical finding) and for inline script or style;
screenshots go to e2e/artifacts/invitations/ at 1280 and 390 pixels wide.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import WebNode, screenshots
from test_web_roles import BAD_IMPACTS, SIGN_IN_TIMEOUT, Findings, Visitor, assert_pages_clean, axe, signing_form

SHOTS = Path(__file__).resolve().parent / "artifacts" / "invitations"
PASSWORD = "invited-person-2026"
LINK = re.compile(r"^(?P<base>https?://[^/]+)(?P<path>/signup\?invite=(?P<id>inv-[a-z0-9]{12}))#(?P<key>[A-Za-z0-9_-]{43})$")


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("invitations") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def findings():
    return Findings()


def axe_again(visitor: Visitor, note: str = "390 px") -> None:
    """axe once more on the page as it is now, e.g. at 390 px or after a script changed it (the page
    was checked whole when it loaded; axe's own run leaves empty style attributes behind, so the
    inline-style check is not repeated)."""
    results = axe().run(visitor.page)
    assert results.response.get("passes"), f"axe checked nothing on {visitor.page.url}"
    for violation in results.response["violations"]:
        if violation.get("impact") in BAD_IMPACTS:
            visitor.findings.axe.append({
                "test": visitor.test, "url": visitor.page.url.replace(visitor.base, "") + f" ({note})", "rule": violation["id"],
                "impact": violation["impact"], "help": violation.get("help", ""),
                "targets": [node["target"] for node in violation["nodes"]],
            })


def shoot(visitor: Visitor, name: str) -> None:
    """Screenshots at both widths, axe again at 390 px; the page must not scroll sideways on a phone."""
    overflow = screenshots(visitor.page, SHOTS, name, at_phone_width=lambda: axe_again(visitor))
    assert overflow <= 0, f"{visitor.page.url} scrolls sideways by {overflow}px at 390px"


def make_invitation(admin: Visitor, role: str, organization: str | None = None, licence: str | None = None,
                    validity: str = "86400", note: str | None = None) -> re.Match:
    """Fills the invitation form, creates the invitation and returns the link shown once."""
    page = admin.page
    if not page.url.endswith("/admin/invitations"):
        admin.goto("/admin/invitations")
    form = page.locator("#invitation-form")
    form.get_by_label("Invite as").select_option(role)
    if organization:
        form.get_by_label("Organization").select_option(organization)
    if licence:
        form.get_by_label("Licence number you checked (optional)").fill(licence)
    form.get_by_label("Valid for").select_option(validity)
    if note:
        form.get_by_label("Note for your list (optional)").fill(note)
    form.get_by_role("button", name="Create invitation").click()
    card = page.locator("#invitation-result")
    expect(card).to_be_visible(timeout=30_000)
    expect(form.locator("[role=status]")).to_contain_text("Invitation created")
    link = page.get_by_label("Sign-up link").input_value()
    match = LINK.match(link)
    assert match, f"unexpected link {link!r}"
    assert match["base"] == admin.base
    return match


def copy_link(admin: Visitor, match: re.Match) -> None:
    """The Copy button puts exactly the link on the clipboard."""
    page = admin.page
    page.locator("#invitation-result").get_by_role("button", name="Copy link").click()
    expect(page.locator("#copy-status")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == match.group(0)


def fill_account(page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)


def submit_signup(visitor: Visitor, expect_home: str) -> None:
    page = visitor.page
    with page.expect_navigation(timeout=SIGN_IN_TIMEOUT * 2, url=lambda url: "/signup" not in url):
        page.get_by_role("button", name="Create account").click()
    visitor.checked()
    assert page.url == visitor.base + expect_home, f"landed on {page.url}"


def admin_visitor(chromium, node, findings, test) -> Visitor:
    admin = Visitor(chromium, node, findings, test, "admin")
    admin.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=node.url)
    admin.sign_in("admin.demo", expect_home="/admin")
    return admin


def test_admin_invites_a_doctor_who_signs_up_and_is_signed_in(chromium, node, findings):
    test = "test_admin_invites_a_doctor_who_signs_up_and_is_signed_in"
    admin = admin_visitor(chromium, node, findings, test)
    doctor = Visitor(chromium, node, findings, test, "invited doctor")
    again = Visitor(chromium, node, findings, test, "second visitor")
    try:
        admin.goto("/admin/invitations")
        expect(admin.page.get_by_role("heading", level=1, name="Invitations")).to_be_visible()
        expect(admin.page.get_by_role("link", name="Invitations")).to_have_attribute("aria-current", "page")
        shoot(admin, "admin-invitations-form")
        link = make_invitation(admin, "doctor", organization="demo-hospital", licence="LIC-INV-2026", note="Cardiology ward")
        axe_again(admin, "link shown")
        copy_link(admin, link)
        shoot(admin, "admin-invitation-created")
        # Printed, the page is only the card with the link.
        admin.page.emulate_media(media="print")
        expect(admin.page.get_by_label("Sign-up link")).to_be_visible()
        expect(admin.page.locator("#invitation-form")).to_be_hidden()
        expect(admin.page.get_by_role("heading", name="Your invitations")).to_be_hidden()
        expect(admin.page.locator("#invitation-result").get_by_role("button", name="Copy link")).to_be_hidden()
        admin.page.screenshot(path=str(SHOTS / "admin-invitation-print.png"), full_page=True)
        admin.page.emulate_media(media="screen")
        # The page holds no private key once it is reloaded; the list shows the invitation as open.
        admin.goto("/admin/invitations")
        expect(admin.page.locator("#invitation-result")).to_be_hidden()
        assert link["key"] not in admin.page.content()
        row = admin.page.locator("tbody tr").filter(has_text=link["id"])
        expect(row).to_contain_text("open")
        expect(row).to_contain_text("Cardiology ward")
        expect(row).to_contain_text("LIC-INV-2026")

        # A fresh browser opens the link, sees the invitation and signs up; the link's private key
        # never leaves it (the acceptance carries only a proof for the new key).
        page = doctor.page
        sent: list[tuple[str, bytes]] = []
        page.on("request", lambda request: sent.append((request.url, request.post_data_buffer or b"")))
        doctor.goto(link["path"] + "#" + link["key"])
        panel = page.get_by_role("region", name="You are invited")
        expect(panel).to_contain_text("Doctor")
        expect(panel).to_contain_text("Demo General Hospital")
        expect(panel).to_contain_text("LIC-INV-2026")
        expect(page.get_by_label("I am signing up as")).to_have_count(0)
        expect(page.get_by_role("button", name="Create account")).to_be_enabled()
        shoot(doctor, "invited-doctor-signup")
        fill_account(page, "dr.invited")
        page.get_by_label("Name shown to patients").fill("Dr. Ivy Invited")
        page.get_by_label("Speciality").fill("Cardiology")
        expect(page.get_by_label("Licence number")).to_have_value("LIC-INV-2026")
        page.get_by_label("Licence certificate").set_input_files(
            {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% invited doctor's licence\n"})
        submit_signup(doctor, "/doctor")
        expect(page.get_by_role("navigation", name="Main")).to_contain_text("Patients")
        signups = [json.loads(body) for url, body in sent if url.endswith("/auth/signup")]
        assert len(signups) == 1
        payload = base64.b64decode(signups[0]["envelope"]["payload"])
        assert b'"invitation.accept"' in payload and b'"proof"' in payload
        for url, body in sent:
            assert link["key"] not in url and link["key"].encode() not in body + payload, "the invitation's private key was sent"
        shoot(doctor, "invited-doctor-home")

        # The admin's list says who used it.
        admin.goto("/admin/invitations")
        row = admin.page.locator("tbody tr").filter(has_text=link["id"])
        expect(row).to_contain_text("used")
        expect(row.get_by_role("button", name=re.compile("^Revoke"))).to_have_count(0)
        address = doctor.page.locator('meta[name="ml-address"]').get_attribute("content")
        expect(row.locator("code.address")).to_have_attribute("title", address)
        shoot(admin, "admin-invitation-used")

        # The same link, opened again by someone else, is refused with a plain page.
        again.goto(link["path"] + "#" + link["key"])
        expect(again.page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
        expect(again.page.get_by_role("alert")).to_contain_text("already used")
        expect(again.page.locator("#signup-form")).to_have_count(0)
        shoot(again, "invitation-used")
    finally:
        admin.close()
        doctor.close()
        again.close()
    assert_pages_clean(findings, test)


def test_admin_invites_a_patient_and_revokes_another(chromium, node, findings):
    test = "test_admin_invites_a_patient_and_revokes_another"
    admin = admin_visitor(chromium, node, findings, test)
    patient = Visitor(chromium, node, findings, test, "invited patient")
    stranger = Visitor(chromium, node, findings, test, "stranger")
    try:
        admin.goto("/admin/invitations")
        admin.page.locator("#invitation-form").get_by_label("Invite as").select_option("patient")
        expect(admin.page.locator("#invitation-form").get_by_label("Organization")).to_be_hidden()
        kept = make_invitation(admin, "patient", validity="604800")
        copy_link(admin, kept)
        revoked = make_invitation(admin, "patient", validity="3600")
        damaged = make_invitation(admin, "patient")

        admin.goto("/admin/invitations")
        admin.submit(signing_form(admin.page, "invitation.revoke", invitation=revoked["id"]))
        expect(admin.page.locator("tbody tr").filter(has_text=revoked["id"])).to_contain_text("revoked")
        shoot(admin, "admin-invitations-list")

        page = patient.page
        patient.goto(kept["path"] + "#" + kept["key"])
        expect(page.get_by_role("region", name="You are invited")).to_contain_text("Patient")
        fill_account(page, "pat.invited")
        page.get_by_label("Full name").fill("Ina Invited")
        shoot(patient, "invited-patient-signup")
        submit_signup(patient, "/patient")
        shoot(patient, "invited-patient-home")

        # A revoked link, a damaged key, a missing key, bad ids: each a plain answer.
        stranger.goto(revoked["path"] + "#" + revoked["key"])
        expect(stranger.page.get_by_role("alert")).to_contain_text("withdrawn")
        shoot(stranger, "invitation-revoked")

        stranger.goto(damaged["path"] + "#" + "A" * 43)
        form = stranger.page.locator("#signup-form")
        expect(form.locator("[role=status]")).to_contain_text("does not match")
        expect(form.get_by_role("button", name="Create account")).to_be_disabled()
        shoot(stranger, "invitation-damaged-key")

        stranger.goto(damaged["path"])
        expect(stranger.page.locator("#signup-form [role=status]")).to_contain_text("incomplete")
        expect(stranger.page.get_by_role("button", name="Create account")).to_be_disabled()

        for path, words in [
            ("/signup?invite=..%2F..%2Fetc%2Fpasswd", "not valid"),
            ("/signup?invite=inv-doesnotexist", "no invitation"),
            ("/signup?invite=%00%FF", "not valid"),
            ("/signup?invite=" + "a" * 300, "not valid"),
        ]:
            response = stranger.goto(path)
            assert response.status == 200, f"{path}: {response.status}"
            expect(stranger.page.get_by_role("alert")).to_contain_text(words)
        shoot(stranger, "invitation-unknown")
    finally:
        admin.close()
        patient.close()
        stranger.close()
    assert_pages_clean(findings, test)


def test_invited_staff_and_an_unchecked_doctor(chromium, node, findings):
    """Pharmacy staff sign up with their name and land on the staff desk; a doctor invited without a
    checked licence signs up but waits for verification, as the page says."""
    test = "test_invited_staff_and_an_unchecked_doctor"
    admin = admin_visitor(chromium, node, findings, test)
    staff = Visitor(chromium, node, findings, test, "invited pharmacist")
    doctor = Visitor(chromium, node, findings, test, "unchecked doctor")
    try:
        admin.goto("/admin/invitations")
        form = admin.page.locator("#invitation-form")
        form.get_by_label("Invite as").select_option("pharmacy")
        options = form.get_by_label("Organization").locator("option:not([disabled])")
        expect(options).to_have_count(1)
        expect(options.first).to_have_text(re.compile("Demo Corner Pharmacy"))
        pharmacy = make_invitation(admin, "pharmacy", organization="demo-pharmacy")
        unchecked = make_invitation(admin, "doctor", organization="demo-hospital")

        page = staff.page
        staff.goto(pharmacy["path"] + "#" + pharmacy["key"])
        expect(page.get_by_role("region", name="You are invited")).to_contain_text("Demo Corner Pharmacy")
        fill_account(page, "counter.invited")
        page.get_by_label("Name shown to colleagues and patients").fill("Cory Counter")
        shoot(staff, "invited-staff-signup")
        submit_signup(staff, "/staff")

        page = doctor.page
        doctor.goto(unchecked["path"] + "#" + unchecked["key"])
        expect(page.get_by_role("region", name="You are invited")).to_contain_text("verifies your licence")
        fill_account(page, "dr.unchecked")
        page.get_by_label("Name shown to patients").fill("Dr. Uma Unchecked")
        page.get_by_label("Speciality").fill("Dermatology")
        page.get_by_label("Licence number").fill("LIC-UNCHECKED")
        page.get_by_label("Licence certificate").set_input_files(
            {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% unchecked doctor's licence\n"})
        page.get_by_role("button", name="Create account").click()
        expect(page.locator("#signup-status")).to_contain_text("must verify your licence", timeout=SIGN_IN_TIMEOUT)
        shoot(doctor, "invited-doctor-pending")

        # The administrator finds the doctor in the verification queue.
        admin.goto("/admin")
        expect(admin.page.get_by_text("Dr. Uma Unchecked").first).to_be_visible()
    finally:
        admin.close()
        staff.close()
        doctor.close()
    assert_pages_clean(findings, test)
