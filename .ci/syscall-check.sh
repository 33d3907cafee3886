#!/usr/bin/env bash
# Counts the system calls of Writer::append in steady state, with the default settings, under
# `strace -f -c`, and fails unless every append is exactly one write(2) and all other calls
# average at most 0.01 per append.
#
# The probe (examples/syscall_probe.rs) is run twice into fresh directories: with 0 appends
# and with N. The difference between the two runs is the append loop alone: process start,
# open and exit are the same in both. With the defaults (10 MiB, 5 backups, reopen check
# every 1024 appends or 1 s, or once the writer's bytes reach 1/64 of 10 MiB: about every
# 940 appends of ~175 bytes) N appends include a few rotations (3 for 200,000) and about
# N/940 reopen checks of two calls each, which are counted as the loop's other calls.
#
# Usage: .ci/syscall-check.sh [N]   (default 200000). Needs strace; installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

appends="${1:-200000}"
max_other_per_append="0.01"

if ! command -v strace >/dev/null; then
    echo "syscall-check: strace is not installed (apt-get install -y strace)" >&2
    exit 2
fi

cargo build --release --example syscall_probe
probe="${CARGO_TARGET_DIR:-target}/release/examples/syscall_probe"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Prints "<syscall> <calls>" for every system call of one run of the probe.
count() {
    local n="$1"
    strace -f -c -o "$work/strace.$n" "$probe" "$work/run.$n" "$n"
    # Rows are: % time, seconds, usecs/call, calls, [errors], syscall.
    awk '$NF != "total" && $NF != "syscall" && $4 ~ /^[0-9]+$/ { print $NF, $4 }' "$work/strace.$n"
}

count 0 >"$work/base"
count "$appends" >"$work/loop"

# Per syscall: calls in the N-append run minus calls in the 0-append run.
awk -v n="$appends" -v limit="$max_other_per_append" '
    FNR == NR { base[$1] = $2; next }
    { loop[$1] = $2 }
    END {
        for (name in base) if (!(name in loop)) loop[name] = 0
        printf "syscall-check: %d appends; system calls of the append loop:\n", n
        for (name in loop) {
            diff = loop[name] - base[name]
            if (diff == 0) continue
            printf "  %-16s %9d  (%.5f per append)\n", name, diff, diff / n
            if (name == "write") writes = diff; else other += diff
        }
        printf "  write: %d (expected %d); other: %d = %.5f per append (limit %s)\n",
            writes, n, other, other / n, limit
        if (writes != n) { print "syscall-check: FAIL: not exactly one write per append"; exit 1 }
        if (other / n > limit) { print "syscall-check: FAIL: too many other system calls"; exit 1 }
        print "syscall-check: ok"
    }' "$work/base" "$work/loop"
