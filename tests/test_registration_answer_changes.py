"""The registrant changes their answers and replaces their documents on
/r/<token>/answers while registration is open: checked by the same rules as when
registering, all or nothing, the old file removed only once the change is committed."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventsapp.models import Registration, RegistrationAnswer, RegistrationStatus
from eventsapp.registration import answer_changes
from tests.support.questions_support import PDF, choices, jpeg, key_of, question

MANAGE = re.compile(r"/r/([A-Za-z0-9_\-]+)")
NEW_PDF = PDF.replace(b"/Count 0", b"/Count 0 /Version (2)")


def stored(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "documents"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def answers_of(db, reg_id) -> dict[int, RegistrationAnswer]:
    db.session.rollback()
    return {a.question_id: a for a in db.session.scalars(
        sa.select(RegistrationAnswer).where(RegistrationAnswer.registration_id == reg_id))}


@pytest.fixture
def registered(app, db, make_event):
    """A registration with a text answer, a choice and a note verbale; returns
    (event, questions by name, registration id, manage token)."""
    event = make_event()
    qs = {"role": question(event, "short_text", "Your role", required=True),
          "diet": question(event, "single_choice", "Meal", choices=choices("Any", "Vegetarian")),
          "note": question(event, "file", "Note verbale", required=True)}
    db.session.commit()
    client = app.test_client()
    resp = client.post(f"/events/{event.slug}/register", content_type="multipart/form-data",
                       data={"name": "Ada", "email": "ada@example.org", "modality": "in_person",
                             "nonce": "n1", f"answers.{qs['role'].id}": "Adviser",
                             f"answers.{qs['diet'].id}": key_of(qs["diet"], "Any"),
                             f"answers.{qs['note'].id}": (io.BytesIO(PDF), "note.pdf")})
    assert resp.status_code == 302, resp.text
    token = MANAGE.search(resp.headers["Location"]).group(1)
    reg_id = db.session.scalar(sa.select(Registration.id).where(
        Registration.email == "ada@example.org"))
    return event, qs, reg_id, token


def test_registrant_changes_answers_and_replaces_the_document(app, db, registered):
    event, qs, reg_id, token = registered
    client = app.test_client()
    manage = client.get(f"/r/{token}")
    assert f"/r/{token}/answers" in manage.text
    page = client.get(f"/r/{token}/answers")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'value="Adviser"' in page.text
    note_id = qs["note"].id
    assert re.search(rf'data-document="{note_id}"><dt>Note verbale</dt><dd><a [^>]*download>'
                     r'<bdi>note.pdf</bdi>', page.text)
    assert 'enctype="multipart/form-data"' in page.text
    old_key = answers_of(db, reg_id)[qs["note"].id].file_key
    resp = client.post(f"/r/{token}/answers", content_type="multipart/form-data", data={
        f"answers.{qs['role'].id}": "Head of delegation",
        f"answers.{qs['diet'].id}": key_of(qs["diet"], "Vegetarian"),
        f"answers.{qs['note'].id}": (io.BytesIO(NEW_PDF), "note v2.pdf")})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/r/{token}")
    now = answers_of(db, reg_id)
    assert now[qs["role"].id].value_text == "Head of delegation"
    assert now[qs["diet"].id].value_text == key_of(qs["diet"], "Vegetarian")
    note = now[qs["note"].id]
    assert note.file_name == "note v2.pdf" and note.file_key != old_key
    assert stored(app) == {note.file_key}  # the old file is gone, once committed
    resp = client.get(f"/r/{token}/documents/{note.id}")
    assert resp.data == NEW_PDF


def test_a_document_is_kept_when_no_new_file_is_sent(app, db, registered):
    event, qs, reg_id, token = registered
    before = answers_of(db, reg_id)[qs["note"].id]
    key, name = before.file_key, before.file_name
    resp = app.test_client().post(f"/r/{token}/answers", data={
        f"answers.{qs['role'].id}": "Minister"})  # the meal left empty: removed
    assert resp.status_code == 302, resp.text
    now = answers_of(db, reg_id)
    assert now[qs["role"].id].value_text == "Minister" and qs["diet"].id not in now
    assert (now[qs["note"].id].file_key, now[qs["note"].id].file_name) == (key, name)
    assert stored(app) == {key}


def test_invalid_answers_change_nothing(app, db, registered):
    event, qs, reg_id, token = registered

    def state():
        return {qid: (a.value_text, a.file_key) for qid, a in answers_of(db, reg_id).items()}

    before, files = state(), stored(app)
    client = app.test_client()
    for data, field in (
            ({f"answers.{qs['role'].id}": "",  # required
              f"answers.{qs['note'].id}": (io.BytesIO(NEW_PDF), "new.pdf")}, qs["role"].id),
            ({f"answers.{qs['role'].id}": "Fine",
              f"answers.{qs['note'].id}": (io.BytesIO(b"plain text"), "fake.pdf")}, qs["note"].id),
            ({f"answers.{qs['role'].id}": "Fine", f"answers.{qs['diet'].id}": "nonsense"},
             qs["diet"].id)):
        resp = client.post(f"/r/{token}/answers", content_type="multipart/form-data", data=data)
        assert resp.status_code == 422, resp.text
        assert f'id="answer-{field}-error"' in resp.text
        # The error summary at the top links to the field (a choice: its first option).
        anchor = (f"answer-{field}-{qs['diet'].choices[0]['key']}" if field == qs["diet"].id
                  else f"answer-{field}")
        summary = resp.text.split('id="error-summary"')[1].split("</section>")[0]
        assert f'<a href="#{anchor}">' in summary, summary
        assert f'id="{anchor}"' in resp.text
        assert state() == before and stored(app) == files


def test_a_failure_after_the_new_file_is_written_keeps_the_old_one(app, db, registered,
                                                                   monkeypatch):
    event, qs, reg_id, token = registered
    old = answers_of(db, reg_id)[qs["note"].id].file_key
    real_save = answer_changes.save_answers

    def save_then_fail(reg, answers):
        real_save(reg, answers)
        assert len(stored(app)) == 2  # the new file is on disk, inside the transaction
        raise RuntimeError("the database went away")

    monkeypatch.setattr(answer_changes, "save_answers", save_then_fail)
    with pytest.raises(RuntimeError):
        answer_changes.change_answers(reg_id, {
            str(qs["role"].id): "Other", str(qs["note"].id): _upload(jpeg(), "scan.jpg")})
    db.session.rollback()
    assert stored(app) == {old}
    assert answers_of(db, reg_id)[qs["role"].id].value_text == "Adviser"


def _upload(data: bytes, name: str):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename=name)


def test_no_change_once_registration_is_closed(app, db, registered):
    event, qs, reg_id, token = registered
    event.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    client = app.test_client()
    assert f"/r/{token}/answers" not in client.get(f"/r/{token}").text
    page = client.get(f"/r/{token}/answers")
    assert page.status_code == 200 and "Registration is closed." in page.text
    assert 'name="answers.' not in page.text
    before = {qid: a.value_text for qid, a in answers_of(db, reg_id).items()}
    resp = client.post(f"/r/{token}/answers", data={f"answers.{qs['role'].id}": "Late"})
    assert resp.status_code == 409
    assert {qid: a.value_text for qid, a in answers_of(db, reg_id).items()} == before


def test_cancelled_or_unknown_registration_has_no_answers_page(app, db, registered):
    event, qs, reg_id, token = registered
    client = app.test_client()
    assert client.get("/r/not-a-real-token-0123456789/answers").status_code == 404
    reg = db.session.get(Registration, reg_id)
    reg.status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert client.get(f"/r/{token}/answers").status_code == 404
    assert client.post(f"/r/{token}/answers", data={}).status_code == 404


def test_answers_form_needs_the_csrf_token(app, db, registered):
    event, qs, reg_id, token = registered
    app.config["WTF_CSRF_ENABLED"] = True
    before = {qid: a.value_text for qid, a in answers_of(db, reg_id).items()}
    resp = app.test_client().post(f"/r/{token}/answers",
                                  data={f"answers.{qs['role'].id}": "Forged"})
    assert resp.status_code == 400  # refused by the CSRF protection
    assert {qid: a.value_text for qid, a in answers_of(db, reg_id).items()} == before
