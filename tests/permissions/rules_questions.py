"""Routes of registration questions and documents: the organizer's question pages, the
questions API, and the two ways to a registration's document."""
from __future__ import annotations

from .base import HIDDEN, LOGIN, MANAGE, OK, PUBLIC, Rule, api_rule, expect

DOC_TOKEN = "perm-document-token-0123456789abcdefghijklmnop"

API_MANAGE = expect(LOGIN, "deny", "deny", "deny", OK, OK)
# can_read_document: the event's organizers, administrators, the registrant; a document's
# existence is not revealed to others (404).
DOCUMENT = expect(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK)


def _q(w) -> str:
    return f"/events/{w.event.slug}/registrations/questions"


def _api(w) -> str:
    return f"/api/v1/events/{w.event.slug}/questions"


RULES = {
    ("registration.questions", "GET"): Rule(_q, MANAGE),
    ("registration.new_question", "GET"): Rule(lambda w: f"{_q(w)}/new", MANAGE),
    ("registration.new_question", "POST"): Rule(lambda w: f"{_q(w)}/new", MANAGE,
                                                data=lambda w: {}, note="empty: 422"),
    ("registration.edit_question", "GET"): Rule(
        lambda w: f"{_q(w)}/{w.objects['question_id']}/edit", MANAGE),
    ("registration.edit_question", "POST"): Rule(
        lambda w: f"{_q(w)}/{w.objects['question_id']}/edit", MANAGE, data=lambda w: {},
        note="no label: 422"),
    ("registration.move_question", "POST"): Rule(
        lambda w: f"{_q(w)}/{w.objects['question_id']}/move", MANAGE, data=lambda w: {}),
    ("registration.delete_question", "GET"): Rule(
        lambda w: f"{_q(w)}/{w.objects['question_id']}/delete", MANAGE),
    ("registration.delete_question", "POST"): Rule(
        lambda w: f"{_q(w)}/{w.objects['question_id']}/delete", MANAGE, data=lambda w: {},
        note="unconfirmed: 422"),
    ("registration.document", "GET"): Rule(
        lambda w: (f"/events/{w.event.slug}/registrations/{w.objects['document_registration_id']}"
                   f"/documents/{w.objects['document_id']}"), DOCUMENT),
    # The manage link is the credential, whoever holds it.
    ("registration.manage_document", "GET"): Rule(
        lambda w: f"/r/{DOC_TOKEN}/documents/{w.objects['document_id']}", PUBLIC),
    # The registrant changes their answers by the manage link (whoever holds it).
    ("registration.manage_answers", "GET"): Rule(lambda w: f"/r/{DOC_TOKEN}/answers", PUBLIC),
    ("registration.manage_answers", "POST"): Rule(lambda w: f"/r/{DOC_TOKEN}/answers", PUBLIC,
                                                  data=lambda w: {},
                                                  note="the document is kept"),
    ("api_questions.EventQuestions", "GET"): api_rule(_api, PUBLIC),
    ("api_questions.EventQuestions", "POST"): api_rule(_api, API_MANAGE, data=lambda w: {}),
    ("api_questions.EventQuestion", "GET"): api_rule(
        lambda w: f"{_api(w)}/{w.objects['question_id']}", PUBLIC),
    ("api_questions.EventQuestion", "PATCH"): api_rule(
        lambda w: f"{_api(w)}/{w.objects['question_id']}", API_MANAGE, data=lambda w: {}),
    ("api_questions.EventQuestion", "DELETE"): api_rule(
        lambda w: f"{_api(w)}/{w.objects['new_question']()}", API_MANAGE),
}


def extend_world(world) -> None:
    """A document question of the world's event, and a registration (its manage link
    is DOC_TOKEN) that answered it with a file."""
    from eventsapp.db_tx import transaction
    from eventsapp.extensions import db
    from eventsapp.models import (
        Modality,
        Registration,
        RegistrationAnswer,
        RegistrationQuestion,
        RegistrationStatus,
    )
    from eventsapp.registration import documents
    from eventsapp.security import hash_token, new_token
    from tests.support.questions_support import PDF
    from tests.support.questions_support import question as make_question

    q = make_question(world.event, "file", "Nomination letter", required=False)
    db.session.commit()
    with transaction():
        reg = Registration(event_id=world.event.id, name="Doc Registrant",
                           email="perm-doc@example.org", modality=Modality.IN_PERSON,
                           status=RegistrationStatus.PENDING,
                           manage_token_hash=hash_token(DOC_TOKEN), badge_code=new_token(),
                           join_token=new_token())
        db.session.add(reg)
        db.session.flush()
        up = documents.check(PDF, "letter.pdf")
        answer = RegistrationAnswer(registration_id=reg.id, question_id=q.id, value_text="",
                                    file_key=documents.write(up), file_name=up.name,
                                    file_type=up.content_type, file_size=up.size)
        db.session.add(answer)
        db.session.flush()
        document_id, reg_id = answer.id, reg.id
    world.objects["question_id"] = q.id
    world.objects["document_registration_id"] = reg_id
    world.objects["document_id"] = document_id

    def new_question() -> int:
        db.session.commit()
        created = make_question(world.event, "yes_no", "Temporary")
        db.session.commit()
        return created.id

    world.objects["new_question"] = new_question
    assert db.session.get(RegistrationQuestion, q.id) is not None
