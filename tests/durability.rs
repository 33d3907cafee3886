//! The durability policy: when `fdatasync(2)` is called, counted in `Stats::syncs`, and what
//! `close` and `Drop` do with appends not yet synced.

mod lock_waiters;
mod rotation_support;
mod timing;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lock_waiters::wait_for_lock_waiter;
use logwriter::{Durability, Event, EventKind, Op, Options, ReopenCheck, Timestamp, Writer};
use rotation_support::{child, role, traced};
use timing::until_timed;

fn append(log: &mut Writer) {
    log.append(&Event::new(EventKind::Renew)).expect("append");
}

fn open(durability: Durability) -> (tempfile::TempDir, Writer) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = Options::new()
        .durability(durability)
        .open(dir.path().join("log"))
        .expect("open");
    (dir, log)
}

/// A FIFO has nothing to sync (`fdatasync(2)` fails on it with `EINVAL`): a policy that
/// syncs works there, and so do explicit syncs.
#[test]
fn a_fifo_log_syncs_without_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    rotation_support::mkfifo(&path);
    let reader = {
        let path = path.clone();
        std::thread::spawn(move || std::fs::read_to_string(path).expect("read the FIFO"))
    };
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .open(&path)
        .expect("open");
    for _ in 0..3 {
        append(&mut log);
    }
    log.sync().expect("explicit sync");
    assert_eq!(log.close().expect("close").syncs, 4);
    let read = reader.join().expect("reader");
    assert_eq!(read.lines().count(), 3, "{read}");
}

/// The periods start once the log is open: an open that waits (a FIFO until its reader
/// comes, about 400 ms later) does not use up the first interval, so the first append right
/// after it does not sync. (They once started before the open.) A round counts only if the
/// open waited a whole interval, which is what puts the bug in reach, and the append came
/// within the interval after it.
#[test]
fn the_interval_starts_when_the_open_returns() {
    let interval = Duration::from_millis(200);
    until_timed("the open waited, the append came in time", || {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        rotation_support::mkfifo(&path);
        let reader = {
            let path = path.clone();
            std::thread::spawn(move || {
                // The wait under test: the writer's open blocks until this open. How long
                // it waited is measured below, not assumed from this pause.
                std::thread::sleep(Duration::from_millis(400));
                std::fs::read_to_string(path).expect("read the FIFO")
            })
        };
        let every = Durability::Periodic {
            appends: 1000,
            interval,
        };
        let opening = Instant::now();
        let mut log = Options::new()
            .no_rotation()
            .durability(every)
            .open(&path)
            .expect("open");
        let opened = Instant::now();
        append(&mut log);
        let syncs = log.stats().syncs;
        let in_time = opened.elapsed() < interval;
        drop(log);
        reader.join().expect("reader");
        if !in_time || opened - opening < interval {
            return false;
        }
        assert_eq!(syncs, 0, "a sync at the first append, right after the open");
        true
    });
}

#[test]
fn none_never_syncs_unless_asked() {
    let (_dir, mut log) = open(Durability::None);
    for _ in 0..10 {
        append(&mut log);
    }
    assert_eq!(log.stats().syncs, 0);
    log.sync().expect("explicit sync");
    assert_eq!(log.stats().syncs, 1);
    assert_eq!(log.close().expect("close").syncs, 1);
}

#[test]
fn every_append_syncs_each_line() {
    let (_dir, mut log) = open(Durability::EveryAppend);
    for n in 1..=5 {
        append(&mut log);
        assert_eq!(log.stats().syncs, n);
    }
    assert_eq!(
        log.close().expect("close").syncs,
        5,
        "nothing pending at close"
    );
}

/// Child side of [`closing_syncs_a_rotation_that_no_append_followed`]: one append, a
/// rotation, then the writer closed or dropped, as `role` says, after a marker on stdout.
fn rotate_then_close_child(role: &str) {
    let durability = if role.ends_with("none") {
        Durability::None
    } else {
        Durability::EveryAppend
    };
    let (dir, mut log) = open(durability);
    append(&mut log);
    log.rotate().expect("rotate");
    println!("closing {}", dir.path().display());
    if role.starts_with("close") {
        let stats = log.close().expect("close");
        assert_eq!(stats.syncs, u64::from(durability != Durability::None));
    } else {
        drop(log);
    }
    println!("closed");
}

/// `strace` arguments that fail the first `fdatasync(2)` with `EIO`.
const FAIL_FIRST_DATASYNC: &[&str] = &["-e", "inject=fdatasync:error=EIO:when=1"];

/// What a child of [`syncs_at_close`] synced while closing.
struct Closing {
    /// The temp dir it printed (`closing <dir>`).
    dir: String,
    /// The `fsync` and `fdatasync` calls between that marker and `closed`, as
    /// `(call, path)`.
    syncs: Vec<(String, String)>,
    /// The whole trace, for messages.
    trace: String,
}

/// Runs the child of `test` in `role` under `strace -y` with `more` arguments, tracing
/// syncs and writes: what it synced while closing.
fn syncs_at_close(test: &str, role: &str, more: &[&str]) -> Option<Closing> {
    let more = [&["-y"], more].concat();
    let (_, trace) = traced(&child(test, role), "fdatasync,fsync,write", &more, "closed")?;
    let (_, from) = trace.split_once("\"closing ").expect("the closing marker");
    let (dir, rest) = from.split_once("\\n").expect("the marker's end");
    let (closing, _) = rest.split_once("\"closed\\n").expect("the closed marker");
    let syncs = traced_syncs(closing)
        .into_iter()
        .map(|sync| (sync.call, sync.path))
        .collect();
    Some(Closing {
        dir: dir.to_owned(),
        syncs,
        trace,
    })
}

/// A `close` whose sync fails returns the error, and the drop that ends the writer then
/// syncs nothing more: `strace` fails the `fdatasync(2)` of the append the periodic policy
/// left pending, and the directory the open created the file in stays unsynced, as after
/// a failed sync of an append.
#[test]
fn a_close_whose_sync_fails_is_not_followed_by_another() {
    const TEST: &str = "a_close_whose_sync_fails_is_not_followed_by_another";
    if role().as_deref() == Some("close-fails") {
        let (dir, mut log) = open(Durability::Periodic {
            appends: 100,
            interval: Duration::from_secs(3600),
        });
        append(&mut log);
        println!("closing {}", dir.path().display());
        let err = log.close().expect_err("the sync fails");
        assert_eq!((err.op(), err.raw_os_error()), (Op::Sync, Some(5)), "{err}");
        println!("closed");
        return;
    }
    let Some(Closing { dir, syncs, trace }) =
        syncs_at_close(TEST, "close-fails", FAIL_FIRST_DATASYNC)
    else {
        return;
    };
    assert_eq!(
        syncs,
        [("fdatasync".to_owned(), format!("{dir}/log"))],
        "{trace}"
    );
}

/// Under a durability policy, closing or dropping the writer also syncs the directory when
/// it changed after the last sync: here a `rotate()` after the last append, whose renames
/// and new file no append synced. Only the directory: there are no lines to sync. Without a
/// policy, nothing.
#[test]
fn closing_syncs_a_rotation_that_no_append_followed() {
    const TEST: &str = "closing_syncs_a_rotation_that_no_append_followed";
    if let Some(role) = role().filter(|role| role.starts_with("close") || role.starts_with("drop"))
    {
        return rotate_then_close_child(&role);
    }
    for role in ["close-every", "drop-every", "close-none"] {
        let Some(Closing { dir, syncs, trace }) = syncs_at_close(TEST, role, &[]) else {
            return;
        };
        let expected = if role.ends_with("none") {
            vec![]
        } else {
            vec![("fsync".to_owned(), dir)]
        };
        assert_eq!(syncs, expected, "{role}: {trace}");
    }
}

/// A file sync that failed is not made again when the writer is closed: `strace` fails the
/// first `fdatasync(2)`, the append returns the error, and `close` only syncs the
/// directory the open created the file in.
#[test]
fn closing_does_not_make_a_failed_sync_again() {
    const TEST: &str = "closing_does_not_make_a_failed_sync_again";
    if role().as_deref() == Some("failed-then-close") {
        let (dir, mut log) = open(Durability::EveryAppend);
        let err = log.append(&fixed_event()).expect_err("the sync fails");
        assert_eq!((err.op(), err.raw_os_error()), (Op::Sync, Some(5)), "{err}");
        println!("closing {}", dir.path().display());
        log.close().expect("the directory's sync");
        println!("closed");
        return;
    }
    let Some(Closing { dir, syncs, trace }) =
        syncs_at_close(TEST, "failed-then-close", FAIL_FIRST_DATASYNC)
    else {
        return;
    };
    assert_eq!(syncs, [("fsync".to_owned(), dir)], "{trace}");
}

/// A sync with nothing written since one that failed makes no `fdatasync(2)`: Linux may
/// have dropped the pages it could not write, and would report them synced. It syncs the
/// directory the failed sync left unsynced, and returns `Ok`: the failure was reported by
/// the call that made it. A line written after it is synced as usual. `strace` fails the
/// first `fdatasync`; the parent counts them: two, not three.
#[test]
fn a_sync_after_a_failed_one_syncs_only_what_was_written_since() {
    const TEST: &str = "a_sync_after_a_failed_one_syncs_only_what_was_written_since";
    if let Some(role) = role().filter(|role| role.starts_with("again-")) {
        let durability = if role == "again-none" {
            Durability::None
        } else {
            Durability::EveryAppend
        };
        let (_dir, mut log) = open(durability);
        let err = if durability == Durability::None {
            append(&mut log);
            log.sync().expect_err("the first sync fails")
        } else {
            log.append(&fixed_event())
                .expect_err("the first sync fails")
        };
        assert_eq!((err.op(), err.raw_os_error()), (Op::Sync, Some(5)), "{err}");
        log.sync()
            .expect("nothing new to sync, and the directory synced");
        log.sync().expect("nothing at all to sync");
        assert_eq!(log.stats().syncs, 1, "{:?}", log.stats());
        append(&mut log);
        if durability == Durability::None {
            log.sync().expect("the new line synced");
        }
        assert_eq!(log.stats().syncs, 2, "{:?}", log.stats());
        println!("done");
        return;
    }
    for role in ["again-none", "again-every"] {
        let Some((_, trace)) = traced(
            &child(TEST, role),
            "fdatasync,fsync",
            FAIL_FIRST_DATASYNC,
            "done",
        ) else {
            return;
        };
        let calls = |name: &str| {
            let call = format!("{name}(");
            trace.lines().filter(|line| line.contains(&call)).count()
        };
        assert_eq!(calls("fdatasync"), 2, "{role}: {trace}");
        // The directory, once: by the second sync, which the failed one left it to.
        assert_eq!(calls("fsync"), 1, "{role}: {trace}");
    }
}

/// Set in the children of [`what_reached_the_file_since_a_failed_sync_decides_the_next`] to
/// the directory of their log, which the parent traces alone (`strace -P`).
const LOG_DIR: &str = "LOGWRITER_TEST_LOG_DIR";

/// What decides whether a sync after a failed one syncs the file: bytes that reached it.
/// A line refused without a byte written (here, for a deleted file that cannot be made
/// again) is not one: the next sync makes no `fdatasync(2)`. A short write is one, though
/// its line is counted lost: the next sync makes one. `strace` fails the first
/// `fdatasync` of the log, and in the second case writes 10 bytes of the second line
/// (`retval=10`: the writer is told so); the parent counts the `fdatasync` calls.
#[test]
fn what_reached_the_file_since_a_failed_sync_decides_the_next() {
    const TEST: &str = "what_reached_the_file_since_a_failed_sync_decides_the_next";
    if let Some(role) = role() {
        let dir = std::path::PathBuf::from(std::env::var_os(LOG_DIR).expect("LOG_DIR"));
        let path = dir.join("log");
        let mut log = Options::new()
            .durability(Durability::None)
            .open(&path)
            .expect("open");
        append(&mut log);
        log.sync().expect_err("the first sync fails");
        if role == "refused" {
            std::fs::remove_file(&path).expect("rm");
            std::fs::create_dir(&path).expect("a directory at the log's name");
            log.check_now();
        }
        let written = log.stats().bytes_written;
        let err = log.append(&fixed_event()).expect_err("no whole line");
        assert_eq!(log.stats().bytes_written, written, "no whole line counted");
        log.sync().expect("the sync after");
        println!("{role} {err} done");
        return;
    }
    for (role, inject, datasyncs) in [
        ("refused", None, 1),
        ("short", Some("inject=write:retval=10:when=2"), 2),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let dir_path = dir.path().canonicalize().expect("canonical");
        let log_path = dir_path.join("log");
        let mut test = child(TEST, role);
        test.env(LOG_DIR, &dir_path);
        let mut args = vec![
            "-e",
            "inject=fdatasync:error=EIO:when=1",
            "-P",
            log_path.to_str().expect("UTF-8 temp path"),
        ];
        if let Some(inject) = inject {
            args.extend(["-e", inject]);
        }
        let Some((stdout, trace)) = traced(&test, "fdatasync,write", &args, "done") else {
            return;
        };
        let calls = trace.lines().filter(|l| l.contains("fdatasync(")).count();
        assert_eq!(calls, datasyncs, "{role}: {stdout}\n{trace}");
    }
}

#[test]
fn periodic_syncs_every_n_appends_and_close_syncs_the_rest() {
    let (_dir, mut log) = open(Durability::Periodic {
        appends: 3,
        interval: Duration::from_secs(3600),
    });
    let mut syncs = Vec::new();
    for _ in 0..7 {
        append(&mut log);
        syncs.push(log.stats().syncs);
    }
    assert_eq!(syncs, [0, 0, 1, 1, 1, 2, 2]);
    assert_eq!(
        log.close().expect("close").syncs,
        3,
        "the 7th append is synced at close"
    );
}

/// How far the coarse clock, which times the writer's sync interval from the last sync, can
/// be behind the time: one kernel tick, 10 ms at the slowest (`HZ=100`). A round that
/// comes this close to the interval cannot tell whether it was due.
const COARSE_TICK: Duration = Duration::from_millis(10);

#[test]
fn periodic_syncs_after_the_interval() {
    let interval = Duration::from_millis(100);
    until_timed("periodic_syncs_after_the_interval", || {
        let opened = Instant::now();
        let (_dir, mut log) = open(Durability::Periodic {
            appends: u32::MAX,
            interval,
        });
        append(&mut log);
        if opened.elapsed() + COARSE_TICK >= interval {
            return false;
        }
        assert_eq!(log.stats().syncs, 0, "synced before the interval was up");
        // The interval is what is tested: let it pass.
        std::thread::sleep(Duration::from_millis(250));
        // Before the append that syncs: the writer times the next interval from a clock
        // reading made in it.
        let syncing = Instant::now();
        append(&mut log);
        assert_eq!(log.stats().syncs, 1);
        // The sync starts the next interval: appends right after it are not synced.
        for _ in 0..3 {
            append(&mut log);
        }
        if syncing.elapsed() + COARSE_TICK >= interval {
            return false;
        }
        assert_eq!(log.stats().syncs, 1, "synced again within the interval");
        true
    });
}

/// Events with their own timestamp, decades from the clock: the interval is timed by the
/// clock, with or without reopen checks.
#[test]
fn periodic_with_own_timestamps_is_timed_by_the_clock() {
    let old = Timestamp::from_unix(1_000_000_000, 0).expect("2001");
    let append_old = |log: &mut Writer| {
        log.append(&Event::new(EventKind::Renew).at(old))
            .expect("append");
    };
    for reopen_check in [Some(ReopenCheck::default()), None] {
        let dir = tempfile::tempdir().expect("tempdir");
        let open = |interval| {
            Options::new()
                .reopen_check(reopen_check)
                .durability(Durability::Periodic {
                    appends: u32::MAX,
                    interval,
                })
                .open(dir.path().join("log"))
                .expect("open")
        };
        let mut hourly = open(Duration::from_secs(3600));
        for _ in 0..5 {
            append_old(&mut hourly);
        }
        assert_eq!(hourly.stats().syncs, 0, "{reopen_check:?}");

        let interval = Duration::from_millis(100);
        until_timed("periodic_with_own_timestamps_is_timed_by_the_clock", || {
            let opened = Instant::now();
            let mut log = open(interval);
            append_old(&mut log);
            // Only a stall of the whole interval between the open and the append makes
            // it due.
            if opened.elapsed() + COARSE_TICK >= interval {
                return false;
            }
            assert_eq!(log.stats().syncs, 0, "{reopen_check:?}");
            // The interval is what is tested: let it pass.
            std::thread::sleep(Duration::from_millis(250));
            append_old(&mut log);
            assert_eq!(log.stats().syncs, 1, "{reopen_check:?}");
            true
        });
    }
}

#[test]
fn explicit_sync_restarts_the_period() {
    let (_dir, mut log) = open(Durability::Periodic {
        appends: 2,
        interval: Duration::from_secs(3600),
    });
    append(&mut log);
    log.sync().expect("sync");
    append(&mut log);
    assert_eq!(log.stats().syncs, 1, "one append since the explicit sync");
    append(&mut log);
    assert_eq!(log.stats().syncs, 2);
}

/// Child side: appends two lines under a long period, then drops the writer.
fn drop_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut log = Options::new()
        .durability(Durability::Periodic {
            appends: 100,
            interval: Duration::from_secs(3600),
        })
        .open(dir.path().join("log"))
        .expect("open");
    append(&mut log);
    append(&mut log);
    assert_eq!(log.stats().syncs, 0);
    drop(log);
    let mut log = Options::new().open(dir.path().join("other")).expect("open");
    append(&mut log);
    drop(log);
    println!("drop-child-done");
}

/// `Drop` syncs what the period left pending, and a writer without a policy syncs nothing:
/// seen from outside, by tracing the child's `fdatasync(2)` calls.
#[test]
fn drop_syncs_pending_appends() {
    if role().as_deref() == Some("drop") {
        return drop_child();
    }
    let Some((_, stderr)) = traced(
        &child("drop_syncs_pending_appends", "drop"),
        "fdatasync",
        &[],
        "drop-child-done",
    ) else {
        return;
    };
    let calls = stderr.lines().filter(|l| l.contains("fdatasync(")).count();
    assert_eq!(
        calls, 1,
        "one fdatasync, from the first writer's drop:\n{stderr}"
    );
}

/// A renew event with a fixed timestamp, so every line has the same length.
fn append_fixed(log: &mut Writer) {
    log.append(&fixed_event()).expect("append");
}

fn fixed_event() -> Event<'static> {
    let ts = Timestamp::from_unix(1_777_636_800, 0).expect("timestamp");
    Event::new(EventKind::Renew).at(ts)
}

/// Room for two lines and half of a third: the third and the fifth append rotate.
fn two_lines_max() -> u64 {
    let len = logwriter::Line::new()
        .encode(&fixed_event())
        .expect("encode")
        .len() as u64;
    len * 5 / 2
}

/// A writer of `<tmp>/log` with `durability`, whose third append and fifth rotate
/// ([`two_lines_max`]), keeping 3 backups.
fn rotating_at_two_lines(durability: Durability) -> (tempfile::TempDir, Writer) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = Options::new()
        .max_size(two_lines_max())
        .max_files(3)
        .durability(durability)
        .open(dir.path().join("log"))
        .expect("open");
    (dir, log)
}

/// Child side: five appends and two rotations under a long period, then `close`.
fn rotation_child(durability: Durability) {
    let (_dir, mut log) = rotating_at_two_lines(durability);
    let mut syncs = Vec::new();
    for _ in 0..5 {
        append_fixed(&mut log);
        syncs.push(log.stats().syncs);
    }
    let stats = log.close().expect("close");
    assert_eq!(stats.rotations, 2);
    println!("syncs {syncs:?} then {}", stats.syncs);
    println!("rotation-child-done");
}

/// A traced `fdatasync` or `fsync`: the call, the path of its descriptor (`strace -y` shows
/// it: `fsync(3</tmp/x/new>) = 0`), and whether its failure was injected.
#[derive(Debug)]
struct TracedSync {
    call: String,
    path: String,
    injected: bool,
}

/// The `fdatasync` and `fsync` calls in `trace` (of `strace -y`), in order.
fn traced_syncs(trace: &str) -> Vec<TracedSync> {
    sync_trace(trace)
        .iter()
        .filter(|l| l.starts_with("fsync(") || l.starts_with("fdatasync("))
        .map(|l| TracedSync {
            call: l[..l.find('(').unwrap_or(0)].to_owned(),
            path: l[l.find('<').unwrap_or(0) + 1..l.find('>').unwrap_or(0)].to_owned(),
            injected: l.contains("INJECTED"),
        })
        .collect()
}

/// The system calls of a child's trace that are about syncing and rotating, in order.
fn sync_trace(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        // `strace -f` names the thread when there are several.
        .map(|l| {
            l.split_once("] ")
                .filter(|_| l.starts_with("[pid"))
                .map_or(l, |(_, call)| call)
        })
        .filter(|l| {
            ["fdatasync(", "fsync(", "rename", "close("]
                .iter()
                .any(|call| l.starts_with(call))
        })
        .collect()
}

/// The descriptor a traced call was made on: `fdatasync(4) = 0` gives `4`.
fn fd_of(call: &str) -> &str {
    let args = &call[call.find('(').map_or(0, |at| at + 1)..];
    &args[..args.find([',', ')']).unwrap_or(args.len())]
}

/// An append whose rotation waits for the lock (another writer rotating) makes one sync, of
/// the file it leaves, not a second one for its own line: the period restarts at that sync,
/// after the wait, and the append is timed after it too. (It was timed by its reading from
/// before the wait, and a wait of more than 20 ms read as the clock stepped back, which
/// counts as the interval gone by.) Here another thread holds the lock until it sees the
/// append wait for it (`/proc/locks`), and for 100 ms more.
#[test]
fn an_append_that_waits_for_the_rotation_lock_syncs_once() {
    let (dir, mut log) = rotating_at_two_lines(Durability::Periodic {
        appends: 1000,
        interval: Duration::from_secs(3600),
    });
    append_fixed(&mut log);
    append_fixed(&mut log);
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.path().join("log.lock"))
        .expect("open the lock file");
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).expect("flock");
    let appended = Arc::new(AtomicBool::new(false));
    let holder = {
        let appended = Arc::clone(&appended);
        std::thread::spawn(move || {
            wait_for_lock_waiter(&lock, || appended.load(Ordering::SeqCst));
            // The wait under test: well over the 20 ms a clock may step back.
            std::thread::sleep(Duration::from_millis(100));
            drop(lock);
        })
    };
    let waited = Instant::now();
    append_fixed(&mut log);
    let waited = waited.elapsed();
    appended.store(true, Ordering::SeqCst);
    holder.join().expect("holder");
    assert!(waited >= Duration::from_millis(100), "{waited:?}");
    let stats = log.stats();
    assert_eq!(stats.rotations, 1, "{stats:?}");
    assert_eq!(
        stats.syncs, 1,
        "one sync, of the two lines in the file left ({waited:?} waited): {stats:?}"
    );
}

/// With a period, appends not yet synced are synced in the file they went to before a
/// rotation moves the writer off it (else no later sync would reach them), and the
/// directory is synced after its renames: seen from outside, under `strace`.
#[test]
fn periodic_syncs_the_file_it_rotates_away_from() {
    if role().as_deref() == Some("periodic-rotation") {
        return rotation_child(Durability::Periodic {
            appends: 1000,
            interval: Duration::from_secs(3600),
        });
    }
    let Some((stdout, stderr)) = traced(
        &child(
            "periodic_syncs_the_file_it_rotates_away_from",
            "periodic-rotation",
        ),
        "fdatasync,fsync,renameat,close",
        &[],
        "rotation-child-done",
    ) else {
        return;
    };
    // Two lines to sync at each rotation, one at close.
    assert!(stdout.contains("syncs [0, 0, 1, 1, 2] then 3"), "{stdout}");
    let trace = sync_trace(&stderr);
    let shifts: Vec<usize> = (0..trace.len())
        .filter(|&i| trace[i].contains("\"log\", ") && trace[i].contains("\"log.1\")"))
        .collect();
    assert_eq!(shifts.len(), 2, "{trace:#?}");
    for &at in &shifts {
        // After the renames: the old file synced, the directory synced, the old file closed.
        let after = &trace[at + 1..];
        let datasync = after
            .iter()
            .position(|l| l.starts_with("fdatasync("))
            .unwrap_or_else(|| panic!("no fdatasync after a rotation: {trace:#?}"));
        let old = fd_of(after[datasync]);
        assert!(
            after[datasync + 1].starts_with("fsync("),
            "the directory is synced with it: {trace:#?}"
        );
        let closed = after
            .iter()
            .position(|l| l.starts_with("close(") && fd_of(l) == old)
            .unwrap_or_else(|| panic!("the old file is not closed: {trace:#?}"));
        assert!(datasync < closed, "synced before it is closed: {trace:#?}");
    }
}

/// Child side: a writer that syncs every append, opened at `<tmp>/new/sub/log` where
/// neither directory exists; two appends, the first of which returns the sync's failure
/// (`EIO`, injected by the parent) if `first_fails`. Prints the temp dir.
fn made_dirs_child(first_fails: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new/sub/log");
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .open(&path)
        .expect("open");
    if first_fails {
        let err = log
            .append(&fixed_event())
            .expect_err("a directory's sync fails");
        assert_eq!(
            (err.op(), err.raw_os_error(), err.path()),
            (Op::SyncDir, Some(5), Some(path.as_path())),
            "{err}"
        );
    } else {
        append(&mut log);
    }
    append(&mut log);
    println!("made-dirs-child-done in {}", dir.path().display());
}

/// Runs the child of `test` in `role` ([`made_dirs_child`]) under `strace -y` with `more`
/// arguments; returns its temp dir and the syncs it made.
fn traced_made_dirs(test: &str, role: &str, more: &[&str]) -> Option<(String, Vec<TracedSync>)> {
    let more = [&["-y"], more].concat();
    let (stdout, stderr) = traced(
        &child(test, role),
        "fdatasync,fsync",
        &more,
        "made-dirs-child-done",
    )?;
    Some((
        child_dir(&stdout, "made-dirs-child-done"),
        traced_syncs(&stderr),
    ))
}

/// Runs the child of `test` in `role` ([`traced_made_dirs`]) and checks that the
/// directories it synced were the temp dir, `new` and `new/sub`, each once; returns the
/// syncs it made (`None` where `strace` is missing and skipping is allowed).
fn made_dirs_synced(test: &str, role: &str) -> Option<Vec<TracedSync>> {
    let (tmp, syncs) = traced_made_dirs(test, role, &[])?;
    let mut dirs: Vec<&str> = syncs
        .iter()
        .filter(|sync| sync.call == "fsync")
        .map(|sync| sync.path.as_str())
        .collect();
    dirs.sort_unstable();
    let expected: Vec<String> = ["", "/new", "/new/sub"]
        .iter()
        .map(|sub| format!("{tmp}{sub}"))
        .collect();
    assert_eq!(dirs, expected, "each directory synced once: {syncs:?}");
    Some(syncs)
}

/// The temp dir a child printed after `done in ` on its standard output.
fn child_dir(stdout: &str, done: &str) -> String {
    let marker = format!("{done} in ");
    stdout
        .lines()
        // libtest may have printed the test's name on the same line.
        .find_map(|l| l.split_once(marker.as_str()).map(|(_, dir)| dir.trim()))
        .expect("the temp dir")
        .to_owned()
}

/// Directories the writer created are synced too, each in its parent, with the first
/// sync: else a power loss could take the path to the synced lines with it.
#[test]
fn the_first_sync_also_syncs_the_directories_the_open_created() {
    const TEST: &str = "the_first_sync_also_syncs_the_directories_the_open_created";
    if role().as_deref() == Some("created-dirs") {
        return made_dirs_child(false);
    }
    let Some(syncs) = made_dirs_synced(TEST, "created-dirs") else {
        return;
    };
    let datasyncs = syncs.iter().filter(|sync| sync.call == "fdatasync");
    assert_eq!(datasyncs.count(), 2, "{syncs:?}");
}

/// When the `fsync(2)` of one directory the open made fails, the others are still synced
/// (and the error returned, by the append whose sync it was, with `Op::SyncDir`): the
/// writer's own directory `new/sub`, then the temp dir, then `new`. `strace` makes the
/// first fail in one run, the second in another: the writer's own directory failing does
/// not keep the parents of those the open made from their syncs either.
#[test]
fn a_made_directory_whose_sync_fails_does_not_keep_the_others_from_it() {
    const TEST: &str = "a_made_directory_whose_sync_fails_does_not_keep_the_others_from_it";
    if role().as_deref() == Some("made-dir-eio") {
        return made_dirs_child(true);
    }
    for failing in [1, 2] {
        let inject = ["-e", &format!("inject=fsync:error=EIO:when={failing}")];
        let Some((tmp, syncs)) = traced_made_dirs(TEST, "made-dir-eio", &inject) else {
            return;
        };
        let fsyncs: Vec<(&str, bool)> = syncs
            .iter()
            .filter(|sync| sync.call == "fsync")
            .map(|sync| (sync.path.as_str(), sync.injected))
            .collect();
        let (sub, new) = (format!("{tmp}/new/sub"), format!("{tmp}/new"));
        assert_eq!(
            fsyncs,
            [
                (sub.as_str(), failing == 1),
                (tmp.as_str(), failing == 2),
                (new.as_str(), false)
            ],
            "fsync {failing} failing: {syncs:?}"
        );
    }
}

/// With every append synced, the first sync after a rotation also syncs the directory, so
/// that the new file (and the renames) survive a power loss with the line.
#[test]
fn every_append_syncs_the_directory_after_a_rotation() {
    if role().as_deref() == Some("every-rotation") {
        return rotation_child(Durability::EveryAppend);
    }
    let Some((stdout, stderr)) = traced(
        &child(
            "every_append_syncs_the_directory_after_a_rotation",
            "every-rotation",
        ),
        "fdatasync,fsync,renameat",
        &[],
        "rotation-child-done",
    ) else {
        return;
    };
    assert!(stdout.contains("syncs [1, 2, 3, 4, 5] then 5"), "{stdout}");
    let kinds: Vec<&str> = sync_trace(&stderr)
        .iter()
        .filter(|l| !l.starts_with("close("))
        .map(|l| &l[..l.find('(').unwrap_or(0)])
        .collect();
    // The file was created at open, so the first sync covers the directory too; then each
    // rotation's two renames (`log.1` to `log.2` from the second on) are followed by one.
    assert_eq!(
        kinds,
        [
            "fdatasync",
            "fsync",
            "fdatasync",
            "renameat",
            "fdatasync",
            "fsync",
            "fdatasync",
            "renameat",
            "renameat",
            "fdatasync",
            "fsync"
        ],
        "{stderr}"
    );
}

/// With a period, appends not yet synced are synced before a reopen check moves the writer
/// to the file now at its path, as before a rotation: the renamed file's lines would
/// otherwise never be synced. Counted by the writer, then seen from outside under `strace`.
#[test]
fn periodic_syncs_the_file_a_reopen_moves_away_from() {
    if role().as_deref() == Some("periodic-reopen") {
        return reopen_child();
    }
    let Some((_, stderr)) = traced(
        &child(
            "periodic_syncs_the_file_a_reopen_moves_away_from",
            "periodic-reopen",
        ),
        "fdatasync,fsync,rename,renameat,renameat2,close",
        &[],
        "reopen-child-done",
    ) else {
        return;
    };
    let trace = sync_trace(&stderr);
    // The outside rename, then the old file's sync before it is closed.
    let renamed = trace
        .iter()
        .position(|l| l.starts_with("rename") && l.contains("log.moved\""))
        .unwrap_or_else(|| panic!("no outside rename: {trace:#?}"));
    let after = &trace[renamed + 1..];
    let datasync = after
        .iter()
        .position(|l| l.starts_with("fdatasync("))
        .unwrap_or_else(|| panic!("no fdatasync after the reopen: {trace:#?}"));
    let old = fd_of(after[datasync]);
    let closed = after
        .iter()
        .position(|l| l.starts_with("close(") && fd_of(l) == old)
        .unwrap_or_else(|| panic!("the old file is not closed: {trace:#?}"));
    assert!(datasync < closed, "synced before it is closed: {trace:#?}");
}

/// Child side: two appends under a long period, an outside rename, a check that reopens,
/// one more append, then `close`.
fn reopen_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let mut log = Options::new()
        .no_rotation()
        .reopen_check(Some(ReopenCheck {
            appends: u32::MAX,
            interval: Duration::from_secs(3600),
        }))
        .durability(Durability::Periodic {
            appends: 1000,
            interval: Duration::from_secs(3600),
        })
        .open(&path)
        .expect("open");
    append_fixed(&mut log);
    append_fixed(&mut log);
    assert_eq!(log.stats().syncs, 0);
    std::fs::rename(&path, dir.path().join("log.moved")).expect("rename");
    log.check_now();
    let stats = log.stats();
    assert_eq!(
        (stats.reopens, stats.syncs),
        (1, 1),
        "the two lines synced in the file they went to"
    );
    append_fixed(&mut log);
    assert_eq!(log.close().expect("close").syncs, 2, "the third at close");
    println!("reopen-child-done");
}

/// A reopen check that creates the log (the file at its path was renamed away) changes the
/// directory as an open that creates it does: the next sync also `fsync`s the directory.
/// The log already had a line when the writer opened it, so the open created nothing and
/// left no directory sync pending; every append is synced, so none is pending at the
/// reopen either. Seen from outside under `strace`: before the outside rename, only the
/// file's sync; after it, the new file's, then the directory's.
#[test]
fn a_reopen_that_creates_the_log_syncs_the_directory() {
    const TEST: &str = "a_reopen_that_creates_the_log_syncs_the_directory";
    if role().as_deref() == Some("reopen-creates") {
        return reopen_creates_child();
    }
    let Some((stdout, stderr)) = traced(
        &child(TEST, "reopen-creates"),
        "fdatasync,fsync,rename,renameat,renameat2",
        &["-y"],
        "reopen-creates-child-done",
    ) else {
        return;
    };
    let tmp = child_dir(&stdout, "reopen-creates-child-done");
    let trace = sync_trace(&stderr);
    let renamed = trace
        .iter()
        .position(|l| l.starts_with("rename") && l.contains("log.moved\""))
        .unwrap_or_else(|| panic!("no outside rename: {trace:#?}"));
    let syncs = |calls: &[&str]| -> Vec<(String, String)> {
        traced_syncs(&calls.join("\n"))
            .into_iter()
            .map(|sync| (sync.call, sync.path))
            .collect()
    };
    let log = format!("{tmp}/log");
    assert_eq!(
        syncs(&trace[..renamed]),
        [("fdatasync".to_owned(), log.clone())],
        "the open created nothing: {trace:#?}"
    );
    assert_eq!(
        syncs(&trace[renamed + 1..]),
        [("fdatasync".to_owned(), log), ("fsync".to_owned(), tmp)],
        "the reopen created the log: {trace:#?}"
    );
}

/// Child side of [`a_reopen_that_creates_the_log_syncs_the_directory`]: a log with a line
/// in it, opened by a writer that syncs every append; one append, an outside rename, a
/// check that reopens (and creates the log), one more append, then `close`. Prints the
/// temp dir.
fn reopen_creates_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let line = logwriter::Line::new()
        .encode(&fixed_event())
        .expect("encode")
        .to_vec();
    std::fs::write(&path, line).expect("a line before the open");
    let mut log = Options::new()
        .no_rotation()
        .reopen_check(Some(ReopenCheck {
            appends: u32::MAX,
            interval: Duration::from_secs(3600),
        }))
        .durability(Durability::EveryAppend)
        .open(&path)
        .expect("open");
    append_fixed(&mut log);
    std::fs::rename(&path, dir.path().join("log.moved")).expect("rename");
    log.check_now();
    assert_eq!(log.stats().reopens, 1);
    append_fixed(&mut log);
    let stats = log.close().expect("close");
    assert_eq!(
        (stats.appends, stats.syncs, stats.failed),
        (2, 2, 0),
        "nothing pending at the reopen or at close"
    );
    assert_eq!(
        std::fs::read_to_string(&path)
            .expect("read")
            .lines()
            .count(),
        1,
        "the second line went to the file the reopen created"
    );
    println!("reopen-creates-child-done in {}", dir.path().display());
}

/// A failed `fdatasync(2)` is returned by the append that asked for it (the line is in the
/// file: appending it again would duplicate it) and by `close`; the appends after it go on.
/// `strace` makes the second and fourth `fdatasync` fail with `EIO`.
#[test]
fn failed_syncs_are_reported() {
    if role().as_deref() == Some("sync-eio") {
        return sync_failure_child();
    }
    let Some((_, stderr)) = traced(
        &child("failed_syncs_are_reported", "sync-eio"),
        "fdatasync",
        &["-e", "inject=fdatasync:error=EIO:when=2+2"],
        "sync-eio-child-done",
    ) else {
        return;
    };
    let injected = stderr.lines().filter(|l| l.contains("INJECTED")).count();
    assert_eq!(injected, 2, "{stderr}");
}

/// Child side of [`failed_syncs_are_reported`]: every append synced (syncs 1 to 3, the
/// second failing), then a periodic writer whose `close` makes the fourth.
fn sync_failure_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let every = dir.path().join("every");
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .open(&every)
        .expect("open");
    append_fixed(&mut log);
    let err = log
        .append(&fixed_event())
        .expect_err("the second sync fails");
    assert_eq!(
        (err.op(), err.raw_os_error(), err.path()),
        (Op::Sync, Some(5), Some(every.as_path())),
        "{err}"
    );
    append_fixed(&mut log);
    let stats = log.close().expect("nothing left to sync");
    assert_eq!((stats.appends, stats.failed, stats.syncs), (3, 0, 3));
    let lines = std::fs::read_to_string(&every).expect("read");
    assert_eq!(
        lines.lines().count(),
        3,
        "the line whose sync failed is there"
    );

    let periodic = dir.path().join("periodic");
    let mut log = Options::new()
        .durability(Durability::Periodic {
            appends: 1000,
            interval: Duration::from_secs(3600),
        })
        .open(&periodic)
        .expect("open");
    append_fixed(&mut log);
    let err = log.close().expect_err("the sync at close fails");
    assert_eq!((err.op(), err.raw_os_error()), (Op::Sync, Some(5)), "{err}");
    println!("sync-eio-child-done");
}

/// A failed `fsync(2)` of the directory is returned by the append that made it, and not
/// made again by later syncs or `close`, as for the file's own sync. `strace` makes the
/// first `fsync` fail with `EIO`; the parent counts the `fsync` calls.
#[test]
fn failed_directory_sync_is_reported_once() {
    if role().as_deref() == Some("dir-eio") {
        return dir_sync_failure_child();
    }
    let Some((_, stderr)) = traced(
        &child("failed_directory_sync_is_reported_once", "dir-eio"),
        "fsync",
        &["-e", "inject=fsync:error=EIO:when=1"],
        "dir-eio-child-done",
    ) else {
        return;
    };
    let fsyncs: Vec<&str> = stderr.lines().filter(|l| l.contains("fsync(")).collect();
    assert_eq!(fsyncs.len(), 1, "{stderr}");
    assert!(fsyncs[0].contains("INJECTED"), "{stderr}");
}

/// A sync interrupted by a signal before it was done (`EINTR`) has not failed: it is made
/// again, and the append succeeds.
#[test]
fn interrupted_syncs_are_made_again() {
    if role().as_deref() == Some("sync-eintr") {
        return interrupted_sync_child();
    }
    let Some((_, stderr)) = traced(
        &child("interrupted_syncs_are_made_again", "sync-eintr"),
        "fdatasync,fsync",
        &[
            "-e",
            "inject=fdatasync:error=EINTR:when=1",
            "-e",
            "inject=fsync:error=EINTR:when=1",
        ],
        "sync-eintr-child-done",
    ) else {
        return;
    };
    for call in ["fdatasync(", "fsync("] {
        let calls: Vec<&str> = stderr.lines().filter(|l| l.contains(call)).collect();
        assert_eq!(
            calls.len(),
            2,
            "{call} once interrupted, once made: {stderr}"
        );
        assert!(calls[0].contains("INJECTED") && !calls[1].contains("INJECTED"));
    }
}

fn interrupted_sync_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .open(dir.path().join("log"))
        .expect("open");
    // The first sync: the file's, then the directory's (the file was just made).
    append_fixed(&mut log);
    assert_eq!(log.stats().syncs, 1);
    println!("sync-eintr-child-done");
}

/// Child side of [`failed_directory_sync_is_reported_once`].
fn dir_sync_failure_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .open(&path)
        .expect("open");
    let err = log
        .append(&fixed_event())
        .expect_err("the directory's sync fails");
    assert_eq!(
        (err.op(), err.raw_os_error(), err.path()),
        (Op::SyncDir, Some(5), Some(path.as_path())),
        "{err}"
    );
    append_fixed(&mut log);
    log.sync().expect("the file's sync alone");
    let stats = log.close().expect("nothing left to sync");
    assert_eq!((stats.appends, stats.syncs), (2, 3));
    println!("dir-eio-child-done");
}

/// Child side: a writer that syncs every append, opened at `<tmp>/new/sub/log` where
/// neither directory exists; `new/sub` is deleted before the first sync, and the append
/// (with a reopen check at every append) makes it again. Prints the temp dir.
fn made_dirs_then_deleted_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new/sub/log");
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .reopen_check(Some(ReopenCheck {
            appends: 1,
            interval: Duration::from_secs(3600),
        }))
        .open(&path)
        .expect("open");
    std::fs::remove_dir_all(dir.path().join("new/sub")).expect("remove new/sub");
    append(&mut log);
    assert_eq!(log.stats().reopens, 1);
    println!("made-dirs-child-done in {}", dir.path().display());
}

/// Child side: opens the relative path `new/sub/log` from the temp dir, then moves to
/// `elsewhere` in it before the first append's sync.
fn made_dirs_relative_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("elsewhere")).expect("mkdir elsewhere");
    std::env::set_current_dir(dir.path()).expect("chdir");
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .open("new/sub/log")
        .expect("open");
    std::env::set_current_dir(dir.path().join("elsewhere")).expect("chdir elsewhere");
    append(&mut log);
    assert_eq!(log.stats().housekeeping_errors, 0);
    println!("made-dirs-child-done in {}", dir.path().display());
}

/// The directories an open of a relative path made are synced in the working directory
/// of the open, not in the one at the sync: the temp dir gained `new`, and `new` gained
/// `sub`. (They were once taken from the working directory at the sync, which synced
/// `elsewhere` instead and passed over `new`, not found there.)
#[test]
fn directories_made_for_a_relative_path_are_synced_where_they_were_made() {
    const TEST: &str = "directories_made_for_a_relative_path_are_synced_where_they_were_made";
    if role().as_deref() == Some("made-dirs-relative") {
        return made_dirs_relative_child();
    }
    made_dirs_synced(TEST, "made-dirs-relative");
}

/// The open made `new` and `new/sub`; `new/sub` is deleted, and made again by a check,
/// before the first sync. That sync still syncs the temp dir, which gained `new` from the
/// open: else a power loss could take the whole path to the synced line with it. (Making
/// the directory again once dropped what the open had made.)
#[test]
fn directories_made_by_the_open_are_synced_after_a_remade_directory() {
    const TEST: &str = "directories_made_by_the_open_are_synced_after_a_remade_directory";
    if role().as_deref() == Some("made-dirs-deleted") {
        return made_dirs_then_deleted_child();
    }
    made_dirs_synced(TEST, "made-dirs-deleted");
}

/// Child side: a periodic writer whose third append rotates, with the parent failing the
/// first `fdatasync(2)`, that of the two lines left in the file being rotated away.
fn left_sync_fails_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let mut log = Options::new()
        .max_size(two_lines_max())
        .durability(Durability::Periodic {
            appends: 1000,
            interval: Duration::from_secs(3600),
        })
        .open(&path)
        .expect("open");
    for _ in 0..3 {
        append_fixed(&mut log);
    }
    assert_eq!(log.stats().rotations, 1);
    let err = log.take_housekeeping_error().expect("the failed sync");
    assert_eq!(
        (err.op(), err.raw_os_error(), err.path()),
        (Op::SyncLeft, Some(5), Some(path.as_path())),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "fdatasync the file moved away from {}: ",
            path.display()
        )),
        "{text}"
    );
    println!("left-sync-child-done");
}

/// A failed sync of the file a rotation moves the writer off is said to be that file's
/// ([`Op::SyncLeft`]), not the log's: the file at the log's name is another one by then.
/// (It was once reported as `Op::Sync` of the log.)
#[test]
fn a_failed_sync_of_the_file_left_names_it() {
    const TEST: &str = "a_failed_sync_of_the_file_left_names_it";
    if role().as_deref() == Some("left-sync") {
        return left_sync_fails_child();
    }
    let Some((_, stderr)) = traced(
        &child(TEST, "left-sync"),
        "fdatasync",
        FAIL_FIRST_DATASYNC,
        "left-sync-child-done",
    ) else {
        return;
    };
    assert_eq!(
        stderr.lines().filter(|l| l.contains("INJECTED")).count(),
        1,
        "{stderr}"
    );
}

/// The first sync syncs the directories the open made, each by its whole path, and no
/// other: an entry someone else put in `new` whose name is the start of `sub`'s (here a
/// file `s`) is not one of them, and is neither opened nor reported.
#[test]
fn an_entry_named_like_the_start_of_a_made_directory_is_not_synced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new/sub/log");
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .open(&path)
        .expect("open, making new and new/sub");
    for name in ["s", "su"] {
        std::fs::write(dir.path().join("new").join(name), "").expect("a file beside sub");
    }
    log.append(&Event::new(EventKind::Join).slot("a"))
        .expect("the temp dir, new and new/sub are synced, and nothing else");
    assert_eq!(log.stats().syncs, 1);
    assert_eq!(log.take_housekeeping_error(), None);
}

/// Child side of the `EINVAL` test: `strace` fails every `fdatasync(2)` with `EINVAL`.
fn sync_inval_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut log = Options::new().open(dir.path().join("log")).expect("open");
    append(&mut log);
    let err = log
        .sync()
        .expect_err("a regular file that cannot be synced");
    assert_eq!(
        (err.kind(), err.op()),
        (logwriter::ErrorKind::Os(rustix::io::Errno::INVAL), Op::Sync),
        "{err}"
    );
    println!("sync-inval-child-done");
}

/// `EINVAL` from `fdatasync(2)` is passed over only for a file that has nothing to sync (a
/// FIFO, a socket, a device): from a regular file it is a failed sync, and returned.
#[test]
fn einval_from_the_sync_of_a_regular_file_is_returned() {
    if role().as_deref() == Some("sync-inval") {
        return sync_inval_child();
    }
    let _ = traced(
        &child(
            "einval_from_the_sync_of_a_regular_file_is_returned",
            "sync-inval",
        ),
        "fdatasync",
        &["-e", "inject=fdatasync:error=EINVAL"],
        "sync-inval-child-done",
    );
}
