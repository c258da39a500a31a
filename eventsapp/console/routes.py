"""The organizer's console: one page per event, assembled from feature panels."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from ..auth import services as auth_services
from ..auth.forms import EmptyForm
from ..confirm import ask_first
from ..errors import DomainError
from ..extensions import db
from ..forms_util import apply_errors, form_input
from ..inputs import load
from ..models import Event, EventRole
from ..permissions import Need, event_required
from .forms import GrantRoleForm
from .panels import Panel, panels
from .schemas import TeamGrantSchema
from .services import key_numbers

bp = Blueprint("console", __name__, url_prefix="/events/<slug>/console")


def _render(event: Event, role_form: GrantRoleForm | None = None, status: int = 200):
    team = list(db.session.scalars(sa.select(EventRole).where(EventRole.event_id == event.id)
                                   .options(joinedload(EventRole.user))
                                   .order_by(EventRole.role, EventRole.id)))
    rendered = [(p, _render_panel(p, event)) for p in panels()]
    return render_template("console/console.html", event=event, numbers=key_numbers(event),
                           panels=rendered, team=team, role_form=role_form or GrantRoleForm(),
                           remove_form=EmptyForm()), status


def _render_panel(panel: Panel, event: Event) -> Markup:
    """A feature's panel, rendered with ``event`` and its context keys (also as ``ctx``)."""
    ctx = panel.context(event)
    return Markup(render_template(panel.template, **{**ctx, "event": event, "ctx": ctx}))


@bp.route("/")
@event_required(Need.MANAGE)
def console(event: Event):
    return _render(event)


@bp.route("/team", methods=["POST"])
@event_required(Need.MANAGE)
def add_team_member(event: Event):
    form = GrantRoleForm()
    if form.validate_on_submit():
        try:
            data = load(TeamGrantSchema(), form_input(TeamGrantSchema()))
            auth_services.grant_event_role(event, data["email"], data["role"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Added to the event's team."), "success")
            return redirect(url_for("console.console", slug=event.slug) + "#team")
    return _render(event, role_form=form, status=422)


@bp.route("/team/<int:role_id>/remove", methods=["POST"])
@event_required(Need.MANAGE)
def remove_team_member(event: Event, role_id: int):
    if EmptyForm().validate_on_submit():
        grant = auth_services.event_role_of(event, role_id)
        page = ask_first(
            _("Remove %(name)s from the team?", name=grant.user.name),
            [_("%(name)s can no longer act on %(event)s as %(role)s.", name=grant.user.name,
               event=event.title, role=grant.role.label.lower()),
             _("You can add them again later.")],
            _("Remove"), url_for("console.console", slug=event.slug) + "#team", event=event)
        if page is not None:
            return page
        auth_services.revoke_event_role(event, role_id)
        flash(_("Removed from the event's team."), "info")
    return redirect(url_for("console.console", slug=event.slug) + "#team")
