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
# Then it traces the stat-family calls of N appends, and of `logwriter show -f` reading
# their log, and fails if any of the writer's asks for a time, or any of the tool's for one
# other than the birth time: on Linux 6.13+, a stat that reports the change time makes
# every writer's next write(2) journal the inode (see src/identity.rs). The birth time,
# which the tool asks for, never changes and leaves the inode unmarked (`cargo bench
# --bench watched`).
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
            # A call made less often with appends than without cannot pay for another.
            if (name == "write") writes = diff; else if (diff > 0) other += diff
        }
        printf "  write: %d (expected %d); other: %d = %.5f per append (limit %s)\n",
            writes, n, other, other / n, limit
        if (writes != n) { print "syscall-check: FAIL: not exactly one write per append"; exit 1 }
        if (other / n > limit) { print "syscall-check: FAIL: too many other system calls"; exit 1 }
        print "syscall-check: ok"
    }' "$work/base" "$work/loop"

# The stat-family calls of a traced program from the first call that names `dir` on (the
# dynamic loader's and the runtime's own come before). Each must be a statx(2) whose request
# mask holds no time, and no group that includes times; with BIRTH=ok (the command-line
# tool), the birth time is allowed, and only the access, change and modification times are
# not.
# Usage: [BIRTH=ok] no_timestamps_read LABEL TRACE DIR
no_timestamps_read() {
    local refused='TIME|BASIC_STATS|ALL'
    [ "${BIRTH:-}" = ok ] && refused='ATIME|MTIME|CTIME|BASIC_STATS|ALL'
    awk -v label="$1" -v dir="$3" -v refused="$refused" '
        index($0, dir) { mine = 1 }
        !mine || !/^[0-9]+ +(stat|lstat|fstat|newfstatat|fstatat|statx)(64)?\(/ { next }
        {
            calls++
            # statx(dirfd, "path", flags, MASK, ...): the fourth argument. The path is NULL
            # in the probe rustix makes after a first statx fails, with an empty mask.
            ok = 0
            if (match($0, /^[0-9]+ +statx\([^,]*, ("[^"]*"|NULL), [^,]*, [A-Z_|0-9x]+,/)) {
                mask = substr($0, RSTART, RLENGTH)
                sub(/.*, /, "", mask); sub(/,$/, "", mask)
                ok = mask !~ refused
            }
            if (!ok) { bad++; if (bad <= 5) print "  asks for timestamps: " $0 }
        }
        END {
            printf "stat-check: %s: %d stat-family calls, %d that could report a refused timestamp (%s)\n", label, calls, bad, refused
            if (calls == 0) { print "stat-check: FAIL: no stat-family call seen; the trace is not what this script expects"; exit 1 }
            if (bad) { printf "stat-check: FAIL: %s reads file timestamps\n", label; exit 1 }
        }' "$2"
}
# Every stat-family call, and the calls that name the directory first (optional where the
# architecture lacks them).
traced='%%stat,?open,openat,?mkdir,mkdirat'

# The writer, over N appends: its reopen checks and rotations, in a new directory; then
# again in the same directory, where it opens a file that exists and is not empty.
strace -f -e trace="$traced" -o "$work/writer.trace" "$probe" "$work/stat-run" "$appends"
no_timestamps_read writer "$work/writer.trace" "$work/stat-run"
strace -f -e trace="$traced" -o "$work/reopen.trace" "$probe" "$work/stat-run" 1000
no_timestamps_read "writer, reopening" "$work/reopen.trace" "$work/stat-run"

# The follower (`logwriter show -f`) reading that log to its end and waiting for more: it
# looks at the file and the path after every read, as often as a busy log keeps it reading.
cargo build --release --features cli --bin logwriter
cli="${CARGO_TARGET_DIR:-target}/release/logwriter"
strace -f -e trace="$traced" -o "$work/follow.trace" \
    "$cli" show -f --exit-on-idle 300ms --poll-interval 20ms "$work/stat-run/log" >/dev/null
BIRTH=ok no_timestamps_read "show -f" "$work/follow.trace" "$work/stat-run"

# `show --all` and `verify --all` of a series with backups, which they open and look at
# (writers may still be appending to a backup).
for n in $(seq 1 40); do
    "$cli" append "$work/series/log" --event renew --max-size 200 --max-files 5 "n:=$n"
done
[ -e "$work/series/log.5" ] || { echo "stat-check: FAIL: no series of 5 backups to read"; exit 1; }
for command in show verify; do
    strace -f -e trace="$traced" -o "$work/$command-all.trace" \
        "$cli" "$command" --all "$work/series/log" >/dev/null
    BIRTH=ok no_timestamps_read "$command --all" "$work/$command-all.trace" "$work/series"
done
echo "stat-check: ok"
