"""Front-end libraries installed from npm into node_modules/, served by this site.

No CDN (the check-in desk must work on a venue's network and the CSP allows 'self'
only) and no copies of others' files in the repository: package.json and
package-lock.json pin the versions, ``npm ci`` (bin/run, bin/test) installs them into
the git-ignored node_modules/, and this blueprint serves an allow-list of their files.
Nothing else under node_modules/ is reachable.

Templates link with ``asset_url(name)``: the URL carries a hash of the file, so a
matching request may be cached for a year and an upgrade still reaches browsers.
``NODE_MODULES_DIR`` (app config) points elsewhere than the checkout's node_modules/.
"""
from __future__ import annotations

import hashlib
import os

from flask import Blueprint, Flask, Response, current_app, request, send_file, url_for

# Public name -> file inside node_modules/. Add a file here when a template needs it.
ASSETS: dict[str, str] = {
    "jsqr/jsQR.js": "jsqr/dist/jsQR.js",  # QR decoder for cameras without BarcodeDetector
}

ONE_YEAR = 365 * 24 * 3600
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

bp = Blueprint("assets", __name__)

# path -> (mtime_ns, size, hash): hashing once per file version, not once per page.
_hashes: dict[str, tuple[int, int, str]] = {}


def node_modules_dir(app: Flask | None = None) -> str:
    app = app or current_app
    return app.config.get("NODE_MODULES_DIR") or os.path.join(_ROOT, "node_modules")


def _path(name: str) -> str:
    return os.path.join(node_modules_dir(), ASSETS[name])


def _version(path: str) -> str | None:
    """A short content hash of ``path``, or None when the file is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    cached = _hashes.get(path)
    if cached and cached[:2] == (st.st_mtime_ns, st.st_size):
        return cached[2]
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:12]
    _hashes[path] = (st.st_mtime_ns, st.st_size, digest)
    return digest


def asset_url(name: str) -> str:
    """URL of an allow-listed asset; an unknown name is a KeyError (a typo in a template)."""
    if name not in ASSETS:
        raise KeyError(f"{name!r} is not in eventsapp.assets.ASSETS")
    version = _version(_path(name))
    if version is None:  # no node_modules/: the page still renders, the asset answers 404
        return url_for("assets.asset", name=name)
    return url_for("assets.asset", name=name, v=version)


@bp.route("/assets/<path:name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        return Response("No such asset.\n", 404, mimetype="text/plain")
    path = _path(name)
    version = _version(path)
    if version is None:
        # Say what is wrong rather than a bare 404: the usual cause is a checkout where
        # `npm ci` has not run (bin/run and bin/test run it).
        return Response(
            f"{name} is not installed: node_modules/{ASSETS[name]} is missing. "
            "Run `npm ci` in the project directory (bin/run and bin/test do).\n",
            404, mimetype="text/plain")
    if request.args.get("v") == version:
        # The URL names this exact content: it never changes, so browsers need not ask again.
        resp = send_file(path, conditional=True, etag=version, max_age=ONE_YEAR)
        resp.cache_control.immutable = True
    else:
        # An old or no version in the URL: the current file, revalidated on each use.
        resp = send_file(path, conditional=True, etag=version)
    return resp

