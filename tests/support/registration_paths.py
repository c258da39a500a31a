"""Run registration tests over both paths of ``register``: the PostgreSQL rush path
(``registration.rush_pg``) and the general path. SQLite has the general path only, so
there the fast-path variant is skipped."""
from __future__ import annotations

import pytest


@pytest.fixture(params=[True, False], ids=["fast_path", "general_path"])
def fast_path(request, backend) -> bool:
    if request.param and backend == "sqlite":
        pytest.skip("SQLite has the general path only")
    return bool(request.param)
