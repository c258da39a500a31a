"""Forms of the check-in desk and the organizer's badge page."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..models import Category


class ScanForm(FlaskForm):
    """The desk's one field: a handheld scanner types the code and Enter into it."""

    code = StringField("Badge code", validators=[Optional(), Length(max=2000)])


def _category_choices() -> list[tuple[str, str]]:
    return [("", "All categories")] + Category.choices()


class PrintForm(FlaskForm):
    # No Optional(): "" is a choice already, and Optional() on a blank-but-present value
    # (" ") clears the choice check's error, so the view got a value no Category has (500).
    # A form sent without the field means "all categories" (the default).
    category = SelectField("Category", choices=_category_choices, default="")
    per_page = RadioField("Badges per A4 page",
                          choices=[("1", "1 (large)"), ("4", "4 (A6, 105 × 148 mm)"),
                                   ("8", "8 (105 × 74 mm)")],
                          default="4", validators=[InputRequired()])
    not_printed = BooleanField("Only badges not printed yet", default=True)
    mark_printed = BooleanField("Mark these badges as printed", default=True)


class ReissueForm(FlaskForm):
    """Only the CSRF token: re-issue is a button."""
