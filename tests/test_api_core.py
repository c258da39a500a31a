"""The JSON API core: bearer tokens, the error format, the events endpoints and the
generated OpenAPI document."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventsapp.models import ApiToken

# ------------------------------------------------------------------ test-only endpoints

@pytest.fixture
def probe_api(app):
    """A POST endpoint that reads JSON and a signed-in-only endpoint, on the test app only."""
    from flask.views import MethodView
    from flask_smorest import Blueprint
    from marshmallow import Schema, fields

    from eventsapp.permissions import acting_user, login_required

    blp = Blueprint("api_probe", __name__, url_prefix="/api/v1/_probe")

    class EchoIn(Schema):
        name = fields.String(required=True)
        amount = fields.Decimal(as_string=True)

    @blp.route("/echo")
    class Echo(MethodView):
        @blp.arguments(EchoIn)
        @blp.response(201, EchoIn)
        def post(self, data):
            return data

    @blp.route("/me")
    class Me(MethodView):
        decorators = (login_required,)

        def get(self):
            return {"email": acting_user().email}

    from eventsapp.extensions import csrf
    csrf.exempt(blp)
    app.extensions["eventsapp_api"].register_blueprint(blp)
    return blp


# ------------------------------------------------------------------ tokens

def test_token_created_used_and_revoked(client, make_user, db, probe_api):
    from eventsapp.auth.services import create_api_token, revoke_api_token

    user = make_user("tok@example.org")
    token, plain = create_api_token(user, "script")
    headers = {"Authorization": f"Bearer {plain}"}
    resp = client.get("/api/v1/_probe/me", headers=headers)
    assert resp.status_code == 200 and resp.get_json() == {"email": "tok@example.org"}
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None

    revoke_api_token(db.session.merge(user), token.id)
    resp = client.get("/api/v1/_probe/me", headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_is_stored_hashed_only(app, make_user, db, backend):
    from eventsapp.auth.services import create_api_token

    _, plain = create_api_token(make_user(), "script")
    # Look in every text column of every table: the plain token is nowhere.
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            text_cols = [c for c in table.columns
                         if type(c.type) in (sa.String, sa.Text, sa.Unicode, sa.UnicodeText)]
            for col in text_cols:
                hit = conn.execute(sa.select(sa.func.count()).select_from(table)
                                   .where(col.contains(plain[6:30]))).scalar()
                assert hit == 0, f"token found in {table.name}.{col.name}"
    row = db.session.scalar(sa.select(ApiToken))
    assert row.prefix == plain[:10] and len(row.token_hash) == 64


def test_inactive_users_token_is_refused(client, make_user, api_token, db):
    user = make_user()
    headers = api_token(user)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/events", headers=headers).status_code == 401


def test_create_token_cli_token_works(app, make_user, client, probe_api):
    make_user("cli@example.org")
    result = app.test_cli_runner().invoke(args=["create-token", "cli@example.org"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    resp = client.get("/api/v1/_probe/me", headers={"Authorization": f"Bearer {plain}"})
    assert resp.status_code == 200


# ------------------------------------------------------------------ error format

def _error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("header", [
    "Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "bearer", "Token abc",
    "Bearer " + "x" * 500,
])
def test_invalid_token_is_401(client, header):
    _error(client.get("/api/v1/events", headers={"Authorization": header}), 401, "unauthorized")


def test_missing_token_on_protected_endpoint_is_401(client, probe_api):
    resp = client.get("/api/v1/_probe/me")
    _error(resp, 401, "unauthorized")
    assert "Bearer" in resp.headers["WWW-Authenticate"]


@pytest.mark.parametrize("body", [b"{not json", b'{"name": "x",}', b"\xff\xfe\x00", b"[1, 2"])
def test_malformed_json_is_400(client, probe_api, body):
    resp = client.post("/api/v1/_probe/echo", data=body,
                       headers={"Content-Type": "application/json"})
    err = _error(resp, 400, "bad_request")
    assert "JSON" in err["message"]


def test_invalid_fields_are_422_with_field_messages(client, probe_api):
    resp = client.post("/api/v1/_probe/echo", json={"amount": "lots"})
    err = _error(resp, 422, "validation_failed")
    assert "name" in err["fields"] and "amount" in err["fields"]
    ok = client.post("/api/v1/_probe/echo", json={"name": "x", "amount": "12.50"})
    assert ok.status_code == 201 and ok.get_json() == {"name": "x", "amount": "12.50"}


def test_unknown_event_is_404(client):
    err = _error(client.get("/api/v1/events/no-such-event"), 404, "not_found")
    assert err["fields"] == {}


def _unused_method(app, path: str) -> str:
    adapter = app.url_map.bind("localhost")
    allowed = set(adapter.allowed_methods(path))
    return next(m for m in ("DELETE", "PUT", "PATCH", "POST") if m not in allowed)


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/events/some-slug",
                                  "/api/v1/openapi.json"])
def test_wrong_method_is_405(app, client, path):
    method = _unused_method(app, path)
    resp = client.open(path, method=method, json={})
    _error(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["Allow"]


def test_unknown_api_path_is_404_json(client):
    _error(client.get("/api/v1/nothing"), 404, "not_found")


# ------------------------------------------------------------------ events endpoints

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def test_event_detail_times_carry_offset_and_iana_zone(client, make_event):
    start = datetime(2022, 6, 7, 14, 0, tzinfo=ZoneInfo("Africa/Kigali"))
    event = make_event(starts_at=start, timezone="Africa/Kigali", title="Kigali")
    body = client.get(f"/api/v1/events/{event.slug}").get_json()
    assert body["timezone"] == "Africa/Kigali"
    assert body["starts_at"] == "2022-06-07T14:00:00+02:00"
    for key in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        assert ISO_WITH_OFFSET.match(body[key]), (key, body[key])
    assert datetime.fromisoformat(body["starts_at"]) == start
    assert body["format"] == "hybrid" and body["kind"] == "roundtable"
    assert body["capacity"]["in_person"]["capacity"] == 100
    assert body["url"].endswith(f"/events/{event.slug}")


def test_event_times_follow_the_events_own_zone_and_dst(client, make_event):
    winter = datetime(2023, 12, 12, 13, 0, tzinfo=UTC)
    summer = datetime(2024, 6, 12, 12, 0, tzinfo=UTC)
    e1 = make_event(starts_at=winter, timezone="Europe/Zurich")
    e2 = make_event(starts_at=summer, timezone="Europe/Zurich")
    assert client.get(f"/api/v1/events/{e1.slug}").get_json()["starts_at"] == \
        "2023-12-12T14:00:00+01:00"
    assert client.get(f"/api/v1/events/{e2.slug}").get_json()["starts_at"] == \
        "2024-06-12T14:00:00+02:00"


def test_event_list_hides_drafts_except_from_their_organizers(client, make_event, make_user,
                                                              api_token):
    public = make_event(title="Public")
    draft = make_event(title="Draft", published=False)
    organizer = make_user(organizer_of=draft)
    slugs = {e["slug"] for e in client.get("/api/v1/events").get_json()["events"]}
    assert public.slug in slugs and draft.slug not in slugs
    slugs = {e["slug"] for e in client.get("/api/v1/events", headers=api_token(organizer))
             .get_json()["events"]}
    assert {public.slug, draft.slug} <= slugs
    event = client.get("/api/v1/events").get_json()["events"][0]
    assert ISO_WITH_OFFSET.match(event["starts_at"]) and event["timezone"]


def test_event_list_query_count_does_not_grow_with_events(client, make_event, count_queries):
    make_event()
    with count_queries() as few:
        client.get("/api/v1/events")
    for _ in range(10):
        make_event()
    with count_queries() as many:
        assert len(client.get("/api/v1/events").get_json()["events"]) == 11
    assert many.count == few.count


def test_api_never_shows_stream_links(client, make_event):
    event = make_event(stream_url="https://stream.example.org/secret-room",
                       stream_passcode="s3cret")
    for path in ("/api/v1/events", f"/api/v1/events/{event.slug}"):
        text = client.get(path).get_data(as_text=True)
        assert "secret-room" not in text and "s3cret" not in text


# ------------------------------------------------------------------ OpenAPI

def _spec(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def test_openapi_document_is_valid_openapi_3(client):
    from openapi_spec_validator import validate

    spec = _spec(client)
    assert spec["openapi"].startswith("3.")
    validate(spec)


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_documents_every_api_route(app, client):
    """Generated from the code: every /api/v1 route in the URL map, with every method."""
    spec = _spec(client)
    paths = spec["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api-docs.openapi_json":
            continue
        path = _openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path} ({rule.endpoint})")
    assert not missing, f"API routes missing from the OpenAPI document: {missing}"
    assert "/api/v1/events" in paths and "/api/v1/events/{slug}" in paths
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_openapi_describes_event_times_and_errors(client):
    spec = _spec(client)
    detail = spec["paths"]["/api/v1/events/{slug}"]["get"]
    assert "200" in detail["responses"] and "404" in detail["responses"]
    schemas = spec["components"]["schemas"]
    event_schema = next(v for k, v in schemas.items() if k.startswith("EventDetail"))
    assert event_schema["properties"]["starts_at"]["format"] == "date-time"


# ------------------------------------------------------------------ the contract's shape
# The fuzz suite (tests/test_fuzz_api.py) holds every answer to the document; these make
# sure the document is strict enough for that to mean something.

_TYPED = ("type", "$ref", "allOf", "anyOf", "oneOf")
_METHODS = ("get", "put", "post", "patch", "delete")


def _operations(spec: dict):
    for path, ops in spec["paths"].items():
        for method in _METHODS:
            if method in ops:
                yield path, method, ops[method]


def _refs(value) -> list[str]:
    return re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(value))


def _response_schema_names(spec: dict) -> set[str]:
    """Names of the component schemas reachable from any response."""
    schemas = spec["components"]["schemas"]
    todo = _refs([op["responses"] for _, _, op in _operations(spec)]
                 + list(spec["components"].get("responses", {}).values()))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += _refs(schemas[name])
    return seen


def _untyped(where: str, prop: dict) -> list[str]:
    if not any(k in prop for k in _TYPED):
        return [where]
    if prop.get("type") == "array":
        return _untyped(f"{where}[]", prop.get("items") or {})
    return []


# Response schemas whose every property may be left out, with the reason.
ALL_OPTIONAL = {"CapacityReport"}  # one entry per modality the event offers


def test_openapi_types_every_response_property(client):
    spec = _spec(client)
    schemas = spec["components"]["schemas"]
    names = _response_schema_names(spec)
    assert {"ApiError", "EventDetail", "SessionOut", "PledgeOut"} <= names
    problems = []
    for name in sorted(names):
        props = schemas[name].get("properties", {})
        for prop, desc in props.items():
            problems += _untyped(f"{name}.{prop}", desc)
        # Answers carry every field unless the schema says otherwise (common.Out).
        if props and not schemas[name].get("required") and name not in ALL_OPTIONAL:
            problems.append(f"{name}: no required properties")
    assert not problems, f"untyped or unrequired response properties: {problems}"


def test_every_operation_declares_its_error_statuses(client):
    """No catch-all 'default' (it makes any status conform); the request-wide statuses are
    declared where they apply (api/contract.py), errors with the ApiError body."""
    spec = _spec(client)
    problems = []
    for path, method, op in _operations(spec):
        codes = set(op["responses"])
        where = f"{method.upper()} {path}"
        if "default" in codes:
            problems.append(f"{where}: default response")
        need = {"401", "422"} | ({"404"} if "{" in path else set())
        if op.get("security") == [{"bearerAuth": []}]:
            need.add("403")
        if "requestBody" in op:
            need |= {"400", "413"}
        problems += [f"{where}: {code} not declared" for code in sorted(need - codes)]
        for code in codes - {"200", "201", "202", "204", "304"}:
            ref = op["responses"][code].get("$ref", "")
            body = (spec["components"]["responses"][ref.rsplit("/", 1)[-1]]
                    if ref else op["responses"][code])
            if "ApiError" not in json.dumps(body):
                problems.append(f"{where}: {code} without the ApiError body")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("method, path", [
    ("POST", "/api/v1/events/{slug}/pledges"),
    ("POST", "/api/v1/events/{slug}/checkins"),
    ("GET", "/api/v1/events/{slug}/registrations?page=zero"),
    ("POST", "/api/v1/events/{slug}/sessions"),
    ("POST", "/api/v1/pledges/1/moderate"),
])
def test_anonymous_call_that_needs_a_token_is_401_before_validation(client, make_event,
                                                                   method, path):
    """The token is checked before the input: invalid input without a token is a 401 (a
    422 would tell an anonymous caller about the operation's fields first)."""
    event = make_event(published=True)
    resp = client.open(path.format(slug=event.slug), method=method,
                       json={"junk": "\x00"} if method == "POST" else None)
    assert resp.status_code == 401, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["code"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_public_operations_declare_the_token_optional(client):
    spec = _spec(client)
    listing = spec["paths"]["/api/v1/events"]["get"]
    assert listing["security"] == [{}, {"bearerAuth": []}]
    assert spec["paths"]["/api/v1/events"]["post"]["security"] == [{"bearerAuth": []}]


def test_openapi_component_names_are_unique(app_config):
    """Two schemas with one class name become "Entity" and "Entity1" in the document
    (apispec warns): a client generator would then get a type named Entity1."""
    import warnings

    from eventsapp import create_app

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = create_app(app_config).test_client().get("/api/v1/openapi.json").get_json()
    assert not [w for w in caught if "Multiple schemas resolved" in str(w.message)]
    assert not [name for name in doc["components"]["schemas"] if re.search(r"\d$", name)]
