"""Every route, every kind of user: the permission table holds for all of them.

A route added without a rule in ``tests/permissions/rules_*.py`` fails here.
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.permissions as perm_pkg
from tests.permissions.base import ACTORS, DENY, HIDDEN, LOGIN, OK
from tests.permissions.world import build_world

from .conftest import login

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _rule_modules():
    for info in pkgutil.iter_modules(perm_pkg.__path__):
        if info.name.startswith("rules_"):
            yield importlib.import_module(f"tests.permissions.{info.name}")


def all_rules() -> dict:
    rules: dict = {}
    for module in _rule_modules():
        for key, rule in module.RULES.items():
            assert key not in rules, f"{key} has two rules"
            rules[key] = rule
    return rules


def app_routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - IGNORED_METHODS:
            out.add((rule.endpoint, method))
    return out


def test_every_route_has_a_permission_rule(app):
    routes, rules = app_routes(app), all_rules()
    missing = sorted(routes - set(rules))
    stale = sorted(set(rules) - routes)
    assert not missing, f"routes without a permission rule: {missing}"
    assert not stale, f"rules for routes that do not exist: {stale}"


def _outcome(resp, api: bool) -> str:
    if resp.status_code == 403:
        return DENY
    if resp.status_code == 404:
        return HIDDEN
    if resp.status_code == 401:
        return LOGIN
    if resp.status_code in (301, 302, 303) and "/login" in resp.headers.get("Location", ""):
        return LOGIN
    return OK


@pytest.fixture
def world(app, make_user, make_event, make_room, make_session, make_person):
    w = build_world(make_user, make_event, make_room, make_session, make_person)
    for module in _rule_modules():
        if hasattr(module, "extend_world"):
            module.extend_world(w)
    return w


def test_permission_table(app, world):
    failures = []
    for (endpoint, method), rule in sorted(all_rules().items()):
        for actor in ACTORS:
            client = app.test_client()
            headers = {}
            user = world.users.get(actor)
            if user is not None:
                if rule.api:
                    headers["Authorization"] = f"Bearer {world.tokens[actor]}"
                else:
                    login(client, user)
            url = rule.url(world)
            data = rule.data(world) if rule.data else None
            kwargs = {"headers": headers}
            if data is not None:
                kwargs["json" if rule.json else "data"] = data
            resp = client.open(url, method=method, **kwargs)
            assert resp.status_code < 500, f"{endpoint} {method} as {actor}: {resp.status_code}"
            got = _outcome(resp, rule.api)
            want = rule.expected[actor]
            if got != want:
                failures.append(f"{method} {url} ({endpoint}) as {actor}: "
                                f"expected {want}, got {got} ({resp.status_code})")
    assert not failures, "\n".join(failures)


def test_draft_event_is_hidden_from_all_but_its_organizers(app, world):
    slug = world.draft_event.slug
    for actor, want in (("anon", 404), ("attendee", 404), ("other_org", 404),
                        ("organizer", 200), ("admin", 200)):
        client = app.test_client()
        if actor in world.users:
            login(client, world.users[actor])
        assert client.get(f"/events/{slug}").status_code == want, actor
        headers = {"Authorization": f"Bearer {world.tokens[actor]}"} if actor in world.tokens else {}
        assert client.get(f"/api/v1/events/{slug}", headers=headers).status_code == want, actor
