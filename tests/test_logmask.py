"""Secrets never reach a log: gunicorn's access log (a real gunicorn run with the shipped
gunicorn.conf.py), the development server's request log, and the 500 log."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from eventsapp.logmask import MASK, MaskingFilter, mask

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Zq3vX9bT2mK7pL4wR8nY1cF6"


@pytest.mark.parametrize("path, kept", [
    (f"/r/{SECRET}", "/r/"),
    (f"/r/{SECRET}/badge.png", "/badge.png"),
    (f"/r/{SECRET}/badge.pdf", "/badge.pdf"),
    (f"/r/{SECRET}/modality", "/modality"),
    (f"/r/{SECRET}/cancel", "/cancel"),
    (f"/r/{SECRET}/register-again", "/register-again"),
    (f"/r/{SECRET}/watch", "/watch"),
    (f"/r/{SECRET}/calendar.ics", "/calendar.ics"),
    (f"/r/{SECRET}/join-links", "/join-links"),
    (f"/join/{SECRET}/12", "/join/"),
    (f"/join/{SECRET}/watch", "/watch"),
    (f"/join/{SECRET}/calendar.ics", "/calendar.ics"),
    (f"/calendar/{SECRET}.ics", ".ics"),
    (f"/pledges/update/{SECRET}", "/pledges/update/"),
    (f"/events/kigali/checkin?code={SECRET}", "/checkin?code="),
    (f"GET /r/{SECRET}?x=1 HTTP/1.1", "?x=1 HTTP/1.1"),
    (f"https://events.example.org/join/{SECRET}/watch", "https://events.example.org/join/"),
])
def test_mask_hides_the_secret_of_each_private_link(path, kept):
    masked = mask(path)
    assert SECRET not in masked
    assert MASK in masked and kept in masked


@pytest.mark.parametrize("path", ["/", "/events/kigali", "/events/kigali/calendar.ics",
                                  "/account/tokens/3/revoke", "/pledges", "/static/css/app.css"])
def test_mask_leaves_other_paths_alone(path):
    assert mask(path) == path


def test_every_route_with_a_secret_in_its_path_is_masked(app):
    """A new route carrying a token/secret/code in its URL must be added to logmask."""
    for rule in app.url_map.iter_rules():
        secret_args = [a for a in rule.arguments if a in {"token", "secret", "code", "key"}]
        if not secret_args:
            continue
        values = {a: (SECRET if a in secret_args else "1") for a in rule.arguments}
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<{name}>", value).replace(f"<int:{name}>", value)
        assert SECRET not in mask(path), rule.rule


def test_development_server_log_is_masked(app, caplog):
    """create_app installs the filter on werkzeug's logger (what `flask run` logs to)."""
    logger = logging.getLogger("werkzeug")
    assert any(isinstance(f, MaskingFilter) for f in logger.filters)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        # The way werkzeug.serving's request handler logs a request line.
        logger.info('%s - - [%s] "%s" %s %s', "127.0.0.1", "01/Jan/2026 10:00:00",
                    f"GET /r/{SECRET}/badge.png HTTP/1.1", "200", "-")
    assert "/r/***/badge.png" in caplog.text
    assert SECRET not in caplog.text


def test_development_server_really_logs_masked(app, caplog):
    """A real werkzeug server (what `flask run` starts) on a free port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    import threading

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{server.port}/calendar/{SECRET}.ics",
                                       timeout=10)
            except urllib.error.HTTPError:
                pass
            deadline = time.monotonic() + 5
            while "calendar" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        server.shutdown()
        thread.join(5)
    assert "/calendar/***.ics" in caplog.text
    assert SECRET not in caplog.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn_app_db(tmp_path):
    """A SQLite database with the schema for the gunicorn process to use."""
    from eventsapp import create_app
    from eventsapp.extensions import db

    from .conftest import _test_config

    url = f"sqlite:///{tmp_path / 'gunicorn.sqlite3'}"
    app = create_app(_test_config(url, INSTANCE_PATH=str(tmp_path / "instance")))
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return url


def test_gunicorn_access_log_does_not_contain_the_token(tmp_path, gunicorn_app_db):
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": gunicorn_app_db, "SECRET_KEY": "k" * 64,
           "EVENTSAPP_INSTANCE": str(tmp_path / "instance"), "MAIL_SERVER": "",
           "RATELIMIT_STORAGE_URI": "memory://", "BASE_URL": f"http://127.0.0.1:{port}",
           "GUNICORN_ACCESSLOG": str(access_log)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
         "-b", f"127.0.0.1:{port}", "-w", "1", "--threads", "2", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
                assert time.monotonic() < deadline, "gunicorn did not start in 30 s"
                time.sleep(0.2)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/r/{SECRET}",
            headers={"Referer": f"http://127.0.0.1:{port}/join/{SECRET}/watch"})
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as exc:
            assert exc.code == 404  # unknown token; the request is logged all the same
        deadline = time.monotonic() + 10
        while (not access_log.exists() or "/r/" not in access_log.read_text()) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stdout:
            proc.stdout.close()
    log = access_log.read_text()
    assert "GET /r/*** HTTP/1.1" in log, log
    assert SECRET not in log, log
