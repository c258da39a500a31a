"""The scenarios of issue 8, each with its load, its invariants and its target."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from fill import STREAM_URL, Filled
from harness import ROOT, Load, Row, Target, run_load
from server import Gunicorn, RssSampler
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

# Targets of the issue, as the ratio to the baseline at the same concurrency.
T_REGISTRATION = Target(max_p99_ms=250, min_rate=200, rate_label="confirmed/s")
T_REGISTRATION_B = Target(max_p99_ms=250, min_rate=200, rate_label="decided/s")
T_PROGRAMME_KIGALI = Target(min_ratio=0.20, max_p99_ms=100)
T_PROGRAMME_LARGE = Target(max_p99_ms=500)
T_DOOR_JOIN = Target(min_ratio=0.30, max_p99_ms=50)
T_DASHBOARD_PAGE = Target(max_p99_ms=150)
T_SUMMARY_API = Target(min_ratio=0.30, max_p99_ms=150)


@dataclass
class Ctx:
    app: object
    server: Gunicorn
    filled: Filled
    scale: dict
    workdir: Path
    profile: str = ""
    baseline: dict[int, float] = field(default_factory=dict)  # concurrency -> req/s
    rows: list[Row] = field(default_factory=list)

    # -- helpers -------------------------------------------------------------------------

    def route(self, path: str, method: str = "GET") -> str | None:
        """The endpoint serving ``path`` in the app's URL map, or None."""
        adapter = self.app.url_map.bind("127.0.0.1")
        try:
            endpoint, _ = adapter.match(path.split("?")[0], method=method)
            return endpoint
        except (NotFound, MethodNotAllowed):
            return None
        except RequestRedirect:
            return "redirect"

    def measure(self, name: str, requests: list[dict], *, concurrency: int, count: int | None = None,
                capture: str | None = None, headers: dict | None = None,
                deadline_s: float = 180.0) -> tuple[Load, float]:
        """One batch through the load generator, sampling the workers' memory meanwhile."""
        prof = self._start_profile(name)
        try:
            with RssSampler(self.server) as sampler:
                load = run_load(self.workdir, _slug(name), self.server.base_url, requests,
                                concurrency=concurrency, count=count, capture=capture,
                                headers=headers, deadline_s=deadline_s)
        finally:
            self._stop_profile(prof)
        return load, sampler.peak_mib_per_worker

    def warm(self, requests: list[dict], headers: dict | None = None, n: int = 16) -> None:
        """A few requests so that every worker has imported, compiled and connected."""
        run_load(self.workdir, "warm", self.server.base_url, requests, concurrency=min(8, n),
                 count=n, headers=headers, deadline_s=60)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
        req = urllib.request.Request(self.server.base_url + path, headers=headers or {})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=60) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def sql(self, query: str, **params):
        from eventsapp.extensions import db

        with self.app.app_context(), db.engine.connect() as conn:
            return conn.execute(sa.text(query), params).scalar()

    def row(self, name: str, load: Load | None, peak: float, concurrency: int,
            target: Target | None = None, **kw) -> Row:
        r = Row(scenario=name, load=load, peak_mib=peak, target=target,
                baseline_rps=self.baseline.get(concurrency), loadavg=round(os.getloadavg()[0], 2),
                **kw)
        self.rows.append(r)
        return r

    def skip(self, name: str, reason: str, target: Target | None = None) -> None:
        self.rows.append(Row(scenario=name, skipped=reason, target=target))

    # -- profiling (py-spy on every worker during the named scenarios) -----------------

    def _start_profile(self, name: str):
        if not self.profile or self.profile not in name:
            return []
        spy = ROOT / ".venv" / "bin" / "py-spy"
        procs = []
        (self.workdir / "profiles").mkdir(exist_ok=True)
        for pid in self.server.worker_pids():
            out = self.workdir / "profiles" / f"{_slug(name)}-{pid}.txt"
            # Collapsed stacks, idle (waiting) frames included: wall-clock time per stack.
            procs.append((out, subprocess.Popen(
                [str(spy), "record", "--pid", str(pid), "--rate", "250", "--idle",
                 "--output", str(out), "--format", "raw", "--duration", "300", "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        return procs

    def _stop_profile(self, procs) -> None:
        for _, p in procs:
            p.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        for _, p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        if procs:
            summary = summarize_profiles([out for out, _ in procs])
            path = procs[0][0].with_name(procs[0][0].name.rsplit("-", 1)[0] + "-summary.txt")
            path.write_text(summary)


def summarize_profiles(paths: list[Path], top: int = 40) -> str:
    """Inclusive share of samples per eventsapp/library function, from py-spy raw output.

    Frames are 'function (file:line)'; only the function and file are kept, and each
    is counted once per stack (recursion does not double count)."""
    total = 0
    inclusive: dict[str, int] = {}
    leaf: dict[str, int] = {}
    for path in paths:
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            stack, _, n = line.rpartition(" ")
            if not n.isdigit():
                continue
            n = int(n)
            total += n
            frames = [_frame_key(f) for f in stack.split(";") if f]
            for key in set(frames):
                inclusive[key] = inclusive.get(key, 0) + n
            if frames:
                leaf[frames[-1]] = leaf.get(frames[-1], 0) + n
    out = [f"{total} samples (wall clock, idle included) over {len(paths)} workers", "",
           "inclusive:"]
    for key, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"{100 * n / max(total, 1):6.1f}%  {key}")
    out += ["", "leaf (where the time is spent):"]
    for key, n in sorted(leaf.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"{100 * n / max(total, 1):6.1f}%  {key}")
    return "\n".join(out) + "\n"


def _frame_key(frame: str) -> str:
    func, _, where = frame.partition(" (")
    where = where.rstrip(")")
    file = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{func} ({file})"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:60]


def _check(row: Row, label: str, ok: bool) -> None:
    row.invariants.append((label, bool(ok)))


def _no_server_errors(row: Row) -> None:
    load = row.load
    _check(row, f"no 5xx ({load.server_errors}), no transport error or timeout "
                f"({load.transport_errors})",
           load.server_errors == 0 and load.transport_errors == 0)
    if load.not_sent:  # slowness, not an error: the batch hit its deadline
        row.notes.append(f"{load.not_sent} requests not sent before the batch deadline")


# --- 1. baseline ----------------------------------------------------------------------------

def baseline(ctx: Ctx) -> None:
    """GET /healthz (a fixed string, no database) at every concurrency the scenarios use."""
    reqs = [{"m": "GET", "p": "/healthz"}]
    ctx.warm(reqs, n=4 * ctx.scale["warm"])
    for c in sorted({4, ctx.scale["read_concurrency"], ctx.scale["rush_concurrency"]}):
        load, peak = ctx.measure(f"baseline c{c}", reqs, concurrency=c,
                                 count=ctx.scale["baseline_requests"] * (1 if c <= 4 else 2))
        ctx.baseline[c] = load.rps
        r = ctx.row(f"baseline /healthz (c={c})", load, peak, c)
        _no_server_errors(r)
        _check(r, "every answer is 200", load.count_status(lambda s: s == 200) == load.requests)


# --- 2. registration rush -------------------------------------------------------------------

def registration_path(slug: str) -> str:
    return f"/api/v1/events/{slug}/registrations"


def _registration_body(tag: str, i: int, modality: str) -> dict:
    return {"name": f"Rush {tag} {i:05d}", "email": f"rush-{tag}-{i:05d}@bench.example.org",
            "modality": modality, "organization": "Bench Org", "country": "Rwanda",
            "consent_listed": False}


def registration(ctx: Ctx) -> None:
    f, s = ctx.filled, ctx.scale
    name_a = (f"registration A: {s['rush_a_in_person'] + s['rush_a_online']} at once, "
              f"{s['rush_a_capacity']} places")
    name_b = f"registration B: {s['rush_b']} for {s['rush_b_capacity']} places"
    path_a = registration_path(f.events["rush_a"])
    if not ctx.route(path_a, "POST"):
        ctx.skip(name_a, "no POST " + path_a, T_REGISTRATION)
        ctx.skip(name_b, "no registrations API", T_REGISTRATION_B)
        return
    conc = s["rush_concurrency"]
    # Warm-up on a third event, so every worker has connected and run the code once.
    ctx.warm([{"m": "POST", "p": registration_path(f.events["rush_warm"]),
               "j": _registration_body("warm", i, "in_person")} for i in range(32)], n=2 * s["warm"])
    rng = random.Random(2)
    mods = ["in_person"] * s["rush_a_in_person"] + ["online"] * s["rush_a_online"]
    rng.shuffle(mods)
    reqs = [{"m": "POST", "p": path_a, "j": _registration_body("a", i, m)} for i, m in enumerate(mods)]
    load, peak = ctx.measure(name_a, reqs, concurrency=conc, capture="json:status")
    confirmed = sum(1 for c in load.captured if c == "confirmed")
    r = ctx.row(name_a, load, peak, conc, T_REGISTRATION,
                rate=confirmed / load.elapsed_s if load.elapsed_s else 0,
                expected_status=(201,))
    _registration_invariants(ctx, r, f.event_ids["rush_a"], in_person=s["rush_a_in_person"],
                             online=s["rush_a_online"], capacity=s["rush_a_capacity"])

    path_b = registration_path(f.events["rush_b"])
    reqs = [{"m": "POST", "p": path_b, "j": _registration_body("b", i, "in_person")}
            for i in range(s["rush_b"])]
    load, peak = ctx.measure(name_b, reqs, concurrency=conc, capture="json:status")
    r = ctx.row(name_b, load, peak, conc, T_REGISTRATION_B,
                rate=load.requests / load.elapsed_s if load.elapsed_s else 0,
                expected_status=(201, 409, 422))
    _registration_invariants(ctx, r, f.event_ids["rush_b"], in_person=s["rush_b"], online=0,
                             capacity=s["rush_b_capacity"])


def _registration_invariants(ctx: Ctx, r: Row, event_id: int, *, in_person: int, online: int,
                             capacity: int) -> None:
    load = r.load
    _no_server_errors(r)
    created = load.count_status(lambda s: s == 201)
    refused = load.count_status(lambda s: 400 <= s < 500)
    _check(r, f"every request answered 201 or a clean 4xx ({created} + {refused} = {load.requests})",
           created + refused == load.requests == in_person + online)
    rows = ctx.sql("SELECT count(*) FROM registrations WHERE event_id = :e", e=event_id)
    _check(r, f"nothing lost or extra: {rows} rows = {created} answers 201", rows == created)
    conf_ip = ctx.sql("SELECT count(*) FROM registrations WHERE event_id = :e AND modality = "
                      "'in_person' AND status = 'confirmed'", e=event_id)
    expect_ip = min(capacity, in_person)
    _check(r, f"exactly {expect_ip} in person confirmed (got {conf_ip})", conf_ip == expect_ip)
    if online:
        conf_on = ctx.sql("SELECT count(*) FROM registrations WHERE event_id = :e AND modality = "
                          "'online' AND status = 'confirmed'", e=event_id)
        _check(r, f"all {online} online confirmed (got {conf_on})", conf_on == online)
    answers_confirmed = sum(1 for s, c in zip(load.status, load.captured) if s == 201 and c == "confirmed")
    db_confirmed = ctx.sql("SELECT count(*) FROM registrations WHERE event_id = :e AND "
                           "status = 'confirmed'", e=event_id)
    _check(r, f"answers agree with the database ({answers_confirmed} 'confirmed' answers, "
              f"{db_confirmed} rows)", answers_confirmed == db_confirmed)
    if in_person > capacity:
        rest = in_person - expect_ip
        waitlisted = ctx.sql("SELECT count(*) FROM registrations WHERE event_id = :e AND "
                             "status = 'waitlisted'", e=event_id)
        _check(r, f"every other request waitlisted or refused cleanly ({waitlisted} waitlisted "
                  f"+ {refused} refused = {rest})", waitlisted + refused == rest)
    dupes = ctx.sql("SELECT count(*) FROM (SELECT email FROM registrations WHERE event_id = :e "
                    "GROUP BY email HAVING count(*) > 1) d", e=event_id)
    _check(r, "no duplicate registration", dupes == 0)


# --- 3. programme reading -------------------------------------------------------------------

def programme_paths(ctx: Ctx, slug: str) -> list[tuple[str, str]]:
    """(label, path) of the programme page, the sessions API and the .ics that exist."""
    candidates = [
        ("page", [f"/events/{slug}/programme", f"/events/{slug}/program"]),
        ("sessions API", [f"/api/v1/events/{slug}/sessions"]),
        (".ics", [f"/events/{slug}/programme.ics", f"/events/{slug}/calendar.ics",
                  f"/events/{slug}.ics"]),
    ]
    out = []
    for label, paths in candidates:
        for p in paths:
            if ctx.route(p):
                out.append((label, p))
                break
        else:
            out.append((label, ""))
    return out


def programme(ctx: Ctx) -> None:
    f, s = ctx.filled, ctx.scale
    for scale_name, key, sessions, target, count in (
        ("Kigali", "prog_kigali", s["kigali_sessions"], T_PROGRAMME_KIGALI, s["programme_requests"]),
        ("large", "prog_large", s["large_sessions"], T_PROGRAMME_LARGE, s["programme_requests_large"]),
    ):
        slug = f.events[key]
        for label, path in programme_paths(ctx, slug):
            name = f"programme {label} ({scale_name}: {sessions} sessions)"
            if not path:
                ctx.skip(name, f"no {label} route", target)
                continue
            _, body, _ = ctx.get(path)
            reqs = [{"m": "GET", "p": path}]
            ctx.warm(reqs, n=ctx.scale["warm"])
            conc = ctx.scale["read_concurrency"]
            load, peak = ctx.measure(name, reqs, concurrency=conc, count=count,
                                     deadline_s=ctx.scale["read_deadline_s"])
            r = ctx.row(name, load, peak, conc, target)
            _no_server_errors(r)
            _check(r, "every answer is 200", load.count_status(lambda x: x == 200) == load.requests)
            text = body.decode("utf-8", "replace")
            _check(r, "no private stream link or passcode in the public output",
                   STREAM_URL not in text and "bench-passcode" not in text)
            if label == ".ics":
                n = text.count("BEGIN:VEVENT")
                _check(r, f"the calendar has every session ({n} of {sessions} VEVENTs)", n == sessions)
            elif label == "sessions API":
                n = _count_sessions_json(body)
                _check(r, f"the API lists every session ({n} of {sessions})", n == sessions)
            else:
                n = text.count(f"session {sessions}:") + text.count("session 1:")
                _check(r, "the page shows the first and the last session", n >= 2)
            r.notes.append(f"response {len(body)} bytes")


def _count_sessions_json(body: bytes) -> int:
    try:
        data = json.loads(body)
    except ValueError:
        return -1
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        for key in ("sessions", "items", "data", "results"):
            if isinstance(data.get(key), list):
                return len(data[key])
    return -1


# --- 4. the door ----------------------------------------------------------------------------

def door(ctx: Ctx) -> None:
    f, s = ctx.filled, ctx.scale
    path = f"/api/v1/events/{f.events['door']}/checkins"
    n1 = f"door: {s['badges']} first scans, {s['desks']} desks"
    n2 = f"door: {s['badges']} second scans, {s['desks']} desks"
    if not ctx.route(path, "POST"):
        ctx.skip(n1, "no POST " + path, T_DOOR_JOIN)
        ctx.skip(n2, "no check-in API", T_DOOR_JOIN)
        return
    desks = s["desks"]

    def scans(codes: list[str]) -> list[dict]:
        return [{"m": "POST", "p": path, "j": {"code": code},
                 "h": {"Authorization": f"Bearer {f.checkin_tokens[i % desks]}"}}
                for i, code in enumerate(codes)]

    # Warm-up with unknown codes: answers "invalid", records nothing.
    ctx.warm(scans(["not-a-badge-" + str(i) for i in range(16)]), n=s["warm"])
    load, peak = ctx.measure(n1, scans(f.badge_codes), concurrency=desks, capture="json:result")
    r1 = ctx.row(n1, load, peak, desks, T_DOOR_JOIN, expected_status=(200, 201))
    _no_server_errors(r1)
    ok = sum(1 for c in load.captured if c == "checked_in")
    _check(r1, f"every first scan admits ({ok} of {len(f.badge_codes)} 'checked_in')",
           ok == len(f.badge_codes))

    again = list(f.badge_codes)
    random.Random(4).shuffle(again)
    load, peak = ctx.measure(n2, scans(again), concurrency=desks, capture="json:result")
    r2 = ctx.row(n2, load, peak, desks, T_DOOR_JOIN, expected_status=(200, 201, 409))
    _no_server_errors(r2)
    dup = sum(1 for c in load.captured if c == "already_checked_in")
    _check(r2, f"every second scan is 'already_checked_in' ({dup} of {len(again)})", dup == len(again))
    n = ctx.sql("SELECT count(*) FROM checkins WHERE event_id = :e", e=f.event_ids["door"])
    distinct = ctx.sql("SELECT count(DISTINCT registration_id) FROM checkins WHERE event_id = :e",
                       e=f.event_ids["door"])
    _check(r2, f"exactly {len(f.badge_codes)} check-ins recorded (got {n}, {distinct} people)",
           n == distinct == len(f.badge_codes))


# --- 5. the join rush -----------------------------------------------------------------------

def join(ctx: Ctx) -> None:
    f, s = ctx.filled, ctx.scale
    sid = f.live_session_id
    name = f"join rush: {len(f.join_tokens)} join links, one session"
    if not ctx.route(f"/join/{f.join_tokens[0]}/{sid}"):
        ctx.skip(name, "no /join/<token>/<session_id> route", T_DOOR_JOIN)
        return
    reqs = [{"m": "GET", "p": f"/join/{tok}/{sid}"} for tok in f.join_tokens]
    conc = s["rush_concurrency"]
    load, peak = ctx.measure(name, reqs, concurrency=conc, capture="header:Location", deadline_s=60)
    r = ctx.row(name, load, peak, conc, T_DOOR_JOIN, expected_status=(302, 303))
    _no_server_errors(r)
    to_stream = sum(1 for c in load.captured if c == STREAM_URL)
    _check(r, f"every link redirects to the stream ({to_stream} of {len(reqs)})",
           to_stream == len(reqs))
    _check(r, f"all within the same minute ({load.elapsed_s:.1f}s)", load.elapsed_s < 60)
    joins = ctx.sql("SELECT count(DISTINCT registration_id) FROM session_joins WHERE session_id = :s",
                    s=sid)
    _check(r, f"every join recorded ({joins} of {len(reqs)} registrants)", joins == len(reqs))


# --- 6. dashboard ---------------------------------------------------------------------------

def dashboard(ctx: Ctx) -> None:
    f, s = ctx.filled, ctx.scale
    slug = f.events["pledges"]
    api = f"/api/v1/pledges/summary?event={slug}"
    n_api = f"dashboard: summary API ({s['pledges']} pledges)"
    if ctx.route(api):
        _, body, _ = ctx.get(api)
        reqs = [{"m": "GET", "p": api}]
        ctx.warm(reqs, n=s["warm"])
        conc = s["read_concurrency"]
        load, peak = ctx.measure(n_api, reqs, concurrency=conc, count=s["dashboard_requests"],
                                 deadline_s=s["read_deadline_s"])
        r = ctx.row(n_api, load, peak, conc, T_SUMMARY_API)
        _no_server_errors(r)
        _check(r, "every answer is 200", load.count_status(lambda x: x == 200) == load.requests)
        _summary_invariants(ctx, r, body)
        r.notes.append(f"response {len(body)} bytes")
    else:
        ctx.skip(n_api, "no GET /api/v1/pledges/summary", T_SUMMARY_API)

    n_page = f"dashboard: page ({s['pledges']} pledges)"
    for path in (f"/events/{slug}/pledges/dashboard", f"/events/{slug}/pledges",
                 f"/pledges/dashboard?event={slug}", f"/pledges?event={slug}", "/pledges"):
        if ctx.route(path):
            break
    else:
        ctx.skip(n_page, "no pledge dashboard page", T_DASHBOARD_PAGE)
        return
    _, body, _ = ctx.get(path)
    reqs = [{"m": "GET", "p": path}]
    ctx.warm(reqs, n=s["warm"])
    conc = s["read_concurrency"]
    load, peak = ctx.measure(n_page, reqs, concurrency=conc, count=s["dashboard_requests"],
                             deadline_s=s["read_deadline_s"])
    r = ctx.row(n_page, load, peak, conc, T_DASHBOARD_PAGE)
    _no_server_errors(r)
    _check(r, f"every answer is 200 ({path})", load.count_status(lambda x: x == 200) == load.requests)
    r.notes.append(f"{path}: response {len(body)} bytes")


def _summary_invariants(ctx: Ctx, r: Row, body: bytes) -> None:
    """The counter (pledges, distinct entities, USD) equals SQL over the published pledges."""
    from decimal import Decimal, InvalidOperation

    try:
        data = json.loads(body)
        got = (int(data["pledges"]), int(data["entities"]), Decimal(str(data["amount_usd"])))
    except (ValueError, KeyError, TypeError, InvalidOperation):
        _check(r, f"the summary has pledges, entities and amount_usd: {body[:200]!r}", False)
        return
    e = ctx.filled.event_ids["pledges"]
    n = ctx.sql("SELECT count(*) FROM pledges WHERE event_id = :e AND state = 'published'", e=e)
    ents = ctx.sql("SELECT count(DISTINCT pe.entity_id) FROM pledge_entities pe JOIN pledges p "
                   "ON p.id = pe.pledge_id WHERE p.event_id = :e AND p.state = 'published'", e=e)
    total = ctx.sql("SELECT coalesce(sum(amount_usd), 0) FROM pledges WHERE event_id = :e AND "
                    "state = 'published'", e=e)
    _check(r, f"the summary equals SQL: {got[0]} = {n} pledges, {got[1]} = {ents} entities, "
              f"USD {got[2]} = {total}", got == (n, ents, Decimal(total)))


ALL = [("baseline", baseline), ("registration", registration), ("programme", programme),
       ("door", door), ("join", join), ("dashboard", dashboard)]
