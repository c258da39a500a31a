"""Front-end libraries from node_modules/ (npm ci), served under /assets/."""
from __future__ import annotations

import os
import re

import pytest

from eventsapp.assets import ASSETS, ONE_YEAR, asset_url, node_modules_dir


@pytest.fixture
def installed(app):
    missing = [n for n, rel in ASSETS.items()
               if not os.path.isfile(os.path.join(node_modules_dir(app), rel))]
    if missing:
        pytest.fail(f"node_modules/ lacks {missing}: run `npm ci` (bin/test does)")


def test_an_asset_is_served_with_a_year_of_cache_when_the_url_names_its_version(
        app, client, installed):
    with app.test_request_context():
        url = asset_url("jsqr/jsQR.js")
    assert re.fullmatch(r"/assets/jsqr/jsQR\.js\?v=[0-9a-f]{12}", url)
    resp = client.get(url)
    assert resp.status_code == 200
    assert "javascript" in resp.mimetype
    assert b"jsQR" in resp.data
    assert resp.cache_control.max_age == ONE_YEAR
    assert resp.cache_control.public and resp.cache_control.immutable
    etag = resp.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_an_unversioned_or_stale_url_is_revalidated(client, installed):
    for url in ("/assets/jsqr/jsQR.js", "/assets/jsqr/jsQR.js?v=000000000000"):
        resp = client.get(url)
        assert resp.status_code == 200
        assert resp.cache_control.no_cache
        assert not resp.cache_control.max_age


@pytest.mark.parametrize("name", ["jsqr/package.json", "jsqr/dist/jsQR.js", "../package.json",
                                  "jsqr/../../package-lock.json"])
def test_only_allow_listed_files_are_reachable(client, installed, name):
    # Paths with ".." may be normalised before routing; either way nothing is served.
    resp = client.get(f"/assets/{name}")
    assert resp.status_code == 404
    assert b'"name"' not in resp.data and b"webpack" not in resp.data


def test_without_node_modules_the_page_renders_and_the_asset_says_what_to_do(
        app, client, tmp_path):
    app.config["NODE_MODULES_DIR"] = str(tmp_path / "node_modules")
    with app.test_request_context():
        assert asset_url("jsqr/jsQR.js") == "/assets/jsqr/jsQR.js"
    resp = client.get("/assets/jsqr/jsQR.js")
    assert resp.status_code == 404
    assert b"npm ci" in resp.data


def test_an_unknown_name_in_a_template_fails_loudly(app):
    with app.test_request_context(), pytest.raises(KeyError):
        asset_url("nope.js")
