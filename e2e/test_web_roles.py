"""Each role of the demo, in a real Chromium, through the web pages only.

One `medledger serve --demo` node serves the whole module. Every test signs in through the log-in
page in its own browser context (its own key in IndexedDB, its own session cookie), and every page
a test visits is checked after it loads:

- axe-core (axe-playwright-python) must find no violation of impact "serious" or "critical";
  the findings of a test are reported together at its end (page, rule, targets);
- the page has no inline `<script>` and no `style` attribute (the CSP allows neither);
- the HTML response carries the Content-Security-Policy (checked for every response in the
  security test, which runs last).

Full-page screenshots go to e2e/artifacts/screenshots/ (1280 wide, and a few 375 wide), the axe
findings to e2e/artifacts/axe-findings.json.

The tests run in file order and share the node's ledger: the pending doctor and the sign-up that
waits for an account are tried before the administrator's test approves and creates them.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from browser_support import WebNode, screenshots

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

PASSWORDS = {
    "admin.demo": "demo-admin-2026",
    "pat.demo": "demo-patient-2026",
    "dr.demo": "demo-doctor-2026",
    "auditor.demo": "demo-auditor-2026",
    "hospital.demo": "demo-hospital-2026",
    "pharmacy.demo": "demo-pharmacy-2026",
    "pat.second": "demo-patient2-2026",
    "dr.pending": "demo-pending-2026",
    "new.staff": "demo-newstaff-2026",
}

DOCTOR_NAME = "Dr. Dana Demo"
PENDING_DOCTOR_NAME = "Dr. Pat Pending"
HOSPITAL_NAME = "Demo Hospital Management"

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
SIGN_IN_TIMEOUT = 60_000   # PBKDF2 with 600,000 iterations, then two round trips
SIGNING_TIMEOUT = 30_000   # a signing form: upload, sign, submit, then the page loads again

BAD_IMPACTS = {"serious", "critical"}


# ---------------------------------------------------------------------------------------------
# What the page checks find


@dataclass
class Findings:
    """Everything the per-page checks found, for the whole module."""

    axe: list[dict] = field(default_factory=list)          # {test, url, rule, impact, help, targets}
    axe_other: list[dict] = field(default_factory=list)    # moderate and minor: reported, not failed
    hygiene: list[dict] = field(default_factory=list)      # inline scripts and style attributes
    html_responses: list[dict] = field(default_factory=list)  # {url, status, csp}
    pages_checked: int = 0

    def axe_of(self, test: str) -> list[dict]:
        return [f for f in self.axe if f["test"] == test]

    def hygiene_of(self, test: str) -> list[dict]:
        return [f for f in self.hygiene if f["test"] == test]


def describe(findings: list[dict]) -> str:
    lines = []
    for f in findings:
        targets = "; ".join(" ".join(t) if isinstance(t, list) else str(t) for t in f["targets"])
        lines.append(f"  {f['url']}  [{f['impact']}] {f['rule']}: {f['help']}\n      targets: {targets}")
    return "\n".join(lines)


_AXE = None


def axe():
    global _AXE
    if _AXE is None:
        from axe_playwright_python.sync_playwright import Axe
        _AXE = Axe()
    return _AXE


class Visitor:
    """One user: a browser context of their own, and a page whose every load is checked."""

    def __init__(self, chromium, node: WebNode, findings: Findings, test: str, role: str):
        self.node = node
        self.findings = findings
        self.test = test
        self.role = role
        self.context = chromium.new_context(viewport=WIDE)
        self.context.set_default_timeout(15_000)
        self.page = self.new_page()
        self.address: str | None = None

    def new_page(self):
        page = self.context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())   # data-confirm forms ask first
        page.on("response", self._record_response)
        return page

    def close(self) -> None:
        self.context.close()

    @property
    def base(self) -> str:
        return self.node.url

    def _record_response(self, response) -> None:
        if response.request.resource_type != "document":
            return
        headers = response.headers
        if not headers.get("content-type", "").startswith("text/html"):
            return
        self.findings.html_responses.append({
            "test": self.test, "url": response.url, "status": response.status,
            "csp": headers.get("content-security-policy"),
        })

    # Navigation; each ends with the page checks

    def goto(self, path: str, page=None):
        page = page or self.page
        response = page.goto(self.base + path)
        self.checked(page)
        return response

    def follow(self, locator, page=None) -> None:
        """Clicks a link (or a GET form's button) and checks the page it leads to."""
        page = page or self.page
        with page.expect_navigation():
            locator.click()
        self.checked(page)

    def submit(self, form, button: str | None = None) -> None:
        """Submits a signing form (forms.js signs it with the user's key) and waits for the page it
        leads to: the form's data-redirect, or the same page reloaded. If the page stays, the
        form's status message says why."""
        page = form.page
        target = form.get_by_role("button", name=button) if button else form.locator('button[type="submit"]').first
        try:
            with page.expect_navigation(timeout=SIGNING_TIMEOUT):
                target.click()
        except PlaywrightTimeout:
            status = form.locator("[role=status]")
            said = status.first.text_content() if status.count() else "(no status element)"
            raise AssertionError(f"{self.role}: the {form.get_attribute('data-tx')} form did not finish; its status says {said!r}")
        self.checked(page)

    def checked(self, page=None) -> None:
        """The checks every loaded page gets: axe (serious and critical impacts), no inline script,
        no style attribute."""
        page = page or self.page
        page.wait_for_load_state("load")
        url = page.url
        self.findings.pages_checked += 1
        inline_scripts = page.locator("script:not([src])").count()
        styled = page.locator("[style]").count()
        if inline_scripts:
            self.findings.hygiene.append({"test": self.test, "url": url, "problem": f"{inline_scripts} inline <script> element(s)"})
        if styled:
            outer = page.locator("[style]").first.evaluate("e => e.outerHTML.slice(0, 160)")
            self.findings.hygiene.append({"test": self.test, "url": url, "problem": f"{styled} element(s) with a style attribute, e.g. {outer}"})
        results = axe().run(page)
        # A guard against axe silently checking nothing (an empty page, a script that did not run).
        assert results.response.get("passes"), f"axe checked nothing on {url}"
        for violation in results.response["violations"]:
            if violation.get("impact") not in BAD_IMPACTS:
                self.findings.axe_other.append({
                    "test": self.test, "url": url.replace(self.base, ""), "rule": violation["id"],
                    "impact": violation.get("impact"), "targets": [node["target"] for node in violation["nodes"]],
                })
                continue
            self.findings.axe.append({
                "test": self.test, "url": url.replace(self.base, ""), "rule": violation["id"],
                "impact": violation["impact"], "help": violation.get("help", ""),
                "targets": [node["target"] for node in violation["nodes"]],
                "html": [node.get("html", "")[:200] for node in violation["nodes"]],
            })

    # Signing in

    def sign_in(self, username: str, expect_home: str | None = None) -> None:
        page = self.page
        self.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(PASSWORDS[username])
        with page.expect_navigation(timeout=SIGN_IN_TIMEOUT, url=lambda url: "/login" not in url):
            page.locator("#login-button").click()
        self.checked()
        if expect_home:
            assert page.url == self.base + expect_home, f"{username} landed on {page.url}"
        self.address = page.locator('meta[name="ml-address"]').get_attribute("content")
        assert self.address and re.fullmatch(r"ml[0-9a-f]{40}", self.address), self.address

    def try_sign_in(self, username: str, password: str) -> str:
        """A sign-in that is expected to fail: returns the message the log-in page shows."""
        page = self.page
        if not page.url.endswith("/login"):
            self.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        page.locator("#login-button").click()
        status = page.locator("#login-status")
        # The button is disabled while signing in and enabled again once the answer is shown: an
        # error, or a calm notice for an account that must wait (for verification or creation).
        expect(status).to_have_class(re.compile(r"\b(alert-danger|notice)\b"), timeout=SIGN_IN_TIMEOUT)
        expect(page.locator("#login-button")).to_be_enabled(timeout=SIGN_IN_TIMEOUT)
        assert page.url.endswith("/login")
        return status.inner_text().strip()

    # Screenshots

    def shot(self, name: str, phone: bool = False, page=None) -> Path:
        page = page or self.page
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.role}-{name}-{PHONE['width'] if phone else WIDE['width']}.png"
        if phone:
            page.set_viewport_size(PHONE)
            try:
                page.screenshot(path=str(path), full_page=True)
            finally:
                page.set_viewport_size(WIDE)
        else:
            page.screenshot(path=str(path), full_page=True)
        return path


def assert_pages_clean(findings: Findings, test: str) -> None:
    """The page checks of one test: all axe findings at once, then the inline script and style."""
    bad = findings.axe_of(test)
    assert not bad, f"axe found {len(bad)} serious or critical violation(s) in {test}:\n" + describe(bad)
    hygiene = findings.hygiene_of(test)
    assert not hygiene, "inline script or style on pages of " + test + ":\n" + "\n".join(f"  {h['url']}: {h['problem']}" for h in hygiene)


def signing_form(page, tx: str, **hidden: str):
    """The `form[data-tx=tx]` whose hidden inputs have these values."""
    selector = f'form[data-tx="{tx}"]' + "".join(f':has(input[name="{name}"][value="{value}"])' for name, value in hidden.items())
    return page.locator(selector)


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("roles") / "data") as running:
        yield running


def shoot_both_widths(visitor: Visitor, folder: Path, name: str) -> None:
    """Screenshots of the visitor's page at 1280 and 390 px into `folder`, with axe run again at
    390 px on the page loaded afresh (axe leaves empty style attributes behind on a page it checked);
    fails when the page scrolls sideways at 390 px."""
    page = visitor.page

    def recheck() -> None:
        page.reload()
        visitor.checked(page)

    overflow = screenshots(page, folder, name, at_phone_width=recheck)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"


@pytest.fixture(scope="module")
def findings():
    found = Findings()
    yield found
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-findings.json").write_text(json.dumps(
        {"pagesChecked": found.pages_checked, "axe": found.axe, "axeModerateOrMinor": found.axe_other,
         "hygiene": found.hygiene}, indent=2))


@pytest.fixture
def visitors(chromium, node, findings, request):
    """Makes Visitors for the running test and closes their contexts afterwards."""
    made: list[Visitor] = []

    def make(role: str) -> Visitor:
        visitor = Visitor(chromium, node, findings, request.node.name, role)
        made.append(visitor)
        return visitor

    yield make
    for visitor in made:
        visitor.close()


@pytest.fixture(scope="module")
def patient_id(chromium, node, findings) -> str:
    """pat.demo's account id, read from the page's `ml-address` after signing in."""
    visitor = Visitor(chromium, node, findings, "patient_id fixture", "patient-id")
    try:
        visitor.sign_in("pat.demo", expect_home="/patient")
        return visitor.address
    finally:
        visitor.close()


# ---------------------------------------------------------------------------------------------
# Accounts that cannot work yet (before the administrator's test approves and creates them)


def test_pending_doctor_and_sign_up_awaiting_account(visitors, findings):
    # A pending doctor gets no session (nothing to read until verified): the log-in page says why.
    doctor = visitors("pending")
    message = doctor.try_sign_in("dr.pending", PASSWORDS["dr.pending"])
    assert "waiting for an administrator's verification" in message, message
    notice = doctor.page.locator("#login-status")
    expect(notice).to_have_class(re.compile(r"\bnotice\b"))
    # Calm: a notice, not an error.
    assert doctor.page.locator("main .alert-danger").count() == 0
    doctor.shot("doctor-pending-login")
    assert not [c for c in doctor.context.cookies() if c["name"] == "ml_session"]

    staff = visitors("awaiting")
    message = staff.try_sign_in("new.staff", PASSWORDS["new.staff"])
    assert "waiting for an administrator to create your account" in message, message
    staff.shot("login-awaiting-account")
    # No session was opened.
    assert not [c for c in staff.context.cookies() if c["name"] == "ml_session"]

    assert_pages_clean(findings, "test_pending_doctor_and_sign_up_awaiting_account")


# ---------------------------------------------------------------------------------------------
# Patient


def test_patient(visitors, findings, node):
    patient = visitors("patient")
    page = patient.page
    patient.sign_in("pat.demo", expect_home="/patient")

    # The hospital's pending request is an alert on the overview.
    alert = page.locator("section.request-alert").filter(has_text=f"{HOSPITAL_NAME} asks to see your records")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Lab results")
    patient.shot("overview")
    patient.shot("overview", phone=True)
    patient.submit(alert.locator('form[data-tx="access.approve"]'), button="Approve request")
    expect(page.locator("section.request-alert").filter(has_text=HOSPITAL_NAME)).to_have_count(0)

    # The approval made a grant in force.
    patient.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Access"))
    assert page.url == node.url + "/patient/access"
    grant_row = page.locator("#active-grants-table tbody tr").filter(has_text=HOSPITAL_NAME).filter(has_text="Lab results")
    expect(grant_row).to_have_count(1)
    expect(grant_row.locator(".badge")).to_have_text("active")
    expect(page.locator("#answered-requests")).to_contain_text("approved")
    # The demo doctor's accepted appointments let them add to the records whatever the grants say:
    # the page says until when, and because of which appointment.
    care = page.locator("#care-windows li").filter(has_text=DOCTOR_NAME)
    expect(care.first).to_contain_text("can still add notes, results and prescriptions to your records until")
    expect(care.first).to_contain_text("because of your appointment on")
    patient.shot("access")

    # Book an appointment with the demo doctor.
    patient.goto("/patient/appointments")
    rows = page.locator("#appointments-table tbody tr")
    before = rows.count()
    when = (datetime.now(timezone.utc) + timedelta(days=5)).replace(hour=11, minute=15, second=0, microsecond=0)
    book = page.locator('form[data-tx="appointment.book"]')
    doctor_select = book.get_by_label("Doctor")
    doctor_select.select_option(doctor_select.locator("option", has_text=DOCTOR_NAME).get_attribute("value"))
    book.get_by_label("Date and time (UTC)").fill(when.strftime("%Y-%m-%dT%H:%M"))
    book.get_by_label("Symptoms (optional)").fill("Knee pain after running, two weeks.")
    patient.submit(book, button="Book appointment")
    expect(rows).to_have_count(before + 1)
    booked = rows.filter(has_text=f"{when.day} {when.strftime('%b %Y, %H:%M')} UTC")
    expect(booked).to_have_count(1)
    expect(booked).to_contain_text(DOCTOR_NAME)
    expect(booked).to_contain_text("waiting for the doctor")
    # The symptoms are read on demand, an audited document.view, not shown in the list.
    expect(booked.get_by_role("link", name=re.compile(r"^Show symptoms"))).to_be_visible()
    patient.shot("appointments")

    # A record, its print view and its first version.
    patient.goto("/patient/records")
    patient.shot("records")
    patient.shot("records", phone=True)
    patient.follow(page.locator("#records-table").get_by_role("link", name="rec-visit-1"))
    assert page.url == node.url + "/records/rec-visit-1"
    expect(page.locator("#record-version")).to_have_text("Version 2 of 2")
    expect(page.locator("#record-facts")).to_contain_text(DOCTOR_NAME)
    expect(page.locator("#record-content")).to_be_visible()
    expect(page.locator("#version-list li")).to_have_count(2)
    patient.shot("record")
    patient.shot("record", phone=True)

    patient.follow(page.get_by_role("link", name="Print view"))
    assert "/records/rec-visit-1/print" in page.url
    expect(page.locator("#print-facts")).to_contain_text("rec-visit-1")
    expect(page.locator("#print-facts")).to_contain_text("2 of 2")
    expect(page.locator("#record-content")).to_be_visible()
    patient.shot("record-print")
    patient.follow(page.get_by_role("link", name="Back to the record"))

    patient.follow(page.locator("#version-list").get_by_role("link", name="Version 1"))
    assert page.url.endswith("/records/rec-visit-1?version=1")
    expect(page.locator("#record-version")).to_have_text("Version 1 of 2")
    expect(page.get_by_role("heading", name="Content of version 1")).to_be_visible()

    # The doctor's earlier view of rec-visit-1 is in the activity.
    patient.goto("/patient/activity")
    page.get_by_label("Show").select_option("record.view")
    patient.follow(page.get_by_role("button", name="Show events"))
    assert "action=record.view" in page.url
    doctor_view = page.locator("#activity-table tbody tr").filter(has_text=DOCTOR_NAME).filter(has_text="rec-visit-1")
    expect(doctor_view.first).to_be_visible()
    expect(doctor_view.first).to_contain_text("record.view")
    expect(doctor_view.first.locator(".badge-allowed")).to_have_text("allowed")
    patient.shot("activity")
    patient.shot("activity", phone=True)

    # Edit the profile and see the new value.
    patient.goto("/patient/profile")
    new_name = f"Pat Demo {secrets.token_hex(3)}"
    profile = page.locator('form[data-tx="profile.update"]')
    profile.get_by_label("Full name").fill(new_name)
    profile.get_by_label("Phone").fill("+44 20 7946 0000")
    patient.submit(profile, button="Save profile")
    saved = page.locator("#profile-fields")
    expect(saved).to_contain_text(new_name)
    expect(saved).to_contain_text("+44 20 7946 0000")
    expect(profile.get_by_label("Full name")).to_have_value(new_name)
    patient.shot("profile")

    assert_pages_clean(findings, "test_patient")


# ---------------------------------------------------------------------------------------------
# Doctor


def test_doctor(visitors, findings, node, patient_id):
    doctor = visitors("doctor")
    page = doctor.page
    doctor.sign_in("dr.demo", expect_home="/doctor")

    # Accept appt-3 on the overview.
    accept = signing_form(page, "appointment.accept", appointment="appt-3")
    row = page.locator("tr", has=accept)
    expect(row.locator(".badge")).to_have_text("requested")
    doctor.shot("overview")
    doctor.shot("overview", phone=True)
    doctor.submit(accept, button="Accept appointment")
    accepted_row = page.locator("tr", has=signing_form(page, "appointment.complete", appointment="appt-3"))
    expect(accepted_row.locator(".badge")).to_have_text("accepted")
    expect(signing_form(page, "appointment.accept", appointment="appt-3")).to_have_count(0)

    # The patient, from the patients page.
    doctor.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients"))
    doctor.shot("patients")
    doctor.follow(page.locator(f'a[href="/doctor/patients/{patient_id}"]').first)
    expect(page.locator("#patient-address")).to_have_text(patient_id)
    expect(page.get_by_role("link", name="rec-visit-1")).to_be_visible()
    doctor.shot("patient")

    # Write a visit note and land on its page.
    doctor.follow(page.get_by_role("link", name="Write a record for this patient"))
    assert f"/doctor/records/new?patient={patient_id}" in page.url
    title = f"Follow-up visit {secrets.token_hex(3)}"
    form = page.locator("#record-form")
    form.get_by_label("Kind of record").select_option("visit_notes")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Diagnosis").fill("Mild tendinopathy of the left knee")
    form.get_by_label("Treatment plan").fill("Rest, ice, physiotherapy in two weeks")
    doctor.shot("record-new")
    doctor.submit(form, button="Save record")
    assert re.search(r"/records/rec-[0-9a-f]{20}$", page.url), page.url
    record_url = page.url
    expect(page.locator("#record-content")).to_contain_text(title)
    expect(page.locator("#record-content")).to_contain_text("Mild tendinopathy of the left knee")
    expect(page.locator("#record-version")).to_have_text("Version 1 of 1")
    expect(page.locator("#record-facts")).to_contain_text("Visit notes")
    doctor.shot("record")

    # Change it: version 2 appears.
    change = page.locator("#change-form")
    change.locator('textarea[name="diagnosis"]').fill("Tendinopathy of the left knee, improving")
    doctor.submit(change, button="Save new version")
    assert page.url == record_url
    expect(page.locator("#record-version")).to_have_text("Version 2 of 2")
    expect(page.locator("#version-list li")).to_have_count(2)
    expect(page.locator("#record-content")).to_contain_text("Tendinopathy of the left knee, improving")
    doctor.shot("record-v2")
    doctor.shot("record-v2", phone=True)

    assert_pages_clean(findings, "test_doctor")


# ---------------------------------------------------------------------------------------------
# Auditor


def test_auditor(visitors, findings, node, patient_id):
    auditor = visitors("auditor")
    page = auditor.page
    auditor.sign_in("auditor.demo", expect_home="/auditor")
    auditor.shot("dashboard")

    auditor.follow(page.locator(f'a[href="/auditor/patients/{patient_id}"]').first)
    auditor.shot("patient")
    auditor.follow(page.get_by_role("link", name="Check rec-visit-1"))
    trail_path = f"/auditor/patients/{patient_id}/records/rec-visit-1"
    assert page.url == node.url + trail_path

    # No check is recorded for this auditor yet.
    result = page.locator("#tally-result")
    expect(result).to_contain_text("The node has recorded no tally check of this record for you yet")
    # The page checks the trail's proofs itself, with the log key only.
    proofs = page.locator("[data-verify-trail]")
    expect(proofs).to_have_attribute("data-verified", "true", timeout=30_000)
    expect(proofs.locator("[data-verify-status]")).to_contain_text("Verified in this browser")
    expect(page.locator("td[data-label=Proof]").first).to_have_text("✓ proven")
    auditor.shot("trail")
    auditor.shot("trail", phone=True)

    # Run the check: the node runs it and records the result on the ledger itself.
    recorded = page.locator("#recorded-heading + dl")
    auditor.submit(page.locator("#tally-form"), button="Run tally check")
    expect(result).to_have_class(re.compile(r"\balert-success\b"))
    expect(result).to_contain_text("the trail tallies with the stored record")
    expect(recorded).to_contain_text("Your latest check")
    expect(recorded.locator("dd").first.locator(".badge")).to_have_text("tallies")
    expect(page.locator("#open-heading + p")).to_contain_text("Your latest check tallied")

    # Sign off (approve): the sign-off shows.
    signoff = page.locator("#signoff-form")
    signoff.get_by_label("Approve the trail").check()
    signoff.get_by_label("Note (optional)").fill("Trail reviewed in the end-to-end test.")
    auditor.submit(signoff, button="Sign off the trail")
    expect(recorded.locator("dd").nth(1).locator(".badge")).to_have_text("approve")
    expect(page.locator("#recorded-list li")).to_have_count(2)
    auditor.shot("trail-signed-off")

    # Filter the trail by action.
    page.get_by_label("Action", exact=True).fill("record.update")
    auditor.follow(page.get_by_role("button", name="Filter the trail"))
    assert "action=record.update" in page.url
    rows = page.locator("section[aria-labelledby=trail-heading] table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td[data-label=Action] code")).to_have_text("record.update")
    expect(page.locator("section[aria-labelledby=trail-heading] caption")).to_contain_text("1 event(s)")
    auditor.shot("trail-filtered")

    assert_pages_clean(findings, "test_auditor")


# ---------------------------------------------------------------------------------------------
# Administrator


def test_admin(visitors, findings, node):
    admin = visitors("admin")
    page = admin.page
    admin.sign_in("admin.demo", expect_home="/admin")

    # The activity chart loads.
    chart = page.get_by_role("img", name=re.compile("Transactions per day"))
    width = chart.evaluate(
        """img => img.complete ? img.naturalWidth : new Promise(resolve => {
               img.addEventListener('load', () => resolve(img.naturalWidth), {once: true});
               img.addEventListener('error', () => resolve(0), {once: true});
           })"""
    )
    assert width > 0, "the activity chart did not load"
    chart_answer = page.request.get(node.url + "/admin/activity.svg")
    assert chart_answer.ok and chart_answer.headers["content-type"].startswith("image/svg+xml")
    admin.shot("dashboard")
    admin.shot("dashboard", phone=True)

    # The verification queue: dr.pending with a certificate link that returns a PDF.
    entry = page.locator("ul.admin-queue > li").filter(has=page.get_by_role("heading", name=PENDING_DOCTOR_NAME))
    expect(entry).to_have_count(1)
    link = entry.get_by_role("link", name=re.compile("Open the licence certificate"))
    href = link.get_attribute("href")
    assert re.fullmatch(r"/accounts/ml[0-9a-f]{40}/certificate", href), href
    certificate = page.request.get(node.url + href)
    assert certificate.status == 200, certificate.status
    assert certificate.headers["content-type"].startswith("application/pdf"), certificate.headers
    assert certificate.body().startswith(b"%PDF-")

    # Approve the doctor.
    admin.submit(entry.locator('form[data-tx="doctor.verify"]:has(input[name="decision"][value="approve"])'),
                 button=f"Approve {PENDING_DOCTOR_NAME}")
    expect(page.get_by_text("No doctor is waiting for verification.")).to_be_visible()

    # Create the account for the new.staff sign-up.
    signup = page.locator("ul.admin-queue > li").filter(has=page.get_by_role("heading", name=re.compile(r"new\.staff")))
    expect(signup).to_have_count(1)
    expect(signup).to_contain_text("Expires")
    signup.get_by_label("Name shown to others").fill("New Staff (audit)")
    admin.submit(signup.locator('form[data-tx="account.create"]'), button="Create account for new.staff")
    expect(page.get_by_text("Nobody is waiting for an account.")).to_be_visible()
    admin.shot("dashboard-done")

    admin.goto("/admin/accounts?role=doctor")
    pending_row = page.locator("tbody tr").filter(has_text=PENDING_DOCTOR_NAME)
    expect(pending_row.locator("td[data-label=Status] .badge")).to_have_text("active")
    admin.shot("accounts")

    # Transactions, and their CSV export.
    admin.goto("/admin/transactions")
    rows = page.locator("table.transactions tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 10
    expect(page.locator("table.transactions")).to_contain_text("doctor.verify")
    admin.shot("transactions")
    admin.shot("transactions", phone=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export these filters as CSV").click()
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("index,time,action"), text[:200]
    assert len(text.strip().splitlines()) > 10
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename

    # Filtered by action: both verifications, the demo's and the one above.
    page.get_by_label("Action (transaction type)").fill("doctor.verify")
    admin.follow(page.get_by_role("button", name="Show transactions"))
    assert "action=doctor.verify" in page.url
    expect(rows).to_have_count(2)
    for code in rows.locator("td[data-label=Action] code").all():
        expect(code).to_have_text("doctor.verify")

    # Change a parameter and see it.
    admin.goto("/admin/parameters")
    current = int(page.locator("#current-breakglass").inner_text())
    new_value = 7200 if current != 7200 else 10800
    form = page.locator("#parameters-form")
    form.get_by_label("Break-glass length (seconds)").fill(str(new_value))
    admin.submit(form, button="Save parameters")
    expect(page.locator("#current-breakglass")).to_have_text(str(new_value))
    admin.shot("parameters")

    # The new staff account can sign in now.
    staff = visitors("new-staff")
    staff.sign_in("new.staff", expect_home="/auditor")
    expect(staff.page.locator(".whoami")).to_contain_text("New Staff (audit)")

    assert_pages_clean(findings, "test_admin")


# ---------------------------------------------------------------------------------------------
# Hospital management and pharmacy


def find_patient(visitor: Visitor, patient_id: str) -> None:
    page = visitor.page
    page.get_by_label("Patient id").fill(patient_id)
    visitor.follow(page.get_by_role("button", name="Find patient"))
    assert page.url == f"{visitor.base}/staff/patient?patient={patient_id}"
    expect(page.locator("#patient-address")).to_have_text(patient_id)


def test_hospital(visitors, findings, node, patient_id):
    hospital = visitors("hospital")
    page = hospital.page
    hospital.sign_in("hospital.demo", expect_home="/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hospital records desk")
    hospital.shot("desk")

    find_patient(hospital, patient_id)
    report = page.get_by_role("link", name="Open rec-report-1")
    expect(report).to_be_visible()
    # Only what the grants cover: reports (and lab results if the patient approved the request).
    expect(page.get_by_role("link", name="Open rec-visit-1")).to_have_count(0)
    expect(page.get_by_role("link", name="Open rec-rx-1")).to_have_count(0)
    hospital.shot("patient")
    hospital.shot("patient", phone=True)

    hospital.follow(report)
    assert page.url == node.url + "/records/rec-report-1"
    expect(page.locator("#record-facts")).to_contain_text("Reports")
    expect(page.locator("#record-content")).to_be_visible()
    assert page.locator("#record-denied").count() == 0
    assert page.locator("#change-form").count() == 0
    hospital.shot("record")

    # Ask for the lab results.
    hospital.goto(f"/staff/patient?patient={patient_id}")
    form = page.locator("#request-form")
    form.get_by_label("Records to ask for").select_option("lab_results")
    form.get_by_label("Why you need access").fill("Pre-admission review of recent blood tests.")
    hospital.submit(form, button="Send access request")
    hospital.goto("/staff")
    pending = (page.locator("section[aria-labelledby=requests-heading] tbody tr")
               .filter(has=page.locator(f'a[href="/staff/patient?patient={patient_id}"]'))
               .filter(has_text="Lab results")
               .filter(has=page.locator(".badge-pending")))
    expect(pending.first).to_be_visible()
    hospital.shot("desk-requested")

    assert_pages_clean(findings, "test_hospital")


def test_pharmacy(visitors, findings, node, patient_id):
    pharmacy = visitors("pharmacy")
    page = pharmacy.page
    pharmacy.sign_in("pharmacy.demo", expect_home="/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pharmacy desk")

    find_patient(pharmacy, patient_id)
    rx_row = page.locator("tbody tr").filter(has=page.get_by_role("link", name="Open rec-rx-1"))
    expect(rx_row.locator("td[data-label=Dispensed]")).to_contain_text("not yet")
    expect(page.get_by_role("link", name="Open rec-report-1")).to_have_count(0)
    pharmacy.shot("patient")
    pharmacy.follow(rx_row.get_by_role("link", name="Open rec-rx-1"))
    assert page.url == node.url + "/records/rec-rx-1"
    expect(page.locator("#record-facts")).to_contain_text("Prescriptions")
    expect(page.locator("#record-content")).to_be_visible()
    pharmacy.shot("prescription")
    pharmacy.shot("prescription", phone=True)

    # A second tab opened before dispensing still shows the button.
    stale = pharmacy.new_page()
    pharmacy.goto("/records/rec-rx-1", page=stale)
    expect(stale.locator("#dispense-form")).to_have_count(1)

    pharmacy.submit(page.locator("#dispense-form"), button="Mark dispensed")
    expect(page.locator("#record-state .badge-dispensed")).to_have_text("dispensed")
    expect(page.locator("#record-state")).to_contain_text("Demo Pharmacy Counter")
    expect(page.locator("#dispense-form")).to_have_count(0)
    pharmacy.shot("prescription-dispensed")

    # Dispensing again is refused with a plain message, and the page stays.
    stale_form = stale.locator("#dispense-form")
    stale_form.get_by_role("button", name="Mark dispensed").click()
    status = stale_form.locator("[role=status]")
    expect(status).to_have_class(re.compile(r"\balert-danger\b"))
    message = status.inner_text().strip()
    assert message and len(message) < 300, message
    assert not re.search(r"[{}<>]|Error:|Exception|at \S+\.js", message), f"not a plain message: {message!r}"
    assert re.search(r"dispens", message, re.I), message
    assert stale.url == node.url + "/records/rec-rx-1"
    pharmacy.checked(stale)   # the page with the refusal shown
    pharmacy.shot("prescription-refused", page=stale)
    pharmacy.goto("/records/rec-rx-1", page=stale)
    expect(stale.locator("#dispense-form")).to_have_count(0)

    pharmacy.goto("/staff")
    pharmacy.goto(f"/staff/patient?patient={patient_id}")
    expect(page.locator("tbody tr").filter(has=page.get_by_role("link", name="Open rec-rx-1"))
           .locator(".badge-dispensed")).to_have_text("dispensed")

    assert_pages_clean(findings, "test_pharmacy")


# ---------------------------------------------------------------------------------------------
# Security (last: it also checks every HTML response and page the tests above saw)


def test_security(visitors, findings, node):
    anonymous = visitors("anonymous")
    page = anonymous.page
    for path in ("/", "/login", "/signup", "/explorer"):
        anonymous.goto(path)
    anonymous.shot("home")
    anonymous.shot("home", phone=True)
    anonymous.shot("login")
    missing = anonymous.goto("/no-such-page")
    assert missing.status == 404
    # Signed-in pages send an anonymous visitor to the log-in page.
    anonymous.goto("/patient")
    assert page.url.startswith(node.url + "/login"), page.url

    # Wrong password and unknown username: the same words.
    wrong = anonymous.try_sign_in("pat.second", "not-the-password-2026")
    assert wrong == "Username or password is incorrect.", wrong
    unknown = anonymous.try_sign_in("nobody.at.all", "whatever-password-2026")
    assert unknown == wrong, unknown
    anonymous.checked()       # the log-in page with the error shown
    anonymous.shot("login-failed")

    # The session cookie.
    user = visitors("security")
    user.sign_in("pat.second", expect_home="/patient")
    cookies = [c for c in user.context.cookies() if c["name"] == "ml_session"]
    assert len(cookies) == 1, user.context.cookies()
    cookie = cookies[0]
    assert cookie["httpOnly"] is True, cookie
    assert cookie["sameSite"] == "Strict", cookie
    assert cookie["path"] == "/", cookie
    assert user.page.evaluate("() => document.cookie").find("ml_session") == -1
    for path in ("/patient/records", "/patient/access", "/account"):
        user.goto(path)

    # Log-out ends the session, on the server too.
    with user.page.expect_navigation(url=node.url + "/"):
        user.page.get_by_role("button", name="Log out").click()
    user.checked()
    assert not [c for c in user.context.cookies() if c["name"] == "ml_session"]
    user.goto("/patient")
    assert user.page.url.startswith(node.url + "/login"), user.page.url
    user.context.add_cookies([cookie])       # the old cookie is worth nothing now
    user.goto("/patient")
    assert user.page.url.startswith(node.url + "/login"), user.page.url

    # Every HTML response of this module carried the policy.
    responses = findings.html_responses
    assert len(responses) >= 10
    missing_csp = [r for r in responses if not r["csp"]]
    assert not missing_csp, "HTML without Content-Security-Policy: " + ", ".join(r["url"] for r in missing_csp)
    for r in responses:
        directives = {d.strip().split(" ", 1)[0]: d.strip() for d in r["csp"].split(";") if d.strip()}
        assert directives.get("script-src") == "script-src 'self'", (r["url"], r["csp"])
        assert "unsafe-inline" not in r["csp"] and "unsafe-eval" not in r["csp"], (r["url"], r["csp"])

    # No page of this module had inline script or style attributes.
    assert findings.pages_checked >= 10
    assert not findings.hygiene, "\n".join(f"{h['test']}: {h['url']}: {h['problem']}" for h in findings.hygiene)

    assert_pages_clean(findings, "test_security")
