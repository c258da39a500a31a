"""The six UN languages: which one a request gets, the switcher that chooses it, and an
event's title and description in it.

Order of choice (select_locale): the signed-in account's language, else the ``lang``
cookie, else the browser's Accept-Language, else, on a page of an event (a ``slug`` in
the URL), the event's default language, else English. The texts live in gettext
catalogs under eventsapp/translations (README, "Languages"); English msgids are the
English text, so English needs no catalog entry to render.

An event's title and description are written in its default language and may be
translated into the other languages it offers (EventTranslation): ``event_title`` and
``event_description`` give them in the viewer's language when there is a translation,
else as written. Templates use the filters of the same names, mails too (they render
under ``force_locale``, so "the viewer's language" is the recipient's).
"""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    make_response,
    redirect,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError

from .db_tx import use_case
from .extensions import csrf, db
from .security import safe_next

if TYPE_CHECKING:
    from .models import Event, EventTranslation

# Code -> endonym: each language is offered in its own name, so a reader finds theirs
# whatever the page's language. Babel identifiers; "zh" is Simplified Chinese.
LANGUAGES: dict[str, str] = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
DEFAULT_LANGUAGE = "en"
RTL: frozenset[str] = frozenset({"ar"})
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def N_(message: str) -> str:
    """Mark a string for extraction only; it is translated where it is shown."""
    return message


# Labels shown through `_()` at render time (macros/events.html): listed here so the
# extractor, which cannot read a variable, puts them in the catalogs.
EVENT_FORMAT_LABELS = (N_("In person"), N_("Online"), N_("Hybrid (in person and online)"))

babel = Babel()
bp = Blueprint("i18n", __name__)


def valid_language(code: str | None) -> str | None:
    return code if code in LANGUAGES else None


def select_locale() -> str:
    if not has_request_context():
        # Outside a request (CLI, mails sent from the outbox worker) nobody has chosen.
        return DEFAULT_LANGUAGE
    if current_user and current_user.is_authenticated:
        chosen = valid_language(getattr(current_user, "language", None))
        if chosen:
            return chosen
    chosen = valid_language(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    accepted = request.accept_languages.best_match(list(LANGUAGES))
    if accepted:
        return accepted
    return event_language() or DEFAULT_LANGUAGE


def event_language() -> str | None:
    """The default language of the event whose page this is (the URL's ``slug``), if any.

    The event the view loaded (``g.event``) when it is that one, else one small query,
    remembered for the request. No autoflush: the locale may be asked for in the middle
    of a use case, which must not be flushed at that moment."""
    slug = (request.view_args or {}).get("slug")
    if not isinstance(slug, str):
        return None
    known = g.get("_event_language")
    if known is not None and known[0] == slug:
        return known[1]
    event = g.get("event")
    if event is not None and getattr(event, "slug", None) == slug:
        code = event.default_language
    else:
        from .models import Event

        try:
            with db.session.no_autoflush:
                code = db.session.scalar(sa.select(Event.default_language)
                                         .where(Event.slug == slug))
        except SQLAlchemyError:  # a failed transaction (an error page): no event language
            code = None
    code = valid_language(code)
    g._event_language = (slug, code)
    return code


def current_language() -> str:
    locale = get_locale()
    code = locale.language if locale is not None else DEFAULT_LANGUAGE
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def text_direction() -> str:
    return "rtl" if current_language() in RTL else "ltr"


def lang_attrs(code: str | None) -> Markup:
    """`` lang="…" dir="…"`` for an element whose text is in ``code`` when the page is in
    another language (an event's title as written), else nothing."""
    if not code or code == current_language():
        return Markup("")
    return Markup(' lang="%s" dir="%s"') % (escape(code), "rtl" if code in RTL else "ltr")


# ------------------------------------------------------------------ an event's texts

def event_translation(event: Event, locale: str | None = None) -> EventTranslation | None:
    """The event's translation into ``locale`` (default: the current language), if the
    event offers that language and it is not the one the event is written in."""
    code = locale or current_language()
    if code == event.default_language or code not in event.offered_languages:
        return None  # and no query: most pages of most events stop here
    return event.translations.get(code)


def event_title(event: Event, locale: str | None = None) -> str:
    """The event's title in ``locale`` (default: the current language), else as written."""
    found = event_translation(event, locale)
    return found.title if found is not None and found.title else event.title


def event_description(event: Event, locale: str | None = None) -> str:
    """The event's description in ``locale`` (default: the current language), else as
    written."""
    found = event_translation(event, locale)
    return found.description if found is not None and found.description else event.description


def event_title_language(event: Event, locale: str | None = None) -> str:
    """The language of the title ``event_title`` gives (for a ``lang`` attribute)."""
    found = event_translation(event, locale)
    return found.language if found is not None and found.title else event.default_language


def event_description_language(event: Event, locale: str | None = None) -> str:
    """The language of the description ``event_description`` gives."""
    found = event_translation(event, locale)
    return found.language if found is not None and found.description \
        else event.default_language


def _cross_site() -> bool:
    """A POST sent by another site's page (Fetch Metadata, else the Origin header)."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    return bool(origin) and origin != "null" and urlsplit(origin).netloc != request.host


@bp.route("/language", methods=["POST"])
@csrf.exempt  # checked below: a token only where a session exists (see the docstring)
def set_language() -> ResponseReturnValue:
    """Remember the chosen language (cookie, and the account when signed in); no JS needed.

    An anonymous visitor has no session, and a CSRF token in every page's switcher would
    give each one a session cookie (and pages that differ per visitor). So anonymous
    requests are checked by origin only; a signed-in one, which writes to the account,
    must also carry the session's CSRF token (base.html adds it when signed in).
    """
    if _cross_site():
        abort(403, description=gettext("The language can only be changed from this site."))
    if current_user.is_authenticated and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    code = valid_language(request.form.get("lang"))
    if code is None:
        # A tampered or stale form: say so plainly rather than guess a language.
        abort(400, description=gettext("Unknown language."))
    if current_user.is_authenticated:
        remember_language(current_user.id, code)
    back = safe_next(request.form.get("next"), url_for("events.home"))
    resp = make_response(redirect(back))
    resp.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax",
                    secure=request.is_secure)
    return resp


@use_case
def remember_language(user_id: int, code: str) -> None:
    """Store the account's language (one use case: the view never commits)."""
    from .models import User

    user = db.session.get(User, user_id)
    if user is not None:
        user.language = code


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT_LANGUAGE)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(current_language=current_language, text_direction=text_direction,
                                 LANGUAGES=LANGUAGES)
    app.jinja_env.filters.update(event_title=event_title, event_description=event_description,
                                 title_lang=event_title_language,
                                 description_lang=event_description_language,
                                 lang_attrs=lang_attrs)

    @app.after_request
    def vary_on_language(response):
        # Pages differ by cookie and Accept-Language: shared caches must not mix them.
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
