"""Registration questions: organizers define them (HTML and API), registrants answer
them (public form, organizer's form, API), per category and in the event's languages;
the answers show on the registration, in the list's filters, the CSV and the API."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    Category,
    QuestionKind,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
)
from tests.support.questions_support import choices, key_of, question


def form(email="ada@example.org", **kw):
    data = {"name": "Ada Lovelace", "email": email, "modality": "in_person",
            "nonce": "n-" + email}
    data.update(kw)
    return data


def reg_of(db, email):
    db.session.rollback()
    return db.session.scalar(sa.select(Registration).where(Registration.email == email))


def answers_of(db, reg):
    db.session.rollback()
    return {a.question_id: a for a in db.session.scalars(
        sa.select(RegistrationAnswer).where(RegistrationAnswer.registration_id == reg.id))}


@pytest.fixture
def organizer(make_user, make_event):
    # The event offers French and Arabic too: questions are asked in the offered languages.
    event = make_event(languages=("en", "fr", "ar"), default_language="en")
    return event, make_user(organizer_of=event)


# ------------------------------------------------------------------ defining questions


def test_organizer_adds_edits_moves_and_deletes_questions_in_html(client, db, login_as, organizer):
    event, user = organizer
    login_as(user)
    base = f"/events/{event.slug}/registrations/questions"
    assert "Questions" in client.get(f"/events/{event.slug}/registrations/").text  # the nav link
    resp = client.post(f"{base}/new", data={
        "kind": "single_choice", "labels.en": "Dietary preference", "labels.fr": "Régime",
        "choices.en": "Vegetarian\nVegan\n", "choices.fr": "Végétarien\nVégétalien",
        "required": "y", "categories": ["participant", "vip"]})
    assert resp.status_code == 302, resp.text
    q = db.session.scalar(sa.select(RegistrationQuestion))
    assert q.labels == {"en": "Dietary preference", "fr": "Régime"} and q.required
    assert q.categories == ["participant", "vip"]
    assert [c["labels"] for c in q.choices] == [{"en": "Vegetarian", "fr": "Végétarien"},
                                               {"en": "Vegan", "fr": "Végétalien"}]
    vegan = key_of(q, "Vegan")
    resp = client.post(f"{base}/new", data={"kind": "yes_no", "labels.en": "Need a visa?"})
    assert resp.status_code == 302
    page = client.get(base).text
    assert page.index("<bdi>Dietary preference</bdi>") < page.index("<bdi>Need a visa?</bdi>")
    # A renamed choice keeps its key (answers keep their meaning); kind stays.
    resp = client.post(f"{base}/{q.id}/edit", data={
        "kind": "yes_no", "labels.en": "Diet", "choices.en": "Vegetarian\nVegan (no honey)"})
    assert resp.status_code == 302
    db.session.expire_all()
    q = db.session.get(RegistrationQuestion, q.id)
    assert q.kind is QuestionKind.SINGLE_CHOICE and q.labels == {"en": "Diet"}
    assert key_of(q, "Vegan (no honey)") == vegan and not q.required and q.categories == []
    client.post(f"{base}/{q.id}/move", data={"direction": "down"})
    page = client.get(base).text
    assert page.index("<bdi>Need a visa?</bdi>") < page.index("<bdi>Diet</bdi>")
    # Deleting asks first; unconfirmed: nothing deleted.
    confirm = client.get(f"{base}/{q.id}/delete")
    assert confirm.status_code == 200 and "Diet" in confirm.text
    assert client.post(f"{base}/{q.id}/delete", data={}).status_code == 422
    assert db.session.get(RegistrationQuestion, q.id) is not None
    qid = q.id
    assert client.post(f"{base}/{qid}/delete", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(RegistrationQuestion, qid) is None


@pytest.mark.parametrize("data, field", [
    ({"kind": "short_text"}, "labels.en"),
    ({"kind": "single_choice", "labels.en": "Pick"}, "choices.en"),
    ({"kind": "single_choice", "labels.en": "Pick", "choices.en": "A\nA"}, "choices.en"),
    ({"kind": "telepathy", "labels.en": "?"}, "kind"),
    ({"kind": "", "labels.en": "?"}, "kind"),
    ({"kind": "short_text", "labels.en": "x" * 301}, "labels.en"),
])
def test_bad_question_is_refused_with_the_field_error(client, db, login_as, organizer, data, field):
    event, user = organizer
    login_as(user)
    resp = client.post(f"/events/{event.slug}/registrations/questions/new", data=data)
    assert resp.status_code == 422
    assert f'id="{field.replace(".", "-")}-error"' in resp.text
    assert db.session.scalar(sa.select(sa.func.count(RegistrationQuestion.id))) == 0


def test_a_note_verbale_needs_no_label_and_is_named_in_every_language(app, organizer):
    event, _user = organizer
    q = question(event, "file", labels={"en": ""}, document_kind="note_verbale", required=True)
    assert q.labels["en"] == "Note verbale"
    assert q.labels["ar"] != "Note verbale"  # named in each language the event offers
    assert set(q.labels) == {"ar", "en", "fr"}


def test_question_api_crud_and_422s(client, db, organizer, api_token, make_user):
    event, user = organizer
    headers = api_token(user)
    url = f"/api/v1/events/{event.slug}/questions"
    resp = client.post(url, headers=headers, json={
        "kind": "multiple_choice", "labels": {"en": "Sessions", "ar": "الجلسات"},
        "choices": [{"labels": {"en": "Opening", "ar": "الافتتاح"}}, {"labels": {"en": "Closing"}}],
        "categories": ["press"]})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["position"] == 1 and body["labels"]["ar"] == "الجلسات"
    assert [c["labels"]["en"] for c in body["choices"]] == ["Opening", "Closing"]
    qid = body["id"]
    second = client.post(url, headers=headers, json={"kind": "date", "labels": {"en": "Arrival"}})
    assert second.status_code == 201
    listed = client.get(url, headers={"Accept-Language": "ar"}).get_json()["questions"]
    assert [q["id"] for q in listed] == [qid, second.get_json()["id"]]
    assert listed[0]["label"] == "الجلسات" and listed[1]["label"] == "Arrival"  # fallback
    resp = client.patch(f"{url}/{qid}", headers=headers, json={"position": 2, "required": True})
    assert resp.status_code == 200 and resp.get_json()["position"] == 2
    for body, field in (({"kind": "short_text"}, "labels.en"),
                        ({"kind": "single_choice", "labels": {"en": "x"}}, "choices"),
                        ({"kind": "nope", "labels": {"en": "x"}}, "kind"),
                        ({"kind": "yes_no", "labels": {"xx": "x"}}, "labels")):
        resp = client.post(url, headers=headers, json=body)
        assert resp.status_code == 422, body
        assert any(k.startswith(field) for k in resp.get_json()["error"]["fields"]), resp.get_json()
    assert client.patch(f"{url}/{qid}", headers=headers, json={}).status_code == 422
    assert client.patch(f"{url}/{qid}", headers=headers,
                        json={"labels": {"en": ""}}).status_code == 422
    other = make_user()
    assert client.post(url, headers=api_token(other), json={
        "kind": "yes_no", "labels": {"en": "x"}}).status_code == 403
    assert client.post(url, json={"kind": "yes_no", "labels": {"en": "x"}}).status_code == 401
    assert client.delete(f"{url}/{qid}", headers=headers).status_code == 204
    assert client.get(f"{url}/{qid}").status_code == 404
    assert [q["position"] for q in client.get(url).get_json()["questions"]] == [1]


# ------------------------------------------------------------------ answering


@pytest.fixture
def asked(app, organizer):
    event, user = organizer
    qs = {
        "diet": question(event, "single_choice", "Diet", required=True,
                         labels={"fr": "Régime", "ar": "النظام الغذائي"},
                         choices=[{"labels": {"en": "Vegetarian", "fr": "Végétarien"}},
                                  {"labels": {"en": "Vegan", "fr": "Végétalien"}}]),
        "visa": question(event, "yes_no", "Do you need a visa?"),
        "outlet": question(event, "short_text", "Media outlet", required=True,
                           categories=["press"]),
        "topics": question(event, "multiple_choice", "Topics", choices=choices("Access", "Adoption", "Value")),
        "from": question(event, "country", "Travelling from"),
        "arrival": question(event, "date", "Arrival"),
        "bio": question(event, "long_text", "Short bio"),
    }
    return event, user, qs


def test_public_form_shows_questions_in_the_readers_language(client, asked):
    event, _user, qs = asked
    page = client.get(f"/events/{event.slug}/register", headers={"Accept-Language": "fr"}).text
    assert "Régime" in page and "Végétalien" in page
    assert "Do you need a visa?" in page  # no French label: the default language
    assert "Media outlet" not in page  # press only; the public registers as participants
    assert f'name="answers.{qs["diet"].id}"' in page
    ar = client.get(f"/events/{event.slug}/register", headers={"Accept-Language": "ar"}).text
    assert "النظام الغذائي" in ar


def test_register_with_answers_by_form(client, db, asked):
    event, _user, qs = asked
    data = form(**{f"answers.{qs['diet'].id}": key_of(qs["diet"], "Vegan"),
                   f"answers.{qs['visa'].id}": "yes",
                   f"answers.{qs['topics'].id}": [key_of(qs["topics"], "Access"),
                                                  key_of(qs["topics"], "Value")],
                   f"answers.{qs['from'].id}": "RW", f"answers.{qs['arrival'].id}": "2030-06-06",
                   f"answers.{qs['bio'].id}": "Line one\nLine two",
                   f"answers.{qs['outlet'].id}": ""})  # press only: not asked, not checked
    resp = client.post(f"/events/{event.slug}/register", data=data)
    assert resp.status_code == 302, resp.text
    reg = reg_of(db, "ada@example.org")
    got = answers_of(db, reg)
    assert got[qs["diet"].id].value_text == key_of(qs["diet"], "Vegan")
    assert got[qs["visa"].id].value_bool is True
    assert got[qs["topics"].id].value_text.split() == [key_of(qs["topics"], "Access"),
                                                      key_of(qs["topics"], "Value")]
    assert got[qs["from"].id].value_text == "RW"
    assert got[qs["arrival"].id].value_date.isoformat() == "2030-06-06"
    assert got[qs["bio"].id].value_text == "Line one\nLine two"
    assert qs["outlet"].id not in got
    manage = client.get(resp.headers["Location"]).text
    assert "Vegan" in manage and "Rwanda" in manage


def test_missing_required_and_wrong_choice_rerender_with_every_error(client, db, asked):
    event, _user, qs = asked
    data = form(name="", **{f"answers.{qs['topics'].id}": "Telepathy",
                            f"answers.{qs['arrival'].id}": "06/06/2030",
                            f"answers.{qs['visa'].id}": "perhaps"})
    resp = client.post(f"/events/{event.slug}/register", data=data)
    assert resp.status_code == 422
    text = resp.text
    for qid in (qs["diet"].id, qs["topics"].id, qs["arrival"].id, qs["visa"].id):
        assert f'id="answer-{qid}-error"' in text, qid
    assert "Choose an answer." in text and "Not one of the choices." in text
    assert "Enter your name." in text  # the usual fields' errors at the same time
    assert reg_of(db, "ada@example.org") is None


def test_organizer_add_validates_only_the_chosen_categorys_questions(client, db, login_as, asked):
    event, user, qs = asked
    login_as(user)
    page = client.get(f"/events/{event.slug}/registrations/new").text
    assert "Media outlet" in page and "only for: Press" in page
    url = f"/events/{event.slug}/registrations/new"
    diet = {f"answers.{qs['diet'].id}": "vegetarian"}  # a label, any case
    resp = client.post(url, data={**form("press@example.org"), "category": "press", **diet})
    assert resp.status_code == 422 and f'id="answer-{qs["outlet"].id}-error"' in resp.text
    resp = client.post(url, data={**form("press@example.org"), "category": "press", **diet,
                                  f"answers.{qs['outlet'].id}": "Daily Planet"})
    assert resp.status_code == 302, resp.text
    got = answers_of(db, reg_of(db, "press@example.org"))
    assert got[qs["outlet"].id].value_text == "Daily Planet"
    # A participant's form may carry the press question (no script): it is ignored.
    resp = client.post(url, data={**form("p@example.org"), "category": "participant", **diet,
                                  f"answers.{qs['outlet'].id}": "Ignored"})
    assert resp.status_code == 302
    assert qs["outlet"].id not in answers_of(db, reg_of(db, "p@example.org"))


def test_register_with_answers_by_api(client, db, asked):
    event, _user, qs = asked
    url = f"/api/v1/events/{event.slug}/registrations"
    body = {"name": "Api Person", "email": "api@example.org", "modality": "online"}
    resp = client.post(url, json=body)
    assert resp.status_code == 422
    assert f"answers.{qs['diet'].id}" in resp.get_json()["error"]["fields"]
    resp = client.post(url, json={**body, "answers": {
        str(qs["diet"].id): "Végétalien", str(qs["visa"].id): False,
        str(qs["topics"].id): ["adoption"], "999999": "ignored"}})
    assert resp.status_code == 201, resp.get_json()
    got = answers_of(db, reg_of(db, "api@example.org"))
    assert got[qs["diet"].id].value_text == key_of(qs["diet"], "Vegan")
    assert got[qs["visa"].id].value_bool is False
    for bad in ({str(qs["diet"].id): ["a", "b"]}, {str(qs["visa"].id): 3},
                {str(qs["arrival"].id): "1066-10-14"}, "not an object"):
        resp = client.post(url, json={**body, "email": "bad@example.org", "answers": bad})
        assert resp.status_code == 422, bad
    assert reg_of(db, "bad@example.org") is None


# ------------------------------------------------------------------ reading answers


@pytest.fixture
def answered(client, db, asked, login_as):
    event, user, qs = asked
    url = f"/events/{event.slug}/register"
    vegan, veg = key_of(qs["diet"], "Vegan"), key_of(qs["diet"], "Vegetarian")
    for email, diet, visa, topics in (("a@example.org", vegan, "yes", ["Access", "Value"]),
                                      ("b@example.org", veg, "no", ["Value"]),
                                      ("c@example.org", vegan, None, [])):
        data = form(email, **{f"answers.{qs['diet'].id}": diet,
                              f"answers.{qs['topics'].id}": [key_of(qs["topics"], t) for t in topics]})
        if visa:
            data[f"answers.{qs['visa'].id}"] = visa
        assert client.post(url, data=data).status_code == 302
    login_as(user)
    return event, user, qs


def test_detail_page_shows_answers(client, db, answered):
    event, _user, qs = answered
    reg = reg_of(db, "a@example.org")
    page = client.get(f"/events/{event.slug}/registrations/{reg.id}").text
    assert "Vegan" in page and "Access; Value" in page and "Do you need a visa?" in page


def test_list_filters_by_choice_and_yes_no_answers(client, db, answered, api_token):
    event, user, qs = answered
    base = f"/events/{event.slug}/registrations/"
    vegan = key_of(qs["diet"], "Vegan")
    value = key_of(qs["topics"], "Value")

    def emails(query):
        page = client.get(base, query_string=query).text
        return {e for e in ("a@example.org", "b@example.org", "c@example.org") if e in page}

    assert emails({}) == {"a@example.org", "b@example.org", "c@example.org"}
    # A stale or tampered filter is ignored by the page (the API refuses it, below).
    assert emails({"answer": "junk"}) == emails({"answer": "999999:yes"}) == emails({})
    assert emails({"answer": f"{qs['diet'].id}:{vegan}"}) == {"a@example.org", "c@example.org"}
    assert emails({"answer": [f"{qs['diet'].id}:{vegan}", f"{qs['visa'].id}:yes"]}) == {"a@example.org"}
    assert emails({"answer": f"{qs['visa'].id}:no"}) == {"b@example.org"}
    assert emails({"answer": f"{qs['topics'].id}:{value}"}) == {"a@example.org", "b@example.org"}
    page = client.get(base).text
    assert f'data-answer-filter="{qs["diet"].id}"' in page
    assert f'data-answer-filter="{qs["outlet"].id}"' not in page  # text: no filter
    api = client.get(f"/api/v1/events/{event.slug}/registrations", headers=api_token(user),
                     query_string={"answer": f"{qs['visa'].id}:no"})
    assert api.status_code == 200
    rows = api.get_json()["registrations"]
    assert [r["email"] for r in rows] == ["b@example.org"]
    assert rows[0]["answers"][str(qs["visa"].id)] is False
    assert rows[0]["answers"][str(qs["topics"].id)] == [value]
    bad = client.get(f"/api/v1/events/{event.slug}/registrations", headers=api_token(user),
                     query_string={"answer": "diet=vegan"})
    assert bad.status_code == 422


def test_csv_has_one_column_per_question(client, db, answered):
    event, _user, qs = answered
    resp = client.get(f"/events/{event.slug}/registrations/export.csv")
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    ordered = sorted(qs.values(), key=lambda q: q.position)
    assert header[-len(ordered):] == [f"q{q.id} {q.labels['en']}" for q in ordered]
    by_email = {r[2]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    a = by_email["a@example.org"]
    assert a[f"q{qs['diet'].id} Diet"] == "Vegan"
    assert a[f"q{qs['visa'].id} Do you need a visa?"] == "Yes"
    assert a[f"q{qs['topics'].id} Topics"] == "Access; Value"
    assert by_email["c@example.org"][f"q{qs['visa'].id} Do you need a visa?"] == ""


def test_erase_removes_the_answers(client, db, answered):
    event, _user, _qs = answered
    reg = reg_of(db, "a@example.org")
    resp = client.post(f"/events/{event.slug}/registrations/{reg.id}/erase", data={"confirm": "y"})
    assert resp.status_code == 302
    assert answers_of(db, reg) == {}


def test_questions_of_one_event_are_not_another_events(client, db, make_event, asked):
    event, _user, qs = asked
    other = make_event()
    resp = client.post(f"/api/v1/events/{other.slug}/registrations", json={
        "name": "X", "email": "x@example.org", "modality": "online",
        "answers": {str(qs["diet"].id): "Vegan"}})
    assert resp.status_code == 201
    assert answers_of(db, reg_of(db, "x@example.org")) == {}
    assert Category.PRESS.value in qs["outlet"].categories
