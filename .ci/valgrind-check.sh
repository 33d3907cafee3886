#!/usr/bin/env bash
# Runs logwriter under valgrind's memcheck and fails on any memory error, definite leak or
# crash. Programs that use logwriter must stay debuggable and profilable with valgrind: the
# first clock read finds the vDSO, and it has to find the one valgrind shows the program
# (Cargo.toml's `use-libc-auxv` on rustix). Without that, every one of these runs dies of
# SIGSEGV at the first append.
#
# What runs under memcheck:
#   - the test binaries that drive real files in one process (the library's unit tests,
#     writer_seed, outside_rotation, path_safety, durability, encode_shape, faults and
#     zero_alloc), as built by `cargo test`;
#   - examples/syscall_probe with enough appends to rotate once at the default 10 MiB;
#   - the `logwriter` tool: append (rotating), show, verify.
# Then it counts the instructions of an append under callgrind and fails above a budget.
#
# Usage: .ci/valgrind-check.sh   Needs valgrind; installs nothing. About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    echo "valgrind-check: valgrind is not installed (apt-get install -y valgrind)" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Error exit 99 tells valgrind's findings apart from a program's own failure.
memcheck() {
    valgrind -q --error-exitcode=99 --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite "$@"
}

tests=(logwriter writer_seed outside_rotation path_safety durability encode_shape faults zero_alloc)
cargo test --no-run --message-format=json 2>/dev/null \
    | jq -r 'select(.executable != null and .target.kind != ["bin"]) | "\(.target.name) \(.executable)"' \
    > "$work/binaries"
for name in "${tests[@]}"; do
    binary="$(awk -v name="$name" '$1 == name { print $2; exit }' "$work/binaries")"
    if [ -z "$binary" ]; then
        echo "valgrind-check: no test binary named $name" >&2
        exit 1
    fi
    echo "valgrind-check: memcheck $name"
    if [ "$name" = zero_alloc ]; then
        memcheck "$binary"
    else
        memcheck "$binary" --test-threads=2 -q
    fi
done

cargo build --release --example syscall_probe
probe="${CARGO_TARGET_DIR:-target}/release/examples/syscall_probe"
echo "valgrind-check: memcheck syscall_probe, 70,000 appends"
memcheck "$probe" "$work/probe" 70000
if [ ! -s "$work/probe/log.1" ]; then
    echo "valgrind-check: 70,000 appends of ~175 bytes did not rotate at 10 MiB" >&2
    exit 1
fi

cargo build --features cli --bin logwriter
tool="${CARGO_TARGET_DIR:-target}/debug/logwriter"
echo "valgrind-check: memcheck logwriter append, show, verify"
for i in 1 2 3 4 5 6; do
    memcheck "$tool" append --event commit --slot a --max-size 300 --max-files 2 \
        "$work/cli/log" "message=line $i" "files:=$i"
done
memcheck "$tool" show --json "$work/cli/log" > "$work/shown"
memcheck "$tool" verify --all "$work/cli/log"
if [ ! -s "$work/cli/log.1" ] || [ ! -s "$work/shown" ]; then
    echo "valgrind-check: the tool did not rotate or show anything" >&2
    exit 1
fi

# Instructions per append, counted by callgrind: the same count on every run of the same
# binary, whatever else the machine is doing, so it can catch a slower hot path where
# timings on a shared machine cannot. The difference between 0 and N appends is the loop
# alone (process start, open and exit cancel out); it includes the amortised reopen checks
# and one rotation. Under valgrind the clock read is a system call, so the vDSO's own
# instructions are not in the count: what is counted is this crate's code and rustix's.
max_instructions_per_append=700
appends=100000
# Called inside $(...), where `set -e` is off: every failure returns non-zero by hand, and
# the assignment that calls it then stops the script. A probe that crashed, or a profile
# without a total, must not read as a small count.
instructions() {
    if ! valgrind -q --tool=callgrind --callgrind-out-file="$work/callgrind.$1" \
        "$probe" "$work/count.$1" "$1"; then
        echo "valgrind-check: syscall_probe failed under callgrind with $1 appends" >&2
        return 1
    fi
    local total
    total="$(awk '$1 == "summary:" { print $2 }' "$work/callgrind.$1")"
    if ! [[ "$total" =~ ^[0-9]+$ ]]; then
        echo "valgrind-check: no instruction total in callgrind's profile ($1 appends)" >&2
        return 1
    fi
    echo "$total"
}
base="$(instructions 0)"
loop="$(instructions "$appends")"
per_append="$(( (loop - base) / appends ))"
echo "valgrind-check: $per_append instructions per append (callgrind, $appends appends; budget $max_instructions_per_append)"
if [ "$per_append" -gt "$max_instructions_per_append" ]; then
    echo "valgrind-check: an append takes more instructions than the budget" >&2
    exit 1
fi
echo "valgrind-check: ok, no memory errors, instruction count within budget"
