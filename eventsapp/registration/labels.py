"""Words for stored codes the organizer's pages show: a mail's kind (the outbox), a
registration's source (its detail page). Template filters ``mail_kind`` and
``registration_source``; a code without a label (a kind added later) shows as stored.
Also ``file_size``: a document's size in the reader's language (CLDR units)."""
from __future__ import annotations

from babel.units import format_unit
from flask_babel import gettext

from ..i18n import N_, current_language
from .blueprint import bp

MAIL_KINDS = {
    "registration_confirmation": N_("Registration confirmed"),
    "registration_waitlisted": N_("Put on the waiting list"),
    "registration_promoted": N_("Place given from the waiting list"),
    "registration_offered": N_("Place offered"),
    "registration_offer_expired": N_("Offer expired"),
    "registration_pending": N_("Awaiting approval"),
    "registration_approved": N_("Registration approved"),
    "registration_declined": N_("Registration declined"),
    "registration_cancelled": N_("Registration cancelled"),
    "registration_modality_changed": N_("Modality changed"),
    "registration_manage_link": N_("Manage link sent again"),
    "registration_links_replaced": N_("Links replaced after a leak"),
    "registration_visa_approved": N_("Visa letter ready"),
    "registration_visa_declined": N_("Visa letter declined"),
    "focal_point_designated": N_("Made a focal point"),
    "organizer_message": N_("Message from the organizers"),
    "organizer_message_test": N_("Test of a message to registrants"),
    "badge_reissued": N_("Badge re-issued"),
    "online_links": N_("Online session links"),
}

SOURCES = {
    "form": N_("Registration form"),
    "api": N_("API"),
    "organizer": N_("Added by an organizer"),
    "focal_point": N_("Added by a focal point"),
    "demo": N_("Demo data"),
}


@bp.app_template_filter("mail_kind")
def mail_kind(kind: str) -> str:
    """A mail's kind in the reader's language."""
    label = MAIL_KINDS.get(kind)
    return gettext(label) if label else kind


@bp.app_template_filter("registration_source")
def registration_source(source: str) -> str:
    """Where a registration came from, in the reader's language."""
    label = SOURCES.get(source)
    return gettext(label) if label else source


@bp.app_template_filter("file_size")
def file_size(size: int | None) -> str:
    """'142 bytes', '1.5 MB', '1,5 Mo', '1.5 م.ب': bytes below a kilobyte, then kB, then MB."""
    value = float(size or 0)
    lang = current_language()
    for unit in ("digital-byte", "digital-kilobyte"):
        if value < 1000:
            return format_unit(value, unit, length="short", locale=lang, format="#,##0.#")
        value /= 1000
    return format_unit(value, "digital-megabyte", length="short", locale=lang, format="#,##0.#")
