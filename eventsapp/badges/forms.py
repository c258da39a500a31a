"""Forms of the check-in desk and the organizer's badge page: rendering and the CSRF
token. ``schemas.py`` decides what is valid (the views load the posted form through it)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField

from ..models import Category
from .schemas import PerPage


class ScanForm(FlaskForm):
    """The desk's one field: a handheld scanner types the code and Enter into it."""

    code = StringField(_l("Badge code"))


def _category_choices() -> list[tuple[str, str]]:
    return [("", _l("All categories"))] + Category.choices()


class PrintForm(FlaskForm):
    # The choices are for display; PrintSchema decides what is valid ("" is all).
    category = SelectField(_l("Category"), choices=_category_choices, default="",
                           validate_choice=False)
    per_page = RadioField(_l("Badges per A4 page"), choices=PerPage.choices(), default="4",
                          validate_choice=False)
    not_printed = BooleanField(_l("Only badges not printed yet"), default=True)
    mark_printed = BooleanField(_l("Mark these badges as printed"), default=True)


class ReissueForm(FlaskForm):
    """Only the CSRF token: re-issue is a button."""
