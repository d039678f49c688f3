#!/usr/bin/env bash
# Recall of `aegis crosswalk suggest` against official mappings it never
# saw. Builds one repository with the corpus frameworks and every official
# mapping the corpus has (`framework import`, `crosswalk import`), then, per
# held-out pair, a copy without any mapping between the two frameworks
# (every form the corpus has it in was imported into that one file), and
# runs aegis-suggest-eval on it. See bench/README.md.
#
#   AEGIS_CORPUS=/abs/path/to/shared/data bash bench/suggest-eval.sh [--tune] [--set KNOB=VALUE]...
#
# --tune searches the weights on the tuning pairs (never on the report
# pairs) and prints them. --set changes a default weight first (the knob
# names are KNOBS in bench/suggest_eval.rs). SUGGEST_EVAL_DIR=DIR keeps the
# repositories there, for aegis-suggest-eval to be run on them again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

: "${AEGIS_CORPUS:?set AEGIS_CORPUS to the absolute path of shared/data}"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}
cargo build --release --locked --quiet --bin aegis --example aegis-suggest-eval
AEGIS=$CARGO_TARGET_DIR/release/aegis
EVAL=$CARGO_TARGET_DIR/release/examples/aegis-suggest-eval
C=$AEGIS_CORPUS

W=${SUGGEST_EVAL_DIR:-$(mktemp -d)}
[[ -n ${SUGGEST_EVAL_DIR:-} ]] || trap 'rm -rf "$W"' EXIT

# The full repository: frameworks, then every official mapping.
full=$W/full
rm -rf "$full"
"$AEGIS" init "$full" --org eval >/dev/null
import() { "$AEGIS" framework import "$@" --repo "$full" >/dev/null 2>&1 || { echo "could not import $1" >&2; exit 2; }; }
import "$C/oscal/nist-800-53-rev5/v5.0.1/NIST_SP-800-53_rev5_catalog.json"
import "$C/oscal/nist-800-53-rev4/NIST_SP-800-53_rev4_catalog-min.json"
import "$C/frameworks/nist-csf-2.0/nist-csf-2.0.yaml"
import "$C/frameworks/nist-csf-1.1/nist-csf-1.1.yaml"
import "$C/frameworks/nist-privacy-1.0/nist-privacy-1.0.yaml"
import "$C/frameworks/hipaa/nist-sp-800-66-rev2.yaml"
import "$C/frameworks/cis-controls-v8/cis_controls_8.1.json"
# Prowler's ISO 27001:2022 list (Annex A only: ISO publishes no open catalog).
import "$C/frameworks/iso27001-2022/iso27001_2022_aws.json" --id iso27001-2022
import "$C/frameworks/soc2/soc2_aws.json" --id soc2

# CSF 2.0 -> SP 800-53 exists three times (OLIR CSV, its OSCAL twin, NIST's
# 5.2.0-draft concept workbook); the OLIR CSV is imported, so it is the
# truth, and the other two are the same pair, refused as duplicates.
for f in \
  "$C/mappings/nist-csf-2.0_to_nist-800-53-rev5/csf2_to_800-53_crosswalk.csv" \
  "$C/mappings/nist-csf-2.0_to_nist-800-53-rev5/oscal-mapping-collection.json" \
  "$C/mappings/nist-csf-2.0_to_nist-800-53-rev5/Cybersecurity_Framework_v2-0_Concept_Crosswalk_800-53_5_2_0_draft.xlsx" \
  "$C/mappings/nist-csf-2.0_to_iso27001-2022/mapping-nist-csf-2.0-to-iso27001-2022.yaml" \
  "$C/mappings/nist-800-53-rev5_to_iso27001-2022/mapping-nist-sp-800-53-rev5-to-iso27001-2022.yaml" \
  "$C/mappings/nist-csf-1.1_to_nist-csf-2.0/map-nist-csf-1.1-nist-csf-2.0.yaml" \
  "$C/mappings/nist-csf-1.1_to_nist-800-53-rev5/csf-pf-to-sp800-53r5-mappings.xlsx" \
  "$C/mappings/hipaa-800-66r2_to_nist-800-53-rev5/mapping-nist-sp-800-66-rev2-to-nist-sp-800-53-rev5.yaml" \
  "$C/mappings/cis-controls-v8_to_iso27001-2022/mapping-cis-controls-v8-and-iso27001-2022.yaml" \
  "$C/mappings/nist-800-53-rev4_to_rev5/oscal-mapping-collection.json" \
  "$C/mappings/soc2_to_iso27001-2022/mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml"; do
  # Exit 1 means some pairs named controls the frameworks lack (ISO
  # clauses 4-10, CSF groups); the rest is written.
  "$AEGIS" crosswalk import "$f" --repo "$full" >/dev/null 2>&1 || [[ $? == 1 ]] || echo "note: $(basename "$f") not imported (a duplicate of the pair, or no framework)" >&2
done
echo "mappings in the full repository:"
"$AEGIS" crosswalk list --repo "$full" | sed 's/^/  /'

# One copy per held-out pair, with every mapping file between the two removed.
holdout() {
  local from=$1 to=$2 dir=$W/held-$1--$2
  rm -rf "$dir"
  cp -r "$full" "$dir"
  rm -f "$dir/controls/mappings/$from--$to".*yaml "$dir/controls/mappings/$to--$from".*yaml
  echo "$dir $from $to"
}

tuning=(
  "$(holdout nist-csf-2.0 iso27001-2022)"
  "$(holdout nist-sp-800-66-rev2 nist-800-53-rev5)"
)
report=(
  "$(holdout nist-csf-2.0 nist-800-53-rev5)"
  "$(holdout cis-controls-8.1 iso27001-2022)"
  "$(holdout nist-800-53-rev5 iso27001-2022)"
)
args() { for p in "$@"; do read -r d f t <<<"$p"; printf -- '--pair\n%s\n%s\n%s\n' "$d" "$f" "$t"; done; }

if [[ ${1:-} == --tune ]]; then
  shift
  mapfile -t a < <(args "${tuning[@]}")
  "$EVAL" --truth "$full" "${a[@]}" "$@" --tune
  exit
fi
echo "tuning pairs (the weights were chosen on these):"
mapfile -t a < <(args "${tuning[@]}")
"$EVAL" --truth "$full" "${a[@]}" "$@" | sed 's/^/  /'
echo "report pairs (never tuned on):"
mapfile -t a < <(args "${report[@]}")
"$EVAL" --truth "$full" "${a[@]}" "$@" | sed 's/^/  /'
