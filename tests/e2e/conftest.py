"""Browser journeys: the app served in a thread, driven by Playwright on Debian's Chromium.

Fixtures:
- ``live_url``: "http://127.0.0.1:<port>", the test's ``app`` (same database, either
  backend) served by werkzeug in a daemon thread. Data made with the factories is
  committed, so the server sees it; commit anything you add yourself
  (``db.session.commit()``) before the browser asks for it.
- ``browser`` (session): Chromium at /usr/bin/chromium, headless, --no-sandbox.
- ``page`` (1280x800) and ``phone_page`` (390x844, is_mobile): a fresh browser context
  per test, so no cookies are shared between tests.
- ``browser_login(page, live_url, email, password=...)``: sign in through the form.

pytest-playwright is not used: its browser download does not work on these machines.
"""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
DEFAULT_PASSWORD = "correct-horse-battery"
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    # Everything under tests/e2e/ is a browser journey, marked or not.
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def live_url(app, db):
    """Serve ``app`` on a free port in a daemon thread; yields its base URL."""
    # Whatever the test made so far becomes visible to the server's own connections.
    db.session.commit()
    # The thread has no app context of its own, so Flask pushes a fresh one (with its own
    # ``g``, Flask-Login user and database session) for every request it serves.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, name=f"live-server-{port}",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        # The test's session may hold a snapshot from before the browser's writes.
        db.session.rollback()


@pytest.fixture(scope="session")
def _playwright():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium "
                    "(./bin/test does this)")
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def _new_page(browser, **context_kw):
    context = browser.new_context(**context_kw)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    return context, page


@pytest.fixture
def page(browser, live_url):
    """A laptop-sized page (1280x800) in a context of its own."""
    context, page = _new_page(browser, viewport={"width": 1280, "height": 800})
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def phone_page(browser, live_url):
    """A phone-sized page (390x844, mobile, touch) in a context of its own."""
    context, page = _new_page(browser, viewport={"width": 390, "height": 844},
                              is_mobile=True, has_touch=True, device_scale_factor=2)
    try:
        yield page
    finally:
        context.close()


def browser_login(page, live_url: str, email: str, password: str = DEFAULT_PASSWORD,
                  next_path: str | None = None) -> None:
    """Sign in through the sign-in form and wait until the app has answered."""
    url = f"{live_url}/login"
    if next_path:
        from urllib.parse import quote
        url += f"?next={quote(next_path)}"
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_label("Password", exact=True).press("Enter")
    # Still on /login means the form was refused.
    if page.url.split("?")[0].rstrip("/").endswith("/login"):
        raise AssertionError(f"sign-in as {email} failed: {page.content()[:2000]}")


@pytest.fixture
def browser_login_fn():
    """The ``browser_login`` helper as a fixture, for tests that prefer injection."""
    return browser_login
