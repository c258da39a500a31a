"""Documents (questions of the kind "file"): checked by content, size-limited, stored
outside the web root under random names, served only to those allowed, removed from
disk with their answer, and never left behind by a failed registration."""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventsapp.models import Registration, RegistrationAnswer
from eventsapp.registration import documents
from tests.support.questions_support import NOT_A_PDF, PDF, jpeg, png, question

from .conftest import login

MANAGE = re.compile(r"/r/([A-Za-z0-9_\-]+)")


def stored(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "documents"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def answers(db):
    db.session.rollback()
    return list(db.session.scalars(sa.select(RegistrationAnswer)))


def reg_of(db, email):
    db.session.rollback()
    return db.session.scalar(sa.select(Registration).where(Registration.email == email))


def form(email, **kw):
    return {"name": "Delegate", "email": email, "modality": "in_person", "nonce": email, **kw}


def upload(data: bytes, name: str):
    return (io.BytesIO(data), name)


@pytest.fixture
def event_with_note(app, make_event, make_user):
    event = make_event()
    organizer = make_user(organizer_of=event)
    note = question(event, "file", labels={"en": ""}, document_kind="note_verbale",
                    required=True, categories=["participant"])
    return event, organizer, note


# ------------------------------------------------------------------ checking the file


@pytest.mark.parametrize("data, kind", [(PDF, "application/pdf"), ("png", "image/png"),
                                        ("jpeg", "image/jpeg")])
def test_accepted_documents_are_told_by_their_content(app, data, kind):
    raw = {"png": png, "jpeg": jpeg}[data]() if isinstance(data, str) else data
    up = documents.check(raw, "../../etc/scan.TXT")
    assert up.content_type == kind and up.name == "scan." + documents.TYPES[kind]


@pytest.mark.parametrize("data", [NOT_A_PDF, b"%PDF-1.4 truncated, no trailer",
                                  b"\x89PNG\r\n\x1a\nnot really a png", b"\xff\xd8\xff\xe0junk",
                                  b"GIF89a\x01\x00\x01\x00", b""])
def test_a_file_that_is_not_what_it_claims_is_refused(app, data):
    with pytest.raises(documents.NotADocument):
        documents.check(data, "note-verbale.pdf")


def test_register_with_a_note_verbale_by_form_stores_it_under_a_random_name(
        app, client, db, event_with_note):
    event, _org, note = event_with_note
    resp = client.post(f"/events/{event.slug}/register", content_type="multipart/form-data",
                       data={**form("d@example.org"),
                             f"answers.{note.id}": upload(PDF, "Note verbale — Rwanda.pdf")})
    assert resp.status_code == 302, resp.text
    [a] = answers(db)
    assert a.file_name == "Note verbale — Rwanda.pdf" and a.file_type == "application/pdf"
    assert a.file_size == len(PDF)
    assert stored(app) == {a.file_key}
    assert "Rwanda" not in a.file_key and a.file_key.endswith(".pdf")
    path = Path(app.config["UPLOAD_FOLDER"]) / "documents" / a.file_key
    assert path.read_bytes() == PDF
    assert not str(path).startswith(str(Path(app.static_folder)))


@pytest.mark.parametrize("data, name, message", [
    (None, None, "Attach this document."),
    (NOT_A_PDF, "note.pdf", "not a PDF, PNG or JPEG"),
])
def test_missing_or_fake_document_is_a_field_error_and_nothing_is_written(
        app, client, db, event_with_note, data, name, message):
    event, _org, note = event_with_note
    body = form("d@example.org")
    if data is not None:
        body[f"answers.{note.id}"] = upload(data, name)
    resp = client.post(f"/events/{event.slug}/register", content_type="multipart/form-data",
                       data=body)
    assert resp.status_code == 422
    assert f'id="answer-{note.id}-error"' in resp.text and message in resp.text
    assert reg_of(db, "d@example.org") is None and answers(db) == [] and stored(app) == set()


def test_too_large_document_is_a_field_error(app, client, db, event_with_note):
    event, _org, note = event_with_note
    app.config["DOCUMENT_MAX_BYTES"] = 100
    resp = client.post(f"/events/{event.slug}/register", content_type="multipart/form-data",
                       data={**form("d@example.org"), f"answers.{note.id}": upload(PDF, "n.pdf")})
    assert resp.status_code == 422 and "too large" in resp.text
    assert stored(app) == set()


def test_a_body_over_the_limit_gets_a_clear_413_page(app, client, event_with_note):
    event, _org, note = event_with_note
    app.config["MAX_CONTENT_LENGTH"] = 1000
    app.config["DOCUMENT_MAX_BYTES"] = 1000
    app.config["DOCUMENT_REQUEST_FILES"] = 1
    big = PDF + b"%" * 5000
    resp = client.post(f"/events/{event.slug}/register", content_type="multipart/form-data",
                       data={**form("d@example.org"), f"answers.{note.id}": upload(big, "n.pdf")})
    assert resp.status_code == 413
    assert "too large" in resp.text and "MB" in resp.text and "<html" in resp.text


def test_register_with_a_document_by_api(app, client, db, event_with_note):
    event, _org, note = event_with_note
    url = f"/api/v1/events/{event.slug}/registrations"
    body = {"name": "Api Delegate", "email": "api@example.org", "modality": "online"}
    for bad in ({"name": "x.pdf", "content_base64": base64.b64encode(NOT_A_PDF).decode()},
                {"name": "x.pdf", "content_base64": "%%% not base64"}, "a string"):
        resp = client.post(url, json={**body, "answers": {str(note.id): bad}})
        assert resp.status_code == 422, bad
        assert f"answers.{note.id}" in resp.get_json()["error"]["fields"]
    assert stored(app) == set() and reg_of(db, "api@example.org") is None
    resp = client.post(url, json={**body, "answers": {str(note.id): {
        "name": "scan.png", "content_base64": base64.b64encode(png()).decode()}}})
    assert resp.status_code == 201, resp.get_json()
    [a] = answers(db)
    assert a.file_type == "image/png" and stored(app) == {a.file_key}


def test_a_failed_transaction_leaves_no_file(app, client, db, event_with_note, monkeypatch):
    event, _org, note = event_with_note
    from eventsapp.registration import register as register_module

    def boom(*args, **kwargs):
        raise RuntimeError("the mail could not be queued")

    monkeypatch.setattr(register_module.mails, "send", boom)
    resp = client.post(f"/events/{event.slug}/register", content_type="multipart/form-data",
                       data={**form("d@example.org"), f"answers.{note.id}": upload(PDF, "n.pdf")})
    assert resp.status_code == 500
    assert stored(app) == set() and answers(db) == [] and reg_of(db, "d@example.org") is None


# ------------------------------------------------------------------ who reads it


@pytest.fixture
def delivered(app, client, db, event_with_note, make_user, make_event):
    event, organizer, note = event_with_note
    account = make_user("delegate@example.org")
    resp = client.post(f"/events/{event.slug}/register", content_type="multipart/form-data",
                       data={**form("delegate@example.org"),
                             f"answers.{note.id}": upload(PDF, "note.pdf")})
    assert resp.status_code == 302, resp.text
    token = MANAGE.search(resp.headers["Location"]).group(1)
    [a] = answers(db)
    reg = reg_of(db, "delegate@example.org")
    reg.user_id = account.id  # registered before signing in; the account is theirs
    db.session.commit()
    other_event = make_event()
    return {"event": event, "reg": reg, "answer": a, "answer_id": a.id, "key": a.file_key,
            "token": token, "organizer": organizer,
            "account": account, "other_org": make_user(organizer_of=other_event),
            "attendee": make_user(), "admin": make_user(is_admin=True), "note": note}


@pytest.mark.parametrize("who, allowed", [
    ("anon", False), ("attendee", False), ("other_org", False), ("organizer", True),
    ("admin", True), ("account", True)])
def test_document_access_matrix(app, delivered, who, allowed):
    d = delivered
    client = app.test_client()
    if who != "anon":
        login(client, d[who])
    url = f"/events/{d['event'].slug}/registrations/{d['reg'].id}/documents/{d['answer'].id}"
    resp = client.get(url)
    if allowed:
        assert resp.status_code == 200
        assert resp.data == PDF and resp.mimetype == "application/pdf"
        assert resp.headers["Content-Disposition"].startswith("attachment")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in resp.headers["Cache-Control"]
    elif who == "anon":
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    else:
        assert resp.status_code == 404


def test_the_registrant_reads_it_by_the_manage_link_only(app, delivered, make_event):
    d = delivered
    client = app.test_client()
    page = client.get(f"/r/{d['token']}").text
    link = f"/r/{d['token']}/documents/{d['answer'].id}"
    assert link in page
    resp = client.get(link)
    assert resp.status_code == 200 and resp.data == PDF
    assert client.get(f"/r/not-the-token/documents/{d['answer'].id}").status_code == 404
    # Another registration's manage link does not open this document.
    other = client.post(f"/events/{d['event'].slug}/register", content_type="multipart/form-data",
                        data={**form("second@example.org"),
                              f"answers.{d['note'].id}": upload(jpeg(), "n.jpg")})
    token2 = MANAGE.search(other.headers["Location"]).group(1)
    assert client.get(f"/r/{token2}/documents/{d['answer'].id}").status_code == 404


def test_the_organizer_of_another_event_cannot_reach_it_through_their_slug(app, delivered):
    d = delivered
    client = app.test_client()
    login(client, d["other_org"])
    resp = client.get(f"/events/{d['event'].slug}/registrations/{d['reg'].id}/documents/"
                      f"{d['answer'].id}")
    assert resp.status_code == 404


# ------------------------------------------------------------------ removed with the answer


def test_erasing_the_registration_deletes_the_file(app, client, db, delivered):
    d = delivered
    assert stored(app) == {d["key"]}
    login(client, d["organizer"])
    resp = client.post(f"/events/{d['event'].slug}/registrations/{d['reg'].id}/erase",
                       data={"confirm": "y"})
    assert resp.status_code == 302
    assert stored(app) == set() and answers(db) == []
    assert client.get(f"/r/{d['token']}/documents/{d['answer_id']}").status_code == 404


def test_deleting_the_question_deletes_the_files(app, client, db, delivered, api_token):
    d = delivered
    resp = client.delete(f"/api/v1/events/{d['event'].slug}/questions/{d['note'].id}",
                         headers=api_token(d["organizer"]))
    assert resp.status_code == 204
    assert stored(app) == set() and answers(db) == []


def test_deleting_the_event_deletes_the_files(app, client, db, delivered, api_token):
    d = delivered
    resp = client.delete(f"/api/v1/events/{d['event'].slug}", headers=api_token(d["organizer"]))
    assert resp.status_code == 204
    assert stored(app) == set()


def test_a_rolled_back_erase_keeps_the_file(app, db, delivered, monkeypatch):
    d = delivered
    from eventsapp.registration import organize

    def fail(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(organize.links, "kill_manage_links", fail)
    with pytest.raises(RuntimeError):
        organize.erase(d["event"], d["reg"].id, d["organizer"])
    assert stored(app) == {d["key"]}
