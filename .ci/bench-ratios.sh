#!/usr/bin/env bash
# Prints the medians of the last `cargo bench` run and the ratios the performance targets
# are stated in, from criterion's estimates and the latency harness's summary.
#
# Usage: cargo bench && .ci/bench-ratios.sh [--strict]
#   --strict: exit 1 if a target is missed (default: report only; timings are noisy).
#
# The ratios must come from one run: the script refuses (exit 2) results written more than
# an hour apart; an interleaved encode summary older than the criterion encode results
# it sits beside (the encode bench writes it after them, and only when all four workloads
# ran), which is what a partial rerun such as `cargo bench -- encode_commit` leaves; and
# results not written in the order `cargo bench` runs the benches (append, encode,
# latency, rotation), each within 10 minutes of the one before, which is what a rerun of
# one bench leaves (`cargo bench --bench latency` after a whole run, say). A rerun of the
# last of them (`rotation`) within 10 minutes of the whole run is not caught. A result
# missing, null or not a number, a summary missing or not JSON, a divisor of 0, or an
# argument other than --strict, also ends it with status 2
# (`.ci/bench-ratios-selftest.sh` checks that on made-up results).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
# Without trailing slashes, so that the paths built below are the ones `find` prints.
while [[ "$target" == */ && "$target" != / ]]; do target="${target%/}"; done
criterion="$target/criterion"
strict=0
case "$#:${1:-}" in
    0:) ;;
    1:--strict) strict=1 ;;
    *)
        echo "usage: .ci/bench-ratios.sh [--strict]" >&2
        exit 2
        ;;
esac

# One run: every result file within an hour of the others, and the interleaved encode
# summary written after the criterion encode results.
mapfile -t sources < <(find "$criterion" -path '*/new/estimates.json' \
    \( -path '*/encode_*' -o -path '*/append_commit/*' -o -path '*/rotation/*' \) 2>/dev/null)
for json in "$target/tmp/encode_interleaved.json" "$target/tmp/append_latency.json"; do
    [[ -f "$json" ]] && sources+=("$json")
done
if [[ "${#sources[@]}" -gt 0 ]]; then
    oldest="$(stat -c %Y "${sources[@]}" | sort -n | head -1)"
    newest="$(stat -c %Y "${sources[@]}" | sort -n | tail -1)"
    if ((newest - oldest > 3600)); then
        echo "bench-ratios: results written $(((newest - oldest) / 60)) minutes apart: not one run (rerun cargo bench)" >&2
        exit 2
    fi
    echo "results written between $(date -ud "@$oldest" +%FT%TZ) and $(date -ud "@$newest" +%FT%TZ)"
fi
interleaved_json="$target/tmp/encode_interleaved.json"
if [[ -f "$interleaved_json" ]]; then
    encode_newest="$(find "$criterion" -path '*/encode_*/new/estimates.json' -newer "$interleaved_json" | head -1)"
    if [[ -n "$encode_newest" ]]; then
        echo "bench-ratios: $encode_newest is newer than $interleaved_json: a partial encode run (rerun cargo bench --bench encode)" >&2
        exit 2
    fi
fi

# The benches' results in the order `cargo bench` writes them (bench targets run in name
# order), each stage after the one before and at most 10 minutes after it.
previous_name="" previous_newest=""
# stage <name> <files...>: checks the files' mtimes against the stage before (the names are
# globs expanded by the caller; a pattern that matched nothing is passed over).
stage() {
    local name="$1" times
    shift
    mapfile -t times < <(for file in "$@"; do
        [[ -f "$file" ]] && stat -c '%.9Y' -- "$file"
    done | sort -n)
    [[ "${#times[@]}" -gt 0 ]] || return 0
    if [[ -n "$previous_name" ]] &&
        ! awk -v a="$previous_newest" -v b="${times[0]}" 'BEGIN { exit !(a <= b && b - a <= 600) }'; then
        echo "bench-ratios: the $name results were not written within 10 minutes after the $previous_name results, as one cargo bench writes them: not one run (rerun cargo bench)" >&2
        exit 2
    fi
    previous_name="$name" previous_newest="${times[-1]}"
}
stage append "$criterion"/append_commit/*/new/estimates.json
stage encode "$criterion"/encode_*/*/new/estimates.json "$interleaved_json"
stage latency "$target/tmp/append_latency.json"
stage rotation "$criterion"/rotation/*/new/estimates.json

# Every value goes through `num`, and every use of one through an assignment
# (`x="$(…)"`), so that under `set -e` a missing result ends the script with its status
# (a failure inside a command's arguments would only end that subshell).

# num <file> <jq filter>: the number the filter picks, or exit 2 (a missing key and null
# are no result, nor is anything else that is not a non-negative number).
num() {
    local value
    if ! value="$(jq -e "$2" "$1" 2>/dev/null)" ||
        [[ ! "$value" =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then
        echo "bench-ratios: no number at $2 in $1 (rerun cargo bench)" >&2
        exit 2
    fi
    echo "$value"
}

# Median in nanoseconds of one criterion benchmark, e.g. `median append_commit logwriter`.
median() {
    local file="$criterion/$1/$2/new/estimates.json"
    if [[ ! -f "$file" ]]; then
        echo "bench-ratios: no results at $file (run cargo bench first)" >&2
        exit 2
    fi
    num "$file" '.median.point_estimate'
}

# ratio <a> <b>: a / b to 6 places, or exit 2 unless both are numbers and b is above 0.
ratio() {
    local number='^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$'
    if [[ ! "$1" =~ $number || ! "$2" =~ $number ]] ||
        ! awk -v b="$2" 'BEGIN { exit !(b + 0 > 0) }'; then
        echo "bench-ratios: cannot divide '$1' by '$2'" >&2
        exit 2
    fi
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a / b }'
}

printf '%-26s %-18s %12s %10s\n' group case "median ns" "/ ours"
for group in encode_join encode_commit encode_error encode_error_3k5_escaped append_commit; do
    ours="$(median "$group" logwriter)"
    for case in logwriter serde_json_map serde_json_derive bare_write seed_pattern tracing_json; do
        [[ -f "$criterion/$group/$case/new/estimates.json" ]] || continue
        value="$(median "$group" "$case")"
        rel="$(ratio "$value" "$ours")"
        awk -v g="$group" -v c="$case" -v v="$value" -v r="$rel" \
            'BEGIN { printf "%-26s %-18s %12.1f %10.2f\n", g, c, v, r }'
    done
done
rotation="$(median rotation rotate_5_backups)"
awk -v v="$rotation" 'BEGIN { printf "%-26s %-18s %12.1f\n", "rotation", "rotate_5_backups", v }'

missed=0
# check <name> <value> <op> <limit>: prints the target line and counts misses.
check() {
    if [[ ! "$2" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
        echo "bench-ratios: no ratio for $1 ('$2')" >&2
        exit 2
    fi
    if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == "<=") ? v <= l : v >= l) }'; then
        printf '  met     %-48s %8.3f (target %s %s)\n' "$1" "$2" "$3" "$4"
    else
        printf '  MISSED  %-48s %8.3f (target %s %s)\n' "$1" "$2" "$3" "$4"
        missed=$((missed + 1))
    fi
}

echo
echo "targets (ratios of medians from this run):"
r="$(ratio "$(median append_commit logwriter)" "$(median append_commit bare_write)")"
check "append logwriter / bare_write (criterion, one after the other)" "$r" "<=" 1.10
r="$(ratio "$(median encode_commit serde_json_map)" "$(median encode_commit logwriter)")"
check "encode_commit serde_json_map / logwriter" "$r" ">=" 15
r="$(ratio "$(median encode_commit serde_json_derive)" "$(median encode_commit logwriter)")"
check "encode_commit serde_json_derive / logwriter" "$r" ">=" 3
# The encode targets again, from the encode bench's interleaved blocks (the three encoders
# taking turns, each block timed whole), which the machine's drift falls on alike.
# Both summaries are required: a whole `cargo bench` writes them (a summary missing or
# not JSON, or a target's key missing, ends the script with status 2).
interleaved="$target/tmp/encode_interleaved.json"
latency="$target/tmp/append_latency.json"
for summary in "$interleaved" "$latency"; do
    if [[ ! -f "$summary" ]] || ! jq -e 'type == "object"' "$summary" >/dev/null 2>&1; then
        echo "bench-ratios: no summary (a JSON object) at $summary (run cargo bench first)" >&2
        exit 2
    fi
done
r="$(ratio "$(num "$interleaved" .encode_commit.serde_json_map)" "$(num "$interleaved" .encode_commit.logwriter)")"
check "encode_commit serde_json_map / logwriter, interleaved" "$r" ">=" 15
r="$(ratio "$(num "$interleaved" .encode_commit.serde_json_derive)" "$(num "$interleaved" .encode_commit.logwriter)")"
check "encode_commit serde_json_derive / logwriter, interleaved" "$r" ">=" 3
r="$(ratio "$(num "$latency" .p999_ns)" "$(num "$latency" .p50_ns)")"
check "append latency p99.9 / p50 (1 MiB rotation)" "$r" "<=" 20
# The same append target, taken interleaved (blocks of 1,000 alternating, each block
# timed whole), so that the machine's drift falls on both cases alike.
r="$(ratio "$(num "$latency" .block_mean_ns)" "$(num "$latency" .bare_block_mean_ns)")"
check "append logwriter / bare_write, interleaved blocks" "$r" "<=" 1.10
r="$(ratio "$(num "$latency" .p50_ns)" "$(num "$latency" .bare_p50_ns)")"
check "append p50 logwriter / bare_write, interleaved" "$r" "<=" 1.10
# Not a target: the bare write's own p99.9 / p50 in the same run (the machine's tail),
# and which appends were slower than the bare write's p99.9.
if [[ "$(jq 'has("over_bare_p999")' "$latency")" == true ]]; then
    r="$(ratio "$(num "$latency" .bare_p999_ns)" "$(num "$latency" .bare_p50_ns)")"
    printf '  (info)  %-48s %8.3f\n' "bare_write latency p99.9 / p50" "$r"
    over_bare="$(num "$latency" .over_bare_p999.bare)"
    over_rotated="$(num "$latency" .over_bare_p999.rotated)"
    over_checked="$(num "$latency" .over_bare_p999.checked)"
    over_plain="$(num "$latency" .over_bare_p999.plain)"
    printf '  (info)  slower than the bare p99.9: bare %s; logwriter: rotated %s, checked %s, plain %s\n' \
        "$over_bare" "$over_rotated" "$over_checked" "$over_plain"
fi
# Not a target: the same blocks with no clock read (and no reopen checks, whose one
# statx per ~940 appends costs well under 1 ns an append), to show what the
# timestamp costs.
if [[ "$(jq 'has("no_clock_block_mean_ns")' "$latency")" == true ]]; then
    r="$(ratio "$(num "$latency" .no_clock_block_mean_ns)" "$(num "$latency" .bare_block_mean_ns)")"
    printf '  (info)  %-48s %8.3f\n' "append without a clock read / bare_write, blocks" "$r"
fi

if [[ "$strict" == 1 && "$missed" -gt 0 ]]; then
    exit 1
fi
