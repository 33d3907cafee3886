#!/usr/bin/env bash
# Fuzz smoke run: each cargo-fuzz target for FUZZ_SECONDS (default 60) on nightly, starting
# from the committed seed corpus copied to a scratch directory, so the checkout stays clean.
# Any crash fails the run; its input is kept under fuzz/artifacts/<target>/ for replay.
# Meanwhile, on the machine's other core, the library's unit tests and the encoder and
# timestamp property tests under Miri (MIRI=0 skips them); each fuzz target runs on one core.
#
# Needs: cargo-fuzz (cargo install cargo-fuzz --version 0.13.2 --locked), a nightly
# toolchain, and for Miri `rustup component add miri rust-src --toolchain nightly`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
targets=(encode_differential timestamp rotation_model row_scan)
# Longest input per target: the structured inputs need no more, and longer ones run slower.
declare -A max_len=([encode_differential]=512 [timestamp]=64 [rotation_model]=1024 [row_scan]=1024)
# Safe Rust only (the library forbids `unsafe`): no sanitizer, and comparisons not traced,
# which doubles the executions per second of these targets.
flags=(--sanitizer none --no-trace-compares)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: cargo-fuzz is missing: cargo install cargo-fuzz --version 0.13.2 --locked" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The rotation target makes its temp dir here, so nothing outlives the run.
export TMPDIR="$work"

(cd fuzz && cargo +nightly fuzz build "${flags[@]}")

# Under Miri: the library's unit tests (escape table and scan, timestamps, series names)
# and the timestamp and encoder property tests with a few cases. Isolation is off for the
# realtime clock and proptest's regression files. The writer's tests need real files and
# `flock`, and stay out. Miri runs these about 1000 times slower than native: 4 encoder
# cases take about 2 minutes of CPU. Interpreted on one core, they run beside the fuzzers.
run_miri() {
    export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
    cargo +nightly miri test --lib
    PROPTEST_CASES="${MIRI_PROPTEST_CASES:-4}" cargo +nightly miri test \
        --test prop_timestamp --test prop_encode
}
miri_pid=""
miri_start=$SECONDS
if [ "${MIRI:-1}" != 0 ]; then
    run_miri >"$work/miri.log" 2>&1 &
    miri_pid=$!
else
    echo "fuzz: Miri SKIPPED (MIRI=0)" >&2
fi

failed=0
for target in "${targets[@]}"; do
    mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
    if [ -d "fuzz/corpus/$target" ]; then
        cp -R "fuzz/corpus/$target/." "$work/corpus/$target/"
    fi
    start=$SECONDS
    if (cd fuzz && cargo +nightly fuzz run "${flags[@]}" "$target" "$work/corpus/$target" -- \
        -max_total_time="$seconds" -max_len="${max_len[$target]}" -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$target/") >"$work/$target.log" 2>&1; then
        runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" | grep -o '[0-9]*$' || true)"
        echo "fuzz: $target: ${runs:-?} executions in $((SECONDS - start)) s, no crash"
    else
        failed=1
        echo "fuzz: $target FAILED; its log:" >&2
        grep -v '^#' "$work/$target.log" | tail -40 >&2
        mkdir -p "fuzz/artifacts/$target"
        cp -R "$work/artifacts/$target/." "fuzz/artifacts/$target/"
        echo "fuzz: crash inputs copied to fuzz/artifacts/$target/; replay with" \
            "(cd fuzz && cargo +nightly fuzz run ${flags[*]} $target artifacts/$target/<file>)" >&2
    fi
done

if [ -n "$miri_pid" ]; then
    if wait "$miri_pid"; then
        echo "fuzz: miri passed in $((SECONDS - miri_start)) s (beside the fuzzers)"
    else
        failed=1
        echo "fuzz: miri FAILED; its log:" >&2
        tail -60 "$work/miri.log" >&2
    fi
fi
[ "$failed" = 0 ] || exit 1

