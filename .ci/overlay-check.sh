#!/usr/bin/env bash
# Runs tests/torn_line_race.rs with its temp files on overlayfs, the usual root of a
# container. There a zero-length write(2) does not wait for an append under way, so a
# writer opening the log must watch the end for a while instead (src/writer.rs,
# `stays_unfinished`); without that, an opener took a line still being copied in for a
# torn one and left an empty line after it.
#
# Usage: .ci/overlay-check.sh   (as root: it mounts an overlay in a fresh temp directory,
# and unmounts and removes it on exit). Fails if the overlay cannot be mounted.
set -euo pipefail
cd "$(dirname "$0")/.."

base="$(mktemp -d)"
mounted=0
cleanup() {
    if [ "$mounted" = 1 ]; then umount "$base/mnt" || true; fi
    rm -rf "$base"
}
trap cleanup EXIT
mkdir "$base/lower" "$base/upper" "$base/work" "$base/mnt"
if ! mount -t overlay overlay \
    -o "lowerdir=$base/lower,upperdir=$base/upper,workdir=$base/work" "$base/mnt"; then
    echo "overlay-check: cannot mount an overlay (needs root and overlayfs)" >&2
    exit 2
fi
mounted=1
fs="$(stat -f -c %T "$base/mnt")"
if [ "$fs" != overlayfs ]; then
    echo "overlay-check: the mount is $fs, not overlayfs" >&2
    exit 2
fi
# torn_line_race: a line being copied in is not a fragment; faults: a real fragment found
# at open is still ended.
TMPDIR="$base/mnt" cargo test --release --test torn_line_race --test faults
echo "overlay-check: on overlayfs, no line being copied in was taken for a torn one, and fragments were ended"
