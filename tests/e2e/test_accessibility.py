"""axe-core over the public and attendee pages: English and Arabic, phone and laptop widths.

Every page a visitor or a registrant meets (the demo data: the Kigali roundtable with its
pledges, the upcoming sample event open for registration) is loaded in a real Chromium,
axe-core (node_modules/axe-core, pinned in package.json; a test tool, injected by the
test, never served by the app) runs with the WCAG 2.2 AA rule set, and no finding of
impact "serious" or "critical" may remain. One browser context per language and width
visits every page, so the whole check stays within a minute or two.
"""
from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventsapp.extensions import db
from eventsapp.models import (
    Event,
    Modality,
    Person,
    Pledge,
    PledgeState,
    ProgrammeSession,
    RegistrationStatus,
    SessionType,
    User,
    utcnow,
)
from tests.e2e.conftest import TIMEOUT_MS
from tests.permissions.rules_online import make_registration

pytestmark = pytest.mark.e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AXE_JS = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")
# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe's tag names).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
WIDTHS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}

KIGALI = "p2c-roundtable-kigali-2022"
UPCOMING = "sample-digital-roundtable"


@pytest.fixture
def site(app, live_url, make_session):
    """The demo data, an in-person registrant (with an account) and an online one, and
    a session live now on the upcoming event (the watch page's join button)."""
    from eventsapp.demo import DEMO_ATTENDEE, load_demo
    from tests.support.i18n import ensure_compiled

    ensure_compiled()
    load_demo()
    kigali = db.session.scalar(sa.select(Event).where(Event.slug == KIGALI))
    upcoming = db.session.scalar(sa.select(Event).where(Event.slug == UPCOMING))
    attendee = db.session.scalar(sa.select(User).where(User.email == DEMO_ATTENDEE[0]))
    _, in_person = make_registration(upcoming, modality=Modality.IN_PERSON, user=attendee,
                                     status=RegistrationStatus.CONFIRMED, name=attendee.name)
    online, online_manage = make_registration(upcoming, modality=Modality.ONLINE,
                                              name="Olga Online")
    now = utcnow().replace(microsecond=0)
    make_session(upcoming, title="Connecting the unconnected", number=None,
                 type=SessionType.SPOTLIGHT, starts_at=now - timedelta(minutes=5),
                 ends_at=now + timedelta(minutes=40), stream_url="https://stream.example.org/live")
    panel = db.session.scalar(sa.select(ProgrammeSession).where(
        ProgrammeSession.event_id == kigali.id, ProgrammeSession.number == 1,
        ProgrammeSession.title.like("Access%")))
    next_session = db.session.scalar(sa.select(ProgrammeSession).where(
        ProgrammeSession.event_id == upcoming.id, ProgrammeSession.starts_at > now)
        .order_by(ProgrammeSession.starts_at))
    speaker = db.session.scalar(sa.select(Person).where(Person.name == "Doreen Bogdan-Martin"))
    pledge = db.session.scalar(sa.select(Pledge).where(
        Pledge.event_id == kigali.id, Pledge.state == PledgeState.PUBLISHED)
        .order_by(Pledge.id))
    assert panel and next_session and speaker and pledge, "the demo data changed shape"
    pages = [
        ("home", "/", 200),
        ("event page", f"/events/{KIGALI}", 200),
        ("event page, registration open", f"/events/{UPCOMING}", 200),
        ("programme", f"/events/{KIGALI}/programme", 200),
        ("session page", f"/events/{KIGALI}/sessions/{panel.id}", 200),
        ("speakers", f"/events/{KIGALI}/speakers", 200),
        ("speaker page", f"/events/{KIGALI}/speakers/{speaker.id}", 200),
        ("pledge dashboard", "/pledges", 200),
        ("event pledge dashboard", f"/events/{KIGALI}/pledges", 200),
        ("pledge wall", f"/events/{KIGALI}/pledges/wall", 200),
        ("pledge page", f"/pledges/{pledge.id}", 200),
        ("participants", f"/events/{UPCOMING}/participants", 200),
        ("registration form", f"/events/{UPCOMING}/register", 200),
        ("check-mail page", f"/events/{UPCOMING}/register/check-mail", 200),
        ("lost manage link", f"/events/{UPCOMING}/register/link", 200),
        ("manage page with badge", f"/r/{in_person}", 200),
        ("manage page, online", f"/r/{online_manage}", 200),
        ("watch page", f"/join/{online.join_token}/watch", 200),
        ("session link, before the window", f"/join/{online.join_token}/{next_session.id}", 200),
        ("sign-in", "/login", 200),
        ("sign-up", "/signup", 200),
        ("404 page", "/events/no-such-event", 404),
    ]
    return {"pages": pages, "register": f"/events/{UPCOMING}/register",
            "attendee": DEMO_ATTENDEE,
            "signed_in": [("account", "/account", 200), ("my schedule", "/my/schedule", 200),
                          ("pledge form", "/pledges/new", 200)]}


def _axe(page) -> list[dict]:
    """Run axe-core on the loaded page; the serious and critical violations."""
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})""", WCAG_TAGS)
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def _describe(where: str, violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            why = " ".join(line.strip() for line in
                           (node.get("failureSummary") or "").splitlines()[1:])
            lines.append(f"    {target}: {why}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return lines


def _visit(page, live_url, name, path, status, found):
    response = page.goto(live_url + path)
    assert response is not None and response.status == status, \
        f"{name} ({path}) answered {response and response.status}, not {status}"
    found.extend(_describe(f"{name} {path}", _axe(page)))


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_pages_have_no_serious_axe_findings(browser, live_url, site, lang, width):
    assert os.path.exists(AXE_JS), \
        "node_modules/axe-core is missing: run `npm ci` (bin/test does)"
    phone = width == "phone"
    context = browser.new_context(viewport=WIDTHS[width], is_mobile=phone, has_touch=phone)
    context.set_default_timeout(TIMEOUT_MS)
    # axe-core goes into every page of this context from the test, before the page's own
    # scripts and outside its CSP (the app never serves it). Chromium compiles it once for
    # the context: page.add_script_tag(path=...) after each load cost ~1 s per page.
    context.add_init_script(path=AXE_JS)
    context.add_cookies([{"name": "lang", "value": lang, "url": live_url}])
    page = context.new_page()
    found: list[str] = []
    try:
        for name, path, status in site["pages"]:
            _visit(page, live_url, name, path, status, found)
        html = page.locator("html")
        assert html.get_attribute("lang") == lang
        assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")

        # The registration form sent empty: re-rendered with every field's error.
        page.goto(live_url + site["register"])
        with page.expect_navigation():
            page.locator("form.reg-form button[type=submit]").click()
        assert page.locator(".has-error").count() > 0, "the empty form was not refused"
        found.extend(_describe("registration form with errors", _axe(page)))

        # Signed in (the form's fields by name: the labels are in the page's language).
        page.goto(live_url + "/login")
        page.locator("input[name=email]").fill(site["attendee"][0])
        page.locator("input[name=password]").fill(site["attendee"][1])
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert not re.search(r"/login(\?|$)", page.url), "sign-in failed"
        found.extend(_describe("home page, signed in", _axe(page)))
        for name, path, status in site["signed_in"]:
            _visit(page, live_url, name, path, status, found)
    finally:
        context.close()
    assert not found, (f"axe-core found serious or critical problems ({lang}, {width}):\n"
                       + "\n".join(found))


def test_the_check_reports_serious_findings(browser):
    """The harness itself: a page with known faults yields them, worded for the reader."""
    context = browser.new_context()
    context.add_init_script(path=AXE_JS)
    page = context.new_page()
    try:
        page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                         '<p style="color:#aaa;background:#fff">pale text</p>'
                         '<input id="q"><img src="x.png"></main></body></html>')
        found = _axe(page)
    finally:
        context.close()
    rules = {v["id"]: v["impact"] for v in found}
    assert rules.get("color-contrast") == "serious"
    assert rules.get("label") == "critical" and rules.get("image-alt") == "critical"
    text = "\n".join(_describe("sample", found))
    assert "label (critical): Form elements must have labels" in text
    assert "    #q: " in text
