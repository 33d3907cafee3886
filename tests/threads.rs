//! What crosses threads: a `Writer` moves to the thread that appends, or is shared behind a
//! `Mutex` (and read through `&Writer`), events and fields are shared by reference, and an `Error` boxes into `Box<dyn Error + Send + Sync>` (what
//! `anyhow` and `?` in a threaded program need) and comes back out with its kind and path.
//! Each of these is a compile error if a trait bound is lost, and a test failure if the
//! behaviour is.

use std::error::Error as StdError;
use std::fs;
use std::sync::{Arc, Mutex};
use std::thread;

use logwriter::{Error, ErrorKind, Event, EventKind, Field, Op, Options, Writer};

/// Threads may share one writer behind a `Mutex` (appends), and read it through `&Writer`
/// (`Sync`: its counters and path) meanwhile: one writer's lines, counted once.
#[test]
fn threads_share_one_writer_behind_a_mutex() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let log = Arc::new(Mutex::new(
        Options::new()
            .max_size(4096)
            .max_files(100)
            .open(&path)
            .expect("open"),
    ));
    let workers: Vec<_> = ["a", "b", "c", "d"]
        .map(|slot| {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                for n in 0..250u64 {
                    let fields = [Field::new("n", n)];
                    let event = Event::new(EventKind::Renew).slot(slot).fields(&fields);
                    log.lock()
                        .expect("no panic")
                        .append(&event)
                        .expect("append");
                }
            })
        })
        .into();
    for worker in workers {
        worker.join().expect("worker");
    }
    let log = Arc::into_inner(log).expect("the last owner");
    let log = log.into_inner().expect("no panic");
    // `&Writer` crosses threads too.
    let reader: &Writer = &log;
    let stats = thread::scope(|scope| scope.spawn(|| reader.stats()).join().expect("reader"));
    assert_eq!(stats.appends, 1000);
    assert!(stats.rotations > 0, "{stats:?}");
    // Every line of each slot, in its order, through the series oldest first.
    let mut seen = std::collections::BTreeMap::<String, Vec<u64>>::new();
    let names = (1..=100).rev().map(|k| format!("log.{k}"));
    for name in names.chain(["log".to_owned()]) {
        let Ok(text) = fs::read_to_string(dir.path().join(name)) else {
            continue;
        };
        for line in text.lines() {
            let row: serde_json::Value = serde_json::from_str(line).expect("a whole row");
            let slot = row["slot"].as_str().expect("slot").to_owned();
            seen.entry(slot)
                .or_default()
                .push(row["n"].as_u64().expect("n"));
        }
    }
    assert_eq!(seen.len(), 4);
    for (slot, ns) in seen {
        assert_eq!(ns, (0..250).collect::<Vec<_>>(), "{slot}");
    }
}

#[test]
fn a_writer_appends_from_the_thread_it_was_moved_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let mut log = Options::new().open(&path).expect("open");
    log.append(&Event::new(EventKind::Join).slot("main"))
        .expect("append");

    // The worker's fields are its own share of an `Arc`, not borrowed from this frame.
    let shared = Arc::new([Field::new("n", 1u64), Field::new("sha", "abc123")]);
    let log = thread::spawn(move || {
        log.append(
            &Event::new(EventKind::Commit)
                .slot("worker")
                .fields(&shared[..]),
        )
        .expect("append");
        log
    })
    .join()
    .expect("worker thread");
    let stats = log.close().expect("close");

    assert_eq!(stats.appends, 2);
    let text = fs::read_to_string(&path).expect("read");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("json"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["slot"], "main");
    assert_eq!(lines[1]["slot"], "worker");
    assert_eq!(lines[1]["sha"], "abc123");
}

#[test]
fn events_are_shared_by_reference_across_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fields = [Field::new("worktree", "/ws/a")];
    let event = Event::new(EventKind::Join).fields(&fields);
    // Scoped threads borrow the one event; each writes its own slot log.
    thread::scope(|scope| {
        for slot in ["a", "b"] {
            let (dir, event) = (dir.path(), &event);
            scope.spawn(move || {
                let mut log = Writer::open_slot(dir.join(slot), slot).expect("open");
                log.append(event).expect("append");
            });
        }
    });
    for slot in ["a", "b"] {
        let text = fs::read_to_string(dir.path().join(slot).join("log")).expect("read");
        let line: serde_json::Value = serde_json::from_str(text.trim_end()).expect("json");
        assert_eq!(line["slot"], slot);
        assert_eq!(line["worktree"], "/ws/a");
    }
}

/// A boxed error keeps what the caller matches on, after crossing a thread.
#[test]
fn errors_box_as_send_sync_and_downcast_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let refused = thread::spawn({
        let path = path.clone();
        move || -> Result<(), Box<dyn StdError + Send + Sync>> {
            Options::new().max_files(0).open(path)?;
            Ok(())
        }
    })
    .join()
    .expect("thread")
    .expect_err("zero backups are refused");

    let error = refused.downcast::<Error>().expect("a logwriter::Error");
    assert!(
        matches!(error.kind(), ErrorKind::InvalidOption(what) if what.contains("max_files")),
        "{error}"
    );
    assert_eq!(error.op(), Op::Configure);
    assert_eq!(error.path(), Some(path.as_path()));
}
