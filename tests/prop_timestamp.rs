//! Property: every instant from 1970 to 9999 formats, at every precision, as a naive
//! calendar walk says (Go's `RFC3339Nano` rule for `Precision::Auto`), and instants outside
//! that range are refused. The check is the one the `timestamp` fuzz target runs (which
//! also compares with `chrono`).

#[path = "../fuzz/src/time_check.rs"]
mod time_check;

use proptest::prelude::*;
use time_check::{check_timestamp, MAX_SECS};

/// No second reference here: `chrono` is a dependency of the fuzz crate only.
fn no_second_reference(_: u64, _: u32, _: logwriter::Precision) -> Option<String> {
    None
}

/// Instants that end a day, a month, a year or a leap day are where calendars go wrong.
fn day_edges() -> impl Strategy<Value = i64> {
    let max_days = i64::try_from(MAX_SECS / 86_400).expect("fits");
    (0..=max_days, prop::sample::select(vec![0i64, 1, 86_399]))
        .prop_map(|(day, second)| day * 86_400 + second)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn formats_like_the_calendar_walk(
        secs in prop_oneof![0..=i64::try_from(MAX_SECS).expect("fits"), day_edges()],
        nanos in prop_oneof![0..1_000_000_000u32, Just(0u32), Just(999_999_999u32), Just(500_000_000u32)],
    ) {
        check_timestamp(secs, nanos, no_second_reference);
    }

    #[test]
    fn refuses_outside_the_range(secs in any::<i64>(), nanos in any::<u32>()) {
        check_timestamp(secs, nanos, no_second_reference);
    }
}
