#!/usr/bin/env bash
# Checks that .ci/bench-ratios.sh reads a whole run right and refuses a broken one: it runs
# the script on made-up results (one run's files, written in the order `cargo bench` writes
# them) and on copies with one result missing, null, not a number or zero, each of which
# must end it with status 2 rather than print a ratio. No bench is run.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

# make <dir>: one run's results, in stage order a minute apart.
make() {
    local target="$1" group case at
    local c="$target/criterion"
    estimate() {
        mkdir -p "$c/$1/$2/new"
        printf '{"median":{"point_estimate":%s}}\n' "$3" >"$c/$1/$2/new/estimates.json"
        touch -d "$4" "$c/$1/$2/new/estimates.json"
    }
    at="2026-01-01T00:00:00Z"
    estimate append_commit logwriter 400 "$at"
    estimate append_commit bare_write 380 "$at"
    estimate append_commit seed_pattern 2800 "$at"
    estimate append_commit tracing_json 1100 "$at"
    at="2026-01-01T00:01:00Z"
    for group in encode_join encode_commit encode_error encode_error_3k5_escaped; do
        estimate "$group" logwriter 25 "$at"
        estimate "$group" serde_json_map 500 "$at"
        estimate "$group" serde_json_derive 100 "$at"
    done
    mkdir -p "$target/tmp"
    echo '{"encode_commit":{"logwriter":25,"serde_json_map":500,"serde_json_derive":100}}' \
        >"$target/tmp/encode_interleaved.json"
    touch -d "2026-01-01T00:01:30Z" "$target/tmp/encode_interleaved.json"
    echo '{"p50_ns":300,"p999_ns":30000,"bare_p50_ns":290,"bare_p999_ns":2000,"block_mean_ns":400,"bare_block_mean_ns":380,"no_clock_block_mean_ns":390,"over_bare_p999":{"bare":10,"rotated":1,"checked":2,"plain":9}}' \
        >"$target/tmp/append_latency.json"
    touch -d "2026-01-01T00:02:00Z" "$target/tmp/append_latency.json"
    estimate rotation rotate_5_backups 20000 "2026-01-01T00:03:00Z"
}

# expect <status> <what> [--strict]: runs the script on $work/t and compares its status.
expect() {
    local want="$1" what="$2" got=0
    shift 2
    CARGO_TARGET_DIR="$work/t" .ci/bench-ratios.sh "$@" >"$work/out" 2>&1 || got=$?
    if [[ "$got" != "$want" ]]; then
        echo "bench-ratios-selftest: FAIL: $what: status $got, $want expected:" >&2
        cat "$work/out" >&2
        failed=1
    else
        echo "bench-ratios-selftest: ok: $what (status $got)"
    fi
}

# edit <file> <jq filter>: rewrites a result, keeping its time.
edit() {
    jq -c "$2" "$1" >"$1.new"
    touch -r "$1" "$1.new"
    mv "$1.new" "$1"
}

fresh() { rm -rf "$work/t" && make "$work/t"; }

fresh
expect 0 "a whole run"
grep -q '^  met     append logwriter / bare_write, interleaved blocks *1.053 ' "$work/out" || {
    echo "bench-ratios-selftest: FAIL: the interleaved append ratio is not 400/380 = 1.053:" >&2
    cat "$work/out" >&2
    failed=1
}
grep -q '^  MISSED  append latency p99.9 / p50 (1 MiB rotation) *100.000 ' "$work/out" || {
    echo "bench-ratios-selftest: FAIL: the latency ratio is not 30000/300 = 100, missed:" >&2
    cat "$work/out" >&2
    failed=1
}
expect 1 "a missed target with --strict" --strict
edit "$work/t/tmp/append_latency.json" '.p999_ns = 3000'
expect 0 "every target met with --strict" --strict

fresh
rm -r "$work/t/criterion/append_commit/bare_write"
expect 2 "a criterion result missing"
fresh
edit "$work/t/criterion/encode_commit/logwriter/new/estimates.json" '.median.point_estimate = null'
expect 2 "a criterion median null"
fresh
edit "$work/t/tmp/append_latency.json" '.p999_ns = null'
expect 2 "the latency p99.9 null"
fresh
edit "$work/t/tmp/append_latency.json" 'del(.p50_ns)'
expect 2 "the latency p50 missing"
fresh
edit "$work/t/tmp/append_latency.json" '.bare_block_mean_ns = 0'
expect 2 "a divisor of 0"
fresh
edit "$work/t/tmp/encode_interleaved.json" '.encode_commit.logwriter = "x"'
expect 2 "an interleaved median that is not a number"
fresh
touch -d "2026-01-01T00:30:00Z" "$work/t/tmp/append_latency.json"
expect 2 "the latency bench rerun after the whole run"
fresh
edit "$work/t/tmp/append_latency.json" 'del(.block_mean_ns)'
expect 2 "the interleaved append blocks missing"
fresh
rm "$work/t/tmp/encode_interleaved.json"
expect 2 "the interleaved encode summary missing"
fresh
rm -r "$work/t/criterion/rotation"
expect 2 "the rotation result missing"
fresh
edit "$work/t/tmp/append_latency.json" '.over_bare_p999 = {}'
expect 2 "the latency split empty"
fresh
expect 2 "a misspelt --strict" --strct
expect 2 "an argument after --strict" --strict x
for broken in '' '{"encode_commit":{"logwriter":25,'; do
    fresh
    printf '%s' "$broken" >"$work/t/tmp/encode_interleaved.json"
    touch -d "2026-01-01T00:01:30Z" "$work/t/tmp/encode_interleaved.json"
    expect 2 "an interleaved encode summary of '$broken'"
done

exit "$failed"
