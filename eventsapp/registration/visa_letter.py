"""The letter of invitation for a visa as a PDF: an A4 page on the event's letterhead.

Drawn with the badges' PDF painter (``badges.render_pdf.PdfPainter``): each line is
split into runs of one script and direction (``badges.design.visual_runs``), each run
in its script's embedded Noto font, Arabic shaped by HarfBuzz. So the registrant's name
prints in its own script whatever the letter's language, and an Arabic letter reads
right to left, aligned right.

``letter_data`` gathers the words in the registrant's language; ``letter_pdf`` only
draws them (tested without a request).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..badges.design import INK, MUTED, fit_text, place_line
from ..badges.render_pdf import PdfPainter
from ..countries import country_name
from ..i18n import event_title
from ..models import Event, Registration, VisaLetterRequest
from ..timefmt import format_date_range
from .mails import registrant_language

RTL_LANGUAGES = frozenset({"ar"})
ACCENT = "#1d5fb4"


@dataclass(frozen=True)
class LetterData:
    """Everything printed on a letter, as plain values in the letter's language."""

    language: str
    event_title: str
    organizer: str
    venue: str
    dates: str
    issued: str
    heading: str
    addressee: str
    paragraphs: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]  # (label, value)
    signatory_name: str
    signatory_title: str
    document_title: str

    @property
    def rtl(self) -> bool:
        return self.language in RTL_LANGUAGES


def _day(value: date | datetime | None, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format="long", locale=language)


def letter_data(req: VisaLetterRequest, reg: Registration, event: Event) -> LetterData:
    """The letter of an approved request, in the registrant's language."""
    language = registrant_language(reg)
    venue = place_line(event.venue_name, event.city, country_name(event.country, language)
                       if event.country else "")
    dates = format_date_range(event.starts_at, event.ends_at, event.timezone, lang=language)
    with force_locale(language):
        title = event_title(event, language)
        organizer = event.visa_organizer or title
        facts = [(_("Name"), reg.name),
                 (_("Nationality"), country_name(req.nationality, language)),
                 (_("Date of birth"), _day(req.date_of_birth, language)),
                 (_("Passport number"), req.passport_number)]
        if req.passport_expires_on:
            facts.append((_("Passport valid until"), _day(req.passport_expires_on, language)))
        paragraphs = (
            _("We are pleased to invite the person named below to take part in person in "
              "%(event)s, held at %(venue)s, %(dates)s.", event=title, venue=venue, dates=dates),
            _("%(organizer)s confirms that this person is registered to attend. We kindly ask "
              "you to grant them the visa they need to travel to the event.",
              organizer=organizer),
            _("This letter does not commit the organizers to paying any cost of travel, "
              "accommodation or stay."),
        )
        return LetterData(
            language=language, event_title=title, organizer=organizer, venue=venue,
            dates=dates, issued=_day(req.decided_at or req.requested_at, language),
            heading=_("Letter of invitation"),
            addressee=_("To the consulate, to whom it may concern,"),
            paragraphs=paragraphs, facts=tuple(facts),
            signatory_name=event.visa_signatory_name, signatory_title=event.visa_signatory_title,
            document_title=_("Letter of invitation: %(name)s", name=reg.name))


def letter_pdf(data: LetterData) -> bytes:
    """One A4 page: letterhead, date, addressee, heading, the text, the person's facts,
    a signature line with the signatory's name and title."""
    buf = io.BytesIO()
    pw, ph = A4
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(data.document_title)
    c.setAuthor(data.organizer)
    p = PdfPainter(c, ph)
    margin = 22 * mm
    width = pw - 2 * margin
    # The reading edge: the right margin for a right-to-left letter.
    edge, align = (pw - margin, "right") if data.rtl else (margin, "left")

    def lines(text: str, size: float, top: float, *, bold: bool = False,
              colour: str = INK, centre: bool = False, leading: float = 1.45) -> float:
        _size, wrapped = fit_text(p, text, bold, width, (size, size), 40)
        for line in wrapped:
            top += size * leading
            if centre:
                p.text(pw / 2, top, line, bold, size, colour, "center")
            else:
                p.text(edge, top, line, bold, size, colour, align)
        return top

    # Letterhead: the event and its organizer, a rule under them.
    p.rect(0, 0, pw, 6 * mm, ACCENT)
    top = lines(data.event_title, 17, 14 * mm, bold=True, centre=True, leading=1.3)
    if data.organizer != data.event_title:
        top = lines(data.organizer, 12, top, centre=True)
    top = lines(" \u00b7 ".join(s for s in (data.venue, data.dates) if s), 10, top,
                colour=MUTED, centre=True)
    top += 5 * mm
    p.rect(margin, top, width, 0.6, ACCENT)
    top += 6 * mm

    top = lines(data.issued, 10.5, top)
    top += 4 * mm
    top = lines(data.addressee, 11, top)
    top += 4 * mm
    top = lines(data.heading, 14, top, bold=True)
    top += 2 * mm
    top = lines(data.paragraphs[0], 11, top)
    top += 3 * mm
    label_width = max(p.measure(label, True, 11) for label, _v in data.facts) + 6 * mm
    for label, value in data.facts:
        top += 11 * 1.6
        if data.rtl:
            p.text(edge, top, label, True, 11, INK, "right")
            p.text(edge - label_width, top, value, False, 11, INK, "right")
        else:
            p.text(edge, top, label, True, 11, INK, "left")
            p.text(edge + label_width, top, value, False, 11, INK, "left")
    top += 5 * mm
    for para in data.paragraphs[1:]:
        top = lines(para, 11, top)
        top += 3 * mm

    # Signature: a line to sign on, the signatory's name and title under it.
    top += 22 * mm
    line_w = 70 * mm
    p.rect(edge - line_w if data.rtl else edge, top, line_w, 0.8, INK)
    top += 1 * mm
    if data.signatory_name:
        top = lines(data.signatory_name, 11, top, bold=True)
    if data.signatory_title:
        top = lines(data.signatory_title, 10.5, top, colour=MUTED)
    lines(data.organizer, 10.5, top, colour=MUTED)
    c.showPage()
    c.save()
    return buf.getvalue()
