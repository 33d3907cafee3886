//! Appending allocates nothing: a counting global allocator sees zero allocations over
//! 10,000 appends in each of several writers that between them take every path an append
//! can: fields of every value type, every timestamp precision (the default first), events
//! stamped by the clock and by themselves, the writer's default slot, more than 32 fields
//! (the hash-table path), rotations with their lock, reopens after an outside rename and
//! after the log's directory was deleted (made again from the append, and synced, also
//! with a path over 256 bytes), and each durability policy. Failing appends allocate
//! nothing either: lines refused as too long, every write failing with `ENOSPC`
//! (`/dev/full`), and rotations and reopen checks that fail (their errors kept for
//! `take_housekeeping_error`). Not taken here: a short write and the `\n` that ends its
//! fragment, and a write interrupted by a signal (they need a file-size limit or a signal
//! in this process), whose errors are made as the `ENOSPC` one is.
//!
//! It runs as a plain program (`harness = false` in `Cargo.toml`), one thread, so that
//! nothing else allocates while it counts: under libtest the harness's main thread
//! sometimes allocated inside the counted region (4 allocations, 900 bytes, about one run
//! in 40).

use std::alloc::System;
use std::path::Path;
use std::time::Duration;

use logwriter::{
    Durability, ErrorKind, Event, EventKind, Field, Options, Precision, ReopenCheck, Stats,
    Timestamp, Value, Writer,
};
use rustix::io::Errno;
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
        ("every 10th line too long", rotating(), Shape::TooLong),
        (
            "the disk full",
            Options::new().no_rotation(),
            Shape::DiskFull,
        ),
        (
            "rotations and reopen checks failing",
            Options::new()
                .max_size(64 * 1024)
                .reopen_check(Some(ReopenCheck {
                    appends: 100,
                    interval: Duration::from_secs(3600),
                })),
            Shape::Obstructed,
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
        let path = match shape {
            // Not a file this test makes: the device that fails every write with ENOSPC.
            Shape::DiskFull => Path::new("/dev/full").to_path_buf(),
            _ => path.join("log"),
        };
        if shape == Shape::Obstructed {
            // A directory at the lock file's name: no rotation can take the lock.
            std::fs::create_dir_all(path.with_extension("lock")).unwrap();
        }
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
    /// As `Mixed`, every 10th event with a field too long for a line: refused.
    TooLong,
    /// As `Mixed`, to `/dev/full`: every write fails.
    DiskFull,
    /// As `Mixed`, with rotations failing (a directory at the lock file's name) and, after
    /// 5,000 appends, the log renamed away and a directory put at its name, so that every
    /// reopen check fails.
    Obstructed,
}

fn appends_allocate_nothing(name: &str, mut writer: Writer, shape: Shape, path: &Path) {
    let message = String::from("slot-a: \"refactor\"\textract\ntoken validator ✓");
    let keys: Vec<String> = (0..40).map(|i| format!("key_{i}")).collect();
    let renamed = path.with_extension("renamed");
    let mut many = Vec::with_capacity(keys.len());
    let too_long = "x".repeat(5000);
    let mut refused = 0;
    let mut taken = 0;

    // Allocations and reallocations counted so far, across the uncounted renames.
    let mut counted = (0, 0);
    let mut region = Region::new(GLOBAL);
    for seq in 0..APPENDS {
        if outside_due(shape, seq) {
            // Outside the writer: std allocates the paths' C strings, so this is not counted.
            let stats = region.change();
            counted = (
                counted.0 + stats.allocations,
                counted.1 + stats.reallocations,
            );
            act_outside(shape, path, &renamed);
            region.reset();
        }
        let long = shape == Shape::TooLong && seq % 10 == 9;
        let fields = [
            Field::new("message", message.as_str()),
            Field::new("seq", seq),
            Field::new("delta", -i64::try_from(seq).unwrap()),
            Field::new("ratio", 1.0 / (seq as f64 + 1.0)),
            Field::new("nan", f64::NAN),
            Field::new("recoverable", seq % 2 == 0),
            Field::new("nothing", Value::Null),
            // A path that is not UTF-8: replaced as it is written, in the line buffer.
            Field::new("worktree", Value::Lossy(b"/ws/caf\xe9/wt")),
            Field::new("seq", "repeated key, dropped"),
            Field::new("ts", "reserved key, dropped"),
            Field::new("long", if long { too_long.as_str() } else { "" }),
        ];
        let kind = EventKind::ALL[usize::try_from(seq % 7).unwrap()];
        let event = match shape {
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
            _ => Event::new(kind).slot("a").fields(&fields),
        };
        match writer.append(&event) {
            Ok(()) => assert!(!long && shape != Shape::DiskFull, "{name}: appended"),
            Err(err) if long && matches!(err.kind(), ErrorKind::LineTooLong { .. }) => refused += 1,
            Err(err) if shape == Shape::DiskFull && err.kind() == ErrorKind::Os(Errno::NOSPC) => {
                refused += 1;
            }
            Err(err) => panic!("{name}: {err}"),
        }
        if shape == Shape::Obstructed && seq % 100 == 0 {
            // The error the writer kept, taken and dropped inside the counted region.
            taken += u64::from(writer.take_housekeeping_error().is_some());
        }
    }
    let stats = region.change();
    let (allocations, reallocations) = (
        counted.0 + stats.allocations,
        counted.1 + stats.reallocations,
    );

    check_counters(name, shape, writer.stats(), refused, taken);
    assert_eq!(
        (allocations, reallocations),
        (0, 0),
        "{name}: allocations, reallocations"
    );
}

/// Whether something happens to the log outside the writer before append `seq`.
fn outside_due(shape: Shape, seq: u64) -> bool {
    match shape {
        Shape::Renamed | Shape::DirDeleted => seq % 1000 == 999,
        Shape::Obstructed => seq == APPENDS / 2,
        _ => false,
    }
}

/// What happens to the log outside the writer when [`outside_due`] says so.
fn act_outside(shape: Shape, path: &Path, renamed: &Path) {
    match shape {
        Shape::Renamed => std::fs::rename(path, renamed).unwrap(),
        Shape::DirDeleted => std::fs::remove_dir_all(path.parent().unwrap()).unwrap(),
        Shape::Obstructed => {
            std::fs::rename(path, renamed).unwrap();
            std::fs::create_dir(path).unwrap();
        }
        _ => unreachable!("nothing happens outside the writer"),
    }
}

/// The writer's counters after the loop: what was appended, refused and kept as failures.
fn check_counters(name: &str, shape: Shape, counters: Stats, refused: u64, taken: u64) {
    assert_eq!(counters.appends, APPENDS - refused, "{name}");
    assert_eq!(counters.failed, refused, "{name}");
    match shape {
        Shape::TooLong => assert_eq!(refused, APPENDS / 10, "{name}"),
        Shape::DiskFull => assert_eq!(refused, APPENDS, "{name}"),
        _ => assert_eq!(refused, 0, "{name}"),
    }
    if shape == Shape::Obstructed {
        // Rotations retried and failing in the first half, reopen checks in the second.
        assert_eq!(counters.rotations, 0, "{name}: {counters:?}");
        assert!(taken >= 90, "{name}: {taken} errors kept of 100 taken");
        assert!(
            counters.housekeeping_errors > 50,
            "{name}: too few failures: {counters:?}"
        );
    } else {
        assert_eq!(counters.housekeeping_errors, 0, "{name}: {counters:?}");
    }
    match shape {
        Shape::Renamed | Shape::DirDeleted => {
            assert_eq!(counters.reopens, 10, "{name}: {counters:?}");
        }
        Shape::DiskFull | Shape::Obstructed => {}
        _ => assert!(counters.rotations > 5, "{name}: rotations: {counters:?}"),
    }
}
