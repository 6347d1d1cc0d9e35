"""SMART App Launch in a real Chromium, and with a real SMART client library.

Against `medledger serve --demo`: the administrator registers apps (over the API, and on the Apps
page), pat.demo signs in from an app's authorise request, allows it (the page signs `session.open`
with her own key) or denies it, and revokes it from her Access page; fhirclient performs a
standalone launch end to end. Redirects to the apps' addresses (on 127.0.0.1, where nothing
listens) are caught by Playwright's request interception. Screenshots go to e2e/artifacts/.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import WebNode
from smart_support import authorize_url, call, pkce_pair, redeem, register_app, sign_in

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "smart"
PASSWORDS = {"admin.demo": "demo-admin-2026", "pat.demo": "demo-patient-2026"}
CLIENT_ID = "browser-app"
REDIRECT = "http://127.0.0.1:55439/callback"
FHIRCLIENT_ID = "fhirclient-app"
FHIRCLIENT_REDIRECT = "http://127.0.0.1:55439/fhirclient"
SCOPES = "launch/patient openid fhirUser patient/*.rs"
SIGN_IN_TIMEOUT = 60_000


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("smart") / "data") as running:
        _, _, admin = sign_in(running, "admin.demo", PASSWORDS["admin.demo"])
        register_app(running, admin, CLIENT_ID, "Browser Health", [REDIRECT])
        register_app(running, admin, FHIRCLIENT_ID, "Python Health", [FHIRCLIENT_REDIRECT])
        yield running


def catch_redirects(page, prefix: str) -> list[str]:
    """Answers every request under `prefix` with a small page and records its address."""
    caught: list[str] = []

    def handle(route):
        caught.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>App</title><p>Back in the app.</p>")

    page.route(prefix + "**", handle)
    return caught


def shot(page, name: str) -> None:
    """A screenshot, after an accessibility check of the page (axe: no serious or critical
    violation), as the role tests check every page."""
    from test_web_roles import axe

    results = axe().run(page)
    assert results.response.get("passes"), f"axe checked nothing on {page.url}"
    bad = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]
           if v.get("impact") in ("serious", "critical")]
    assert not bad, f"accessibility violations on {page.url}: {bad}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in_on_page(page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORDS[username])
    with page.expect_navigation(timeout=SIGN_IN_TIMEOUT, url=lambda url: "/login" not in url):
        page.locator("#login-button").click()


def fhir_status(node, token: str, path: str) -> int:
    return call(node.url + path, headers={"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"})[0]


def test_patient_allows_denies_and_revokes_an_app_in_the_browser(chromium, node):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    caught = catch_redirects(page, "http://127.0.0.1:55439/")
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        # Signed out: the authorise request sends her to the log-in page and back.
        verifier, challenge = pkce_pair()
        page.goto(authorize_url(node, CLIENT_ID, REDIRECT, SCOPES, "state-allow", challenge))
        assert "/login?next=" in page.url
        sign_in_on_page(page, "pat.demo")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Browser Health")
        scopes = page.locator("#authorize-scopes li")
        assert scopes.count() >= 2
        expect(page.locator("#authorize-patient")).to_contain_text("yours")
        shot(page, "authorize")
        page.set_viewport_size({"width": 375, "height": 812})
        shot(page, "authorize-phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:55439/callback\?"), timeout=30_000)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(caught[-1]).query)
        assert query["state"] == ["state-allow"]
        status, tokens = redeem(node, query["code"][0], verifier, CLIENT_ID, REDIRECT)
        assert status == 200, tokens
        assert tokens["token_type"] == "Bearer" and tokens["patient"]
        token = tokens["access_token"]
        # A used code is spent.
        assert redeem(node, query["code"][0], verifier, CLIENT_ID, REDIRECT)[1]["error"] == "invalid_grant"

        # Deny: the app is told access_denied.
        _, challenge = pkce_pair()
        page.goto(authorize_url(node, CLIENT_ID, REDIRECT, SCOPES, "state-deny", challenge))
        page.get_by_role("button", name="Deny").click()
        page.wait_for_url(re.compile(r"error=access_denied"), timeout=30_000)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(caught[-1]).query)
        assert query["error"] == ["access_denied"] and query["state"] == ["state-deny"]

        # The token reads (when the FHIR routes are served) until she revokes it on the Access page.
        patient_path = f"/fhir/Patient/{tokens['patient']}"
        before = fhir_status(node, token, patient_path)
        if before == 200:
            # The app's read is on her trail, named by the app.
            page.goto(node.url + "/patient/activity/all")
            expect(page.locator(".report-app", has_text="Browser Health").first).to_be_visible()
            shot(page, "activity")
        page.goto(node.url + "/patient/access")
        row = page.locator("#app-sessions-table tbody tr", has_text="Browser Health")
        expect(row).to_have_count(1)
        shot(page, "access")
        row.get_by_role("button", name=re.compile("Revoke")).click()
        expect(page.locator("#app-sessions-table tbody tr", has_text="Browser Health")).to_have_count(0, timeout=30_000)
        after = fhir_status(node, token, patient_path)
        assert before == 200 and after == 401, (before, after)
    finally:
        context.close()


def test_administrator_registers_and_retires_an_app_on_the_apps_page(chromium, node):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        page.goto(node.url + "/login")
        sign_in_on_page(page, "admin.demo")
        page.get_by_role("link", name="Apps").click()
        expect(page.get_by_role("heading", level=1, name="Apps")).to_be_visible()
        page.get_by_label("Client id").fill("form-app")
        page.get_by_label("Name users see").fill("Form Health")
        page.get_by_label("Redirect addresses, one per line").fill("https://form.example/callback\nhttp://127.0.0.1:8765/cb")
        page.get_by_role("button", name="Register app").click()
        row = page.locator("#apps-table tbody tr", has_text="Form Health")
        expect(row).to_have_count(1, timeout=30_000)
        expect(row).to_contain_text("https://form.example/callback")
        expect(page.locator("#apps-table")).to_contain_text("Browser Health")
        shot(page, "apps")
        row.get_by_role("button", name=re.compile("Retire")).click()
        expect(page.locator("#apps-table tbody tr", has_text="Form Health")).to_contain_text("retired", timeout=30_000)
    finally:
        context.close()


def test_fhirclient_performs_a_standalone_launch(chromium, node):
    from fhirclient import client as fhirclient
    from fhirclient.models.documentreference import DocumentReference
    from fhirclient.models.patient import Patient

    settings = {"app_id": FHIRCLIENT_ID, "api_base": node.url + "/fhir", "redirect_uri": FHIRCLIENT_REDIRECT, "scope": SCOPES}
    smart = fhirclient.FHIRClient(settings=settings)
    url = smart.authorize_url  # read from the CapabilityStatement the /fhir routes serve
    assert url.startswith(node.url + "/oauth/authorize?")
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    caught = catch_redirects(page, FHIRCLIENT_REDIRECT)
    try:
        page.goto(url)
        sign_in_on_page(page, "pat.demo")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Python Health")
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(re.compile("^" + re.escape(FHIRCLIENT_REDIRECT)), timeout=30_000)
    finally:
        context.close()
    smart.handle_callback(caught[-1])
    assert smart.ready and smart.patient_id
    patient = Patient.read(smart.patient_id, smart.server)
    assert patient.id == smart.patient_id
    assert smart.patient is not None
    bundle = DocumentReference.where(struct={"patient": smart.patient_id}).perform(smart.server)
    assert bundle.type == "searchset"
