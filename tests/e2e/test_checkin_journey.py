"""Check-in desk journeys: a scanner types a code and Enter -> green; again -> "already
checked in"; garbage -> red. With JavaScript (JSON endpoint, no page load), without it
(plain form POST), on a phone, and through the camera (a fake camera showing a badge)."""
from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect

from eventsapp.badges.qr import qr_image
from eventsapp.models import Category

from ..test_checkin_service import make_registration  # noqa: F401  (fixture)
from .conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, browser_login

pytestmark = pytest.mark.e2e


def _scan(page, code: str) -> None:
    field = page.get_by_label("Badge code")
    field.fill(code)
    field.press("Enter")


def test_desk_with_a_handheld_scanner(page, live_url, make_event, make_user,
                                      make_registration):  # noqa: F811
    event = make_event(title="Partner2Connect Roundtable")
    reg, _ = make_registration(event, name="Doreen Bogdan-Martin", organization="ITU",
                               category=Category.SPEAKER)
    make_user("door@example.org", name="Door Staff", staff_of=event)
    errors: list[str] = []
    # Script errors and CSP violations; failed loads are judged by their responses below.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    scans: list[str] = []
    page.on("request", lambda r: scans.append(r.url) if r.url.endswith("/checkin/scan") else None)

    browser_login(page, live_url, "door@example.org", next_path=f"/events/{event.slug}/checkin")
    assert page.url.endswith(f"/events/{event.slug}/checkin")
    field = page.get_by_label("Badge code")
    # Ready for the scanner without a click.
    assert page.evaluate("() => document.activeElement && document.activeElement.id") == "code"

    box = page.locator("#scan-result")
    _scan(page, reg.badge_code)
    page.wait_for_selector("#scan-result.scan-ok")
    text = box.inner_text()
    assert "Checked in" in text and "Doreen Bogdan-Martin" in text and "ITU" in text
    assert "SPEAKER" in text.upper()
    assert field.input_value() == ""
    assert page.evaluate("() => document.activeElement.id") == "code"
    # Live count and recent list may be refreshed just after the answer: expect() retries.
    expect(page.locator("[data-count=today]").first).to_have_text("1")
    expect(page.locator("#recent-list")).to_contain_text("Doreen Bogdan-Martin")

    # The same badge again (typed straight away, no click): amber.
    page.keyboard.type(reg.badge_code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#scan-result.scan-warn")
    assert "Already checked in" in box.inner_text()
    assert "by Door Staff" in box.inner_text()

    page.keyboard.type("definitely-not-a-badge")
    page.keyboard.press("Enter")
    page.wait_for_selector("#scan-result.scan-bad")
    assert "Not valid" in box.inner_text()

    # All through the JSON endpoint: the page never reloaded.
    assert len(scans) == 3
    assert page.url.endswith(f"/events/{event.slug}/checkin")
    assert not errors, errors
    page.screenshot(path="/tmp/checkin-desk-laptop.png", full_page=True)


def test_desk_without_javascript(browser, live_url, make_event, make_user,
                                 make_registration):  # noqa: F811
    event = make_event()
    reg, _ = make_registration(event, name="Paula Ingabire", category=Category.VIP)
    make_user("door2@example.org", staff_of=event)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        browser_login(page, live_url, "door2@example.org",
                      next_path=f"/events/{event.slug}/checkin")
        with page.expect_navigation():
            _scan(page, reg.badge_code)
        assert "scan-ok" in page.locator("#scan-result").get_attribute("class")
        assert "Paula Ingabire" in page.locator("#scan-result").inner_text()
        # autofocus: the next scan goes straight into the field.
        assert page.evaluate("() => document.activeElement.id") == "code"
        with page.expect_navigation():
            page.keyboard.type(reg.badge_code)
            page.keyboard.press("Enter")
        assert "scan-warn" in page.locator("#scan-result").get_attribute("class")
        assert "Already checked in" in page.locator("#scan-result").inner_text()
    finally:
        context.close()


def test_desk_on_a_phone(phone_page, live_url, make_event, make_user,
                         make_registration):  # noqa: F811
    event = make_event()
    reg, _ = make_registration(event, name="Maria-Francesca Spatolisano",
                               organization="United Nations")
    make_user("door3@example.org", staff_of=event)
    page = phone_page
    browser_login(page, live_url, "door3@example.org", next_path=f"/events/{event.slug}/checkin")
    assert page.locator("#camera-toggle").is_visible()  # the camera is offered
    _scan(page, reg.badge_code)
    page.wait_for_selector("#scan-result.scan-ok")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path="/tmp/checkin-desk-phone.png", full_page=True)


@pytest.fixture
def camera_browser(_playwright, tmp_path, make_event, make_registration):  # noqa: F811
    """Chromium whose fake camera shows a badge (a Y4M video made from the badge PNG)."""
    event = make_event()
    reg, _ = make_registration(event, name="Camera Person")
    # The badge's QR code (as on the printed badge) in a webcam-sized frame.
    frame = Image.new("RGB", (640, 480), "white")
    qr = qr_image(reg.badge_code, box_size=10).convert("RGB")
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    path = tmp_path / "badge.y4m"
    _write_y4m(frame, path, frames=10)
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream",
                              "--use-fake-device-for-media-stream",
                              f"--use-file-for-fake-video-capture={path}"])
    try:
        yield browser, event, reg
    finally:
        browser.close()


def _write_y4m(frame: Image.Image, path, frames: int) -> None:
    w, h = frame.size
    y, u, v = frame.convert("YCbCr").split()
    u = u.resize((w // 2, h // 2))
    v = v.resize((w // 2, h // 2))
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        fh.writelines(b"FRAME\n" + y.tobytes() + u.tobytes() + v.tobytes() for _ in range(frames))


def test_desk_with_the_camera(camera_browser, live_url, make_user):
    browser, event, reg = camera_browser
    make_user("door4@example.org", staff_of=event)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        context.grant_permissions(["camera"], origin=live_url)
        page = context.new_page()
        browser_login(page, live_url, "door4@example.org",
                      next_path=f"/events/{event.slug}/checkin")
        page.get_by_role("button", name="Scan with the camera").click()
        page.wait_for_selector("#scan-result.scan-ok", timeout=20_000)
        assert reg.name in page.locator("#scan-result").inner_text()
        # Without BarcodeDetector (Chromium on Linux) jsQR from node_modules/ did the work.
        has_detector = page.evaluate("() => 'BarcodeDetector' in window")
        if not has_detector:
            assert page.evaluate("() => typeof window.jsQR") == "function"
        page.get_by_role("button", name="Stop the camera").click()
    finally:
        context.close()

