"""eventsapp.countries: names in, ISO 3166-1 alpha-2 codes stored, names out; regions and
least developed countries as defined sets of codes."""
from __future__ import annotations

import pycountry
import pytest

from eventsapp import countries


@pytest.mark.parametrize("typed, code", [
    ("Rwanda", "RW"), ("rw", "RW"), ("RWA", "RW"), ("  rwanda ", "RW"),
    ("Côte d'Ivoire", "CI"), ("Cote d’Ivoire", "CI"), ("Ivory Coast", "CI"),
    ("United States", "US"), ("USA", "US"), ("Türkiye", "TR"), ("turkiye", "TR"),
    ("The Gambia", "GM"), ("São Tomé and Príncipe", "ST"),
    # The UN's "Name (qualifier)" spelling, as ITU lists its Member States.
    ("Korea (Republic of)", "KR"), ("Iran (Islamic Republic of)", "IR"),
    ("Bolivia (Plurinational State of)", "BO"), ("Lao PDR", "LA"),
    ("Democratic Republic of the Congo", "CD"), ("", ""), (None, ""),
])
def test_to_code(typed, code):
    assert countries.to_code(typed) == code


@pytest.mark.parametrize("typed", ["Atlantis", "XX", "Korea (of)", "()", "Europe"])
def test_unknown_country_is_refused_with_a_hint(typed):
    with pytest.raises(countries.UnknownCountry, match="ISO 3166 code"):
        countries.to_code(typed)


def test_names_out():
    assert countries.country_name("RW") == "Rwanda"
    assert countries.country_name("CD") == "Democratic Republic of the Congo"
    assert countries.country_name("") == ""
    assert countries.country_name("Atlantis") == "Atlantis"  # a value from before codes
    assert countries.country_name("CH", "fr") == "Suisse"


def test_every_name_in_the_region_and_ldc_lists_resolves():
    listed = [n for names in countries._ITU_D_REGIONS.values() for n in names]
    unknown = []
    for name in [*listed, *countries._LDC_NAMES]:
        try:
            countries.to_code(name)
        except countries.UnknownCountry:
            unknown.append(name)
    assert unknown == []
    codes = [countries.to_code(n) for n in listed]
    assert len(codes) == len(set(codes)), "a country is listed twice (or two names are one)"
    assert len(countries._region_by_code()) == 195


def test_every_iso_country_has_a_region_or_is_knowingly_outside():
    iso = {c.alpha_2 for c in pycountry.countries}
    in_regions = set(countries._region_by_code())
    assert iso - in_regions == countries.OUTSIDE_ITU_D_REGIONS
    assert in_regions <= iso


def test_region_of_and_countries_in():
    assert countries.region_of("RW") == "africa"
    assert countries.region_of("rw") == "africa"
    assert countries.region_of("KR") == "asia_pacific"
    assert countries.region_of("CH") == "europe"
    assert countries.region_of("RU") == "cis"
    assert countries.region_of("TW") == "" and countries.region_of("") == ""
    assert countries.region_of(None) == ""
    cis = countries.countries_in("cis")
    assert len(cis) == 9 and cis[0] == "AM"  # Armenia first, by name
    assert sum(len(countries.countries_in(r)) for r in
               ("africa", "americas", "arab_states", "asia_pacific", "cis", "europe")) == 195


def test_least_developed_countries():
    assert countries.is_ldc("RW") and countries.is_ldc("la") and countries.is_ldc("CD")
    assert not countries.is_ldc("CH") and not countries.is_ldc("") and not countries.is_ldc(None)
    assert len(countries._ldcs()) == 44


def test_choices_are_sorted_names_with_codes():
    pairs = countries.choices()
    assert len(pairs) == len(pycountry.countries)
    assert ("RW", "Rwanda") in pairs
    names = [name.casefold() for _, name in pairs]
    assert names == sorted(names)


def test_demo_writes_country_codes(app, db):
    """The demo data stores codes like the app does, and its pledge places get a region."""
    import sqlalchemy as sa

    from eventsapp.models import Event, Person, PledgePlace, PledgingEntity, Registration, User

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    stored = {}
    for column in (Event.country, Person.country, Registration.country, User.country,
                   PledgingEntity.country):
        stored[f"{column.class_.__tablename__}.country"] = set(db.session.scalars(sa.select(column).distinct()))
    assert stored["events.country"] == {"RW", "CH", "KE"}
    assert {"KE", "RW", "CH"} <= stored["registrations.country"]
    for column, values in stored.items():
        assert all(not v or countries.is_code(v) and v.isupper() for v in values), (column, values)
    places = db.session.execute(sa.select(PledgePlace.name, PledgePlace.region).distinct()).all()
    assert places
    for name, region in places:
        assert (name, region) == ("Global", "global") or \
            (countries.is_code(name) and countries.region_of(name) == region != ""), (name, region)


def test_event_card_shows_the_country_name(app, db, client, make_event):
    """Templates show a stored code as its name (filter country_name); a value from before
    codes (never converted) is shown as stored."""
    make_event(title="Coded event", country="CI")
    make_event(title="Old event", country="Atlantis")
    make_event(title="Nowhere event", country="")
    page = client.get("/").get_data(as_text=True)
    assert "Test Centre, Kigali, Côte d&#39;Ivoire" in page
    assert "Test Centre, Kigali, Atlantis" in page
    assert "Test Centre, Kigali</span>" in page
    assert ", CI<" not in page


def test_api_events_give_the_code_and_its_name(client, make_event):
    event = make_event(country="CI")
    listed = {e["slug"]: e for e in client.get("/api/v1/events").get_json()["events"]}
    assert listed[event.slug]["country"] == "CI"
    assert listed[event.slug]["country_name"] == "Côte d'Ivoire"
    detail = client.get(f"/api/v1/events/{event.slug}").get_json()
    assert (detail["country"], detail["country_name"]) == ("CI", "Côte d'Ivoire")
    spec = client.get("/api/v1/openapi.json").get_json()
    props = spec["components"]["schemas"]["Event"]["properties"]
    assert "ISO 3166-1 alpha-2" in props["country"]["description"]
