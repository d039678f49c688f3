#!/usr/bin/env bash
# Benchmark: `aegis history` over 1,000 commits of a generated repository
# of about 5,000 files where each commit changes a few, against `aegis
# check` on a checkout of every commit (timed on a sample of checkouts
# and extrapolated to 1,000; the script says so in its output).
# Not a timed test; results go to $TMP/history-results.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}"
COMMITS="${AEGIS_COMMITS:-1000}"
SAMPLE="${AEGIS_SAMPLE:-50}"
TMP="${TMP:-$(mktemp -d)}"
AS_OF=2026-06-30

cargo build --release --quiet --bin aegis --example aegis-bench-gen
AEGIS="$CARGO_TARGET_DIR/release/aegis"
GEN="$CARGO_TARGET_DIR/release/examples/aegis-bench-gen"

REPO="$TMP/history-repo"
rm -rf "$REPO"
"$GEN" --out "$REPO" --controls 300 --implementations 3000 --evidence 1700 \
  --as-of "$AS_OF" --seed 42
files=$(find "$REPO" -name '*.yaml' -o -name '*.md' | grep -v /schemas/ | wc -l)
echo "repository: $files record files"

export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
git -C "$REPO" init -q -b main
git -C "$REPO" add -A
GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" \
  git -C "$REPO" commit -q -m "generated"
# Each commit rewrites three implementation statements: a few changed blobs.
mapfile -t impls < <(cd "$REPO" && find implementations -name '*.yaml' | sort)
n=${#impls[@]}
for ((i = 1; i < COMMITS; i++)); do
  for k in 0 1 2; do
    f="${impls[$(((i * 7 + k * 13) % n))]}"
    printf '# revision %d\n' "$i" >> "$REPO/$f"
  done
  day=$(date -u -d "2024-01-01 + $((i / 2)) days" +%Y-%m-%dT12:00:00Z)
  git -C "$REPO" add -A
  GIT_AUTHOR_DATE="$day" GIT_COMMITTER_DATE="$day" git -C "$REPO" commit -q -m "change $i"
done
echo "history: $(git -C "$REPO" rev-list --count HEAD) commits"
# A clone (actions/checkout, git clone) holds its objects in a pack; a
# freshly committed repository holds thousands of loose objects, each read
# with its own open and map. Packed is what users run on.
if [[ "${AEGIS_LOOSE:-}" != 1 ]]; then
  git -C "$REPO" gc -q
fi

{
  echo "## aegis history over $COMMITS commits (--as-of $AS_OF)"
  if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs 3 --export-markdown /dev/stdout \
      "$AEGIS history $REPO --max-count $COMMITS --as-of $AS_OF --format csv -o /dev/null"
  else
    /usr/bin/time -f "aegis history: %e s wall, %M KiB peak RSS" \
      "$AEGIS" history "$REPO" --max-count "$COMMITS" --as-of "$AS_OF" --format csv -o /dev/null 2>&1
  fi
  echo
  # Without --as-of each commit is judged as of its own day, and only
  # commits of the same day can be patched into the run before them.
  echo "## aegis history over $COMMITS commits, each as of its own day"
  /usr/bin/time -f "aegis history (own days): %e s wall, %U s user, %M KiB peak RSS" \
    "$AEGIS" history "$REPO" --max-count "$COMMITS" --format csv -o /dev/null 2>&1
  echo
  echo "## aegis check on a checkout of $SAMPLE sampled commits (extrapolated to $COMMITS)"
  WT="$TMP/history-checkout"
  rm -rf "$WT"
  git clone -q "$REPO" "$WT"
  start=$(date +%s.%N)
  for ((i = 0; i < SAMPLE; i++)); do
    git -C "$WT" checkout -q "main~$(((i * COMMITS) / SAMPLE))"
    "$AEGIS" check "$WT" --as-of "$AS_OF" --format json -o /dev/null || true
  done
  end=$(date +%s.%N)
  python3 -c "s=($end-$start); print(f'{$SAMPLE} checkouts + checks: {s:.1f} s, {s/$SAMPLE*1000:.0f} ms each; extrapolated to $COMMITS commits: {s/$SAMPLE*$COMMITS:.0f} s')"
} | tee "$TMP/history-results.md"
echo "results: $TMP/history-results.md"
