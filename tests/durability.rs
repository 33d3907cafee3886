//! The durability policy: when `fdatasync(2)` is called, counted in `Stats::syncs`, and what
//! `close` and `Drop` do with appends not yet synced.

mod rotation_support;

use std::time::Duration;

use logwriter::{Durability, Event, EventKind, Options, ReopenCheck, Timestamp, Writer};
use rotation_support::{child, role, run_under_strace, strace_usable};

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

#[test]
fn periodic_syncs_after_the_interval() {
    let (_dir, mut log) = open(Durability::Periodic {
        appends: u32::MAX,
        interval: Duration::from_millis(100),
    });
    append(&mut log);
    let before = log.stats().syncs;
    // The interval is what is tested: let it pass.
    std::thread::sleep(Duration::from_millis(250));
    append(&mut log);
    assert_eq!(log.stats().syncs, before + 1);
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

        let mut log = open(Duration::from_millis(100));
        append_old(&mut log);
        assert_eq!(log.stats().syncs, 0, "{reopen_check:?}");
        // The interval is what is tested: let it pass.
        std::thread::sleep(Duration::from_millis(250));
        append_old(&mut log);
        assert_eq!(log.stats().syncs, 1, "{reopen_check:?}");
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
    if !strace_usable() {
        eprintln!("skipped: strace is not usable here");
        return;
    }
    let test = child("drop_syncs_pending_appends", "drop");
    let (success, stdout, stderr) = run_under_strace(&test, ["-f", "-qq", "-e", "trace=fdatasync"]);
    assert!(
        success && stdout.contains("drop-child-done"),
        "{stdout}\n{stderr}"
    );
    let calls = stderr.lines().filter(|l| l.contains("fdatasync(")).count();
    assert_eq!(
        calls, 1,
        "one fdatasync, from the first writer's drop:\n{stderr}"
    );
}
