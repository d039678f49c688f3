#!/usr/bin/env bash
# Runs one aegis command for the GitHub Action (action.yml), in the
# step's working directory. Inputs come from the environment only:
#   AEGIS_BIN         the aegis binary (install.sh's path output)
#   AEGIS_COMMAND     the command: check, validate, gaps, report, ingest, publish, ...
#   AEGIS_ARGS        its arguments, split at whitespace (never evaluated by
#                     a shell: no quotes, variables or globs)
#   AEGIS_SARIF_FILE  with check or validate: also write SARIF to this file
#   GITHUB_TOKEN      the token `aegis publish` reads (never an argument)
# Writes exit-code and sarif-file to $GITHUB_OUTPUT and exits with aegis's
# own exit code, so the step is the gate.
set -uo pipefail

bin="${AEGIS_BIN:-aegis}"
command="${AEGIS_COMMAND:-check}"

output() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

if ! [[ "$command" =~ ^[a-z][a-z-]*$ ]]; then
  echo "::error title=aegis::the command input must be an aegis command such as check (got something else)" >&2
  output exit-code 2
  exit 2
fi

# Word splitting without globbing: each whitespace-separated word is one
# argument, exactly as written.
set -f
# shellcheck disable=SC2206
args=(${AEGIS_ARGS:-})
set +f

sarif=""
if [[ -n "${AEGIS_SARIF_FILE:-}" ]]; then
  case "$command" in
    check | validate)
      # The SARIF run is for code scanning; the gate is the run below, whose
      # human report and annotations are what the log shows.
      "$bin" "$command" ${args[@]+"${args[@]}"} --format sarif --output "$AEGIS_SARIF_FILE"
      sarif_status=$?
      if [[ -f "$AEGIS_SARIF_FILE" ]]; then
        case "$AEGIS_SARIF_FILE" in
          /* | [A-Za-z]:*) sarif="$AEGIS_SARIF_FILE" ;;
          *) sarif="$PWD/$AEGIS_SARIF_FILE" ;;
        esac
        # Git Bash's /d/a/... is not a path the next (Node) action reads.
        if command -v cygpath >/dev/null 2>&1; then
          sarif="$(cygpath -w "$sarif")"
        fi
      else
        echo "::warning title=aegis::no SARIF was written (aegis exited $sarif_status)" >&2
      fi
      ;;
    *)
      echo "::warning title=aegis::sarif-file applies to check and validate only; ignored for $command" >&2
      ;;
  esac
fi

"$bin" "$command" ${args[@]+"${args[@]}"}
status=$?
output exit-code "$status"
output sarif-file "$sarif"
exit "$status"
