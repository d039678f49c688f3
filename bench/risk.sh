#!/usr/bin/env bash
# Benchmark: `aegis risk simulate` with 1,000,000 iterations over a generated
# 100-risk register (the issue's target: about a second). Writes a small
# repository (one system, a 100-control framework, 100 risks with loss
# estimates and a reduced_by control each, half of them with open gaps),
# checks it validates clean, then times the whole command with hyperfine
# and the engine alone with aegis-bench-risk. Not a timed test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}"
RUNS="${AEGIS_RUNS:-5}"
ITERATIONS="${ITERATIONS:-1000000}"
TMP="${TMP:-$(mktemp -d)}"
AS_OF=2026-06-30

cargo build --release --quiet --bin aegis --example aegis-bench-risk
AEGIS="$CARGO_TARGET_DIR/release/aegis"
ENGINE="$CARGO_TARGET_DIR/release/examples/aegis-bench-risk"

REPO="$TMP/risk-repo"
rm -rf "$REPO"
mkdir -p "$REPO/controls/fw" "$REPO/implementations/app" "$REPO/risks"
cat > "$REPO/aegis.yaml" <<YAML
schema_version: 1
organisation:
  name: Bench Org
systems:
  - id: app
    name: App
    frameworks:
      - framework: fw
gate:
  thresholds:
    - max_gaps: {total: 100}
risk:
  currency: USD
  simulation: {iterations: $ITERATIONS, seed: 42}
YAML
{
  echo "schema_version: 1"; echo "id: fw"; echo "title: Bench framework"; echo 'version: "1"'
  echo "controls:"
  for i in $(seq 1 100); do echo "  - id: C-$i"; echo "    title: Control $i"; done
} > "$REPO/controls/fw/framework.yaml"
# Even controls are implemented (not-applicable, so no evidence is needed);
# odd ones are open gaps.
for i in $(seq 2 2 100); do
  printf 'schema_version: 1\ncontrol: C-%d\nstatus: not-applicable\njustification: bench\n' "$i" \
    > "$REPO/implementations/app/C-$i.yaml"
done
# The same register as aegis-bench-risk: rates 0.05..4.55 a year, losses
# per event 5,000..100,000 (most likely), up to 20 times that.
for i in $(seq 0 99); do
  id=$(printf 'R-%03d' $((i + 1)))
  f=$(awk -v i="$i" 'BEGIN { printf "%.2f", 0.05 + (i % 10) * 0.5 }')
  m=$((5000 * (1 + i % 20)))
  cat > "$REPO/risks/$id.yaml" <<YAML
schema_version: 2
id: $id
title: Bench risk $i
owner: bench
inherent: {likelihood: 3, impact: 3}
treatment: mitigate
loss:
  frequency: {min: $(awk -v f="$f" 'BEGIN { print f * 0.5 }'), most_likely: $f, max: $(awk -v f="$f" 'BEGIN { print f * 3 }')}
  magnitude: {min: $((m / 5)), most_likely: $m, max: $((m * 20))}
reduced_by:
  - control: fw:C-$((i + 1))
    frequency: 0.5
YAML
done

"$AEGIS" validate "$REPO" --as-of "$AS_OF" --format json > "$TMP/validate.json" || {
  echo "the generated repository does not validate clean" >&2; cat "$TMP/validate.json" >&2; exit 1; }

"$AEGIS" risk simulate "$REPO" --as-of "$AS_OF" | head -8
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
"$ENGINE" --risks 100 --iterations "$ITERATIONS" --repeat 3
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$TMP/risk-results.md" \
    -n "aegis risk simulate (1 thread)" "RAYON_NUM_THREADS=1 $AEGIS risk simulate $REPO --as-of $AS_OF --format json -o /dev/null" \
    -n "aegis risk simulate" "$AEGIS risk simulate $REPO --as-of $AS_OF --format json -o /dev/null"
  echo "results: $TMP/risk-results.md"
else
  for t in 1 2; do
    /usr/bin/time -f "aegis risk simulate, RAYON_NUM_THREADS=$t: %e s wall, %M KiB peak RSS" \
      env RAYON_NUM_THREADS=$t "$AEGIS" risk simulate "$REPO" --as-of "$AS_OF" --format json -o /dev/null
  done
fi
/usr/bin/time -f "peak RSS: %M KiB" "$AEGIS" risk simulate "$REPO" --as-of "$AS_OF" --format json -o /dev/null
