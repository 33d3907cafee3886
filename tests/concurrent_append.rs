//! Threads and processes appending to one file: every line intact, none lost, none doubled.

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
