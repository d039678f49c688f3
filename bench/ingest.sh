#!/usr/bin/env bash
# Throughput and peak memory of `aegis ingest` on XCCDF results, beside
# MITRE's SAF CLI (`saf convert xccdf_results2hdf`) on the same inputs, in
# one run on the same machine:
#   - the corpus's OpenSCAP RHEL 8 results (1.1 MB), as published;
#   - large results files (SIZES, default "80 300" MB) made from it by
#     repeating its real rule results (generated in a temporary folder,
#     never committed), in two shapes:
#       repeated: the same rules over and over, as a scanner that reports
#         a rule once per instance or check writes them; the findings stay
#         one per rule, so this measures reading, and memory should not
#         grow with the file;
#       distinct: each copy under new rule ids, so the findings (and the
#         state written) grow with the file.
#
#   AEGIS_CORPUS=/abs/path/to/shared/data bash bench/ingest.sh
#
# Needs hyperfine and the SAF CLI (bash ../shared/bench/setup-peers.sh
# installs it under $PEERS_HOME, default /tmp/peers). SAF_RUNS (default 1)
# and AEGIS_RUNS (default 5) set the repetitions; SAF_MAX_MB (default 400)
# skips SAF on inputs larger than that (it needs about 14x the input in
# memory).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

: "${AEGIS_CORPUS:?set AEGIS_CORPUS to the absolute path of shared/data}"
PEERS_HOME=${PEERS_HOME:-/tmp/peers}
SAF=${SAF:-$PEERS_HOME/saf/node_modules/.bin/saf}
SIZES=${SIZES:-80 300}
AEGIS_RUNS=${AEGIS_RUNS:-5}
SAF_RUNS=${SAF_RUNS:-1}
SAF_MAX_MB=${SAF_MAX_MB:-400}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 2; }
[[ -x $SAF ]] || echo "no SAF CLI at $SAF; only aegis is measured" >&2

cargo build --release --locked --quiet --bin aegis
AEGIS=$CARGO_TARGET_DIR/release/aegis
SRC=$AEGIS_CORPUS/scans/xccdf/heimdall2/xccdf-results-openscap-rhel8.xml

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# The large input: the benchmark and test result of the real file, with
# its rule results repeated (under new ids for `distinct`) until the file
# is size_mb.
generate() { # size_mb out repeated|distinct
python3 - "$SRC" "$2" "$1" "$3" <<'PY'
import re, sys
src, out, size_mb, shape = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
text = open(src, encoding="utf-8").read()
start = text.index("<rule-result")
end = text.rindex("</rule-result>") + len("</rule-result>")
head, results, tail = text[:start], text[start:end], text[end:]
target = size_mb * 1024 * 1024
with open(out, "w", encoding="utf-8") as f:
    f.write(head)
    written, n = len(head) + len(tail), 0
    while written < target:
        chunk = results if shape == "repeated" else re.sub(
            r'idref="([^"]+)"', lambda m: f'idref="{m.group(1)}_r{n}"', results)
        f.write(chunk)
        written += len(chunk)
        n += 1
    f.write(tail)
print(f"generated {out}: {written / 1048576:.0f} MB, {n} copies of the rule results ({shape})")
PY
}

measure() { # name file
  local name=$1 file=$2 mb
  mb=$(python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1])/1048576:.1f}')" "$file")
  echo "== $name ($mb MB)"
  # A fresh repository: the first ingest writes the state, the timed runs
  # re-ingest the same results (the state is read, compared, left as is).
  rm -rf "$W/repo" && "$AEGIS" init "$W/repo" >/dev/null 2>&1
  /usr/bin/time -f "aegis first ingest: %e s, peak RSS %M KB" "$AEGIS" ingest "$file" --repo "$W/repo" >/dev/null 2>"$W/aegis-$name.time" || true
  grep "peak RSS" "$W/aegis-$name.time"
  local cmds=(-n "aegis $name (re-ingest)" "$AEGIS ingest $file --repo $W/repo")
  hyperfine -N --warmup 1 --runs "$AEGIS_RUNS" --export-json "$W/aegis-$name.json" "${cmds[@]}" | grep -E "Time|Range"
  /usr/bin/time -f "aegis re-ingest: peak RSS %M KB" "$AEGIS" ingest "$file" --repo "$W/repo" >/dev/null 2>"$W/aegis-$name.time" || true
  grep "peak RSS" "$W/aegis-$name.time"
  if [[ -x $SAF ]] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$mb" "$SAF_MAX_MB"; then
    /usr/bin/time -f "saf peak RSS %M KB" "$SAF" convert xccdf_results2hdf -i "$file" -o "$W/out.json" >/dev/null 2>"$W/saf-$name.time" || true
    grep "peak RSS" "$W/saf-$name.time"
    hyperfine -N --runs "$SAF_RUNS" --export-json "$W/saf-$name.json" \
      -n "saf $name" "$SAF convert xccdf_results2hdf -i $file -o $W/out.json" | grep -E "Time|Range"
    python3 - "$W/aegis-$name.json" "$W/saf-$name.json" "$mb" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["results"][0]["median"]
s = json.load(open(sys.argv[2]))["results"][0]["median"]
mb = float(sys.argv[3])
print(f"aegis {mb/a:8.1f} MB/s ({a:.3f} s); saf {mb/s:6.1f} MB/s ({s:.2f} s); ratio {s/a:.1f}x")
PY
  else
    python3 - "$W/aegis-$name.json" "$mb" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["results"][0]["median"]
print(f"aegis {float(sys.argv[2])/a:8.1f} MB/s ({a:.3f} s); saf not run on this input")
PY
  fi
}

measure corpus "$SRC"
for size in $SIZES; do
  for shape in repeated distinct; do
    generate "$size" "$W/big-$size.xml" "$shape"
    measure "${size}mb-$shape" "$W/big-$size.xml"
    rm -f "$W/big-$size.xml"
  done
done
