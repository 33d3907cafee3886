//! Threads and processes appending to one file: every line intact, none lost, none doubled,
//! and a line still being copied in not mistaken for a torn one.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use logwriter::{Event, EventKind, Field, Options, Writer};

const LINES_PER_WRITER: u64 = 5_000;
const CHILD_ENV: &str = "LOGWRITER_TEST_APPEND_CHILD";

/// Appends `LINES_PER_WRITER` lines tagged `writer`, with a payload whose length varies so
/// lines of many sizes (up to ~3 KiB) race each other.
fn append_lines(path: &Path, writer_id: &str) {
    let mut writer: Writer = Options::new().no_rotation().open(path).unwrap();
    let pad_source = "abcdefgh\"\\\n".repeat(256);
    for seq in 0..LINES_PER_WRITER {
        let pad_len = usize::try_from(seq * 37 % 2800).unwrap();
        let pad = &pad_source[..pad_len];
        let fields = [
            Field::new("writer", writer_id),
            Field::new("seq", seq),
            Field::new("pad", pad),
        ];
        writer
            .append(
                &Event::new(EventKind::Commit)
                    .slot(writer_id)
                    .fields(&fields),
            )
            .unwrap();
    }
    assert_eq!(writer.stats().appends, LINES_PER_WRITER);
}

/// Checks that the file holds exactly `LINES_PER_WRITER` lines of each writer, in order, whole.
fn verify(path: &Path, writers: &[String]) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'));
    let mut next: HashMap<String, u64> = writers.iter().map(|w| (w.clone(), 0)).collect();
    for line in text.lines() {
        let row: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("torn line {line:?}: {e}"));
        let writer = row["writer"].as_str().unwrap();
        let seq = row["seq"].as_u64().unwrap();
        let expected = next.get_mut(writer).unwrap();
        assert_eq!(seq, *expected, "writer {writer} out of order or duplicated");
        *expected += 1;
        let pad_len = usize::try_from(seq * 37 % 2800).unwrap();
        assert_eq!(row["pad"].as_str().unwrap().len(), pad_len);
    }
    for (writer, count) in next {
        assert_eq!(count, LINES_PER_WRITER, "writer {writer} lost lines");
    }
}

#[test]
fn four_threads_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let writers: Vec<String> = (0..4).map(|i| format!("t{i}")).collect();
    std::thread::scope(|scope| {
        for id in &writers {
            let path = &path;
            scope.spawn(move || append_lines(path, id));
        }
    });
    verify(&path, &writers);
}

#[test]
fn four_processes_one_file() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        let (id, path) = spec.split_once(':').unwrap();
        append_lines(Path::new(path), id);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let writers: Vec<String> = (0..4).map(|i| format!("p{i}")).collect();
    let children: Vec<_> = writers
        .iter()
        .map(|id| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "four_processes_one_file", "--test-threads=1"])
                .env(CHILD_ENV, format!("{id}:{}", path.display()))
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    verify(&path, &writers);
}

/// A writer that opens the log while another process's long `write(2)` is being copied in
/// sees a file that ends mid-line, but must not take it for a torn line (which it would
/// end with a `\n` of its own, leaving an empty line): its zero-length `write(2)` waits
/// for the copy to finish, and the end has moved. Another thread writes 256 KiB lines
/// through `std` while this one opens writers in a loop; the file must hold only whole
/// lines, none empty.
#[test]
fn a_line_being_written_is_not_taken_for_a_torn_one() {
    const BIG: usize = 256 << 10;
    const OPENS: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    std::fs::write(&path, b"").unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut big = vec![b'x'; BIG];
    big[BIG - 1] = b'\n';
    let (big_lines, own_lines) = std::thread::scope(|scope| {
        let big_writer = scope.spawn(|| {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            let mut lines = 0;
            // At least one line, at most 64 MiB, until the opener is done.
            while lines == 0 || (lines < 256 && !done.load(std::sync::atomic::Ordering::Relaxed)) {
                std::io::Write::write_all(&mut file, &big).unwrap();
                lines += 1;
            }
            lines
        });
        let mut own = 0;
        for _ in 0..OPENS {
            let mut log = Options::new().no_rotation().open(&path).unwrap();
            log.append(&Event::new(EventKind::Renew).slot("opener"))
                .unwrap();
            assert_eq!(log.stats().bytes_lost, 0);
            own += 1;
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        (big_writer.join().unwrap(), own)
    });
    let text = std::fs::read(&path).unwrap();
    let (mut bigs, mut owns) = (0, 0);
    for (number, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        assert!(line.ends_with(b"\n"), "line {number} is unfinished");
        let line = &line[..line.len() - 1];
        if line.len() == BIG - 1 && line.iter().all(|&b| b == b'x') {
            bigs += 1;
        } else {
            let row: serde_json::Value = serde_json::from_slice(line)
                .unwrap_or_else(|e| panic!("line {number} ({} bytes): {e}", line.len()));
            assert_eq!(row["slot"], "opener", "line {number}");
            owns += 1;
        }
    }
    assert_eq!((bigs, owns), (big_lines, own_lines));
}
