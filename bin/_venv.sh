# Sourced by bin/run and bin/test: a virtualenv in .venv with the pinned requirements,
# and node_modules/ with the front-end packages of package-lock.json.
# Re-installs only when a requirements file changed (a stamp holds their checksum).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
ensure_requirements() {
  local file="$1" stamp=".venv/.stamp-$(basename "$1")"
  local sum; sum="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "Installing $file ..."
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$file"
    echo "$sum" > "$stamp"
  fi
}
# Front-end libraries (package-lock.json) into node_modules/, which eventsapp/assets.py
# serves. The stamp lives in node_modules/ itself, not in .venv/: a checkout's
# node_modules/ is its own, while a virtualenv may be shared between checkouts.
ensure_node_modules() {
  local stamp="node_modules/.stamp-package-lock.json"
  local sum; sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    return 0
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    cat >&2 <<'MSG'
Node.js and npm are needed to install the front-end libraries pinned in
package-lock.json (the check-in desk's QR decoder) into node_modules/.
Install them (Debian: sudo apt-get install nodejs npm), then run this command again.
MSG
    exit 1
  fi
  echo "Installing front-end packages (npm ci) ..."
  # --ignore-scripts: the packages are plain files to serve; no install script may run.
  # --include=dev: the tests' own tools (axe-core) too, whatever NODE_ENV says.
  npm ci --include=dev --no-audit --no-fund --ignore-scripts
  echo "$sum" > "$stamp"
}
