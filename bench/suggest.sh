#!/usr/bin/env bash
# Wall time of `aegis crosswalk suggest` for SP 800-53 rev5 (1,189
# controls) x CSF 2.0 and x ISO 27001:2022, in the repository
# bench/suggest-eval.sh builds (every corpus framework and official
# mapping, so the bridges and document expansion have their full work).
#
#   AEGIS_CORPUS=/abs/path/to/shared/data bash bench/suggest.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${AEGIS_CORPUS:?set AEGIS_CORPUS to the absolute path of shared/data}"
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 2; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SUGGEST_EVAL_DIR=$W bash bench/suggest-eval.sh >/dev/null
AEGIS=$CARGO_TARGET_DIR/release/aegis
cd "$W/full"
hyperfine -N --warmup 2 --runs "${RUNS:-20}" \
  -n "800-53 x CSF 2.0" "$AEGIS crosswalk suggest nist-800-53-rev5 nist-csf-2.0 --format json" \
  -n "800-53 x ISO 27001" "$AEGIS crosswalk suggest nist-800-53-rev5 iso27001-2022 --format json" \
  -n "CSF 2.0 x 800-53" "$AEGIS crosswalk suggest nist-csf-2.0 nist-800-53-rev5 --format json" \
  -n "load only (crosswalk list)" "$AEGIS crosswalk list"
