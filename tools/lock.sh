#!/usr/bin/env bash
# Re-resolve requirements.in into exact pins in requirements.lock.
# After it: `make expected`, review the diffs of tests/expected, `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-python3}" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.in
{
  echo "# Exact pins for the course environment (Python 3.11). Installed by 'make venv'."
  echo "# Regenerate: make lock (then re-run 'make expected' and review the diffs)."
  # torch's local wheel carries '+cpu'; the plain pin selects it here and stays portable.
  "$tmp/venv/bin/pip" freeze --all --exclude pip | sed -E 's/^torch==([0-9.]+)\+cpu$/torch==\1/'
} | LC_ALL=C sort -f -t= -k1,1 > requirements.lock
echo "requirements.lock: $(grep -vc '^#' requirements.lock) pins"

# JupyterLab for `make lab`: only what it adds to the course environment.
"$tmp/venv/bin/pip" freeze --all --exclude pip | LC_ALL=C sort -f > "$tmp/course.txt"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check -c requirements.lock -r requirements-lab.in
"$tmp/venv/bin/pip" freeze --all --exclude pip | LC_ALL=C sort -f > "$tmp/with-lab.txt"
{
  echo "# Extra pins for 'make lab' (JupyterLab), installed on top of requirements.lock."
  echo "# Regenerated together with it by 'make lock'."
  comm -13 "$tmp/course.txt" "$tmp/with-lab.txt"
} > requirements-lab.lock
echo "requirements-lab.lock: $(grep -vc '^#' requirements-lab.lock) pins"
