#!/usr/bin/env bash
# Installs aegis for the GitHub Action (action.yml), in two steps so the
# Action can restore a cached build between them:
#
#   install.sh plan     decide how: a release archive listed in
#                       action/checksums.txt for this runner, else a cargo
#                       build of the action's own source; writes method,
#                       version, target, archive, sha256, dir and cache-key
#                       to $GITHUB_OUTPUT
#   install.sh install  download and verify the archive (SHA-256 against
#                       action/checksums.txt, never against the server's
#                       own list), or build with `cargo install --locked
#                       --path <action>`; puts aegis on $GITHUB_PATH and
#                       writes path to $GITHUB_OUTPUT
#
# Inputs come from the environment only (the Action maps its inputs there):
#   AEGIS_VERSION        version to install; empty = the action's own
#   AEGIS_ACTION_REF     the ref the workflow pinned (a commit sha is
#                        recorded in a cargo build so `aegis init` can pin it)
#   AEGIS_DOWNLOAD_BASE  where release archives live (a mirror, or a
#                        file:// directory in tests); default GitHub releases
#   AEGIS_INSTALL_ROOT   where builds go; default $RUNNER_TOOL_CACHE/aegis
#   AEGIS_INSTALL_DIR, AEGIS_INSTALL_METHOD, AEGIS_INSTALL_ARCHIVE,
#   AEGIS_INSTALL_SHA256, AEGIS_INSTALL_VERSION: the plan, for `install`
# Written for bash 3.2 (macOS runners) and Git Bash (Windows runners).
set -euo pipefail

action_root="${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
checksums="$action_root/action/checksums.txt"
release_base="https://github.com/aegis-grc/aegis/releases/download"

fail() {
  # A workflow error annotation, then a non-zero exit. The message is our
  # own text plus values we validated, so it needs no escaping beyond %.
  # Standard error, so it shows from inside $(...) too; the runner reads
  # workflow commands there as well.
  local msg="${1//%/%25}"
  echo "::error title=aegis install::$msg" >&2
  exit 1
}

output() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
  printf '%s=%s\n' "$1" "$2"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    fail "neither sha256sum nor shasum is installed: cannot verify the download"
  fi
}

# The package version in the action's Cargo.toml (the first `version =`
# line, which is [package]'s).
source_version() {
  sed -n 's/^version = "\([^"]*\)".*/\1/p' "$action_root/Cargo.toml" | head -n 1
}

# The Rust target triple of a release archive for this runner, or nothing
# when no release is built for it.
runner_target() {
  case "${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" in
    Linux/X64 | Linux/x86_64) echo x86_64-unknown-linux-gnu ;;
    Linux/ARM64 | Linux/aarch64) echo aarch64-unknown-linux-gnu ;;
    macOS/X64 | Darwin/x86_64) echo x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

exe_suffix() {
  case "${RUNNER_OS:-$(uname -s)}" in
    Windows | MINGW* | MSYS* | CYGWIN*) echo .exe ;;
    *) echo "" ;;
  esac
}

# The checksum committed for an archive name, or nothing.
committed_sha256() {
  local name="$1" sum file rest
  [[ -f "$checksums" ]] || return 0
  while read -r sum file rest; do
    case "$sum" in '' | '#'*) continue ;; esac
    # sha256sum marks binary mode with a leading '*'.
    if [[ "${file#\*}" == "$name" && "$sum" =~ ^[0-9a-f]{64}$ ]]; then
      echo "$sum"
      return 0
    fi
  done <"$checksums"
}

# A digest of the source cargo would build, so a cached build is reused
# only for the same source.
source_digest() {
  local list
  list="$(mktemp)"
  (
    cd "$action_root"
    find Cargo.toml Cargo.lock build.rs src templates -type f 2>/dev/null | LC_ALL=C sort | while read -r f; do
      printf '%s %s\n' "$(sha256_of "$f")" "$f"
    done
  ) >"$list"
  sha256_of "$list"
  rm -f "$list"
}

plan() {
  local version wanted target archive sum method key root
  wanted="$(source_version)"
  version="${AEGIS_VERSION:-$wanted}"
  version="${version#v}"
  if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([.+-][0-9A-Za-z.+-]*)?$ ]]; then
    fail "version '${AEGIS_VERSION:-}' is not a version number such as 0.2.0"
  fi
  target="$(runner_target)"
  archive=""
  sum=""
  if [[ -n "$target" ]]; then
    archive="aegis-v$version-$target.tar.gz"
    sum="$(committed_sha256 "$archive")"
  fi
  if [[ -n "$sum" ]]; then
    method=download
    key="aegis-$version-$target-${sum:0:16}"
  elif [[ "$version" == "$wanted" ]]; then
    method=cargo
    key="aegis-cargo-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-$version-$(source_digest | cut -c1-32)"
    if [[ -z "$target" ]]; then
      echo "aegis: no release binary is built for ${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}; building $version from the action's source with cargo"
    else
      echo "aegis: no release of $version for $target is listed in action/checksums.txt; building it from the action's source with cargo"
    fi
  else
    fail "aegis $version has no verified binary for ${target:-this runner} in action/checksums.txt, and this action's source is aegis $wanted: pin the action to the commit of the release you want, or leave 'version' empty to use $wanted"
  fi
  root="${AEGIS_INSTALL_ROOT:-${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}/aegis}"
  output method "$method"
  output version "$version"
  output target "$target"
  output archive "$archive"
  output sha256 "$sum"
  output cache-key "$key"
  output dir "$root/$key"
}

download() {
  local url="$1" dest="$2"
  # https only (and file:// for a local mirror); no redirect to plain http.
  curl --fail --location --silent --show-error --retry 3 \
    --proto '=https,file' --proto-redir '=https' \
    --output "$dest" "$url" || fail "cannot download $url"
}

install() {
  local dir="${AEGIS_INSTALL_DIR:?the plan step sets AEGIS_INSTALL_DIR}"
  local method="${AEGIS_INSTALL_METHOD:?the plan step sets AEGIS_INSTALL_METHOD}"
  local exe bin
  exe="$(exe_suffix)"
  bin="$dir/bin/aegis$exe"
  if [[ -x "$bin" ]]; then
    echo "aegis: reusing $bin"
  elif [[ "$method" == download ]]; then
    local version="${AEGIS_INSTALL_VERSION:?}" archive="${AEGIS_INSTALL_ARCHIVE:?}" want="${AEGIS_INSTALL_SHA256:?}"
    local base="${AEGIS_DOWNLOAD_BASE:-$release_base}" tmp got
    tmp="$(mktemp -d)"
    download "${base%/}/v$version/$archive" "$tmp/$archive"
    got="$(sha256_of "$tmp/$archive")"
    if [[ "$got" != "$want" ]]; then
      rm -rf "$tmp"
      fail "SHA-256 mismatch for $archive: action/checksums.txt has $want, the download has $got; nothing was installed"
    fi
    echo "aegis: $archive verified (sha256 $got)"
    mkdir -p "$dir/bin"
    tar -xzf "$tmp/$archive" -C "$tmp"
    [[ -f "$tmp/aegis$exe" ]] || fail "$archive holds no aegis$exe at its top level"
    mv "$tmp/aegis$exe" "$bin"
    chmod +x "$bin"
    rm -rf "$tmp"
  else
    command -v cargo >/dev/null 2>&1 ||
      fail "cargo is not installed: add a Rust toolchain to the job (for example rustup), or use a release listed in action/checksums.txt"
    # A commit the workflow pinned is recorded in the binary, so `aegis
    # init` run with it writes workflows pinned to the same commit.
    if [[ "${AEGIS_ACTION_REF:-}" =~ ^[0-9a-f]{40}$ ]]; then
      export AEGIS_BUILD_COMMIT="$AEGIS_ACTION_REF"
    fi
    cargo install --locked --path "$action_root" --root "$dir" --bin aegis ||
      fail "cargo install --path $action_root failed (see the log above)"
  fi
  [[ -x "$bin" ]] || fail "no aegis at $bin after installing"
  if [[ -n "${GITHUB_PATH:-}" ]]; then
    echo "$dir/bin" >>"$GITHUB_PATH"
  fi
  output path "$bin"
  "$bin" --version
}

case "${1:-}" in
  plan) plan ;;
  install) install ;;
  *)
    echo "usage: install.sh plan|install" >&2
    exit 2
    ;;
esac
