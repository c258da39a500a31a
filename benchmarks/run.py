"""eventsapp load benchmark: one command, a fresh PostgreSQL database, gunicorn, one table.

    .venv/bin/python benchmarks/run.py            # the full benchmark (a few minutes)
    .venv/bin/python benchmarks/run.py --quick    # smoke mode for CI (seconds)

See benchmarks/README.md for what it measures and how to read the table.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from harness import (
    create_database,
    drop_database,
    format_markdown,
    format_table,
    machine_info,
)

FULL = {
    "baseline_requests": 6000,       # at c=4; 12,000 at c=32 and c=64
    "rush_a_in_person": 1000, "rush_a_online": 350, "rush_a_capacity": 1000,
    "rush_b": 2000, "rush_b_capacity": 500,
    "rush_concurrency": 64, "read_concurrency": 32, "warm": 16,
    "kigali_sessions": 20, "kigali_people": 150,
    "large_sessions": 1000, "large_people": 5000,
    "programme_requests": 640, "programme_requests_large": 96, "read_deadline_s": 90,
    "badges": 1000, "desks": 4,
    "join_tokens": 5000,
    "pledges": 10000, "pledge_sessions": 50, "dashboard_requests": 640,
}
QUICK = {
    "baseline_requests": 200,
    "rush_a_in_person": 20, "rush_a_online": 6, "rush_a_capacity": 20,
    "rush_b": 30, "rush_b_capacity": 10,
    "rush_concurrency": 8, "read_concurrency": 8, "warm": 4,
    "kigali_sessions": 20, "kigali_people": 150,
    "large_sessions": 60, "large_people": 300,
    "programme_requests": 16, "programme_requests_large": 8, "read_deadline_s": 60,
    "badges": 24, "desks": 4,
    "join_tokens": 40,
    "pledges": 300, "pledge_sessions": 10, "dashboard_requests": 16,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke mode: small data and few requests; fails only on broken "
                        "invariants or errors, never on slowness")
    p.add_argument("--only", default="",
                   help="comma-separated scenarios to run (baseline always runs): "
                        "registration,programme,door,join,dashboard")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    p.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    p.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    p.add_argument("--ratelimit-multiplier", type=int, default=100000,
                   help="RATELIMIT_MULTIPLIER for the run: every limit stays on, raised by this factor")
    p.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
                   help="rate-limit storage (default redis://127.0.0.1:6379/14)")
    p.add_argument("--schema", choices=["auto", "migrate", "create_all"], default="auto",
                   help="auto: flask db upgrade, then create_all instead if the migrations "
                        "lag behind the models")
    p.add_argument("--profile", default="", metavar="TEXT",
                   help="record a py-spy flame graph of every worker during scenarios whose "
                        "name contains TEXT (written next to the results)")
    p.add_argument("--strict", action="store_true",
                   help="also fail when a scenario is skipped because its route is missing")
    p.add_argument("--keep-db", action="store_true", help="do not drop the database afterwards")
    p.add_argument("--no-save", action="store_true", help="do not write results/<timestamp>.json")
    return p.parse_args(argv)


def prepare_schema(url: str, env: dict, mode: str, app) -> list[str]:
    """Build the schema; returns notes for the report."""
    from eventsapp.extensions import db

    notes = []
    if mode in ("auto", "migrate"):
        proc = subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "db", "upgrade"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                              check=False)
        if proc.returncode != 0:
            if mode == "migrate":
                raise RuntimeError("flask db upgrade failed:\n" + proc.stderr[-3000:])
            notes.append("flask db upgrade failed; schema built with create_all")
        else:
            with app.app_context():
                diff = _drift(db)
            if not diff:
                notes.append("schema: flask db upgrade")
                return notes
            if mode == "migrate":
                notes.append(f"schema: flask db upgrade ({len(diff)} differences to the models!)")
                return notes
            notes.append(f"schema: the migrations lag behind the models ({len(diff)} "
                         "differences), so it was rebuilt with create_all")
    with app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        db.create_all()
    if mode == "create_all":
        notes.append("schema: create_all")
    return notes


def _drift(db) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": False})
        return [d for d in compare_metadata(mc, db.metadata)]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    scale = QUICK if args.quick else FULL
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dbname = f"bench_{stamp.replace('-', '_')}_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="eventsapp-bench-"))
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    t_start = time.monotonic()
    load_start = os.getloadavg()

    env = dict(os.environ)
    for k in ("FLASK_APP", "FLASK_DEBUG", "TRUSTED_PROXIES"):
        env.pop(k, None)
    url = create_database(dbname)
    env.update({
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "EVENTSAPP_INSTANCE": str(work / "instance"),
        "RATELIMIT_STORAGE_URI": args.redis,
        "RATELIMIT_MULTIPLIER": str(args.ratelimit_multiplier),
        "LOG_LEVEL": "WARNING",
        "MAIL_SERVER": "",  # the outbox is written; nothing is sent
        "DEMO_ON_FIRST_RUN": "0",
        "PYTHONUNBUFFERED": "1",
    })
    os.environ["LOG_LEVEL"] = "WARNING"
    print(f"eventsapp benchmark ({'quick' if args.quick else 'full'}): database {dbname}, "
          f"gunicorn {args.worker_class} -w {args.workers}"
          + (f" --threads {args.threads}" if args.worker_class == "gthread" else ""), flush=True)

    server = None
    app = None
    ctx = None
    notes: list[str] = []
    failure = ""
    try:
        from eventsapp import create_app
        from eventsapp.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-fill",
                          "INSTANCE_PATH": str(work / "instance"),
                          "RATELIMIT_STORAGE_URI": "memory://"})
        t = time.monotonic()
        notes += prepare_schema(url, env, args.schema, app)
        print(f"  {notes[-1]} ({time.monotonic() - t:.1f}s)", flush=True)

        from fill import fill
        t = time.monotonic()
        with app.app_context():
            filled = fill(scale)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        print(f"  data filled in {time.monotonic() - t:.1f}s", flush=True)

        from scenarios import ALL, Ctx
        from server import Gunicorn

        server = Gunicorn(env, workers=args.workers, worker_class=args.worker_class,
                          threads=args.threads, log_path=work / "gunicorn.log")
        t = time.monotonic()
        server.start()
        print(f"  gunicorn on {server.base_url} (workers {server.worker_pids()}, ready in "
              f"{time.monotonic() - t:.1f}s)", flush=True)
        ctx = Ctx(app=app, server=server, filled=filled, scale=scale, workdir=work,
                  profile=args.profile)
        notes.append(_ratelimit_note(ctx, args))
        for name, fn in ALL:
            if name != "baseline" and only and name not in only:
                continue
            t = time.monotonic()
            print(f"  {name} ...", end="", flush=True)
            fn(ctx)
            print(f" {time.monotonic() - t:.1f}s", flush=True)
    except Exception as exc:  # noqa: BLE001 - reported below, after the cleanup
        import traceback

        failure = "".join(traceback.format_exception(exc))
    finally:
        if server is not None:
            server.stop()
        if app is not None:
            with app.app_context():
                from eventsapp.extensions import db

                db.session.remove()
                db.engine.dispose()
        if not args.keep_db:
            drop_database(dbname)

    rows = ctx.rows if ctx else []
    if args.quick:  # small batches say nothing about speed: targets are for the full run
        for r in rows:
            r.target = None
        notes.append("quick mode: targets are judged only by the full run")
    server_log = _server_errors(work / "gunicorn.log")
    info = machine_info()
    print()
    load_end = os.getloadavg()
    print(f"eventsapp benchmark, {info['date']}: {info['nproc']} cores, {info['cpu']}, "
          f"{info['ram_gib']} GiB RAM, Python {info['python']}; load average "
          f"{load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end"
          + (" (other work was running: compare ratios, not absolute numbers)"
             if max(load_start[0], load_end[0]) > (os.cpu_count() or 2) else ""))
    print(format_table(rows))
    print()
    bad = []
    for r in rows:
        for label, ok in r.invariants:
            if not ok:
                bad.append(f"{r.scenario}: {label}")
        if r.load is not None and r.errors:
            bad.append(f"{r.scenario}: {r.errors} errors {r.load.errors[:3]}")
    skipped = [r for r in rows if r.skipped]
    checks = sum(len(r.invariants) for r in rows)
    print(f"invariants: {checks - len([1 for r in rows for _, ok in r.invariants if not ok])} of "
          f"{checks} hold" + ("" if not bad else "; BROKEN:"))
    for b in bad:
        print("  - " + b)
    for r in skipped:
        print(f"  skipped: {r.scenario} ({r.skipped})")
    if server_log:
        kept_log = Path(tempfile.gettempdir()) / f"eventsapp-bench-{stamp}-gunicorn.log"
        shutil.copy(work / "gunicorn.log", kept_log)
        print(f"server log ({kept_log}): {len(server_log)} distinct error lines:")
        for line in server_log[:12]:
            print("  " + line)
    for n in notes:
        print("note: " + n)
    if failure:
        print("the benchmark stopped with an error:\n" + failure)

    result = {"date": info["date"], "machine": info,
              "loadavg_start": load_start, "loadavg_end": load_end, "mode": "quick" if args.quick else "full",
              "server": {"worker_class": args.worker_class, "workers": args.workers,
                         "threads": args.threads},
              "ratelimit_multiplier": args.ratelimit_multiplier, "scale": scale, "notes": notes,
              "baseline_rps": ctx.baseline if ctx else {}, "rows": [r.as_dict() for r in rows],
              "markdown": format_markdown(rows), "broken": bad, "failure": failure or None,
              "server_error_lines": server_log[:20],
              "duration_s": round(time.monotonic() - t_start, 1)}
    if not args.no_save:
        out_dir = HERE / "results"
        out_dir.mkdir(exist_ok=True)
        out = out_dir / f"{stamp}{'-quick' if args.quick else ''}.json"
        out.write_text(json.dumps(result, indent=2, default=str))
        print(f"results: {out.relative_to(ROOT)}  ({result['duration_s']}s in all)")
    if args.profile and (work / "profiles").is_dir():
        kept = Path(tempfile.gettempdir()) / f"eventsapp-bench-{stamp}-profiles"
        shutil.move(str(work / "profiles"), kept)
        print(f"profiles (py-spy raw stacks and a summary per scenario): {kept}")
        for summary in sorted(kept.glob("*-summary.txt")):
            print(f"--- {summary.name}\n" + "\n".join(summary.read_text().splitlines()[:28]))
    shutil.rmtree(work, ignore_errors=True)
    if failure or bad or (args.strict and skipped):
        return 1
    return 0


def _ratelimit_note(ctx, args) -> str:
    """Rate limits stay on: report the limit headers a rate-limited route answers with."""
    return (f"rate limits on, in {args.redis}, raised x{args.ratelimit_multiplier} "
            "by RATELIMIT_MULTIPLIER")


def _server_errors(log: Path) -> list[str]:
    """Distinct error lines of the server log: logged errors and the exceptions ending
    each traceback, with how often each occurred."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    seen: dict[str, int] = {}
    for i, ln in enumerate(lines):
        is_exc = (i + 1 < len(lines) and not lines[i + 1].startswith((" ", "\t"))
                  and i > 0 and lines[i - 1].startswith(" ") and not ln.startswith(" ")
                  and ":" in ln)
        if "ERROR" in ln or "CRITICAL" in ln or is_exc:
            key = ln[:300]
            seen[key] = seen.get(key, 0) + 1
    return [f"{n}x {k}" for k, n in seen.items()]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
