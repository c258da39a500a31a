"""Routes of the pledges feature."""
from __future__ import annotations

from .base import (
    ADMIN,
    DENY,
    HIDDEN,
    LOGIN,
    MANAGE,
    OK,
    PUBLIC,
    SIGNED_IN,
    Rule,
    api_rule,
    expect,
)

# The pledge's organizers (and administrators); others may see it (published) but not act.
PLEDGE_MANAGE = expect(LOGIN, DENY, DENY, DENY, OK, OK)
# An unpublished pledge: hidden from everyone but its organizers.
HIDDEN_MANAGE = expect(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK)


def _ev(w):
    return f"/events/{w.event.slug}"


def _p(w, key):
    return w.objects[key].id


RULES = {
    ("pledges.dashboard", "GET"): Rule(lambda w: "/pledges", PUBLIC),
    ("pledges.event_dashboard", "GET"): Rule(lambda w: f"{_ev(w)}/pledges", PUBLIC),
    ("pledges.export", "GET"): Rule(lambda w: "/pledges/export.csv", PUBLIC),
    ("pledges.event_export", "GET"): Rule(lambda w: f"{_ev(w)}/pledges/export.csv", PUBLIC),
    ("pledges.pledge_page", "GET"): Rule(lambda w: f"/pledges/{_p(w, 'pledge')}", PUBLIC),
    ("pledges.submit", "GET"): Rule(lambda w: "/pledges/new", SIGNED_IN),
    ("pledges.submit", "POST"): Rule(lambda w: "/pledges/new", SIGNED_IN, data=lambda w: {}),
    ("pledges.mine", "GET"): Rule(lambda w: "/pledges/mine", SIGNED_IN),
    ("pledges.report", "GET"): Rule(lambda w: f"/pledges/{_p(w, 'pledge')}/report", PLEDGE_MANAGE,
                                    note="the submitting account or the organizers"),
    ("pledges.report", "POST"): Rule(lambda w: f"/pledges/{_p(w, 'pledge')}/report", PLEDGE_MANAGE,
                                     data=lambda w: {}),
    # The private link is the credential: whoever holds it may report.
    ("pledges.report_with_link", "GET"): Rule(
        lambda w: f"/pledges/update/{w.objects['update_token']}", PUBLIC),
    ("pledges.report_with_link", "POST"): Rule(
        lambda w: f"/pledges/update/{w.objects['update_token']}", PUBLIC, data=lambda w: {}),
    ("pledges.wall", "GET"): Rule(lambda w: f"{_ev(w)}/pledges/wall", PUBLIC),
    ("pledges.wall_feed", "GET"): Rule(lambda w: f"{_ev(w)}/pledges/wall.json", PUBLIC),

    ("pledges_manage.manage", "GET"): Rule(lambda w: f"{_ev(w)}/pledges/manage", MANAGE),
    ("pledges_manage.manage_unattached", "GET"): Rule(lambda w: "/pledges/manage", ADMIN),
    ("pledges_manage.moderate", "POST"): Rule(
        lambda w: f"/pledges/{_p(w, 'submitted')}/moderate", HIDDEN_MANAGE, data=lambda w: {}),
    ("pledges_manage.edit", "GET"): Rule(lambda w: f"/pledges/{_p(w, 'pledge')}/edit", PLEDGE_MANAGE),
    ("pledges_manage.edit", "POST"): Rule(lambda w: f"/pledges/{_p(w, 'pledge')}/edit",
                                          PLEDGE_MANAGE, data=lambda w: {}),
    ("pledges_manage.send_update_link", "POST"): Rule(
        lambda w: f"/pledges/{_p(w, 'pledge')}/update-link", PLEDGE_MANAGE, data=lambda w: {}),
    ("pledges_manage.revoke_update_link", "POST"): Rule(
        lambda w: f"/pledges/{_p(w, 'other_pledge')}/update-link/revoke", PLEDGE_MANAGE,
        data=lambda w: {}),
    ("pledges_manage.desk", "GET"): Rule(
        lambda w: f"{_ev(w)}/pledges/desk/{w.objects['session'].id}", MANAGE),
    ("pledges_manage.desk_announce", "POST"): Rule(
        lambda w: f"{_ev(w)}/pledges/desk/{w.objects['session'].id}/announce", MANAGE,
        data=lambda w: {}),
    ("pledges_manage.desk_enter", "POST"): Rule(
        lambda w: f"{_ev(w)}/pledges/desk/{w.objects['session'].id}/enter", MANAGE,
        data=lambda w: {}),
    ("pledges_manage.reminders", "POST"): Rule(lambda w: f"{_ev(w)}/pledges/reminders", MANAGE,
                                               data=lambda w: {}),
    ("pledges_manage.reminders_unattached", "POST"): Rule(lambda w: "/pledges/manage/reminders",
                                                          ADMIN, data=lambda w: {}),
    ("pledges_manage.import_csv", "GET"): Rule(lambda w: f"{_ev(w)}/pledges/import", MANAGE),
    ("pledges_manage.import_csv", "POST"): Rule(lambda w: f"{_ev(w)}/pledges/import", MANAGE,
                                                data=lambda w: {}),
    ("pledges_manage.import_unattached", "GET"): Rule(lambda w: "/pledges/import", ADMIN),
    ("pledges_manage.import_unattached", "POST"): Rule(lambda w: "/pledges/import", ADMIN,
                                                       data=lambda w: {}),
    ("pledges_manage.export_all", "GET"): Rule(lambda w: f"{_ev(w)}/pledges/manage/export.csv",
                                               MANAGE),

    ("api_pledges.EventPledges", "GET"): api_rule(lambda w: f"/api/v1{_ev(w)}/pledges", PUBLIC),
    ("api_pledges.EventPledges", "POST"): api_rule(lambda w: f"/api/v1{_ev(w)}/pledges", MANAGE,
                                                   data=lambda w: {}),
    ("api_pledges.Summary", "GET"): api_rule(
        lambda w: f"/api/v1/pledges/summary?event={w.event.slug}", PUBLIC),
    ("api_pledges.PledgeDetail", "GET"): api_rule(lambda w: f"/api/v1/pledges/{_p(w, 'pledge')}",
                                                  PUBLIC),
    ("api_pledges.PledgeDetail", "PATCH"): api_rule(
        lambda w: f"/api/v1/pledges/{_p(w, 'pledge')}", PLEDGE_MANAGE, data=lambda w: {}),
    ("api_pledges.Announce", "POST"): api_rule(
        lambda w: f"/api/v1/pledges/{_p(w, 'to_announce')}/announce", HIDDEN_MANAGE,
        data=lambda w: {"session_id": w.objects["session"].id,
                        "announced_by_id": w.objects["person"].id}),
    ("api_pledges.Moderate", "POST"): api_rule(
        lambda w: f"/api/v1/pledges/{_p(w, 'submitted')}/moderate", HIDDEN_MANAGE,
        data=lambda w: {"action": "not-an-action"}),
}


def extend_world(world) -> None:
    from eventsapp.extensions import db
    from eventsapp.models import (
        FocusArea,
        Pledge,
        PledgeEntity,
        PledgeState,
        PledgeType,
        PledgingEntity,
        utcnow,
    )
    from eventsapp.security import hash_token, new_token

    entity = PledgingEntity(name="Permission Entity", sector="other")
    db.session.add(entity)

    def pledge(state, **kw):
        p = Pledge(title="Permission pledge", type=PledgeType.POLICY, focus_area=FocusArea.ACCESS,
                   state=state, event_id=world.event.id,
                   published_at=utcnow() if state == PledgeState.PUBLISHED else None, **kw)
        p.entities.append(PledgeEntity(entity=entity, is_lead=True))
        db.session.add(p)
        return p

    token = new_token()
    objs = {
        "pledge": pledge(PledgeState.PUBLISHED),
        "other_pledge": pledge(PledgeState.PUBLISHED),
        "submitted": pledge(PledgeState.SUBMITTED),
        "to_announce": pledge(PledgeState.SUBMITTED),
        "linked": pledge(PledgeState.PUBLISHED, update_token_hash=hash_token(token)),
    }
    db.session.commit()
    world.objects.update(objs)
    world.objects["update_token"] = token
