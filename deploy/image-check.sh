#!/usr/bin/env bash
# Builds the compose image with Jib to a tarball and runs it without a Docker engine: the image's
# layers are unpacked into a root filesystem and its entrypoint runs in a chroot with the image's
# environment and working directory, as a container runtime would (same files, same JVM, same
# native libraries; the host's network). First `ams --version`, then the whole demo (embedded broker,
# all processors, exporter) inside the image. Needs root, debootstrap and unshare.
# Usage: deploy/image-check.sh [base-image.tar]   (built by deploy/base-image.sh when not given)
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir="$(pwd)"
base="${1:-app/target/ams-base-image.tar}"
[ -f "$base" ] || deploy/base-image.sh "$base"
base="$(realpath "$base")"

./mvnw -q -B install -DskipTests
./mvnw -q -B -Pjib -pl app package jib:buildTar -DskipTests -Djib.from.image="tar://$base"
image="$root_dir/app/target/jib-image.tar"
echo "image: $image ($(du -h "$image" | cut -f1))"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/x" "$work/rootfs"
tar -C "$work/x" -xf "$image"
read -r config layers < <(python3 - "$work/x/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))[0]
print(m["Config"], " ".join(m["Layers"]))
PY
)
for layer in $layers; do tar --warning=no-unknown-keyword -C "$work/rootfs" -xzf "$work/x/$layer"; done
# The image's Env, WorkingDir and Entrypoint, exactly as a runtime would apply them.
mapfile -t env < <(python3 -c 'import json,sys; [print(e) for e in json.load(open(sys.argv[1]))["config"]["Env"]]' "$work/x/$config")
workdir="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["WorkingDir"])' "$work/x/$config")"
mapfile -t entrypoint < <(python3 -c 'import json,sys; [print(e) for e in json.load(open(sys.argv[1]))["config"]["Entrypoint"]]' "$work/x/$config")
mkdir -p "$work/rootfs$workdir"
cp /etc/resolv.conf "$work/rootfs/etc/resolv.conf" 2>/dev/null || true

in_image() {
  unshare --mount --pid --fork bash -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
    "$work/rootfs" /usr/bin/env -i "${env[@]}" HOME=/root bash -c 'cd "$0" && exec "$@"' "$workdir" "$@"
}
in_image "${entrypoint[@]}" --version
start=$(date +%s)
in_image "${entrypoint[@]}" demo
echo "demo inside the image: $(( $(date +%s) - start )) s"
find "$work/rootfs$workdir" -name '*.parquet' -o -name '*.jsonl' | sed "s|$work/rootfs||" | head -20
