//! Append cost while something watches the log: the `commit` event appended through a
//! `Writer` with the default settings, in blocks of 1,000 timed whole, while a second
//! thread, changing with each block, does one of:
//!
//! - `spin`: nothing but spin (no system call), the reference;
//! - `metadata`: `std::fs::metadata` of the log path in a loop, as `ls -l`, `stat` or a
//!   polling `tail -F` would (a `statx` that asks for every field, times included);
//! - `statx_no_times`: `statx` of the path asking only for the inode and size, as the
//!   writer's own reopen checks do;
//! - `statx_birth`: the same and the birth time, as `logwriter show -f` asks (the birth
//!   time never changes, and asking for it should leave the inode unmarked).
//!
//! On Linux 6.13 and later, filesystems with multigrain timestamps (ext4, xfs, btrfs, tmpfs)
//! remember that a file's change time was read, and the next `write(2)` then takes a
//! fine-grained timestamp and journals the inode. Prints the median per-append time of each
//! case and its ratio to `spin`, all from the same run.
//!
//! `cargo bench --bench watched`; with `--test`, 3 blocks of each, to check that it works.

mod common;

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

use common::{commit_fields, COMMIT_BYTES, COMMIT_FILES, COMMIT_MESSAGE, COMMIT_SHA, SLOT};
use logwriter::{Event, EventKind, Options};
use rustix::fs::{AtFlags, StatxFlags, CWD};

const NAME: &str = "append_watched";
/// Appends timed together.
const BLOCK: usize = 1_000;
/// The watcher's cases, in the order the blocks take them.
const CASES: [&str; 4] = ["spin", "metadata", "statx_no_times", "statx_birth"];
/// Tells the watcher to return.
const STOP: u8 = u8::MAX;

/// Runs the case in `case` against `path` until told to stop, echoing each case it takes
/// up in `running`; returns how many stats it made in each case.
fn watch(path: &Path, case: &AtomicU8, running: &AtomicU8) -> [u64; 4] {
    let mut stats = [0u64; 4];
    loop {
        let now = case.load(Ordering::Relaxed);
        running.store(now, Ordering::Relaxed);
        match now {
            1 => {
                // The log may be between a rotation's rename and its new file.
                let _ = black_box(std::fs::metadata(path));
                stats[1] += 1;
            }
            2 => {
                let _ = black_box(rustix::fs::statx(
                    CWD,
                    path,
                    AtFlags::empty(),
                    StatxFlags::INO | StatxFlags::SIZE,
                ));
                stats[2] += 1;
            }
            3 => {
                let _ = black_box(rustix::fs::statx(
                    CWD,
                    path,
                    AtFlags::empty(),
                    StatxFlags::INO | StatxFlags::SIZE | StatxFlags::BTIME,
                ));
                stats[3] += 1;
            }
            STOP => return stats,
            _ => std::hint::spin_loop(),
        }
    }
}

fn main() {
    let args = common::BenchArgs::from_env();
    if args.list || !args.selects(NAME) {
        return;
    }
    let blocks = if args.test_mode { 3 } else { 600 };
    let warm_up = if args.test_mode { 0 } else { 10 };

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log");
    let mut writer = Options::new().open(&path).expect("open writer");
    let fields = commit_fields(COMMIT_MESSAGE, COMMIT_SHA, COMMIT_FILES, COMMIT_BYTES);
    let event = Event::new(EventKind::Commit).slot(SLOT).fields(&fields);

    let case = Arc::new(AtomicU8::new(0));
    let running = Arc::new(AtomicU8::new(STOP));
    let watcher = {
        let (case, running) = (Arc::clone(&case), Arc::clone(&running));
        let path = path.clone();
        std::thread::spawn(move || watch(&path, &case, &running))
    };

    let mut means: [Vec<f64>; 4] = Default::default();
    for block in 0..warm_up + blocks {
        for (index, mean) in means.iter_mut().enumerate() {
            let wanted = u8::try_from(index).expect("four cases");
            case.store(wanted, Ordering::Relaxed);
            // Time the block only once the watcher has taken up its case.
            while running.load(Ordering::Relaxed) != wanted {
                std::hint::spin_loop();
            }
            let start = Instant::now();
            for _ in 0..BLOCK {
                writer.append(black_box(&event)).expect("append");
            }
            if block >= warm_up {
                mean.push(start.elapsed().as_nanos() as f64 / BLOCK as f64);
            }
        }
    }
    case.store(STOP, Ordering::Relaxed);
    let stats = watcher.join().expect("watcher");
    assert_eq!(writer.stats().housekeeping_errors, 0);
    assert!(
        stats[1..].iter().all(|&n| n > 0),
        "the watcher ran every case: {stats:?}"
    );

    let medians: Vec<f64> = means
        .iter_mut()
        .map(|values| common::median(values))
        .collect();
    println!(
        "{NAME}: {blocks} blocks of {BLOCK} appends per case, the cases alternating block by block"
    );
    println!("  {:<16} {:>12} {:>10}", "watcher", "ns/append", "vs spin");
    for (name, median) in CASES.iter().zip(&medians) {
        println!("  {name:<16} {median:>12.1} {:>10.3}", median / medians[0]);
    }
}
