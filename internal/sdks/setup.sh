#!/usr/bin/env bash
# internal/sdks/setup.sh: install the pinned ElevenLabs SDKs the drivers run (internal/sdks/README.md).
#   node/node_modules      npm ci from node/package-lock.json
#   python/.venv-<version> one venv per python/requirements-<version>.txt, pip --require-hashes
# Idempotent: each part keeps a stamp (the sha256 of its lock file and the
# interpreter's version) and is skipped while the stamp matches. A missing
# node/npm or python3 skips that part with one line and is not an error.
# Environment: PYTHON picks the interpreter (default python3.11 if present, else python3).
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'sdks: %s\n' "$*"; }

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# --- Node: elevenlabs-js (two versions) and @elevenlabs/client ----------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  say "node: skipped, node or npm is not installed (the elevenlabs-js and @elevenlabs/client drivers cannot run)"
else
  stamp=node/node_modules/.scribecheck-stamp
  want="$(sha256 node/package-lock.json) node $(node --version)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "node: up to date ($(node --version))"
  else
    say "node: npm ci in internal/sdks/node ($(node --version), npm $(npm --version 2>/dev/null))"
    (cd node && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    printf '%s\n' "$want" >"$stamp"
    say "node: installed"
  fi
fi

# --- Python: elevenlabs, one venv per lock file ------------------------------
py="${PYTHON:-}"
if [ -z "$py" ]; then
  if command -v python3.11 >/dev/null 2>&1; then py=python3.11; else py=python3; fi
fi
if ! command -v "$py" >/dev/null 2>&1; then
  say "python: skipped, $py is not installed (the elevenlabs-python drivers cannot run)"
elif ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  say "python: skipped, $py has no venv/ensurepip module (on Debian: apt-get install python3-venv)"
else
  pyver="$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
  for req in python/requirements-*.txt; do
    [ -e "$req" ] || continue
    version="${req#python/requirements-}"; version="${version%.txt}"
    venv="python/.venv-$version"
    stamp="$venv/.scribecheck-stamp"
    want="$(sha256 "$req") python $pyver"
    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
      say "python: elevenlabs $version up to date ($venv, python $pyver)"
      continue
    fi
    say "python: elevenlabs $version into $venv (python $pyver, pip --require-hashes)"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --require-hashes -r "$req"; then
      rm -rf "$venv"
      say "python: pip install of $req failed"
      exit 1
    fi
    printf '%s\n' "$want" >"$stamp"
  done
  say "python: done"
fi
