"""Lists, counts and USD amounts in the viewer's language (Babel/CLDR), and their filters.

Two kinds of list:
- ``format_items``: like items, CLDR's "standard" list ("Rwanda, Kenya and Uganda",
  "رواندا وكينيا وأوغندا", "卢旺达、肯尼亚和乌干达");
- ``format_parts``: the parts of one thing, with no conjunction (an address, "position,
  organization"): "Centre, Kigali, Rwanda", "مركز، كيغالي، رواندا".

Pages show Latin digits in every language, Arabic included: that is what Babel's "ar"
locale writes (CLDR's default numbering system for "ar" is "latn"), and the scripts ask
the browser for the same ("-u-nu-latn", static/js), so a page never mixes digit systems.

Mixed directions: an item written in the other direction than the page's (a Latin name
on an Arabic page) is isolated (<bdi> in HTML, U+2068/U+2069 in text), so the separators
and the order of the items follow the page; amounts are isolated on right-to-left pages.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_compact_currency, format_decimal, get_currency_symbol
from flask import Flask
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from .i18n import RTL
from .timefmt import _lang, format_usd

# The separator of the parts of one thing. CLDR has no conjunction-free list in every
# language: its Arabic lists all join with "و" (and), and Chinese's "、" is the
# enumeration comma of like items; parts take the script's comma. Elsewhere CLDR's own
# list separator (its "standard" middle pattern: ", " in en, fr, es, ru).
_PART_SEPARATORS = {"ar": "\u060c ", "zh": "\uff0c"}
# The app's English is British (UN) English, as its dates are ("7 June 2022"): lists
# without the serial comma of CLDR's "en" (US), "a, b and c".
_LIST_LOCALES = {"en": "en_GB"}
_FSI, _PDI = "\u2068", "\u2069"
# Placeholders for the items while Babel joins them (private-use characters: never in
# a name, untouched by escaping), so that only the items are escaped and isolated.
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"


def _language(lang: str | None) -> str:
    return lang or _lang()


def _present(items: Iterable) -> list:
    return [item for item in items if item is not None and str(item).strip()]


def part_separator(lang: str | None = None) -> str:
    """The separator of an address's or a title's parts in ``lang`` (else the viewer's)."""
    lang = _language(lang)
    if lang in _PART_SEPARATORS:
        return _PART_SEPARATORS[lang]
    middle = str(Locale.parse(lang).list_patterns["standard"]["middle"])
    return middle.replace("{0}", "").replace("{1}", "")


def _join(texts: list[str], style: str, lang: str) -> str:
    if style == "parts":
        return part_separator(lang).join(texts)
    return format_list(texts, style="standard", locale=_LIST_LOCALES.get(lang, lang))


def _strong_direction(text: str) -> set[str]:
    out = set()
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi == "L":
            out.add("ltr")
        elif bidi in ("R", "AL"):
            out.add("rtl")
    return out


def _foreign(text: str, lang: str) -> bool:
    """Whether ``text`` has letters written against the direction of ``lang``."""
    page = "rtl" if lang in RTL else "ltr"
    return bool(_strong_direction(text) - {page})


def _format(items: Iterable, style: str, lang: str | None, isolate: bool) -> str:
    lang = _language(lang)
    texts = [str(item) for item in _present(items)]
    if isolate:
        texts = [f"{_FSI}{t}{_PDI}" if _foreign(t, lang) else t for t in texts]
    return _join(texts, style, lang)


def format_items(items: Iterable, lang: str | None = None, *, isolate: bool = True) -> str:
    """Like items as the locale lists them: 'a, b and c' (empty items are left out)."""
    return _format(items, "items", lang, isolate)


def format_parts(items: Iterable, lang: str | None = None, *, isolate: bool = True) -> str:
    """The parts of one thing, 'a, b, c', with the locale's separator and no conjunction.
    ``isolate=False`` for renderers that do their own bidi (badges)."""
    return _format(items, "parts", lang, isolate)


def _html(items: Iterable, style: str) -> Markup:
    """The list as HTML: each item escaped, and in <bdi> when written the other way."""
    lang = _language(None)
    rendered = []
    for item in _present(items):
        html = escape(item)
        rendered.append(Markup("<bdi>{}</bdi>").format(html)
                        if _foreign(Markup(html).striptags(), lang) else html)
    marks = [f"{_MARK_OPEN}{i}{_MARK_CLOSE}" for i in range(len(rendered))]
    joined = str(escape(_join(marks, style, lang)))
    for i, html in enumerate(rendered):
        joined = joined.replace(marks[i], str(html))
    return Markup(joined)


def _list_filter(style: str) -> Callable[[EvalContext, Iterable], str]:
    @pass_eval_context
    def list_filter(eval_ctx: EvalContext, items: Iterable) -> str:
        if eval_ctx.autoescape:
            return _html(items, style)
        return _format(items, style, None, True)
    return list_filter


def format_number(value: int | Decimal | None, lang: str | None = None) -> str:
    """A count with the locale's grouping: '1,234', '1 234', '1.234'."""
    return format_decimal(value or 0, locale=_language(lang))


def format_usd_short(amount: Decimal | int | None, lang: str | None = None) -> str:
    """A compact amount from a million up: 'USD 7.8 bn' (English, the app's own form),
    '7,8 Md $US', 'US$78亿', '7.8 مليار US$'; smaller amounts in full (format_usd)."""
    a = Decimal(amount or 0)
    lang = _language(lang)
    if a < Decimal(10) ** 6:
        return format_usd(a, lang=lang)
    if lang == "en":
        for size, suffix in ((Decimal(10) ** 9, "bn"), (Decimal(10) ** 6, "m")):
            if a >= size:
                return f"USD {(a / size).quantize(Decimal('0.1'))} {suffix}"
    text = format_compact_currency(a, "USD", locale=lang, fraction_digits=1)
    # CLDR's Spanish "0 M¤" is written for a sign like "€"; a symbol that starts with a
    # letter is kept apart from the abbreviation, as the browser (ICU) does: "250 M US$".
    symbol = re.escape(get_currency_symbol("USD", locale=lang))
    return re.sub(rf"(?<=[^\W\d_])(?={symbol})", "\u00a0", text)


def _isolated_amount(text: str) -> Markup:
    if _language(None) in RTL:
        return Markup("<bdi>{}</bdi>").format(text)
    return Markup(escape(text))


@pass_eval_context
def usd_filter(eval_ctx: EvalContext, amount: Decimal | int | None, places: int = 0) -> str:
    """The ``usd`` filter: the full amount; isolated on right-to-left pages."""
    text = format_usd(amount, places)
    return _isolated_amount(text) if eval_ctx.autoescape and text else text


@pass_eval_context
def usd_short_filter(eval_ctx: EvalContext, amount: Decimal | int | None) -> str:
    """The ``usd_short`` filter: the compact amount; isolated on right-to-left pages."""
    text = format_usd_short(amount)
    return _isolated_amount(text) if eval_ctx.autoescape else text


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        list_items=_list_filter("items"), list_parts=_list_filter("parts"),
        number=format_number, usd=usd_filter, usd_short=usd_short_filter)
