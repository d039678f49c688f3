#!/usr/bin/env bash
# Benchmark: the system security plan of a MODERATE system, rendered by
# `aegis report ssp` (Markdown, HTML, OSCAL JSON), beside compliance-trestle's
# `trestle author ssp-generate` for the same MODERATE profile, in one
# hyperfine run on the same machine. Not a timed test.
#
#   AEGIS_CORPUS=/abs/path/to/shared/data bash bench/report.sh
#
# Builds the release binary, makes a repository with `aegis init`, imports
# NIST's full SP 800-53 rev5 catalog (5.0.1, 1,189 controls) and its MODERATE
# profile from the corpus (read in place, never copied into the project),
# points one system at nist-800-53-rev5@moderate and writes one
# implementation per MODERATE control (a generator below: most implemented,
# a few partial or planned, some with parameters). Checks that
# `aegis validate` passes, then times the reports and trestle.
#
# Needs compliance-trestle (bash ../shared/bench/setup-peers.sh installs 5.2.0
# under $PEERS_HOME, default /tmp/peers) and hyperfine. Every trestle found
# among TRESTLE (default $PEERS_HOME/venv-trestle/bin/trestle) and TRESTLE_ALT
# (default $HOME/.cache/aegis-trestle-venv/bin/trestle, the 3.x that CI uses)
# that imports the corpus files is timed; at least one must.
#
# Environment: RUNS (aegis, default 20), PEER_RUNS (default 5), AS_OF
# (default 2026-11-29), BENCH_TMP=DIR (default a new temporary directory),
# KEEP=1 (keeps it), SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { echo "bench/report.sh: $*" >&2; exit 2; }

: "${AEGIS_CORPUS:?set AEGIS_CORPUS to the absolute path of shared/data (or of its oscal/nist-800-53-rev5)}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}"
PEERS_HOME=${PEERS_HOME:-/tmp/peers}
TRESTLE=${TRESTLE:-$PEERS_HOME/venv-trestle/bin/trestle}
TRESTLE_ALT=${TRESTLE_ALT:-$HOME/.cache/aegis-trestle-venv/bin/trestle}
RUNS=${RUNS:-20}
PEER_RUNS=${PEER_RUNS:-5}
AS_OF=${AS_OF:-2026-11-29}
SYSTEM=app

# The corpus: accept shared/data or its oscal/nist-800-53-rev5 folder. The
# full catalog is only published here as 5.0.1 (SOURCES.md), with its profiles.
V=""
for d in "$AEGIS_CORPUS/oscal/nist-800-53-rev5/v5.0.1" "$AEGIS_CORPUS/v5.0.1" "$AEGIS_CORPUS"; do
  if [[ -f $d/NIST_SP-800-53_rev5_catalog.json ]]; then V=$d; break; fi
done
[[ -n $V ]] || die "no NIST_SP-800-53_rev5_catalog.json (the full catalog) under $AEGIS_CORPUS/oscal/nist-800-53-rev5/v5.0.1"
CATALOG=$V/NIST_SP-800-53_rev5_catalog.json
PROFILE=$V/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json
[[ -f $PROFILE ]] || die "no MODERATE profile at $PROFILE"
command -v hyperfine >/dev/null || die "hyperfine is not installed"
command -v python3 >/dev/null || die "python3 is needed (generator, trestle profile copy, table)"

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  cargo build --release --locked --quiet --bin aegis
fi
AEGIS=$CARGO_TARGET_DIR/release/aegis
[[ -x $AEGIS ]] || die "no release binary at $AEGIS"

TMP=${BENCH_TMP:-$(mktemp -d)}
mkdir -p "$TMP"
[[ ${KEEP:-0} == 1 || -n ${BENCH_TMP:-} ]] || trap 'rm -rf "$TMP/repo" "$TMP/ws-"* "$TMP/out"' EXIT

ver() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); k=next(iter(d)); print(d[k]["metadata"].get("oscal-version","?"))' "$1"; }
echo "corpus: $CATALOG (OSCAL $(ver "$CATALOG"))"
echo "        $PROFILE (OSCAL $(ver "$PROFILE"))"

# ---------------------------------------------------------------- aegis repo
REPO=$TMP/repo
rm -rf "$REPO"
run() { "$@" >"$TMP/step.log" 2>&1 || { cat "$TMP/step.log" >&2; die "failed: $*"; }; }
run "$AEGIS" init "$REPO"
run "$AEGIS" framework import "$CATALOG" --repo "$REPO"
run "$AEGIS" framework import "$PROFILE" --repo "$REPO" --catalog nist-800-53-rev5
FW=nist-800-53-rev5
BL=moderate
[[ -f $REPO/controls/$FW/baselines/$BL.yaml ]] || die "the import did not give $FW@$BL (see aegis framework list --repo $REPO)"
# The starter framework's examples go; the policy stays, pointed at 800-53.
rm -rf "$REPO/implementations/app" "$REPO/exceptions/"*.yaml "$REPO/evidence/"*.yaml "$REPO/evidence/files" "$REPO/controls/starter"
sed -i "s/^controls: \[starter:ST-1, starter:ST-2\]\$/controls: [$FW:ac-1, $FW:ac-2]/" "$REPO/policies/access-control.md"
# aegis init dates the policy today; pin it before the fixed --as-of.
sed -i -E 's/^(effective|reviewed): "[0-9-]+"$/\1: "2026-11-01"/' "$REPO/policies/access-control.md"
grep -q "^controls: \[$FW:ac-1" "$REPO/policies/access-control.md" || die "aegis init's policy changed; update the sed in bench/report.sh"
cat > "$REPO/aegis.yaml" <<EOF
# yaml-language-server: \$schema=schemas/config.schema.json
schema_version: 1
organisation:
  name: "Example Organisation"
systems:
  - id: $SYSTEM
    name: Example payments platform
    description: A web application and its API on a managed cloud platform, assessed at MODERATE.
    owner: "@platform-team"
    frameworks:
      - framework: $FW
        baseline: $BL
    characteristics:
      sensitivity: moderate
      impact: { confidentiality: moderate, integrity: moderate, availability: moderate }
      status: operational
      authorization_boundary: >-
        The production cloud account: its Kubernetes clusters, managed
        databases, logging pipeline and CI runners.
gate:
  fail_on: error
EOF

# One implementation per MODERATE control, deterministic (no randomness):
# every 23rd partial, every 31st planned, the rest implemented and citing
# their family's evidence record; parameters set on every third control that
# has any (up to three).
python3 - "$CATALOG" "$REPO" "$FW" "$BL" "$SYSTEM" <<'PY'
import json, os, sys
catalog, repo, fw, bl, system = sys.argv[1:]
params, labels = {}, {}
def walk(controls):
    for c in controls:
        params[c["id"]] = [p["id"] for p in c.get("params", [])]
        labels[c["id"]] = next((p["value"] for p in c.get("props", []) if p["name"] == "label"), c["id"].upper())
        walk(c.get("controls", []))
def groups(gs):
    for g in gs:
        walk(g.get("controls", []))
        groups(g.get("groups", []))
cat = json.load(open(catalog))["catalog"]
groups(cat.get("groups", []))
walk(cat.get("controls", []))
ids = [l[2:].strip() for l in open(f"{repo}/controls/{fw}/baselines/{bl}.yaml") if l.startswith("- ")]
owners = ["@platform-team", "@security-team", "@app-team", "@it-operations"]
out = f"{repo}/implementations/{system}"
os.makedirs(out, exist_ok=True)
counts = {}
for i, cid in enumerate(ids):
    status = "partial" if i % 23 == 11 else "planned" if i % 31 == 17 else "implemented"
    counts[status] = counts.get(status, 0) + 1
    label = labels.get(cid, cid.upper())
    lines = [
        "# yaml-language-server: $schema=../../schemas/implementation.schema.json",
        "schema_version: 1",
        f"control: {fw}:{cid}",
        f"status: {status}",
        f'owner: "{owners[i % len(owners)]}"',
        "statement: >-",
        f"  The platform meets {label} through a documented procedure owned by the",
        f"  {owners[i % len(owners)][1:]}. The procedure is reviewed every year and after every",
        "  significant change, and its records are kept in the compliance repository.",
        "  Automated checks in CI report any drift from the approved configuration.",
    ]
    if status != "implemented":
        lines.append("  The remaining work is tracked in the plan of action and milestones.")
    if status == "implemented":
        lines.append(f"evidence: [{cid.split('-')[0]}-review-2026]")
    ps = params.get(cid, [])
    if ps and i % 3 == 0:
        lines.append("parameters:")
        for p in ps[:3]:
            lines.append(f'  {p}: "organization-defined value for {p}, set by the system owner"')
    open(f"{out}/{cid}.yaml", "w").write("\n".join(lines) + "\n")
# One evidence record per family (a link, no file), cited by the family's
# implemented controls.
for fam in sorted({c.split("-")[0] for c in ids}):
    cited = [f"{fw}:{c}" for c in ids if c.split("-")[0] == fam]
    open(f"{repo}/evidence/{fam}-review-2026.yaml", "w").write("\n".join([
        "# yaml-language-server: $schema=../schemas/evidence.schema.json",
        "schema_version: 1",
        f"id: {fam}-review-2026",
        f"title: {fam.upper()} family control review, 2026",
        f"uri: https://grc.example.org/reviews/2026/{fam}",
        "collected_at: 2026-10-01",
        'collector: "@security-team"',
        "expires_after: 1y",
        "review:",
        "  status: accepted",
        '  reviewer: "@security-lead"',
        f"controls: [{', '.join(cited)}]",
    ]) + "\n")
print(f"implementations: {len(ids)} ({', '.join(f'{v} {k}' for k, v in sorted(counts.items()))})")
PY
CONTROLS=$(grep -c '^- ' "$REPO/controls/$FW/baselines/$BL.yaml")
(cd "$REPO" && git init -q && git add -A && git -c user.name=bench -c user.email=bench@example.invalid commit -qm "bench repository")

"$AEGIS" validate "$REPO" --as-of "$AS_OF" --format json > "$TMP/validate.json" || {
  echo "bench/report.sh: the generated repository does not validate:" >&2
  head -c 2000 "$TMP/validate.json" >&2; exit 1; }
echo "validate: clean ($CONTROLS MODERATE controls, one system)"

OUT=$TMP/out
mkdir -p "$OUT"
SSP_MD="$AEGIS report ssp --repo $REPO --format markdown -o $OUT/ssp.md --as-of $AS_OF"
SSP_HTML="$AEGIS report ssp --repo $REPO --format html -o $OUT/ssp.html --as-of $AS_OF"
SSP_OSCAL="$AEGIS report ssp --repo $REPO --format oscal --system $SYSTEM -o $OUT/ssp.json --as-of $AS_OF"
for c in "$SSP_MD" "$SSP_HTML" "$SSP_OSCAL"; do $c || die "failed: $c"; done
n_md=$(grep -c '' "$OUT/ssp.md")
n_req=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["system-security-plan"]["control-implementation"]["implemented-requirements"]))' "$OUT/ssp.json")
echo "aegis SSP: ssp.md $(stat -c %s "$OUT/ssp.md") bytes ($n_md lines), ssp.html $(stat -c %s "$OUT/ssp.html") bytes, ssp.json $(stat -c %s "$OUT/ssp.json") bytes ($n_req implemented requirements)"

# ------------------------------------------------------------------ trestle
# trestle resolves a profile against a catalog in its workspace, so its copy
# of the profile (outside the project, in $TMP) imports
# trestle://catalogs/nist/catalog.json instead of the XML file NIST names.
python3 - "$PROFILE" "$TMP/moderate-trestle.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for imp in p["profile"]["imports"]:
    imp["href"] = "trestle://catalogs/nist/catalog.json"
json.dump(p, open(sys.argv[2], "w"))
PY
peer_args=()
peers=()
for T in "$TRESTLE" "$TRESTLE_ALT"; do
  [[ -x $T ]] || { echo "trestle: none at $T"; continue; }
  tv=$("$T" version 2>/dev/null | sed -n 's/^Trestle version \(v[^ ]*\).*based on OSCAL version \([^ ]*\).*/\1 (OSCAL \2)/p')
  W=$TMP/ws-${#peers[@]}
  rm -rf "$W"; mkdir -p "$W"
  if (cd "$W" && "$T" init >/dev/null && "$T" import -f "$CATALOG" -o nist >/dev/null 2>"$W.err" \
        && "$T" import -f "$TMP/moderate-trestle.json" -o moderate >/dev/null 2>>"$W.err" \
        && "$T" author ssp-generate -p moderate -o ssp-md >/dev/null 2>>"$W.err"); then
    nf=$(find "$W/ssp-md" -name '*.md' | wc -l)
    echo "trestle $tv at $T: imports OSCAL $(ver "$CATALOG") and writes $nf Markdown files ($(du -sb "$W/ssp-md" | cut -f1) bytes)"
    peers+=("trestle $tv")
    # Each run writes a new ssp-md folder (trestle updates an existing one in
    # place, which is a different job), as a first ssp-generate does.
    peer_args+=(-n "trestle $tv ssp-generate" --prepare "rm -rf $W/ssp-md"
      "cd $W && $T author ssp-generate -p moderate -o ssp-md")
  else
    echo "trestle $tv at $T: could not import or generate (see $W.err); not timed"
  fi
done
(( ${#peers[@]} > 0 )) || die "no trestle could generate the SSP; run ../shared/bench/setup-peers.sh (or set TRESTLE)"

# ------------------------------------------------------------------ timing
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine --warmup 2 --runs "$RUNS" --export-json "$TMP/report-aegis.json" --export-markdown "$TMP/report-aegis.md" \
  -n "aegis report ssp markdown" "$SSP_MD" \
  -n "aegis report ssp html" "$SSP_HTML" \
  -n "aegis report ssp oscal" "$SSP_OSCAL"
hyperfine --warmup 1 --runs "$PEER_RUNS" --export-json "$TMP/report-trestle.json" --export-markdown "$TMP/report-trestle.md" \
  "${peer_args[@]}"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git rev-parse --short HEAD)
python3 - "$TMP/report-aegis.json" "$TMP/report-trestle.json" "$TMP/report-results.md" \
  "$CONTROLS" "$commit" "$load_before" "$load_after" "$(ver "$CATALOG")" <<'PY'
import json, sys
fa, ft, out, controls, commit, lb, la, ov = sys.argv[1:]
rows = json.load(open(fa))["results"] + json.load(open(ft))["results"]
md = next(r for r in rows if r["command"] == "aegis report ssp markdown")
lines = [
    f"MODERATE SSP ({controls} controls, one system), NIST SP 800-53 rev5 5.0.1 catalog and profile (OSCAL {ov}), commit {commit}, load average {lb} before, {la} after",
    "",
    "| command | mean | min | max | CPU (user+sys) | runs |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
]
for r in rows:
    sd = r["stddev"] or 0.0
    lines.append(f"| {r['command']} | {r['mean']*1000:,.1f} ms ± {sd*1000:,.1f} | {r['min']*1000:,.1f} ms | {r['max']*1000:,.1f} ms | {(r['user']+r['system'])*1000:,.1f} ms | {len(r['times'])} |")
lines.append("")
for r in rows:
    if r["command"].startswith("trestle"):
        cpu = (r["user"] + r["system"]) / (md["user"] + md["system"])
        lines.append(f"ratio {r['command']} / aegis markdown: {r['mean']/md['mean']:.1f}x (means), {r['min']/md['min']:.1f}x (mins), {cpu:.1f}x (CPU)")
lines.append(f"target < 300 ms for the Markdown SSP: {'met' if md['mean'] < 0.300 else 'NOT met'} (mean {md['mean']*1000:.1f} ms)")
best = min((r for r in rows if r["command"].startswith("trestle")), key=lambda r: r["mean"])
ratio = best["mean"] / md["mean"]
lines.append(f"target >= 20x trestle's generator (fastest trestle, means): {'met' if ratio >= 20 else 'NOT met'} ({ratio:.1f}x)")
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(); print(text)
PY
echo "results: $TMP/report-results.md"
