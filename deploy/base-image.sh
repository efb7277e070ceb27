#!/usr/bin/env bash
# Builds the image's base — Debian bookworm (minbase) with OpenJDK 17 JRE headless and bash — as a
# `docker save` tarball, from Debian's package mirror alone: no Docker daemon and no Docker Hub,
# which is what Jib would otherwise pull eclipse-temurin:17-jre from. Needs root and debootstrap.
# Usage: deploy/base-image.sh [out.tar]   (default app/target/ams-base-image.tar)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-app/target/ams-base-image.tar}")"
mirror="${AMS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 2; }

echo "debootstrap bookworm + openjdk-17-jre-headless into $work/rootfs ..." >&2
debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates \
  bookworm "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
# What a container does not need: package caches and lists, docs, man pages.
rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* \
       "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/tmp/*
java_home="$(dirname "$(dirname "$(readlink -f "$work/rootfs/usr/bin/java")")")"
java_home="${java_home#"$work/rootfs"}"

mkdir -p "$work/image"
tar --numeric-owner -C "$work/rootfs" -cf "$work/image/layer.tar" .
diff_id="sha256:$(sha256sum "$work/image/layer.tar" | cut -d' ' -f1)"
cat > "$work/image/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=$java_home","LANG=C.UTF-8"],
           "Cmd":["/bin/bash"]},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created_by":"deploy/base-image.sh: debootstrap bookworm minbase + openjdk-17-jre-headless"}]}
JSON
config_id="$(sha256sum "$work/image/config.json" | cut -d' ' -f1)"
mv "$work/image/config.json" "$work/image/$config_id.json"
cat > "$work/image/manifest.json" <<JSON
[{"Config":"$config_id.json","RepoTags":["amsdb/ams-base:17-jre-bookworm"],"Layers":["layer.tar"]}]
JSON
mkdir -p "$(dirname "$out")"
tar -C "$work/image" -cf "$out" manifest.json "$config_id.json" layer.tar
echo "$out ($(du -h "$out" | cut -f1), JAVA_HOME=$java_home)" >&2
