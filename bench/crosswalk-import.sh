#!/usr/bin/env bash
# Times `aegis crosswalk import` of every official mapping in the corpus
# (eleven sources, one run) into a repository holding the corpus
# frameworks: the first import (mapping files written) and a re-import
# (everything read, resolved and placed again; nothing changes).
#
#   AEGIS_CORPUS=/abs/path/to/shared/data bash bench/crosswalk-import.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

: "${AEGIS_CORPUS:?set AEGIS_CORPUS to the absolute path of shared/data}"
RUNS=${RUNS:-10}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 2; }

cargo build --release --locked --quiet --bin aegis
AEGIS=$CARGO_TARGET_DIR/release/aegis
C=$AEGIS_CORPUS
M=$C/mappings

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$AEGIS" init "$W/template" >/dev/null 2>&1
for f in \
    oscal/nist-800-53-rev5/v5.0.1/NIST_SP-800-53_rev5_catalog.json \
    oscal/nist-800-53-rev4/NIST_SP-800-53_rev4_catalog-min.json \
    frameworks/nist-csf-2.0/nist-csf-2.0.yaml \
    frameworks/nist-csf-1.1/nist-csf-1.1.yaml \
    frameworks/nist-privacy-1.0/nist-privacy-1.0.yaml \
    frameworks/hipaa/nist-sp-800-66-rev2.yaml \
    frameworks/iso27001-2022/iso27001_2022_aws.json \
    frameworks/soc2/soc2_aws.json \
    frameworks/cis-controls-v8/cis_controls_8.1.json; do
  "$AEGIS" framework import "$C/$f" --repo "$W/template" >/dev/null 2>&1
done
SOURCES=(
  "$M"/cis-controls-v8_to_iso27001-2022/*.yaml
  "$M"/hipaa-800-66r2_to_nist-800-53-rev5/*.yaml
  "$M"/nist-800-53-rev5_to_iso27001-2022/*.yaml
  "$M"/nist-csf-1.1_to_nist-csf-2.0/*.yaml
  "$M"/nist-csf-2.0_to_iso27001-2022/*.yaml
  "$M"/soc2_to_iso27001-2022/*.yaml
  "$M"/nist-csf-2.0_to_nist-800-53-rev5/oscal-mapping-collection.json
  "$M"/nist-800-53-rev4_to_rev5/oscal-mapping-collection.json
  "$M"/nist-800-53-rev4_to_rev5/sp800-53r4-to-r5-comparison-workbook.xlsx
  "$M"/nist-csf-1.1_to_nist-800-53-rev5/csf-pf-to-sp800-53r5-mappings.xlsx
  "$M"/cci_to_nist-800-53/disa-cci-list.xml
)
cp -r "$W/template" "$W/again"
"$AEGIS" crosswalk import "${SOURCES[@]}" --repo "$W/again" >/dev/null || true
# Exit 1 is expected: the corpus states pairs its catalogs lack
# (docs/crosswalk/import.md), so failures are not hyperfine's business.
hyperfine -i --runs "$RUNS" --warmup 1 \
  --prepare "rm -rf $W/repo && cp -r $W/template $W/repo" \
  -n "first import (11 sources, files written)" "$AEGIS crosswalk import ${SOURCES[*]} --repo $W/repo" \
  -n "re-import (nothing changes)" "$AEGIS crosswalk import ${SOURCES[*]} --repo $W/again"
