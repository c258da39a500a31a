"""marshmallow's and webargs' own English messages, in the reader's language.

Every field message leaves through ``inputs.flatten``, which passes each through
``library_message``: a message of the library's own ("Missing data for required field.",
"Length must be between 1 and 5.") comes out translated, values and all; the app's own
messages are already translated and pass as they are.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

from .i18n import N_

# marshmallow's and webargs' own messages (fields' default_error_messages, validators'
# defaults, Schema's, webargs' "Invalid JSON body."), as whole sentences, with the values
# they are formatted with as %(name)s. Words marshmallow puts in ("datetime", "greater
# than or equal to") are written out in each sentence, so every language translates a
# whole sentence. tests/test_english_left.py checks that the list covers every default
# message of the installed marshmallow (an upgrade that adds one fails there).
LIBRARY_MESSAGES: tuple[str, ...] = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Invalid input."),
    N_("Invalid JSON body."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid UUID."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid integer."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_('"%(input)s" cannot be formatted as a datetime.'),
    N_('"%(input)s" cannot be formatted as a date.'),
    N_('"%(input)s" cannot be formatted as a time.'),
    N_("Not a valid period of time."),
    N_("%(input)s cannot be formatted as a timedelta."),
    N_("Not a valid mapping type."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("Not a valid IP address."),
    N_("Not a valid IPv4 address."),
    N_("Not a valid IPv6 address."),
    N_("Not a valid IP interface."),
    N_("Not a valid IPv4 interface."),
    N_("Not a valid IPv6 interface."),
    N_("Must be one of: %(choices)s."),
    N_("One or more of the choices you made was in: %(values)s."),
    N_("One or more of the choices you made was not in: %(choices)s."),
    N_("Must be equal to %(other)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be greater than %(min)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Must be less than %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than %(max)s."),
    N_("Must be greater than %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than %(min)s and less than %(max)s."),
    N_("String does not match expected pattern."),
)
_PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)s")


def _pattern(msgid: str) -> re.Pattern[str]:
    """The English message as formatted by the library, its values captured by name."""
    return re.compile(_PLACEHOLDER.sub(lambda m: f"(?P<{m.group(1)}>.+?)", re.escape(msgid)),
                      re.DOTALL)


_LIBRARY_EXACT = frozenset(m for m in LIBRARY_MESSAGES if "%(" not in m)
# Most literal text first: "Must be greater than or equal to 1." is not "greater than"
# with the value "or equal to 1".
_LIBRARY_PATTERNS = tuple((m, _pattern(m)) for m in sorted(
    (m for m in LIBRARY_MESSAGES if "%(" in m),
    key=lambda m: -len(re.sub(r"%\(\w+\)s", "", m))))


def library_message(text: str) -> str:
    """``text`` in the reader's language when it is one of marshmallow's or webargs' own
    English messages (``LIBRARY_MESSAGES``); any other message is returned as it is."""
    if text in _LIBRARY_EXACT:
        return _(text)
    for msgid, pattern in _LIBRARY_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return _(msgid, **match.groupdict())
    return text
