"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live server."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import cannot_run_here

# Playwright's sync API runs an event loop in this thread; the ORM calls that the
# tests make between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"browser test needs Chromium at {CHROMIUM} (apt-get install -y chromium)"
        cannot_run_here(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server) -> Iterator[object]:
    context = chromium.new_context(base_url=live_server.url)  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Chromium reports each script, style or resource the content security policy refused
    # on the console; any such report fails the test that caused it. axe-core's own probes
    # (it injects styles to measure contrast) run inside ``csp_unwatched``.
    refused: list[str] = []
    watching = [True]
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if watching[0] and "Content Security Policy" in message.text
            else None
        ),
    )
    page.csp_watching = watching
    yield page
    context.close()
    assert not refused, "the content security policy refused:\n" + "\n".join(refused)


@contextmanager
def csp_unwatched(page: object) -> Iterator[None]:
    """Refusals reported while the block runs are the test tools' own, not the app's."""
    watching = page.csp_watching  # type: ignore[attr-defined]
    watching[0] = False
    try:
        yield
        # The console messages of the block arrive after it; let them in while unwatched.
        page.evaluate("() => new Promise(r => setTimeout(r, 50))")  # type: ignore[attr-defined]
    finally:
        watching[0] = True
