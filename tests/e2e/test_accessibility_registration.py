"""axe-core over the registration pages of issue 14: invitations, bulk actions and the
message page, letters of invitation for visas, the registrant's answers page and the
documents column of delegations; English and Arabic, phone and laptop widths.

The harness (axe-core from node_modules, the WCAG 2.2 AA tags, "serious" and "critical"
findings block) is test_accessibility.py's. Every page is also checked for horizontal
overflow on a phone: the document is never wider than the screen (a table scrolls inside
its own focusable region). Each form is sent wrong once, and the page that comes back,
with its error summary, is checked too.

With A11Y_SHOTS=<folder> set, a screenshot of each page is saved there (for a human to
look at), e.g. A11Y_SHOTS=/tmp/a11ynew.
"""
from __future__ import annotations

import io
import os
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.extensions import db
from eventsapp.models import (
    FocalPoint,
    Modality,
    Organization,
    Registration,
    RegistrationStatus,
    StakeholderType,
)
from eventsapp.registration import invitations, visa
from eventsapp.security import hash_token, new_token
from tests.e2e.conftest import DEFAULT_PASSWORD, TIMEOUT_MS
from tests.e2e.test_accessibility import AXE_JS, WIDTHS, _axe, _describe
from tests.support.questions_support import PDF, question

pytestmark = pytest.mark.e2e

MANAGE = re.compile(r"/r/([A-Za-z0-9_\-]+)")
ARABIC_NAME = "محمد بن عبد الله الهاشمي"
LONG_ORG = "Internationale Vereinigung für Telekommunikationsinfrastrukturentwicklung"
PAGES = ["invitations", "invitation form", "invitation form with errors", "invitation created",
         "invitation detail", "revoke confirmation", "registrants", "bulk confirmation",
         "bulk result", "message", "message with errors", "message preview",
         "send confirmation", "write to selection", "visa form", "visa form with errors",
         "visa status", "manage page with visa", "visa letters", "visa request",
         "decline confirmation", "answers", "answers with errors", "delegations",
         "my delegations"]


def _registrant(event, name, email, **kw) -> tuple[Registration, str]:
    token = new_token()
    values = {"event_id": event.id, "name": name, "email": email,
              "modality": Modality.IN_PERSON, "status": RegistrationStatus.CONFIRMED,
              "manage_token_hash": hash_token(token), "badge_code": new_token(),
              "join_token": new_token(), "language": "en"}
    values.update(kw)
    reg = Registration(**values)
    db.session.add(reg)
    db.session.commit()
    return reg, token


@pytest.fixture
def site(app, live_url, make_event, make_user):
    """An event offering visa letters, its organizer (also a delegation's focal point),
    invitations (one used), a confirmed in-person registrant with a document answer and a
    pending visa request, one without a request (Arabic name), and a pending one."""
    from tests.support.i18n import ensure_compiled

    ensure_compiled()
    event = make_event(title="Digital Development Roundtable", visa_letters=True,
                       visa_organizer="International Telecommunication Union",
                       visa_signatory_name="Doreen Bogdan-Martin",
                       visa_signatory_title="Secretary-General")
    organizer = make_user("olivia@example.org", name="Olivia Organizer", organizer_of=event)
    role = question(event, "short_text", "Your role", required=True)
    note = question(event, "file", "Note verbale")
    org = Organization(event_id=event.id, name=LONG_ORG, kind=StakeholderType.CIVIL_SOCIETY,
                       max_registrations=5)
    db.session.add(org)
    db.session.flush()
    db.session.add(FocalPoint(organization_id=org.id, user_id=organizer.id))
    db.session.commit()
    used, code = _invite(event, organizer, "Press of the host country", max_uses=5,
                         skips_approval=True)
    _invite(event, organizer, "Speakers", max_uses=None)

    client = app.test_client()
    resp = client.post(f"/events/{event.slug}/register", content_type="multipart/form-data",
                       data={"name": "Ada Lovelace-Byron", "email": "ada@example.org",
                             "modality": "in_person", "nonce": "n1", "invitation": code,
                             f"answers.{role.id}": "Adviser",
                             f"answers.{note.id}": (io.BytesIO(PDF),
                                                    "note-verbale-of-the-permanent-mission"
                                                    "-to-the-united-nations-geneva.pdf")})
    assert resp.status_code == 302, resp.text
    ada_token = MANAGE.search(resp.headers["Location"]).group(1)
    ada = db.session.scalar(sa.select(Registration).where(
        Registration.email == "ada@example.org"))
    ada.status = RegistrationStatus.CONFIRMED
    ada.organization_id = org.id
    ada.organization = org.name
    db.session.commit()
    visa.submit(ada.id, {"nationality": "RW", "passport_number": "PC7391046",
                         "date_of_birth": "1985-04-12",
                         "passport_expires_on": (date.today() + timedelta(days=900))
                         .isoformat()})
    _, arabic_token = _registrant(event, ARABIC_NAME, "mohammed@example.org",
                                  organization_id=org.id, organization=org.name)
    pending, _ = _registrant(event, "Zoë Pending", "zoe@example.org",
                             status=RegistrationStatus.PENDING)
    request_id = visa.request_of(ada.id).id
    base = f"/events/{event.slug}/registrations"
    return {"event": event, "organizer": organizer.email, "base": base,
            "invitation": f"{base}/invitations/{used.id}", "pending": pending.id,
            "ada": ada_token, "arabic": arabic_token, "request": f"{base}/visa-letters/"
            f"{request_id}", "slug": event.slug}


def _invite(event, user, label, **kw):
    created = invitations.create_invitation(event, {"label": label, **kw}, user)
    db.session.commit()
    return created.invitation, created.code


class Checker:
    """Loads pages, runs axe and the overflow check, keeps what it found."""

    def __init__(self, page, live_url, lang, width):
        self.page, self.live_url, self.lang, self.width = page, live_url, lang, width
        self.found: list[str] = []
        self.seen: list[str] = []
        self.shots = os.environ.get("A11Y_SHOTS")

    def visit(self, name, path, status=200):
        response = self.page.goto(self.live_url + path)
        assert response is not None and response.status == status, \
            f"{name} ({path}) answered {response and response.status}, not {status}"
        self.check(name)

    def submit(self, name, button, status=200, *, errors=False):
        """Click ``button`` (a locator), wait for the page it loads, check it."""
        with self.page.expect_navigation() as nav:
            button.click()
        response = nav.value
        assert response is not None and response.status == status, \
            f"{name} answered {response and response.status}, not {status}"
        if errors:
            assert self.page.locator("#error-summary").count() == 1, \
                f"{name}: no error summary"
            assert self.page.title().startswith("Error" if self.lang == "en" else "خطأ"), \
                f"{name}: the title does not say there is an error"
        self.check(name)

    def check(self, name):
        self.seen.append(name)
        page = self.page
        where = f"{name} [{page.url.replace(self.live_url, '')}]"
        self.found.extend(_describe(where, _axe(page)))
        if self.width == "phone":
            wide = page.evaluate("""() => {
                const d = document.documentElement;
                if (d.scrollWidth <= d.clientWidth) return null;
                const out = [];
                const over = el => {
                  const r = el.getBoundingClientRect();
                  return r.width > 0 && (r.right > d.clientWidth + 1 || r.left < -1);
                };
                // Where it starts: a box wider than the screen in a box that is not.
                for (const el of document.body.querySelectorAll('*')) {
                  if (over(el) && !el.closest('.skip')
                      && !(el.parentElement.matches('.table-wrap') || over(el.parentElement))) {
                    out.push(el.tagName.toLowerCase() + (el.className ? '.' +
                             String(el.className).split(' ').join('.') : ''));
                  }
                }
                if (!out.length) {  // e.g. a positioned box in a table's scrolling region
                  for (const el of document.querySelectorAll('.table-wrap *')) {
                    if (over(el) && getComputedStyle(el).position === 'absolute') {
                      out.push('absolute ' + el.tagName.toLowerCase() + ' in .table-wrap');
                    }
                  }
                }
                return [d.scrollWidth, d.clientWidth, out.slice(0, 6)];
            }""")
            if wide:
                self.found.append(f"{where}: wider than the screen ({wide[0]} > {wide[1]} "
                                  f"px): {', '.join(wide[2])}")
        if self.shots:
            os.makedirs(self.shots, exist_ok=True)
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            page.screenshot(path=os.path.join(self.shots, f"{slug}-{self.lang}-{self.width}"
                                              ".png"), full_page=True)


def _login(page, live_url, email):
    page.goto(live_url + "/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert not re.search(r"/login(\?|$)", page.url), "sign-in failed"


def _invitation_pages(c: Checker, s):
    page, base = c.page, s["base"]
    c.visit("invitations", f"{base}/invitations/")
    c.visit("invitation form", f"{base}/invitations/new")
    submit = page.locator("main form.reg-form button[type=submit]")
    c.submit("invitation form with errors", submit, 422, errors=True)
    page.locator("input[name=label]").fill("Délégation officielle du pays hôte")
    page.locator("input[name=max_uses]").fill("3")
    c.submit("invitation created", submit, 201)
    code = page.locator("[data-invitation-code]").inner_text()
    assert len(code.replace("-", "").replace(" ", "")) >= 26, code
    assert page.locator("h1 bdi").inner_text() == "Délégation officielle du pays hôte"
    c.visit("invitation detail", s["invitation"])
    c.submit("revoke confirmation", page.locator("main form button.danger"))


def _bulk_pages(c: Checker, s):
    page, base = c.page, s["base"]
    c.visit("registrants", f"{base}")
    page.locator(f"#sel-{s['pending']}").check()
    page.locator("#b-action").select_option("approve")
    continue_ = page.locator("#bulk-form fieldset button[type=submit]")
    c.submit("bulk confirmation", continue_)
    c.submit("bulk result", page.locator("[data-confirm-button]"))
    c.visit("registrants", f"{base}")
    page.locator(f"#sel-{s['pending']}").check()
    page.locator("#b-action").select_option("write")
    c.submit("write to selection", continue_)
    c.visit("message", f"{base}/message")
    preview = page.locator("main form.reg-form button[value=preview]")
    c.submit("message with errors", preview, 422, errors=True)
    page.locator("#subject").fill("Your visit to {event}")
    page.locator("#body").fill("Dear {name},\n\nYour registration: {manage_link}\n\n"
                               "A very long line without any space to break it: "
                               + "x" * 120 + "\n")
    c.submit("message preview", preview)
    assert page.locator("[data-preview]").count() == 1
    # Typed in English on an Arabic page, it still reads left to right.
    assert page.locator("#subject").get_attribute("dir") == "auto"
    assert page.locator("#body").get_attribute("dir") == "auto"
    option = page.locator("#preview_id option").first.inner_text()
    assert option.startswith("\u2068") and "\u2066" in option, option
    c.submit("send confirmation", page.locator("main form.reg-form button[value=send]"))


def _visa_pages(c: Checker, s):
    page = c.page
    c.visit("visa form", f"/r/{s['arabic']}/visa")
    submit = page.locator("main form.reg-form button[type=submit]")
    c.submit("visa form with errors", submit, 422, errors=True)
    c.visit("visa status", f"/r/{s['ada']}/visa")
    c.visit("manage page with visa", f"/r/{s['ada']}")
    c.visit("visa letters", f"{s['base']}/visa-letters")
    c.visit("visa request", s["request"])
    c.submit("decline confirmation", page.locator("main form button.danger"))


def _answer_and_delegation_pages(c: Checker, s):
    page = c.page
    c.visit("answers", f"/r/{s['ada']}/answers")
    size = page.locator("[data-document] .meta").inner_text()
    # The size in the page's language (registration/labels.py's file_size), not Jinja's
    # English filesizeformat.
    assert size == ("(142 byte)" if c.lang == "en" else "(142 بايت)"), size
    page.locator("main form input[type=text]").first.fill("")
    c.submit("answers with errors", page.locator("main form button[type=submit]").last, 422,
             errors=True)
    c.visit("delegations", f"/events/{s['slug']}/delegations")
    c.visit("my delegations", "/my/delegations")


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_registration_pages_have_no_serious_axe_findings(browser, live_url, site, lang, width):
    assert os.path.exists(AXE_JS), \
        "node_modules/axe-core is missing: run `npm ci` (bin/test does)"
    phone = width == "phone"
    context = browser.new_context(viewport=WIDTHS[width], is_mobile=phone, has_touch=phone)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(path=AXE_JS)
    context.add_cookies([{"name": "lang", "value": lang, "url": live_url}])
    page = context.new_page()
    checker = Checker(page, live_url, lang, width)
    only = os.environ.get("A11Y_ONLY")  # while fixing: one group of pages
    try:
        _login(page, live_url, site["organizer"])
        groups = {"invitations": _invitation_pages, "bulk": _bulk_pages,
                  "visa": _visa_pages, "answers": _answer_and_delegation_pages}
        for key, run in groups.items():
            if not only or only == key:
                run(checker, site)
        html = page.locator("html")
        assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    finally:
        context.close()
    if not only:
        assert sorted(set(checker.seen)) == sorted(PAGES)
    assert not checker.found, (f"serious or critical problems ({lang}, {width}):\n"
                               + "\n".join(checker.found))
