"""The six UN languages: catalogs complete, compiled, chosen per request, Arabic right to left.

The catalog checks are the CI gate of the issue: every string the code marks for
translation (babel.cfg, read with Babel's own API, as `pybabel extract` reads it) is in
each non-English catalog, translated, not fuzzy, with matching placeholders.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from eventsapp.i18n import LANGUAGES, RTL
from eventsapp.models import User

from .conftest import login
from .support.i18n import ensure_compiled

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "eventsapp" / "translations"
TRANSLATED = sorted(set(LANGUAGES) - {"en"})


def _catalog(lang: str) -> Catalog:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _code_messages() -> dict[str | tuple[str, ...], str]:
    """msgid -> where it is, for every marked string the code holds now (in memory)."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f, filename="babel.cfg")
    # Only the folders babel.cfg names: not node_modules, .venv or the tests.
    tops = {pattern.split("/", 1)[0] for pattern, _ in method_map}

    def walk_into(dirpath: str) -> bool:
        rel = os.path.relpath(dirpath, ROOT)
        return rel == "." or rel.split(os.sep, 1)[0] in tops

    found: dict[str | tuple[str, ...], str] = {}
    # lazy_gettext (imported as _l) marks form labels and other texts defined at import.
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords, directory_filter=walk_into):
        msgid = message if isinstance(message, str) else tuple(message)
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    ensure_compiled()  # the app reads .mo files, built by bin/test and bin/run, not committed


# ------------------------------------------------------------------ the catalogs

def test_a_catalog_per_language():
    assert set(LANGUAGES) == {"ar", "en", "es", "fr", "ru", "zh"}
    for lang in LANGUAGES:
        assert (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").is_file(), lang


def test_the_code_marks_strings_and_finds_them_all():
    found = _code_messages()
    # A few known ones from Python (nav), templates (base, home, errors) and N_ markers.
    for msgid in ("Pledges", "Skip to content", "No upcoming events yet.", "Not found", "Online"):
        assert msgid in found, msgid


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_translates_every_string_of_the_code(lang):
    catalog = _catalog(lang)
    problems = []
    for msgid, where in _code_messages().items():
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"missing ({where}): {msgid!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(f"needs {catalog.num_plurals} plural forms: {msgid!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {msgid!r}")
    assert not problems, (f"{lang}: run pybabel extract/update (README, Languages) and translate:\n"
                          + "\n".join(problems))


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalog_is_not_fuzzy_and_placeholders_match(lang):
    catalog = _catalog(lang)
    assert not catalog.fuzzy, f"{lang}: the catalog header is marked fuzzy"
    # Babel's checkers: python-format placeholders (%(status)s) the same as in the msgid.
    errors = [(msg.id, [str(e) for e in errs]) for msg, errs in catalog.check()]
    assert not errors, errors


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalogs_compile(lang):
    buf = io.BytesIO()
    write_mo(buf, _catalog(lang))
    assert len(buf.getvalue()) > 100


def test_english_catalog_is_the_source_text():
    # English msgids are the English text; the en catalog repeats them (msgstr = msgid).
    for entry in _catalog("en"):
        if entry.id:
            assert entry.string == entry.id, entry.id


# ------------------------------------------------------------------ pages

def _html_tag(text: str) -> str:
    match = re.search(r"<html[^>]*>", text)
    assert match, text[:200]
    return match.group(0)


def _t(lang: str, msgid: str) -> str:
    return _catalog(lang).get(msgid).string


def test_english_home_page_is_unchanged(client):
    text = client.get("/").get_data(as_text=True)
    tag = _html_tag(text)
    assert 'lang="en"' in tag and 'dir="ltr"' in tag
    for english in ("<h1>Events</h1>", "Upcoming", "No upcoming events yet.", "Past",
                    "No past events.", "Sign in", "Sign up", "Skip to content",
                    "roundtables, annual meetings and the pledges made there."):
        assert english in text, english


def test_arabic_home_page_is_right_to_left_with_arabic_text(client):
    text = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    tag = _html_tag(text)
    assert 'lang="ar"' in tag and 'dir="rtl"' in tag
    assert f"<h1>{_t('ar', 'Events')}</h1>" in text
    assert _t("ar", "No upcoming events yet.") in text
    assert "No upcoming events yet." not in text
    assert RTL == {"ar"}


def test_accept_language_french(client):
    resp = client.get("/", headers={"Accept-Language": "de-CH, fr;q=0.8, en;q=0.5"})
    text = resp.get_data(as_text=True)
    assert 'lang="fr"' in _html_tag(text)
    assert f"<h1>{_t('fr', 'Events')}</h1>" in text and _t("fr", "Sign in") in text
    assert "Accept-Language" in resp.headers["Vary"]  # caches keep the languages apart


def test_chinese_region_tag_and_unknown_languages(client):
    assert 'lang="zh"' in _html_tag(client.get(
        "/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True))
    # Nothing of the six: English.
    assert 'lang="en"' in _html_tag(client.get(
        "/", headers={"Accept-Language": "de, ja"}).get_data(as_text=True))


def test_switcher_is_on_every_page(client):
    for path, status in (("/", 200), ("/no-such-page", 404)):
        resp = client.get(path)
        assert resp.status_code == status
        text = resp.get_data(as_text=True)
        form = re.search(r'<form class="lang-switch" method="post" action="/language">.*?</form>',
                         text, re.S)
        assert form, path
        html = form.group(0)
        # Anonymous: no token, so no session cookie on every page (i18n.set_language).
        assert 'name="csrf_token"' not in html and '<label for="lang-select">' in html
        assert "Set-Cookie" not in resp.headers
        assert 'type="submit"' in html
        for code, name in LANGUAGES.items():
            assert f'<option value="{code}" lang="{code}"' in html and name in html


def test_switcher_sets_the_cookie_and_goes_back(client):
    resp = client.post("/language", data={"lang": "es", "next": "/events/x?y=1"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/events/x?y=1"
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;") and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    # The cookie beats Accept-Language.
    text = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="es"' in _html_tag(text) and _t("es", "No upcoming events yet.") in text


def test_switcher_refuses_an_unsafe_next(client):
    resp = client.post("/language", data={"lang": "ru", "next": "//evil.example/"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


@pytest.mark.parametrize("data", [{"lang": "xx"}, {"lang": ""}, {}, {"lang": "EN"},
                                  {"lang": "a" * 500}])
def test_switcher_refuses_unknown_codes_clearly(client, data):
    resp = client.post("/language", data=data)
    assert resp.status_code == 400
    assert "Unknown language." in resp.get_data(as_text=True)
    assert "lang=" not in resp.headers.get("Set-Cookie", "")


def test_account_remembers_the_language_and_beats_the_cookie(app, client, make_user, db):
    user = make_user()
    login(client, user)
    resp = client.post("/language", data={"lang": "ru", "next": "/"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.language).where(User.id == user.id)) == "ru"
    # Another browser, with another cookie: the account's choice wins, nav labels included.
    other = app.test_client()
    login(other, user)
    other.set_cookie("lang", "fr")
    text = other.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'lang="ru"' in _html_tag(text)
    assert _t("ru", "My schedule") in text and _t("ru", "Sign out") in text


def test_switcher_of_a_signed_in_page_carries_the_csrf_token(client, make_user):
    login(client, make_user())
    text = client.get("/").get_data(as_text=True)
    form = re.search(r'<form class="lang-switch".*?</form>', text, re.S).group(0)
    assert 'name="csrf_token"' in form


def test_signed_in_switch_needs_the_csrf_token(app_config, make_user):
    from eventsapp import create_app
    from eventsapp.extensions import db as _db

    from .conftest import FreshContextClient

    app_config.update(WTF_CSRF_ENABLED=True)
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        user = make_user()
        client = app.test_client()
        login(client, user)
        resp = client.post("/language", data={"lang": "fr", "next": "/"})
        assert resp.status_code == 400 and "lang=" not in resp.headers.get("Set-Cookie", "")
        _db.session.expire_all()
        assert _db.session.get(User, user.id).language is None
        # With the token from the page, it works.
        page = client.get("/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        resp = client.post("/language", data={"lang": "fr", "next": "/", "csrf_token": token})
        assert resp.status_code == 302
        _db.session.expire_all()
        assert _db.session.get(User, user.id).language == "fr"
        # Anonymous in another browser: no token needed (nothing but its own cookie changes).
        assert app.test_client().post("/language", data={"lang": "ar"}).status_code == 302


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "https://evil.example"}])
def test_switcher_refuses_other_sites(client, headers):
    resp = client.post("/language", data={"lang": "fr", "next": "/"}, headers=headers)
    assert resp.status_code == 403
    assert "lang=" not in resp.headers.get("Set-Cookie", "")


def test_switcher_accepts_this_site(client):
    resp = client.post("/language", data={"lang": "fr", "next": "/"},
                       headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert resp.status_code == 302


def test_signed_out_pages_ignore_a_forged_cookie(client):
    client.set_cookie("lang", "<script>")
    assert 'lang="en"' in _html_tag(client.get("/").get_data(as_text=True))


def test_stylesheets_use_logical_properties():
    # Physical sides do not mirror in Arabic; the layout uses inline-start/end instead.
    physical = re.compile(r"(?:margin|padding|border)-(?:left|right)\s*:|text-align:\s*(?:left|right)"
                          r"|float:\s*(?:left|right)|(?<![-\w])(?:left|right)\s*:")
    for css in sorted((ROOT / "static" / "css").glob("*.css")):
        hits = [line for line in css.read_text().splitlines() if physical.search(line)]
        assert not hits, (css.name, hits)
