# Shared by the bin/ scripts: paths, ports, and small helpers. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${RUN_DIR:-$ROOT/.run}"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
# Private instances listen on loopback ports unlikely to clash with system ones.
SPS_PG_PORT="${SPS_PG_PORT:-54329}"
SPS_REDIS_PORT="${SPS_REDIS_PORT:-63799}"
DEFAULT_DATABASE_URL="postgres://sps:sps@127.0.0.1:${SPS_PG_PORT}/soft_prompt_studio"
DEFAULT_REDIS_URL="redis://127.0.0.1:${SPS_REDIS_PORT}/0"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand (Debian/Ubuntu is supported)"
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  say "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
