"""Helpers for browser tests of the MedLedger web application.

Chromium comes from Debian (`apt-get install chromium`) and Playwright from PyPI; Playwright is
never asked to download a browser of its own, so it is always given Debian's executable.

    with WebNode(tmp_path) as node, browser() as b:
        page = b.new_page()
        page.goto(node.url + "/login")
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Iterator

from medledger_client import ROOT, binary, free_port

WEB_ROOT = ROOT / "Sources" / "MedLedgerHTTP" / "Web" / "Resources"


def chromium_path() -> str:
    """Debian's Chromium, or the one CHROMIUM names."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("Chromium is not installed: apt-get install -y chromium")


@contextlib.contextmanager
def browser(headless: bool = True) -> Iterator["object"]:
    """A Playwright Chromium browser (sync API) using the system's Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path(), headless=headless,
            # Containers often run as root and have a small /dev/shm.
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        try:
            yield instance
        finally:
            instance.close()


class WebNode:
    """`medledger serve --demo` with the web application, on loopback, in a fresh data directory."""

    def __init__(self, data: Path, port: int | None = None, web_root: Path | None = WEB_ROOT,
                 demo: bool = True, bin_path: str | None = None):
        self.data = Path(data)
        self.port = port or free_port()
        self.web_root = web_root
        self.demo = demo
        self.bin_path = bin_path or binary()
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data.parent / f"{self.data.name}-serve.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "WebNode":
        args = [self.bin_path, "serve", "--data", str(self.data), "--port", str(self.port)]
        if self.demo:
            args.append("--demo")
        if self.web_root is not None:
            args += ["--web-root", str(self.web_root)]
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120  # --demo derives the demo accounts' keys first
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/checkpoint", timeout=5):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("medledger serve exited; see " + str(self.log_path))
                time.sleep(0.2)
        raise RuntimeError("medledger serve did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "WebNode":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_static_from_disk(page, origin: str, web_root: Path = WEB_ROOT) -> None:
    """Answers `<origin>/static/...` from the working tree, for nodes built before the web files
    existed: the scripts then run same-origin with the node's API, as they do in production."""

    def handle(route):
        path = route.request.url[len(origin):].split("?", 1)[0]
        file = (web_root / path.lstrip("/")).resolve()
        if web_root.resolve() not in file.parents or not file.is_file():
            route.fulfill(status=404, body="not found")
            return
        kind = "text/javascript" if file.suffix == ".js" else (mimetypes.guess_type(file.name)[0] or "application/octet-stream")
        route.fulfill(status=200, body=file.read_bytes(), headers={"Content-Type": kind})

    page.route(origin + "/static/**", handle)


WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def screenshots(page, folder: Path, name: str, at_phone_width=None) -> int:
    """Full-page screenshots `<name>-1280.png` and `<name>-390.png` into `folder`; `at_phone_width`
    runs at 390 px before the shot (e.g. a reload and an axe check). Returns how many pixels the
    page scrolls sideways at 390 px (0 when it fits)."""
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    try:
        if at_phone_width is not None:
            at_phone_width()
        page.screenshot(path=str(folder / f"{name}-390.png"), full_page=True)
        return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    finally:
        page.set_viewport_size(WIDE)
