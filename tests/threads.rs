//! What crosses threads: a `Writer` moves to the thread that appends, events and fields
//! are shared by reference, and an `Error` boxes into `Box<dyn Error + Send + Sync>` (what
//! `anyhow` and `?` in a threaded program need) and comes back out with its kind and path.
//! Each of these is a compile error if a trait bound is lost, and a test failure if the
//! behaviour is.

use std::error::Error as StdError;
use std::fs;
use std::sync::Arc;
use std::thread;

use logwriter::{Error, ErrorKind, Event, EventKind, Field, Op, Options, Writer};

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
