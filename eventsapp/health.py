"""Liveness answer for load balancers, and the benchmark's baseline route.

It touches neither the database nor the session: it measures the server and framework
alone, so other routes can be reported as a ratio to it.
"""
from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")
