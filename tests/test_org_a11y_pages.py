"""The organizer's registration pages for every reader: the error summary names the
question editor's fields and the event's questions (each link leads to its field), stored
codes (a mail's kind, a registration's source) and sizes are in the reader's language,
counts are plural-aware, names are isolated for right-to-left pages."""
from __future__ import annotations

import lxml.html
import pytest

from eventsapp.models import Modality, OutboxMessage, RegistrationStatus
from tests.permissions.rules_online import make_registration
from tests.support.questions_support import choices, question


def _summary(html: str) -> list[tuple[str, str]]:
    """The error summary's links: (target id, text); each target exists in the page."""
    tree = lxml.html.fromstring(html)
    links = [(a.get("href")[1:], a.text_content().strip())
             for a in tree.xpath("//*[@id='error-summary']//a")]
    for target, text in links:
        assert tree.xpath(f"//*[@id='{target}']"), f"the summary's link {text!r} leads nowhere"
    return links


@pytest.fixture
def organizer(make_user, make_event):
    event = make_event(languages=("en", "fr", "ar"), default_language="en")
    return event, make_user(organizer_of=event)


def test_question_editor_errors_are_in_the_error_summary(client, login_as, organizer):
    event, user = organizer
    login_as(user)
    resp = client.post(f"/events/{event.slug}/registrations/questions/new",
                       data={"kind": "single_choice", "labels.en": ""})
    assert resp.status_code == 422
    links = dict(_summary(resp.text))
    assert links["q-label-en"].startswith("Question in English:"), links
    assert links["q-choices-en"].startswith("Choices in English:"), links
    assert "Please correct the highlighted fields." not in resp.text  # the summary says it


def test_a_missing_answer_is_in_the_error_summary(client, login_as, organizer):
    event, user = organizer
    diet = question(event, "single_choice", "Diet", required=True,
                    choices=choices("Vegetarian", "Vegan"))
    passport = question(event, "short_text", "Passport name", required=True)
    login_as(user)
    resp = client.post(f"/events/{event.slug}/registrations/new",
                       data={"name": "Ada", "email": "ada@example.org", "modality": "in_person",
                             "category": "participant"})
    assert resp.status_code == 422
    links = _summary(resp.text)
    targets = {target for target, _text in links}
    assert f"answer-{passport.id}" in targets
    # A choice question's link leads to its first option.
    assert any(t.startswith(f"answer-{diet.id}-") for t in targets), targets
    assert any(text.startswith("Diet: ") for _t, text in links)


def test_outbox_and_detail_words_are_translated(client, db, login_as, organizer):
    event, user = organizer
    reg, _manage = make_registration(event, status=RegistrationStatus.PENDING,
                                     modality=Modality.IN_PERSON, name="ليلى حسن")
    reg.source = "focal_point"
    db.session.add(OutboxMessage(event_id=event.id, kind="registration_pending",
                                 to_address=reg.email, subject="s", body_text="b"))
    db.session.add(OutboxMessage(event_id=event.id, kind="some_future_kind",
                                 to_address=reg.email, subject="s", body_text="b"))
    db.session.commit()
    login_as(user)
    fr = {"Accept-Language": "fr"}
    outbox = lxml.html.fromstring(client.get(f"/events/{event.slug}/outbox", headers=fr).text)
    kinds = [td.text_content() for td in outbox.xpath("//td[@data-kind]")]
    assert "En attente d’approbation" in kinds
    assert "some_future_kind" in kinds  # a kind without a label shows as stored
    assert "Type de message" in outbox.text_content()
    detail = client.get(f"/events/{event.slug}/registrations/{reg.id}", headers=fr).text
    tree = lxml.html.fromstring(detail)
    assert tree.xpath("//dd[@data-source]")[0].text_content() == "Ajoutée par un point focal"
    assert tree.xpath("//h1/bdi")[0].text_content() == "ليلى حسن"
    assert "Inscrit le" in detail


def test_counts_are_plural_aware(client, db, login_as, organizer):
    event, user = organizer
    make_registration(event, name="One")
    login_as(user)
    page = client.get(f"/events/{event.slug}/registrations/").text
    assert "(1 matching)" in page
    delegations = client.get(f"/events/{event.slug}/delegations").text
    assert "1 registration is on behalf of no listed organization." in delegations
    make_registration(event, name="Two")
    ar = client.get(f"/events/{event.slug}/delegations", headers={"Accept-Language": "ar"}).text
    assert "2 تسجيلان لا يتبعان أي منظمة مدرجة." in ar


@pytest.mark.parametrize("lang,size,text", [
    ("en", 142, "142 byte"), ("fr", 1500, "1,5\u202fko"), ("fr", 2_500_000, "2,5\u202fMo"),
    ("ar", 142, "142 بايت"),
])
def test_file_sizes_in_the_readers_language(app, lang, size, text):
    from flask_babel import force_locale

    from eventsapp.registration.labels import file_size

    with app.test_request_context(), force_locale(lang):
        assert file_size(size) == text


def test_every_registration_mail_kind_has_a_label_for_the_outbox():
    """The outbox names each kind of mail in the reader's language: a registration mail
    added to SUBJECTS without a label would show as its code."""
    from eventsapp.registration.labels import MAIL_KINDS
    from eventsapp.registration.mails import SUBJECTS

    missing = [k for k in SUBJECTS if f"registration_{k}" not in MAIL_KINDS]
    assert missing == []
    assert {"focal_point_designated", "organizer_message_test"} <= set(MAIL_KINDS)
