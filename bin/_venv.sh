# Sourced by bin/run and bin/test: a virtualenv in .venv with the pinned requirements.
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
