#!/usr/bin/env bash
# Prints the path of a Docker Compose v2 command line, for checking docker-compose.yml without a
# Docker engine (`compose config` only parses and resolves the file). Uses `docker compose` when the
# plugin is installed; otherwise takes Debian's docker-compose package (v2, from the package mirror,
# no Docker Hub) into ~/.cache/ams/compose once. Usage: "$(deploy/compose-cli.sh)" -f docker-compose.yml config
set -euo pipefail
if docker compose version >/dev/null 2>&1; then
  echo "docker compose"; exit 0
fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ams/compose"
bin="$cache/usr/libexec/docker/cli-plugins/docker-compose"
if [ ! -x "$bin" ]; then
  mirror="${AMS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  mkdir -p "$cache"
  # Debian 13 (trixie) packages Compose v2; bookworm's docker-compose is v1, which rejects the
  # Compose Specification's top-level `name`. The package is one static Go binary.
  curl -fsS -m 120 -o "$cache/Packages.xz" "$mirror/dists/trixie/main/binary-amd64/Packages.xz"
  file="$(xz -dc "$cache/Packages.xz" | awk '/^Package: docker-compose$/{p=1} p&&/^Filename:/&&!f{print $2; f=1}')"
  rm -f "$cache/Packages.xz"
  [ -n "$file" ] || { echo "docker-compose not found in $mirror trixie" >&2; exit 1; }
  curl -fsS -m 300 -o "$cache/docker-compose.deb" "$mirror/$file"
  dpkg-deb -x "$cache/docker-compose.deb" "$cache"
  rm -f "$cache/docker-compose.deb"
fi
"$bin" version >&2
echo "$bin"
