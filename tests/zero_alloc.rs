//! Appending allocates nothing: a counting global allocator sees zero allocations over
//! 10,000 appends in each of several writers that between them take every path an append
//! can: fields of every value type, every timestamp precision (the default first), events
//! stamped by the clock and by themselves, the writer's default slot, more than 32 fields
//! (the hash-table path), rotations with their lock, reopens after an outside rename and
//! after the log's directory was deleted (made again from the append, and synced, also
//! with a path over 256 bytes), and each durability policy.
//!
//! It runs as a plain program (`harness = false` in `Cargo.toml`), one thread, so that
//! nothing else allocates while it counts: under libtest the harness's main thread
//! sometimes allocated inside the counted region (4 allocations, 900 bytes, about one run
//! in 40).

use std::alloc::System;
use std::path::Path;
use std::time::Duration;

use logwriter::{
    Durability, Event, EventKind, Field, Options, Precision, ReopenCheck, Timestamp, Value, Writer,
};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const APPENDS: u64 = 10_000;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // Small files so that rotations (and their lock) are inside the counted region too.
    let rotating = || Options::new().max_size(64 * 1024).max_files(3);
    let at = |precision| rotating().precision(precision);
    let synced_dir_deleted = || {
        Options::new()
            .no_rotation()
            .durability(Durability::EveryAppend)
            .reopen_check(Some(ReopenCheck {
                appends: 100,
                interval: Duration::from_secs(3600),
            }))
    };
    let cases = [
        ("default precision", rotating(), Shape::Mixed),
        ("seconds", at(Precision::Seconds), Shape::Mixed),
        ("millis", at(Precision::Millis), Shape::Mixed),
        ("micros", at(Precision::Micros), Shape::Mixed),
        ("nanos", at(Precision::Nanos), Shape::Mixed),
        ("the writer's slot", rotating().slot("a"), Shape::NoSlot),
        ("own timestamps", rotating(), Shape::Stamped),
        ("40 fields", rotating(), Shape::ManyFields),
        (
            "reopens after outside renames",
            Options::new().no_rotation().reopen_check(Some(ReopenCheck {
                appends: 100,
                interval: Duration::from_secs(3600),
            })),
            Shape::Renamed,
        ),
        (
            "the directory deleted, every append synced",
            synced_dir_deleted(),
            Shape::DirDeleted,
        ),
        (
            "the directory deleted, its path over 256 bytes, every append synced",
            synced_dir_deleted(),
            Shape::DirDeleted,
        ),
        (
            "every append synced",
            rotating().durability(Durability::EveryAppend),
            Shape::Mixed,
        ),
        (
            "periodic syncs",
            rotating().durability(Durability::Periodic {
                appends: 64,
                interval: Duration::from_secs(3600),
            }),
            Shape::Mixed,
        ),
    ];
    let count = cases.len();
    for (number, (name, options, shape)) in cases.into_iter().enumerate() {
        // In a directory of its own, which `DirDeleted` deletes. A path of 256 bytes or
        // more is one that rustix would copy to the heap to pass to the kernel.
        let mut path = dir.path().join(format!("dir{number}"));
        if name.contains("over 256 bytes") {
            path = path.join("d".repeat(200)).join("e".repeat(100));
            assert!(path.as_os_str().len() > 256);
        }
        let path = path.join("log");
        let writer = options.open(&path).unwrap();
        appends_allocate_nothing(name, writer, shape, &path);
    }
    println!("zero_alloc: {APPENDS} appends in each of {count} writers, 0 allocations: ok");
}

/// What the appended events look like, and what else happens between appends.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// Nine fields of every value type, with a repeated and a reserved key; every kind.
    Mixed,
    /// As `Mixed`, without a slot of the event's own.
    NoSlot,
    /// As `Mixed`, with the event's own timestamp.
    Stamped,
    /// Forty fields, past the look-back limit.
    ManyFields,
    /// As `Mixed`, with the log renamed away every 1,000 appends.
    Renamed,
    /// As `Mixed`, with the log's directory deleted every 1,000 appends.
    DirDeleted,
}

fn appends_allocate_nothing(name: &str, mut writer: Writer, shape: Shape, path: &Path) {
    let message = String::from("slot-a: \"refactor\"\textract\ntoken validator ✓");
    let keys: Vec<String> = (0..40).map(|i| format!("key_{i}")).collect();
    let renamed = path.with_extension("renamed");
    let mut many = Vec::with_capacity(keys.len());

    // Allocations and reallocations counted so far, across the uncounted renames.
    let mut counted = (0, 0);
    let mut region = Region::new(GLOBAL);
    for seq in 0..APPENDS {
        if shape == Shape::Renamed && seq % 1000 == 999 {
            // Outside the writer: std allocates the paths' C strings, so this is not counted.
            let stats = region.change();
            counted = (
                counted.0 + stats.allocations,
                counted.1 + stats.reallocations,
            );
            std::fs::rename(path, &renamed).unwrap();
            region.reset();
        }
        if shape == Shape::DirDeleted && seq % 1000 == 999 {
            let stats = region.change();
            counted = (
                counted.0 + stats.allocations,
                counted.1 + stats.reallocations,
            );
            std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
            region.reset();
        }
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
        let event = match shape {
            Shape::Mixed | Shape::Renamed | Shape::DirDeleted => {
                Event::new(kind).slot("a").fields(&fields)
            }
            Shape::NoSlot => Event::new(kind).fields(&fields),
            Shape::Stamped => Event::new(kind)
                .slot("a")
                .fields(&fields)
                .at(Timestamp::from_unix(1_777_636_800, u32::try_from(seq).unwrap()).unwrap()),
            Shape::ManyFields => {
                many.clear();
                many.extend(keys.iter().map(|key| Field::new(key, seq)));
                Event::new(kind).slot("a").fields(&many)
            }
        };
        writer.append(&event).unwrap();
    }
    let stats = region.change();
    let (allocations, reallocations) = (
        counted.0 + stats.allocations,
        counted.1 + stats.reallocations,
    );

    let counters = writer.stats();
    assert_eq!(counters.appends, APPENDS, "{name}");
    assert_eq!(counters.housekeeping_errors, 0, "{name}: {counters:?}");
    if matches!(shape, Shape::Renamed | Shape::DirDeleted) {
        assert_eq!(counters.reopens, 10, "{name}: {counters:?}");
    } else {
        assert!(counters.rotations > 5, "{name}: rotations: {counters:?}");
    }
    assert_eq!(
        (allocations, reallocations),
        (0, 0),
        "{name}: allocations, reallocations"
    );
}
