#!/usr/bin/env bash
# Times `aegis framework import` of the full NIST SP 800-53 rev5 catalog
# (5.0.1, 1,189 controls) plus resolution of the MODERATE profile, beside
# compliance-trestle doing the same three steps (import catalog, import
# profile, profile-resolve), in one hyperfine run on the same machine.
#
#   AEGIS_CORPUS=/abs/path/to/shared/data bash bench/import.sh
#
# Needs compliance-trestle (bash ../shared/bench/setup-peers.sh installs it
# under $PEERS_HOME, default /tmp/peers) and hyperfine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

: "${AEGIS_CORPUS:?set AEGIS_CORPUS to the absolute path of shared/data}"
PEERS_HOME=${PEERS_HOME:-/tmp/peers}
TRESTLE=${TRESTLE:-$PEERS_HOME/venv-trestle/bin/trestle}
RUNS=${RUNS:-10}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}
[[ -x $TRESTLE ]] || { echo "no trestle at $TRESTLE; run ../shared/bench/setup-peers.sh" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 2; }

cargo build --release --locked --quiet --bin aegis
AEGIS=$CARGO_TARGET_DIR/release/aegis
V=$AEGIS_CORPUS/oscal/nist-800-53-rev5/v5.0.1
CATALOG=$V/NIST_SP-800-53_rev5_catalog.json
PROFILE=$V/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$AEGIS" init "$W/aegis-template" >/dev/null 2>&1
mkdir "$W/trestle-template"
(cd "$W/trestle-template" && "$TRESTLE" init >/dev/null)
# trestle resolves a profile against a catalog in its workspace, so its copy
# of the profile imports trestle://catalogs/nist/catalog.json instead of the
# XML file NIST's profile names.
python3 - "$PROFILE" "$W/moderate-trestle.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for imp in p["profile"]["imports"]:
    imp["href"] = "trestle://catalogs/nist/catalog.json"
json.dump(p, open(sys.argv[2], "w"))
PY

hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$W/result.json" \
  --prepare "bash -c 'rm -rf $W/a && cp -r $W/aegis-template $W/a'" \
  -n aegis "bash -c '$AEGIS framework import $CATALOG --repo $W/a >/dev/null 2>&1 && $AEGIS framework import $PROFILE --repo $W/a --catalog nist-800-53-rev5 >/dev/null 2>&1'" \
  --prepare "bash -c 'rm -rf $W/t && cp -r $W/trestle-template $W/t'" \
  -n trestle "bash -c 'cd $W/t && $TRESTLE import -f $CATALOG -o nist >/dev/null && $TRESTLE import -f $W/moderate-trestle.json -o moderate >/dev/null && $TRESTLE author profile-resolve -n moderate -o moderate-resolved >/dev/null'"

python3 - "$W/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, t = r["aegis"], r["trestle"]
print(f"aegis   {a['median']*1000:8.1f} ms median ({a['mean']*1000:.1f} ± {a['stddev']*1000:.1f})")
print(f"trestle {t['median']*1000:8.1f} ms median ({t['mean']*1000:.1f} ± {t['stddev']*1000:.1f})")
print(f"ratio   {t['median']/a['median']:8.1f}x (trestle / aegis, medians)")
PY
