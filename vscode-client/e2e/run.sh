#!/usr/bin/env bash
# `make e2e`: the packaged extension in code-server on 127.0.0.1, driven by Chromium, five times with the
# same clean profile: a set-up whose pip cannot find the dependencies (hoverdoc.wheelhouse an empty
# folder) fails with one clear message; then the user clicks "Set up hoverdoc" (the private environment
# is created from the wheel the .vsix carries, with an interpreter that has no hoverdoc); a second
# start reuses it (a file left in it must survive); and once hoverdoc is deleted from it, a third names
# it broken and recreates it. The reuse run also deletes a folder whose documented function a hover quotes. Last,
# with an interpreter that has the training extras, a search retrain is cancelled from its progress
# notification and the workspace model installed before it must be unchanged.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CLIENT="$(dirname "$HERE")"
PYTHON="${HOVERDOC_PYTHON:-python3}"
# the interpreter the private environment is created with: the base of the project's venv, no hoverdoc
BASE_PYTHON="$("$PYTHON" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')"
if "$BASE_PYTHON" -c "import hoverdoc.server" 2>/dev/null; then
  echo "e2e: $BASE_PYTHON can import hoverdoc; the set-up test needs an interpreter without it" >&2
  exit 1
fi
PORT="${E2E_PORT:-18423}"
ARTIFACTS="$HERE/artifacts"
bash "$HERE/install-code-server.sh"
CS="$HERE/.code-server/node_modules/code-server/out/node/entry.js"

WORK="$(mktemp -d)"
trap 'kill -- -"${SERVER_PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/project" "$WORK/data/User" "$WORK/extensions"
cat > "$WORK/project/orders.py" <<'PY'
def count_order_total(records, value):
    matches = [r for r in records if r.total == value]
    return len(matches)
PY
cat > "$WORK/project/usage.py" <<'PY'
from orders import count_order_total

result = count_order_total([], 1)
PY
mkdir -p "$WORK/project/ledgers"  # a documented function and its undocumented twin (mode reuse deletes ledgers/)
cat > "$WORK/project/ledgers/ledger.py" <<'PY'
def read_ledger_balance(entries, currency):
    """Sum the open amounts of the ledger entries booked in one currency."""
    open_entries = [e for e in entries if e.currency == currency and not e.closed]
    return sum(e.amount for e in open_entries)
PY
cat > "$WORK/project/billing.py" <<'PY'
def sum_open_ledger(entries, currency):
    open_entries = [e for e in entries if e.currency == currency and not e.closed]
    return sum(e.amount for e in open_entries)
PY
mkdir -p "$WORK/empty-wheelhouse"
write_settings() {  # $1: extra settings lines; $2: the interpreter (default: one without hoverdoc)
  cat > "$WORK/data/User/settings.json" <<JSON
{
  $1
  "hoverdoc.interpreter": "${2:-$BASE_PYTHON}",
  "files.autoSave": "off",
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "editor.hover.delay": 150,
  "telemetry.telemetryLevel": "off",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false
}
JSON
}
node "$CS" --extensions-dir "$WORK/extensions" --user-data-dir "$WORK/data" \
  --install-extension "$CLIENT/hoverdoc-0.1.0.vsix" >/dev/null
start_code_server() {
  # its own process group: stopping it stops what it started (a server, a retrain) with it
  HOVERDOC_CACHE_DIR="$WORK/cache" setsid node "$CS" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry \
    --disable-update-check --disable-workspace-trust --extensions-dir "$WORK/extensions" --user-data-dir "$WORK/data" \
    "$WORK/project" >> "$WORK/code-server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
    sleep 0.5
  done
}
env_dir() { find "$WORK/data" -type d -path '*globalStorage/hoverdoc.hoverdoc/env' | head -1; }
status=0
model_digest() { (cd "$WORK/project/.hoverdoc/model" && sha256sum ./*) ; }
for mode in ${E2E_MODES:-pip-fails setup reuse repair cancel}; do  # E2E_MODES: a subset, to debug one
  case "$mode" in
    pip-fails) write_settings "\"hoverdoc.wheelhouse\": \"$WORK/empty-wheelhouse\"," ;;
    setup) write_settings "" ;;
    reuse)  # a restart must reuse the environment, not rebuild it (a rebuild starts from an empty folder)
      kept="$(env_dir)"
      [ -n "$kept" ] || { echo "e2e: no private environment to reuse" >&2; status=1; break; }
      touch "$kept/e2e-reuse-marker" ;;
    repair)
      broken="$(env_dir)"
      [ -n "$broken" ] || { echo "e2e: no private environment to break" >&2; status=1; break; }
      rm -rf "$broken"/lib/python*/site-packages/hoverdoc ;;
    cancel)  # a workspace with documented code to retrain on and a model installed for it
      write_settings '"hoverdoc.importStrategy": "fromEnvironment",' "$PYTHON"
      mkdir -p "$WORK/project/documented"  # hoverdoc's own documented code: ~100 files
      for layer in core server training export; do cp -r "$CLIENT/../$layer" "$WORK/project/documented/"; done
      mkdir -p "$WORK/project/.hoverdoc/model"
      cp "$CLIENT"/../models/hoverdoc-minilm-bart-22m/{manifest.json,*.onnx,tokenizer.json} "$WORK/project/.hoverdoc/model/"
      model_digest > "$WORK/model-before.sha256" ;;
  esac
  # each mode starts with no editor restored from the last one: VS Code backs up unsaved edits (the
  # docstring a mode inserts) and may not have dropped the backup when the browser closed
  if [ -d "$WORK/data/User/Backups" ]; then
    echo "e2e: dropping $(find "$WORK/data/User/Backups" -type f | wc -l) editor backup file(s) of the last mode"
    rm -rf "$WORK/data/User/Backups"
  fi
  start_code_server
  node "$HERE/test.mjs" "http://127.0.0.1:$PORT/?folder=$WORK/project" "$ARTIFACTS/$mode" "$mode" "$WORK/project" || status=$?
  kill -- -"$SERVER_PID" 2>/dev/null || kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  if [ "$status" = 0 ] && [ "$mode" = cancel ]; then
    if model_digest | cmp -s - "$WORK/model-before.sha256"; then
      echo "e2e: the cancelled retrain left the installed workspace model unchanged"
    else
      echo "e2e: the cancelled retrain changed the installed workspace model" >&2; status=1
    fi
  fi
  if [ "$status" = 0 ] && [ "$mode" = reuse ]; then
    if [ -f "$(env_dir)/e2e-reuse-marker" ]; then
      echo "e2e: the restart reused the private environment"
    else
      echo "e2e: the restart rebuilt the private environment instead of reusing it" >&2; status=1
    fi
  fi
  [ "$status" = 0 ] || break
done
ENV_DIR="$(env_dir)"
if [ "$status" = 0 ] && [ -n "$ENV_DIR" ]; then
  echo "e2e: private environment $(du -sh "$ENV_DIR" | cut -f1); .vsix $(du -h "$CLIENT/hoverdoc-0.1.0.vsix" | cut -f1)"
else
  echo "--- code-server log ---"; tail -50 "$WORK/code-server.log"
fi
exit "$status"
