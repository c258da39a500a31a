"""axe-core over the organizer's registration pages, the focal point's pages and the
registrant's manage page in its answer, document and offer states: English and Arabic,
phone and laptop widths; every form also re-rendered with its errors (the error summary,
question fields included). At phone width no page may scroll sideways: the body is no
wider than the window (a wide table scrolls inside its own region, never the page).

The data: the demo's upcoming event with three questions (a required short text, a
choice, a document), two organizations (one with an Arabic name) and a focal point, a
pending delegate who sent a document, a place offered from the waiting list, and one
mail in the outbox. Helpers (axe injection, wording of findings) are the public pages'
(tests/e2e/test_accessibility.py).
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
    FocalPoint,
    Modality,
    Organization,
    OutboxMessage,
    RegistrationAnswer,
    RegistrationStatus,
    StakeholderType,
    utcnow,
)
from tests.e2e.conftest import DEFAULT_PASSWORD, TIMEOUT_MS
from tests.e2e.test_accessibility import AXE_JS, UPCOMING, WIDTHS, _axe, _describe
from tests.permissions.rules_online import make_registration

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("A11Y_SCREENSHOTS", "")
FOCAL_EMAIL = "focal.point@example.org"
AR_ORG = "وزارة الاتصالات وتكنولوجيا المعلومات"
AR_NAME = "ليلى حسن"

# The page's horizontal overflow at phone width: the document scrolls sideways when its
# scroll width passes its client width. The culprits are the elements sticking out of the
# window, outside any region that scrolls on its own (overflow-x auto/scroll/hidden).
OVERFLOW_JS = """() => {
  const root = document.scrollingElement || document.documentElement;
  const width = root.clientWidth;
  if (root.scrollWidth <= width && document.body.scrollWidth <= width) return [];
  const rtl = getComputedStyle(document.body).direction === 'rtl';
  const scrolls = el => ['auto', 'scroll', 'hidden', 'clip']
    .includes(getComputedStyle(el).overflowX);
  // Inside a region that scrolls on its own; an absolutely positioned element (an
  // .sr-only text) escapes the regions between it and its positioned ancestor.
  const clipped = el => {
    const pos = getComputedStyle(el).position;
    if (pos === 'fixed') return false;
    let escaping = pos === 'absolute';
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (!escaping && scrolls(p)) return true;
      if (escaping && style.position !== 'static') {
        escaping = false;
        if (scrolls(p)) return true;
      }
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || clipped(el)) continue;
    // Its box sticks out on the side the page grows to, or its content (a long word,
    // a wide child) spills out of a box that does not scroll.
    const out_box = rtl ? r.left < -1 : r.right > width + 1;
    const spills = !scrolls(el) && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
      && (rtl ? r.right - el.scrollWidth < -1 : r.left + el.scrollWidth > width + 1);
    if (!out_box && !spills) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.classList.length ? '.' + [...el.classList].join('.') : '');
    out.push(`${name} [${Math.round(r.left)}..${Math.round(r.right)}, content `
             + `${el.scrollWidth}] ` + (el.textContent || '').trim().slice(0, 40));
    if (out.length >= 6) break;
  }
  return out.length ? out : [`scrollWidth ${root.scrollWidth} > ${width}`];
}"""


def _overflow(page) -> list[str]:
    """What sticks out sideways of the page (empty when it fits its width)."""
    return page.evaluate(OVERFLOW_JS)


@pytest.fixture
def org_site(app, live_url, make_user):
    """The demo data with what the organizer's and focal point's pages show."""
    from eventsapp.db_tx import transaction
    from eventsapp.demo import DEMO_ORGANIZER, load_demo
    from eventsapp.registration import documents
    from tests.support.i18n import ensure_compiled
    from tests.support.questions_support import PDF, choices, key_of, question

    ensure_compiled()
    load_demo()
    event = db.session.scalar(sa.select(Event).where(Event.slug == UPCOMING))
    name_q = question(event, "short_text", "Name as on your passport", required=True,
                      labels={"ar": "الاسم كما في جواز السفر"})
    meal_q = question(event, "single_choice", "Meal preference",
                      choices=choices("Vegetarian", "Halal", "No preference"))
    doc_q = question(event, "file", "Nomination letter", document_kind="nomination_letter")
    db.session.commit()
    org = Organization(event_id=event.id, name=AR_ORG, kind=StakeholderType.GOVERNMENT,
                       country="EG", max_registrations=5)
    other = Organization(event_id=event.id, name="Association for Progressive Communications",
                         kind=StakeholderType.CIVIL_SOCIETY, country="ZA")
    db.session.add_all([org, other])
    db.session.commit()
    focal = make_user(FOCAL_EMAIL, name="Amina Focal")
    db.session.add(FocalPoint(organization_id=org.id, user_id=focal.id))
    db.session.commit()

    delegate, delegate_manage = make_registration(
        event, status=RegistrationStatus.PENDING, modality=Modality.IN_PERSON, name=AR_NAME)
    delegate.organization_id = org.id
    delegate.organization = AR_ORG
    delegate.country = "EG"
    db.session.commit()
    with transaction():
        up = documents.check(PDF, "nomination-letter.pdf")
        db.session.add_all([
            RegistrationAnswer(registration_id=delegate.id, question_id=name_q.id,
                               value_text="Layla Hassan"),
            RegistrationAnswer(registration_id=delegate.id, question_id=meal_q.id,
                               value_text=key_of(meal_q, "Halal")),
            RegistrationAnswer(registration_id=delegate.id, question_id=doc_q.id,
                               value_text="", file_key=documents.write(up), file_name=up.name,
                               file_type=up.content_type, file_size=up.size)])
    offered, offered_manage = make_registration(
        event, status=RegistrationStatus.OFFERED, modality=Modality.IN_PERSON,
        name="Oscar Offered")
    offered.badge_code = offered.join_token = None
    offered.offer_expires_at = utcnow() + timedelta(hours=20)
    db.session.add(OutboxMessage(event_id=event.id, kind="message",
                                 to_address=delegate.email,
                                 subject="Practical information for your stay",
                                 body_text="Hello", last_error="421 try again later",
                                 attempts=2))
    db.session.commit()

    base = f"/events/{UPCOMING}"
    regs = f"{base}/registrations"
    organizer = [
        ("registration settings", f"{regs}/settings"),
        ("questions", f"{regs}/questions"),
        ("new question", f"{regs}/questions/new?kind=single_choice"),
        ("edit question", f"{regs}/questions/{meal_q.id}/edit"),
        ("delete question", f"{regs}/questions/{doc_q.id}/delete"),
        ("organizations", f"{base}/organizations/"),
        ("new organization", f"{base}/organizations/new"),
        ("edit organization", f"{base}/organizations/{org.id}/edit"),
        ("delegations", f"{base}/delegations"),
        ("registrants", f"{regs}/"),
        ("registrants, filtered", f"{regs}/?status=pending&modality=in_person"
                                  f"&answer={meal_q.id}:{key_of(meal_q, 'Halal')}"),
        ("registration detail", f"{regs}/{delegate.id}"),
        ("add registration", f"{regs}/new"),
        ("message", f"{regs}/message"),
        ("outbox", f"{base}/outbox"),
        ("speakers", f"{regs}/speakers"),
        ("participants", f"{base}/participants"),
    ]
    focal_pages = [
        ("my delegations", "/my/delegations"),
        ("add a delegate", f"/my/delegations/{org.id}/add"),
        ("decline a delegate", f"/my/delegations/{org.id}/registrations/{delegate.id}/decline"),
    ]
    registrant = [
        ("manage page, pending delegate with answers and a document", f"/r/{delegate_manage}"),
        ("manage page, place offered", f"/r/{offered_manage}"),
    ]
    return {"organizer": organizer, "focal": focal_pages, "registrant": registrant,
            "organizer_login": DEMO_ORGANIZER, "focal_login": (FOCAL_EMAIL, DEFAULT_PASSWORD),
            "regs": regs, "base": base, "org_id": org.id,
            "edit_question": f"{regs}/questions/{meal_q.id}/edit",
            "delete_question": f"{regs}/questions/{doc_q.id}/delete",
            "decline": f"/my/delegations/{org.id}/registrations/{delegate.id}/decline"}


def _sign_in(page, live_url, email, password):
    page.goto(live_url + "/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url, f"sign-in as {email} failed"


class Checker:
    """Runs axe (and at phone width the overflow check) on pages, collecting findings."""

    def __init__(self, page, live_url, phone, tag=""):
        self.page, self.live_url, self.phone, self.tag = page, live_url, phone, tag
        self.found: list[str] = []
        self.shots = 0

    def visit(self, name: str, path: str) -> None:
        response = self.page.goto(self.live_url + path)
        assert response is not None and response.status == 200, \
            f"{name} ({path}) answered {response and response.status}"
        self.check(f"{name} {path}")

    def check(self, where: str) -> None:
        self.found.extend(_describe(where, _axe(self.page)))
        if self.phone:
            self.found.extend(f"{where}: sticks out sideways at 390 px: {line}"
                              for line in _overflow(self.page))
        if SHOTS:  # to look at the pages: A11Y_SCREENSHOTS=/tmp/a11yorg
            os.makedirs(SHOTS, exist_ok=True)
            self.shots += 1
            slug = re.sub(r"[^a-z0-9]+", "-", where.split(" /")[0].lower()).strip("-")
            self.page.screenshot(path=os.path.join(
                SHOTS, f"{self.tag}-{self.shots:02d}-{slug}.png"), full_page=True)

    def refused(self, name: str, path: str, submit: str, fill=None) -> None:
        """Post the form (emptied or as ``fill`` leaves it): re-rendered with its errors,
        the error summary first."""
        self.page.goto(self.live_url + path)
        if fill:
            fill(self.page)
        with self.page.expect_navigation():
            self.page.locator(submit).first.click()
        if self.page.locator("#error-summary li").count() == 0:
            self.found.append(f"{name}: no error summary after a refused form")
        self.check(f"{name} with errors")


def _bad_settings(page):
    page.locator("input[name=capacity_in_person]").fill("-3")
    page.locator("input[name=offer_hours]").fill("0")


def _clear_default_label(page):
    page.locator("input[name='labels.en']").fill("")


def _empty_required(page):
    # The browser's own checks would stop the post before the server sees it.
    page.evaluate("() => document.querySelectorAll('[required]')"
                  ".forEach(e => e.removeAttribute('required'))")


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_organizer_pages_have_no_serious_axe_findings(browser, live_url, org_site, lang, width):
    assert os.path.exists(AXE_JS), "node_modules/axe-core is missing: run `npm ci`"
    phone = width == "phone"
    context = browser.new_context(viewport=WIDTHS[width], is_mobile=phone, has_touch=phone)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(path=AXE_JS)
    context.add_cookies([{"name": "lang", "value": lang, "url": live_url}])
    page = context.new_page()
    run = Checker(page, live_url, phone, f"{lang}-{width}")
    site = org_site
    try:
        for name, path in site["registrant"]:
            run.visit(name, path)

        _sign_in(page, live_url, *site["organizer_login"])
        for name, path in site["organizer"]:
            run.visit(name, path)
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        regs, base = site["regs"], site["base"]
        run.refused("registration settings", f"{regs}/settings", "main form.settings-form "
                    "button[type=submit], main form button[type=submit]", _bad_settings)
        run.refused("new question", f"{regs}/questions/new?kind=single_choice",
                    "main form button[type=submit]", _empty_required)
        run.refused("edit question", site["edit_question"], "main form button[type=submit]",
                    _clear_default_label)
        run.refused("delete question, not ticked", site["delete_question"],
                    "main form button[type=submit]", _empty_required)
        run.refused("new organization", f"{base}/organizations/new",
                    "main form button[type=submit]", _empty_required)
        run.refused("add registration", f"{regs}/new", "main form button[type=submit]",
                    _empty_required)
        # The required question's error is in the summary and links to its field.
        summary = page.locator("#error-summary a[href^='#answer-']")
        if summary.count() == 0:
            run.found.append("add registration: the question's error is not in the summary")
        run.refused("message", f"{regs}/message", "main form button[type=submit]",
                    _empty_required)
        run.refused("registration form", f"{base}/register", "form.reg-form button[type=submit]",
                    _empty_required)

        context.clear_cookies()
        context.add_cookies([{"name": "lang", "value": lang, "url": live_url}])
        _sign_in(page, live_url, *site["focal_login"])
        for name, path in site["focal"]:
            run.visit(name, path)
        run.refused("add a delegate", f"/my/delegations/{site['org_id']}/add",
                    "main form button[type=submit]", _empty_required)
        run.refused("decline a delegate, not ticked", site["decline"],
                    "main form button[type=submit]", _empty_required)
    finally:
        context.close()
    assert not run.found, (f"serious or critical problems ({lang}, {width}):\n"
                           + "\n".join(run.found))


def test_the_overflow_check_finds_a_page_wider_than_the_phone(browser):
    """The check itself: a page wider than 390 px fails it and names the culprit; a wide
    table scrolling inside its own region does not."""
    context = browser.new_context(viewport=WIDTHS["phone"], is_mobile=True)
    page = context.new_page()
    try:
        head = '<head><meta name="viewport" content="width=device-width"></head>'
        page.set_content(f'<html lang="en">{head}<body><main><div id="wide" '
                         'style="width:900px">a long row</div></main></body></html>')
        wide = _overflow(page)
        page.set_content(f'<html lang="en">{head}<body><main><div style="overflow-x:auto">'
                         '<table style="width:900px"><tr><td>cell</td></tr></table>'
                         '</div></main></body></html>')
        contained = _overflow(page)
        # A visually hidden text at the far end of the table escapes the region unless
        # the region is its containing block.
        hidden = ('<table style="width:900px"><tr><td>cell</td><th><span id="sr" style="'
                  'position:absolute;width:1px;height:1px;overflow:hidden">Action</span>'
                  '</th></tr></table>')
        page.set_content(f'<html lang="en">{head}<body><main><div style="overflow-x:auto">'
                         f'{hidden}</div></main></body></html>')
        escaped = _overflow(page)
        page.set_content(f'<html lang="en">{head}<body><main><div style="overflow-x:auto;'
                         f'position:relative">{hidden}</div></main></body></html>')
        kept = _overflow(page)
        page.set_content(f'<html lang="ar" dir="rtl">{head}<body><main><pre id="long">'
                         + "x" * 300 + '</pre></main></body></html>')
        rtl = _overflow(page)
    finally:
        context.close()
    assert wide and any("div#wide" in line for line in wide), wide
    assert contained == [] and kept == []
    assert escaped and any("span#sr" in line for line in escaped), escaped
    assert rtl and any("pre#long" in line for line in rtl), rtl
