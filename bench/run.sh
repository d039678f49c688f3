#!/usr/bin/env bash
# Benchmark: `aegis validate` against check-jsonschema on a generated repository.
#
#   bash bench/run.sh                 # from the repository root (or anywhere)
#
# What it does, in one run on one machine:
#   1. builds aegis and aegis-bench-gen in release mode;
#   2. installs the peer (check-jsonschema 0.39.0) and hyperfine if missing;
#   3. generates two repositories into a temporary directory (never committed):
#        full/  2,000 controls, 10,000 implementations, 50,000 evidence references,
#               policies, exceptions, risks  (~60,000 files Aegis reads)
#        impl/  the same controls and 10,000 implementations only (like for like)
#      and checks that both validate clean (exit 0, zero diagnostics);
#   4. writes our JSON Schemas (`aegis schemas --out $TMP/schemas`);
#   5. times with hyperfine, in ONE run:
#        aegis validate impl/      vs  check-jsonschema on impl/'s 10,000 implementation files
#        aegis validate full/      vs  check-jsonschema on full/'s implementation files
#                                      + check-jsonschema on full/'s 50,000 evidence files
#   6. measures peak RSS with /usr/bin/time -v, prints the table and ratios,
#      and leaves everything (hyperfine JSON, results.md) in $TMP.
#
# Knobs (environment): CONTROLS IMPLS EVIDENCE SEED, STAGES=0 to skip the stage breakdown, AEGIS_RUNS (10), PEER_RUNS (2),
# PEER_FULL=0 to skip the slow full-repo check-jsonschema runs (~3 min),
# SETUP_PEERS=full to run ../shared/bench/setup-peers.sh (all peers) instead of
# installing check-jsonschema alone, SKIP_BUILD=1, BENCH_TMP=DIR, KEEP=1 to keep the generated
# repositories (results are always kept in $TMP).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}
PEERS_HOME=${PEERS_HOME:-/tmp/peers}
CONTROLS=${CONTROLS:-2000}
IMPLS=${IMPLS:-10000}
EVIDENCE=${EVIDENCE:-50000}
SEED=${SEED:-42}
AS_OF=2026-06-30
AEGIS_RUNS=${AEGIS_RUNS:-10}
PEER_RUNS=${PEER_RUNS:-2}
PEER_FULL=${PEER_FULL:-1}
TMP=${BENCH_TMP:-$(mktemp -d /tmp/aegis-bench.XXXXXX)}
mkdir -p "$TMP"
log() { printf '[bench] %s\n' "$*" >&2; }

# ---------------------------------------------------------------- 1. build
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "cargo build --release (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --release --bin aegis --example aegis-bench-gen)
fi
AEGIS=$CARGO_TARGET_DIR/release/aegis
GEN=$CARGO_TARGET_DIR/release/examples/aegis-bench-gen

# ---------------------------------------------------------------- 2. peers
CJS=$PEERS_HOME/venv-cjs/bin/check-jsonschema
if [[ "${SETUP_PEERS:-}" == full ]]; then
  bash "$ROOT/../shared/bench/setup-peers.sh"
else
  # The same venv layout and pin as ../shared/bench/setup-peers.sh, so running
  # that script later finds check-jsonschema already present.
  if [[ ! -x $CJS ]]; then
    log "installing check-jsonschema 0.39.0 into $PEERS_HOME/venv-cjs"
    mkdir -p "$PEERS_HOME"
    python3 -m venv "$PEERS_HOME/venv-cjs"
    "$PEERS_HOME/venv-cjs/bin/pip" install -q --upgrade pip
    "$PEERS_HOME/venv-cjs/bin/pip" install -q "check-jsonschema==0.39.0"
  fi
  missing=()
  for t in hyperfine jq; do command -v $t >/dev/null || missing+=("$t"); done
  [[ -x /usr/bin/time ]] || missing+=(time)
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# ---------------------------------------------------------------- 3. generate + check clean
FULL=$TMP/full
IMPL=$TMP/impl
rm -rf "$FULL" "$IMPL"
"$GEN" --out "$FULL" --controls "$CONTROLS" --implementations "$IMPLS" --evidence "$EVIDENCE" --seed "$SEED" --as-of "$AS_OF"
"$GEN" --out "$IMPL" --controls "$CONTROLS" --implementations "$IMPLS" --evidence 0 --exceptions 0 --risks 0 --seed "$SEED" --as-of "$AS_OF"

check_clean() { # repo -> prints files read
  local out rc=0
  out=$("$AEGIS" validate "$1" --as-of "$AS_OF" --format json) || rc=$?
  local n; n=$(jq '.diagnostics | length' <<<"$out")
  if [[ $rc -ne 0 || $n -ne 0 ]]; then
    log "FAIL: $1 is not clean (exit $rc, $n diagnostics):"
    jq -r '.diagnostics[:20][] | "  \(.file):\(.line) \(.code) \(.message)"' <<<"$out" >&2
    exit 1
  fi
  jq '.summary.files' <<<"$out"
}
FULL_FILES=$(check_clean "$FULL")
IMPL_FILES=$(check_clean "$IMPL")
# Files check-jsonschema gets (shell globs, expanded inside the timed command).
N_IMPL_IMPL=$(cd "$IMPL/implementations" && ls -1 */*.yaml | wc -l)
N_FULL_IMPL=$(cd "$FULL/implementations" && ls -1 */*.yaml | wc -l)
N_FULL_EV=$(cd "$FULL/evidence" && ls -1 */*.yaml | wc -l)  # evidence/files/ holds only .txt artifacts
log "clean: full/ $FULL_FILES files, impl/ $IMPL_FILES files (aegis validate --as-of $AS_OF: exit 0, 0 diagnostics)"

# ---------------------------------------------------------------- 4. schemas
"$AEGIS" schemas --out "$TMP/schemas"
S_IMPL=$TMP/schemas/implementation.schema.json
S_EV=$TMP/schemas/evidence.schema.json
# The peer must accept the same files (hyperfine aborts on a non-zero exit).
(cd "$IMPL/implementations" && "$CJS" --schemafile "$S_IMPL" */*.yaml >/dev/null) \
  || { log "check-jsonschema rejects impl/ files"; exit 1; }

# ---------------------------------------------------------------- 5. time
A="$AEGIS validate"; AO="--as-of $AS_OF --format json"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "hyperfine: aegis ($AEGIS_RUNS runs each)"
hyperfine --style basic --warmup 2 --runs "$AEGIS_RUNS" --export-json "$TMP/aegis.json" \
  -n "aegis impl" "$A $IMPL $AO >/dev/null" \
  -n "aegis full" "$A $FULL $AO >/dev/null"
log "hyperfine: check-jsonschema on impl/ ($PEER_RUNS runs)"
hyperfine --style basic --runs "$PEER_RUNS" --export-json "$TMP/cjs-impl.json" \
  -n "cjs impl" "cd $IMPL/implementations && $CJS --schemafile $S_IMPL */*.yaml >/dev/null"
if [[ "$PEER_FULL" == 1 ]]; then
  log "hyperfine: check-jsonschema on full/ implementations + evidence (1 run each)"
  hyperfine --style basic --runs 1 --export-json "$TMP/cjs-full.json" \
    -n "cjs full impl" "cd $FULL/implementations && $CJS --schemafile $S_IMPL */*.yaml >/dev/null" \
    -n "cjs full evidence" "cd $FULL/evidence && $CJS --schemafile $S_EV */*.yaml >/dev/null"
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- 6. peak RSS
rss() { # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$TMP/time-$label.txt" || true
  awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$TMP/time-$label.txt"
}
RSS_AEGIS_IMPL=$(rss aegis-impl "$AEGIS" validate "$IMPL" --as-of "$AS_OF" --format json)
RSS_AEGIS_FULL=$(rss aegis-full "$AEGIS" validate "$FULL" --as-of "$AS_OF" --format json)
RSS_CJS_IMPL=$(cd "$IMPL/implementations" && rss cjs-impl bash -c "$CJS --schemafile $S_IMPL */*.yaml")

# ---------------------------------------------------------------- stage breakdown (after timing)
if [[ "${STAGES:-1}" == 1 ]]; then
  log "stage breakdown (aegis-bench-gen --stages)"
  "$GEN" --stages "$IMPL" --as-of "$AS_OF" --repeat 5 > "$TMP/stages-impl.md"
  "$GEN" --stages "$FULL" --as-of "$AS_OF" --repeat 3 > "$TMP/stages-full.md"
fi

# ---------------------------------------------------------------- report
med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$1"; }
calc() { awk "BEGIN { print $1 }"; }
mean() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .mean' "$1"; }
AI=$(med "$TMP/aegis.json" "aegis impl"); AF=$(med "$TMP/aegis.json" "aegis full")
CI=$(med "$TMP/cjs-impl.json" "cjs impl")
{
  echo "## Results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r))"
  echo
  echo "aegis $("$AEGIS" --version | awk '{print $2}') ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?') + working tree), check-jsonschema $("$CJS" --version | awk '{print $NF}'), hyperfine $(hyperfine --version | awk '{print $2}'); seed $SEED, as-of $AS_OF."
  echo "Load average (1/5/15 min) before timing: $LOAD_BEFORE; after: $LOAD_AFTER (the machine is shared)."
  echo "Medians; aegis $AEGIS_RUNS runs after 2 warm-ups, check-jsonschema $PEER_RUNS runs (impl/)$([[ "$PEER_FULL" == 1 ]] && echo ' and 1 run (full/)')."
  echo
  echo "| case | files | aegis validate | check-jsonschema | ratio | peak RSS aegis / cjs |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  printf '| impl/: %s implementations + their framework (like for like) | %s (cjs: %s) | %.3f s | %.2f s | **%.0fx** | %s MB / %s MB |\n' \
    "$IMPLS" "$IMPL_FILES" "$N_IMPL_IMPL" "$AI" "$CI" "$(calc "$CI / $AI")" "$RSS_AEGIS_IMPL" "$RSS_CJS_IMPL"
  if [[ "$PEER_FULL" == 1 ]]; then
    CFI=$(med "$TMP/cjs-full.json" "cjs full impl"); CFE=$(med "$TMP/cjs-full.json" "cjs full evidence")
    CF=$(calc "$CFI + $CFE")
    printf '| full/: whole repository | %s (cjs: %s impl + %s evidence) | %.3f s | %.2f s (%.2f + %.2f) | **%.0fx** | %s MB / - |\n' \
      "$FULL_FILES" "$N_FULL_IMPL" "$N_FULL_EV" "$AF" "$CF" "$CFI" "$CFE" "$(calc "$CF / $AF")" "$RSS_AEGIS_FULL"
  else
    printf '| full/: whole repository | %s | %.3f s | (skipped) | - | %s MB / - |\n' "$FULL_FILES" "$AF" "$RSS_AEGIS_FULL"
  fi
  cpu() { jq -r --arg n "$2" '.results[] | select(.command == $n) | (.user + .system)' "$1"; }
  AIC=$(cpu "$TMP/aegis.json" "aegis impl"); CIC=$(cpu "$TMP/cjs-impl.json" "cjs impl")
  echo
  printf 'CPU time (user+sys, hyperfine means): impl/ aegis %.2f s vs check-jsonschema %.2f s = %.0fx' "$AIC" "$CIC" "$(calc "$CIC / $AIC")"
  if [[ "$PEER_FULL" == 1 ]]; then
    AFC=$(cpu "$TMP/aegis.json" "aegis full"); CFC=$(calc "$(cpu "$TMP/cjs-full.json" "cjs full impl") + $(cpu "$TMP/cjs-full.json" "cjs full evidence")")
    printf '; full/ aegis %.2f s vs %.1f s = %.0fx' "$AFC" "$CFC" "$(calc "$CFC / $AFC")"
  fi
  echo "."
  echo "aegis means: impl/ $(printf '%.3f' "$(mean "$TMP/aegis.json" "aegis impl")") s, full/ $(printf '%.3f' "$(mean "$TMP/aegis.json" "aegis full")") s."
  if [[ "${STAGES:-1}" == 1 ]]; then echo; cat "$TMP/stages-impl.md"; echo; cat "$TMP/stages-full.md"; fi
} | tee "$TMP/results.md"
log "results and hyperfine JSON in $TMP"
if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$FULL" "$IMPL"; log "removed the generated repositories (KEEP=1 keeps them)"; fi
