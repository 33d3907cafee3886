//! Appending allocates nothing: a counting global allocator sees zero allocations over
//! 10,000 appends with fields of every value type, timestamps from the clock, and rotations.
//!
//! It runs as a plain program (`harness = false` in `Cargo.toml`), one thread, so that
//! nothing else allocates while it counts: under libtest the harness's main thread
//! sometimes allocated inside the counted region (4 allocations, 900 bytes, about one run
//! in 40).

use std::alloc::System;

use logwriter::{Event, EventKind, Field, Options, Precision, Value};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    ten_thousand_appends_allocate_nothing();
    println!("zero_alloc: 10,000 appends, 0 allocations: ok");
}

fn ten_thousand_appends_allocate_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    // Small files so that rotations (and their lock) are inside the counted region too.
    let mut writer = Options::new()
        .max_size(64 * 1024)
        .max_files(3)
        .precision(Precision::Nanos)
        .open(&path)
        .unwrap();
    let message = String::from("slot-a: \"refactor\"\textract\ntoken validator ✓");

    let region = Region::new(GLOBAL);
    for seq in 0..10_000u64 {
        let fields = [
            Field::new("message", message.as_str()),
            Field::new("seq", seq),
            Field::new("delta", -i64::try_from(seq).unwrap()),
            Field::new("ratio", 1.0 / (seq as f64 + 1.0)),
            Field::new("nan", f64::NAN),
            Field::new("recoverable", seq % 2 == 0),
            Field::new("nothing", Value::Null),
            Field::new("seq", "repeated key, dropped"),
            Field::new("ts", "reserved key, dropped"),
        ];
        let kind = EventKind::ALL[usize::try_from(seq % 7).unwrap()];
        writer
            .append(&Event::new(kind).slot("a").fields(&fields))
            .unwrap();
    }
    let stats = region.change();

    assert_eq!(writer.stats().appends, 10_000);
    assert!(
        writer.stats().rotations > 5,
        "rotations happened: {:?}",
        writer.stats()
    );
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(stats.reallocations, 0, "{stats:?}");
}
