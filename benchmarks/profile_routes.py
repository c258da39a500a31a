"""Profile single routes in-process with pyinstrument, on the benchmark's data.

    .venv/bin/python benchmarks/profile_routes.py [--quick] [--only NAME] [-n 20] [--queries]

Builds a fresh PostgreSQL database filled exactly as for the benchmark, then sends each
route ``-n`` times through Flask's test client (no server, no network: the profile shows
the app alone), prints pyinstrument's call tree for the slowest share and, with
``--queries``, the SQL statements one request runs. Use it to find the cause of a missed
target; the load numbers come from run.py.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from harness import create_database, drop_database


def routes(filled) -> list[tuple[str, str, str, dict | None, dict | None]]:
    """(name, method, path, json, headers) of every measured route."""
    f = filled
    door_auth = {"Authorization": f"Bearer {f.checkin_tokens[0]}"}
    return [
        ("healthz", "GET", "/healthz", None, None),
        ("registration", "POST", f"/api/v1/events/{f.events['rush_warm']}/registrations", "REG", None),
        ("programme-page-kigali", "GET", f"/events/{f.events['prog_kigali']}/programme", None, None),
        ("sessions-api-kigali", "GET", f"/api/v1/events/{f.events['prog_kigali']}/sessions", None, None),
        ("ics-kigali", "GET", f"/events/{f.events['prog_kigali']}/programme.ics", None, None),
        ("programme-page-large", "GET", f"/events/{f.events['prog_large']}/programme", None, None),
        ("sessions-api-large", "GET", f"/api/v1/events/{f.events['prog_large']}/sessions", None, None),
        ("ics-large", "GET", f"/events/{f.events['prog_large']}/programme.ics", None, None),
        ("checkin", "POST", f"/api/v1/events/{f.events['door']}/checkins", "BADGE", door_auth),
        ("join", "GET", "JOIN", None, None),
        ("summary-api", "GET", f"/api/v1/pledges/summary?event={f.events['pledges']}", None, None),
        ("dashboard-page", "GET", f"/events/{f.events['pledges']}/pledges", None, None),
    ]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="the smoke mode's small data")
    p.add_argument("--only", default="", help="comma-separated route names (see routes())")
    p.add_argument("-n", type=int, default=20, help="requests per route (default 20)")
    p.add_argument("--queries", action="store_true", help="print the SQL of one request")
    args = p.parse_args(argv)
    os.environ["LOG_LEVEL"] = "WARNING"

    import run as bench_run
    from fill import fill
    from pyinstrument import Profiler

    scale = bench_run.QUICK if args.quick else bench_run.FULL
    name = f"benchprof_{time.strftime('%Y%m%d_%H%M%S')}_{os.getpid()}"
    url = create_database(name)
    work = Path(tempfile.mkdtemp(prefix="eventsapp-benchprof-"))
    app = None
    try:
        from eventsapp import create_app
        from eventsapp.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16),
                          "INSTANCE_PATH": str(work), "RATELIMIT_STORAGE_URI": "memory://",
                          "RATELIMIT_MULTIPLIER": 100000, "MAIL_DELIVER_AFTER_REQUEST": False})
        with app.app_context():
            db.create_all()
            filled = fill(scale)
            db.session.commit()
        only = {x for x in args.only.split(",") if x}
        client = app.test_client()
        badge = iter(filled.badge_codes)
        join = iter(filled.join_tokens)
        counter = iter(range(10**6))
        for rname, method, path, body, headers in routes(filled):
            if only and rname not in only:
                continue

            def call(method=method, path=path, body=body, headers=headers):
                pth, js = path, body
                if js == "REG":
                    i = next(counter)
                    js = {"name": f"Prof {i}", "email": f"prof{i}@bench.example.org",
                          "modality": "in_person"}
                elif js == "BADGE":
                    js = {"code": next(badge)}
                if pth == "JOIN":
                    pth = f"/join/{next(join)}/{filled.live_session_id}"
                return client.open(pth, method=method, json=js, headers=headers)

            first = call()  # warm: imports, template compilation, caches
            if args.queries:
                _print_queries(app, call, rname)
            profiler = Profiler(interval=0.0005)
            t = time.perf_counter()
            statuses = set()
            with profiler:
                for _ in range(args.n):
                    statuses.add(call().status_code)
            per = (time.perf_counter() - t) / args.n * 1000
            print(f"\n===== {rname}: {method} {path}  {per:.1f} ms/request in-process "
                  f"(status {sorted(statuses | {first.status_code})}, {len(first.data)} bytes)")
            print(profiler.output_text(unicode=False, color=False, show_all=False,
                                       short_mode=True) if hasattr(Profiler, "output_text") else "")
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        drop_database(name)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _print_queries(app, call, rname: str) -> None:
    import sqlalchemy as sa

    from eventsapp.extensions import db

    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split())[:160])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    print(f"\n----- {rname}: {len(seen)} SQL statements")
    for s in seen:
        print("   " + s)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
