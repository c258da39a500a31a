"""Destructive actions ask first (eventsapp/confirm.py): a POST without ``confirm=1``
answers the confirmation page (200), which says what will happen and changes nothing;
its Confirm button posts the same fields with ``confirm=1``, and then the action happens.
Without JavaScript: the page is a plain form."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from eventsapp.extensions import db as _db
from eventsapp.models import (
    ApiToken,
    EventRole,
    Modality,
    Pledge,
    PledgeState,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Room,
    SessionRole,
    User,
)
from tests.support.pledges_support import make_pledge

from .test_checkin_service import make_registration  # noqa: F401  (fixture)

FR = {"Accept-Language": "fr"}


class _ConfirmForm(HTMLParser):
    """The confirmation page's form: its action, its hidden fields and its buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self.button = ""
        self.back: str | None = None
        self._in_form = self._in_button = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "data-confirm-button" not in a and a.get("method") == "post" \
                and a.get("action", "").startswith("/") and self.action is None \
                and "lang-switch" not in (a.get("class") or "") and "/logout" not in a["action"]:
            self.action, self._in_form = a["action"], True
        elif self._in_form and tag == "input" and a.get("type") == "hidden":
            self.fields.append((a["name"], a.get("value") or ""))
        elif self._in_form and tag == "button":
            self._in_button = True
        elif self._in_form and tag == "a":
            self.back = a.get("href")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "button":
            self._in_button = False

    def handle_data(self, data):
        if self._in_button:
            self.button += data


def confirmation(resp) -> _ConfirmForm:
    """The confirmation page in ``resp``, checked: 200, not cached, one re-post form."""
    assert resp.status_code == 200, resp.status_code
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_data(as_text=True)
    main = body[body.index('<main'):]
    parser = _ConfirmForm()
    parser.feed(main)
    assert parser.action, "no confirmation form"
    assert ("confirm", "1") in parser.fields
    return parser


def text_of(resp) -> str:
    body = resp.get_data(as_text=True)
    return html.unescape(re.sub(r"\s+", " ", body))


def every_row() -> dict[str, list]:
    """Every row of every table, read on a connection of its own: nothing written means
    this does not change (updates included, not only row counts)."""
    out = {}
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            key = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*key))]
    return out


def ask_then_do(client, url: str, data: dict, says: list[str], *, headers=None):
    """POST without confirm: the page says ``says`` and nothing is written; then the
    page's own form, posted back, is answered with a redirect (the caller checks that
    the action happened)."""
    before = every_row()
    resp = client.post(url, data=data, headers=headers or {})
    page = confirmation(resp)
    text = text_of(resp)
    for words in says:
        assert words in text, words
    assert every_row() == before
    assert page.action == url
    for name, value in data.items():
        assert (name, value) in page.fields, name
    assert page.back and page.back.startswith("/")
    assert client.get(page.back.split("#")[0]).status_code == 200
    resp = client.post(page.action, data=dict(page.fields), headers=headers or {})
    assert resp.status_code in (302, 303), resp.status_code
    return page


def _fresh(db, model, id_):
    """The row as the database has it now (None once deleted)."""
    db.session.expire_all()
    return db.session.scalar(sa.select(model).where(model.id == id_))


# ------------------------------------------------------------------ attendees

def test_cancel_asks_first_then_cancels(client, db, make_event, make_registration):  # noqa: F811
    event = make_event(title="Kigali Roundtable")
    reg, token = make_registration(event)
    page = ask_then_do(
        client, f"/r/{token}/cancel", {},
        ["Cancel your registration for Kigali Roundtable?",
         "Your place is freed for the next person on the waiting list.",
         "Your badge no longer admits you at the door."])
    assert page.button.strip() == "Cancel my registration"
    assert page.back == f"/r/{token}"
    assert _fresh(db, Registration, reg.id).status is RegistrationStatus.CANCELLED


def test_cancel_confirmation_in_french(client, db, make_event, make_registration):  # noqa: F811
    event = make_event(title="Table ronde")
    reg, token = make_registration(event)
    resp = client.post(f"/r/{token}/cancel", headers=FR)
    confirmation(resp)
    text = text_of(resp)
    assert "Ce qui va se passer" in text and "Table ronde" in text
    assert _fresh(db, Registration, reg.id).status is RegistrationStatus.CONFIRMED


def test_switch_to_online_asks_first_when_a_place_is_given_up(
        client, db, make_event, make_registration):  # noqa: F811
    event = make_event()
    reg, token = make_registration(event, modality=Modality.IN_PERSON)
    ask_then_do(
        client, f"/r/{token}/modality", {"modality": "online"},
        ["Switch to online?", "Your in-person place is released",
         "Your badge no longer admits you at the door."],
    )
    assert _fresh(db, Registration, reg.id).modality is Modality.ONLINE


def test_switch_from_the_waiting_list_needs_no_confirmation(
        client, db, make_event, make_registration):  # noqa: F811
    event = make_event(capacity_in_person=0)
    reg, token = make_registration(event, modality=Modality.IN_PERSON,
                                   status=RegistrationStatus.WAITLISTED)
    resp = client.post(f"/r/{token}/modality", data={"modality": "online"})
    assert resp.status_code == 302
    reg = _fresh(db, Registration, reg.id)
    assert reg.modality is Modality.ONLINE and reg.status is RegistrationStatus.CONFIRMED


def test_link_leaked_asks_first_then_replaces_everything(
        client, db, make_event, make_registration):  # noqa: F811
    event = make_event()
    reg, token = make_registration(event)
    code, email = reg.badge_code, reg.email
    ask_then_do(
        client, f"/r/{token}/leaked", {},
        ["Replace all your private links?", f"a new one is emailed to {email}",
         "your badge is re-issued"],
    )
    assert _fresh(db, Registration, reg.id).badge_code != code
    assert client.get(f"/r/{token}").status_code == 404


# ------------------------------------------------------------------ organizers

def test_new_badge_code_asks_first(client, db, make_event, make_user, make_registration,  # noqa: F811
                                   login_as):
    event = make_event()
    reg, _ = make_registration(event, name="Jane Doe")
    code = reg.badge_code
    login_as(make_user(organizer_of=event))
    url = f"/events/{event.slug}/badges/{reg.id}/reissue?q=Jane"
    resp = client.post(url)
    page = confirmation(resp)
    assert "Issue a new badge code for Jane Doe?" in text_of(resp)
    assert "stops admitting at the door" in text_of(resp)
    assert page.action == url  # the search comes back with the answer
    assert _fresh(db, Registration, reg.id).badge_code == code
    resp = client.post(page.action, data=dict(page.fields))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("?q=Jane")
    assert _fresh(db, Registration, reg.id).badge_code != code


def test_decline_and_erase_ask_first(client, db, make_event, make_user, make_registration,  # noqa: F811
                                     login_as):
    event = make_event()
    reg, _ = make_registration(event, name="Jane Doe")
    login_as(make_user(organizer_of=event))
    base = f"/events/{event.slug}/registrations/{reg.id}"
    ask_then_do(
        client, base + "/decline", {},
        ["Decline the registration of Jane Doe?", "Jane Doe is emailed",
         "Their place goes to the next person on the waiting list."],
    )
    assert _fresh(db, Registration, reg.id).status is RegistrationStatus.DECLINED
    ask_then_do(
        client, base + "/erase", {},
        ["Erase the personal data of Jane Doe?", "This cannot be undone."],
    )
    reg = _fresh(db, Registration, reg.id)
    assert reg.erased_at is not None and reg.name != "Jane Doe"


def test_programme_deletions_ask_first(client, db, make_event, make_user, make_room,
                                       make_session, make_person, login_as):
    event = make_event()
    room = make_room(event, name="Popov Room")
    person = make_person(name="Ada Speaker")
    session = make_session(event, room=room, title="Opening", people=[(person, "moderator")])
    other = make_session(event, title="Closing", people=[person])
    login_as(make_user(organizer_of=event))
    [role_id] = [r.id for r in other.roles]
    session_id, room_id = session.id, room.id
    ask_then_do(
        client, f"/events/{event.slug}/sessions/{other.id}/people/{role_id}/remove", {},
        ["Remove Ada Speaker from “Closing”?", "their speaker profile stays"],
    )
    assert _fresh(db, SessionRole, role_id) is None
    ask_then_do(
        client, f"/events/{event.slug}/sessions/{session_id}/delete", {},
        ["Delete the session “Opening”?", "This cannot be undone."],
    )
    assert _fresh(db, ProgrammeSession, session_id) is None
    ask_then_do(
        client, f"/events/{event.slug}/rooms/{room_id}/delete", {},
        ["Delete the room “Popov Room”?", "have no room any more"],
    )
    assert _fresh(db, Room, room_id) is None


def test_removing_a_team_member_asks_first(client, db, make_event, make_user, login_as):
    event = make_event(title="Annual Meeting")
    helper = make_user(name="Door Keeper", staff_of=event)
    login_as(make_user(organizer_of=event))
    grant_id = db.session.scalar(sa.select(EventRole.id).where(EventRole.user_id == helper.id))
    ask_then_do(
        client, f"/events/{event.slug}/console/team/{grant_id}/remove", {},
        ["Remove Door Keeper from the team?",
         "Door Keeper can no longer act on Annual Meeting as check-in staff."],
    )
    assert _fresh(db, EventRole, grant_id) is None


def test_declining_a_pledge_asks_first_and_keeps_the_reason(client, db, make_event,
                                                            make_user, login_as):
    event = make_event()
    submitter = make_user(email="sub@example.org")
    pledge = make_pledge(event, state=PledgeState.SUBMITTED, submitted_by=submitter,
                         title="Needs review")
    login_as(make_user(organizer_of=event))
    data = {"action": "decline", "reason": "Too vague",
            "next": f"/events/{event.slug}/pledges/manage#submitted"}
    ask_then_do(
        client, f"/pledges/{pledge.id}/moderate", data,
        ["Decline the pledge “Needs review”?", "Its submitter is emailed your reason: Too vague"],
    )
    pledge = _fresh(db, Pledge, pledge.id)
    assert pledge.state is PledgeState.DECLINED and pledge.decline_reason == "Too vague"


def test_declining_without_a_reason_is_refused_before_asking(client, db, make_event,
                                                             make_user, login_as):
    event = make_event()
    pledge = make_pledge(event, state=PledgeState.SUBMITTED)
    login_as(make_user(organizer_of=event))
    resp = client.post(f"/pledges/{pledge.id}/moderate",
                       data={"action": "decline", "reason": ""}, follow_redirects=True)
    assert "Say why" in resp.get_data(as_text=True)
    assert 'name="confirm"' not in resp.get_data(as_text=True)
    assert _fresh(db, Pledge, pledge.id).state is PledgeState.SUBMITTED


def test_publishing_a_pledge_does_not_ask(client, db, make_event, make_user, login_as):
    event = make_event()
    pledge = make_pledge(event, state=PledgeState.SUBMITTED)
    login_as(make_user(organizer_of=event))
    resp = client.post(f"/pledges/{pledge.id}/moderate", data={"action": "publish"})
    assert resp.status_code == 302
    assert _fresh(db, Pledge, pledge.id).state is PledgeState.PUBLISHED


def test_revoking_a_pledge_update_link_asks_first(client, db, make_event, make_user, login_as):
    event = make_event()
    pledge = make_pledge(event)
    pledge.update_token_hash = "x" * 64
    db.session.commit()
    login_as(make_user(organizer_of=event))
    ask_then_do(
        client, f"/pledges/{pledge.id}/update-link/revoke", {},
        ["Revoke the update link of", "stops working"],
    )
    assert _fresh(db, Pledge, pledge.id).update_token_hash is None


# ------------------------------------------------------------------ accounts

def test_account_actions_ask_first(client, db, make_user, login_as, api_token):
    user = make_user()
    api_token(user)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    login_as(user)
    ask_then_do(
        client, f"/account/tokens/{token.id}/revoke", {},
        [f"Revoke the API token “{token.name}”?", "Scripts that use it are refused"],
    )
    assert _fresh(db, ApiToken, token.id).revoked_at is not None

    resp = client.post("/account/sign-out-everywhere")
    confirmation(resp)
    assert "this one included" in text_of(resp)
    assert client.get("/account").status_code == 200  # still signed in
    resp = client.post("/account/sign-out-everywhere", data={"confirm": "1"})
    assert resp.status_code == 302
    assert client.get("/account").status_code in (302, 401)


def test_a_new_feed_address_asks_first_only_when_one_exists(client, db, make_user, login_as):
    user = make_user()
    login_as(user)
    assert client.post("/my/schedule/feed").status_code == 302  # the first: nothing to lose
    first = _fresh(db, User, user.id).feed_token
    assert first
    ask_then_do(
        client, "/my/schedule/feed", {},
        ["Make a new calendar feed address?", "The old address stops working"],
    )
    assert _fresh(db, User, user.id).feed_token not in (None, first)


# ------------------------------------------------------------------ access first, then asking

def test_no_confirmation_page_for_what_one_may_not_touch(client, db, make_event, make_user,
                                                          make_session, login_as,
                                                          make_registration):  # noqa: F811
    mine, theirs = make_event(), make_event()
    reg, _ = make_registration(theirs)
    session = make_session(theirs)
    login_as(make_user(organizer_of=mine))
    for url in (f"/events/{mine.slug}/badges/{reg.id}/reissue",
                f"/events/{mine.slug}/registrations/{reg.id}/decline",
                f"/events/{mine.slug}/sessions/{session.id}/delete",
                f"/events/{theirs.slug}/sessions/{session.id}/delete"):
        assert client.post(url).status_code in (403, 404), url
    assert client.post("/r/not-a-token/cancel").status_code == 404


# ------------------------------------------------------------------ with CSRF on

@pytest.fixture
def csrf_app(app_config):
    from eventsapp import create_app
    from tests.conftest import FreshContextClient

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    app.test_client_class = FreshContextClient
    return app


def test_the_confirmation_page_reposts_with_a_valid_token(csrf_app, db, make_event,
                                                          make_registration):  # noqa: F811
    event = make_event()
    reg, token = make_registration(event)
    client = csrf_app.test_client()
    manage = client.get(f"/r/{token}").get_data(as_text=True)
    csrf = re.search(r'action="/r/[^"]+/cancel"[^>]*>\s*<input[^>]*name="csrf_token"[^>]*'
                     r'value="([^"]+)"', manage).group(1)
    resp = client.post(f"/r/{token}/cancel", data={"csrf_token": csrf})
    page = confirmation(resp)
    assert [n for n, _ in page.fields].count("csrf_token") == 1
    assert client.post(page.action, data=dict(page.fields)).status_code == 302
    assert _fresh(db, Registration, reg.id).status is RegistrationStatus.CANCELLED
    # Without a token the confirmation page is no way round CSRF.
    reg2, token2 = make_registration(event)
    assert client.post(f"/r/{token2}/cancel", data={"confirm": "1"}).status_code == 400
    assert _fresh(db, Registration, reg2.id).status is RegistrationStatus.CONFIRMED


def test_registration_can_be_taken_up_again_after_cancelling(client, db, make_event,
                                                             make_registration):  # noqa: F811
    # The confirmation says so: check it is true.
    event = make_event()
    reg, token = make_registration(event)
    client.post(f"/r/{token}/cancel", data={"confirm": "1"})
    assert _fresh(db, Registration, reg.id).status is RegistrationStatus.CANCELLED
    resp = client.post(f"/r/{token}/register-again", data={"if_full": "waitlist"})
    assert resp.status_code == 302
    assert _fresh(db, Registration, reg.id).status is RegistrationStatus.CONFIRMED

