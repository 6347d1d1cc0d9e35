"""Record files through the web pages, in a real Chromium: a patient uploads a PDF larger than one
IPFS chunk (with a progress bar), sees it described, downloads it with its name, reads a byte range,
prints the record with its CIDs and verifying checkpoint; the stored object is ciphertext whose CID
an independent implementation (e2e/unixfs_reference.py) computes exactly as kubo would; a tampered
object is refused with a plain error and reported on the ledger; and erasure on the patient's
request and an administrator's confirmation destroys the content while `medledger verify` still
passes.
"""

from __future__ import annotations

import re
import secrets
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import WebNode
from medledger_client import binary
from test_web_roles import Visitor, assert_pages_clean
from unixfs_reference import kubo_cid

FILE_NAME = "Lab results — März.pdf"


def make_pdf(size: int) -> bytes:
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    return head + secrets.token_bytes(size - len(head))


def stored_object(data: Path, cid: str) -> Path:
    return data / "blobs" / cid[-2:] / cid


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with WebNode(tmp_path_factory.mktemp("files") / "data") as running:
        yield running



def add_file(patient: Visitor, path: Path) -> str:
    """Adds `path` as a report on the patient's records page; returns the new record's id."""
    page = patient.page
    patient.goto("/patient/records")
    form = page.locator("#add-record-form")
    form.get_by_label("Category").select_option("reports")
    form.locator("#add-file").set_input_files(str(path))
    patient.submit(form)
    match = re.search(r"/records/(doc-[0-9a-f]+)$", page.url)
    assert match, page.url
    # The upload showed a progress bar (hidden again once done).
    assert form.count() == 0 or page.locator("progress.upload-progress").count() <= 1
    return match.group(1)


def test_files_round_trip_print_and_tamper(chromium, node, findings, tmp_path):
    patient = Visitor(chromium, node, findings, "files", "patient")
    try:
        patient.sign_in("pat.demo", expect_home="/patient")
        page = patient.page
        content = make_pdf(1_300_000)     # 5 IPFS chunks, 20 segments
        upload = tmp_path / FILE_NAME
        upload.write_bytes(content)
        record = add_file(patient, upload)

        # The record page describes the file from its encrypted metadata.
        described = page.locator("#record-content")
        expect(described).to_contain_text(FILE_NAME)
        expect(described).to_contain_text("application/pdf")
        expect(described).to_contain_text("1.3 MB")
        patient.shot("record-file")

        # Download: the stored name, the exact bytes.
        with page.expect_download() as info:
            page.get_by_role("link", name="Download").click()
        download = info.value
        assert download.suggested_filename == FILE_NAME
        assert Path(download.path()).read_bytes() == content

        # A byte range, as a PDF viewer asks for one.
        ranged = patient.context.request.get(f"{node.url}/records/{record}/download", headers={"Range": "bytes=300000-300099"})
        assert ranged.status == 206
        assert ranged.body() == content[300000:300100]
        assert ranged.headers["content-range"] == f"bytes 300000-300099/{len(content)}"
        cid = ranged.headers["etag"].strip('"')

        # The stored object is ciphertext, and its CID is the one IPFS computes for those bytes.
        stored = stored_object(node.data, cid)
        ciphertext = stored.read_bytes()
        assert kubo_cid(ciphertext) == cid
        assert cid.startswith("bafybei"), "more than one chunk makes a dag-pb root"
        assert content[:4096] not in ciphertext and b"%PDF" not in ciphertext[:512]

        # The print view carries the CIDs and the checkpoint that verifies them.
        patient.goto(f"/records/{record}/print")
        expect(page.locator("#print-versions")).to_contain_text(cid)
        footer = page.locator("#print-verification")
        expect(footer).to_contain_text("tree size")
        expect(footer).to_contain_text("root hash")
        patient.shot("record-print")

        # Tampering: one flipped byte, and the content is refused in plain words, never shown.
        tampered = bytearray(ciphertext)
        tampered[len(tampered) // 2] ^= 0x01
        stored.write_bytes(bytes(tampered))
        patient.goto(f"/records/{record}")
        error = page.locator("#content-error")
        expect(error).to_contain_text("could not be read")
        expect(error).to_contain_text("recorded in the record's trail")
        failed = patient.context.request.get(f"{node.url}/records/{record}/download")
        assert failed.status == 500
        assert content[:64] not in failed.body()
        # The failure is on the ledger, in the patient's own activity.
        patient.goto("/patient/activity/all")
        expect(page.locator("main")).to_contain_text("content.failure")
        stored.write_bytes(ciphertext)
        assert_pages_clean(findings, "files")
    finally:
        patient.close()


def test_erasure_on_request_and_confirmation(chromium, node, findings, tmp_path):
    patient = Visitor(chromium, node, findings, "erasure", "patient")
    admin = Visitor(chromium, node, findings, "erasure", "admin")
    try:
        patient.sign_in("pat.second", expect_home="/patient")
        address = patient.address
        upload = tmp_path / "scan.pdf"
        upload.write_bytes(make_pdf(400_000))
        record = add_file(patient, upload)
        owned = [path for path in (node.data / "blobs").glob("*/b*") if path.read_bytes()[5:47] == address.encode()]
        assert owned, "the patient's uploaded object is in the store"

        # The patient asks, on their profile page.
        page = patient.page
        patient.goto("/patient/profile")
        form = page.locator("#erasure-form")
        form.locator("#erasure-understood").check()
        patient.submit(form)
        expect(page.locator("#erasure-pending")).to_be_visible()
        assert all(path.exists() for path in owned), "nothing is erased before an administrator confirms"

        # An administrator confirms on the dashboard.
        admin.sign_in("admin.demo", expect_home="/admin")
        confirm = admin.page.locator(f'form[data-tx="erasure.confirm"]:has(input[name="patient"][value="{address}"])')
        admin.submit(confirm)
        admin.shot("erasure-confirmed")

        # The key and every object of the patient are gone; the marker stays.
        assert not any(path.exists() for path in owned)
        assert not (node.data / "keys" / f"{address}.key").exists()
        assert (node.data / "keys" / f"{address}.erased").exists()

        # Every later read says erased.
        patient.goto(f"/records/{record}")
        expect(page.locator("main")).to_contain_text("erased")
        gone = patient.context.request.get(f"{node.url}/records/{record}/download")
        assert b"erased" in gone.body()

        # The ledger still verifies from its first entry.
        result = subprocess.run([binary(), "verify", "--data", str(node.data)], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        assert_pages_clean(findings, "erasure")
    finally:
        patient.close()
        admin.close()
