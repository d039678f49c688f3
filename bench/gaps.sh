#!/usr/bin/env bash
# Benchmark: the gap engine on 10 systems x 3 baselines x 10,000
# implementations. Generates the repository with aegis-bench-gen (seed 42),
# checks that it validates clean, then times `aegis gaps` (which loads,
# validates and assesses: the whole pipeline) and `aegis check`.
# Not a timed test; results go to $TMP/gaps-results.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}"
RUNS="${AEGIS_RUNS:-10}"
TMP="${TMP:-$(mktemp -d)}"
AS_OF=2026-06-30

cargo build --release --quiet --bin aegis --example aegis-bench-gen
AEGIS="$CARGO_TARGET_DIR/release/aegis"
GEN="$CARGO_TARGET_DIR/release/examples/aegis-bench-gen"
command -v hyperfine >/dev/null || { echo "hyperfine is needed (cargo install hyperfine)" >&2; exit 2; }

REPO="$TMP/gaps-repo"
rm -rf "$REPO"
"$GEN" --out "$REPO" --controls 1000 --implementations 10000 --evidence 10000 \
  --selections 3 --as-of "$AS_OF" --seed 42
systems=$(grep -c '^  - id:' "$REPO/aegis.yaml")
selections=$(grep -c '^      - framework:' "$REPO/aegis.yaml")
impls=$(find "$REPO/implementations" -name '*.yaml' | wc -l)
echo "repository: $systems systems, $selections selections, $impls implementations"

"$AEGIS" validate "$REPO" --as-of "$AS_OF" --format json > "$TMP/validate.json" || {
  echo "the generated repository does not validate clean" >&2; exit 1; }

"$AEGIS" gaps --repo "$REPO" --as-of "$AS_OF" --format json -o "$TMP/gaps.json"
python3 - "$TMP/gaps.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = sum(len(s["baselines"]) for s in d["systems"])
controls = sum(b["controls"] for s in d["systems"] for b in s["baselines"])
gaps = sum(len(b["gaps"]) for s in d["systems"] for b in s["baselines"])
print(f"assessed: {n} selections, {controls} control statuses, {gaps} gaps")
PY

hyperfine --warmup 2 --runs "$RUNS" --export-markdown "$TMP/gaps-results.md" \
  -n "aegis validate" "$AEGIS validate $REPO --as-of $AS_OF --format json -o /dev/null" \
  -n "aegis gaps (json)" "$AEGIS gaps --repo $REPO --as-of $AS_OF --format json -o /dev/null" \
  -n "aegis check" "$AEGIS check $REPO --as-of $AS_OF --format json -o /dev/null || true"
/usr/bin/time -f "aegis gaps peak RSS: %M KiB" "$AEGIS" gaps --repo "$REPO" --as-of "$AS_OF" --format json -o /dev/null
echo "results: $TMP/gaps-results.md"
