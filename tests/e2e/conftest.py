"""Real-browser (Playwright + Debian's Chromium) fixtures: one browser per session (on the session's one app
server, tests/conftest.py), a fresh page per test.

Without /usr/bin/chromium the tests are skipped locally, but fail when CI=true: CI must never skip them.
"""
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000  # every wait in these tests gives up after this long


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: real-browser end-to-end test (Playwright + Chromium)")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if _in_ci():
            pytest.fail(f"{message}; CI=true, so browser tests must not be skipped.", pytrace=False)
        pytest.skip(message)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if _in_ci():
            pytest.fail("The playwright Python package is missing; CI=true, so browser tests must not be skipped.",
                        pytrace=False)
        pytest.skip("The playwright Python package is not installed")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        item.failed_call = outcome.get_result().failed


@pytest.fixture
def page(browser, app_url, request, tmp_path):  # app_url: the one app server of tests/conftest.py
    """A fresh browser context and page; uncaught page errors collect in `page.js_errors`. A failed test leaves
    a screenshot of the page in its tmp_path (named in the failure's output)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    try:
        yield page
        if getattr(request.node, "failed_call", False):
            page.screenshot(path=str(tmp_path / "failed.png"))
            print(f"screenshot of the failed page: {tmp_path / 'failed.png'}")
    finally:
        context.close()
