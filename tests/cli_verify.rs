//! `logwriter verify`: clean logs pass; each kind of damage is found, counted and fails.
#![cfg(feature = "cli")]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

use logwriter::{Event, EventKind, Field, Options};

const GOOD: &str = "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"join\",\"slot\":\"a\"}\n";

fn verify(args: &[&str], path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_logwriter"))
        .arg("verify")
        .args(args)
        .arg(path)
        .output()
        .expect("run logwriter")
}

fn summary(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

#[test]
fn clean_log_passes_with_counts_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let mut writer = Options::new().no_rotation().open(&log).unwrap();
    for (i, kind) in EventKind::ALL.iter().cycle().take(70).enumerate() {
        let fields = [
            Field::new("seq", i),
            Field::new("note", "<tag> & \"quotes\" \u{e9}"),
        ];
        writer
            .append(&Event::new(*kind).slot("a").fields(&fields))
            .unwrap();
    }
    let out = verify(&["--json"], &log);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let summary = summary(&out);
    assert_eq!(summary["ok"], true);
    assert_eq!(summary["lines"], 70);
    assert_eq!(summary["problem_count"], 0);
    for kind in EventKind::ALL {
        assert_eq!(summary["events"][kind.as_str()], 10, "{kind}");
    }
    let text = verify(&[], &log);
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("lines: 70\n") && text.ends_with("ok\n"),
        "{text}"
    );
}

#[test]
fn damage_table() {
    let oversize = format!(
        "{{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"error\",\"reason\":\"{}\"}}\n",
        "x".repeat(5000)
    );
    // (bytes after one good line, the problem found, the events counted in all)
    let rows: &[(&[u8], &str, u64)] = &[
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"com\n", "torn", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\"}", "torn", 1),
        (
            b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"com{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\"}\n",
            "glued",
            2,
        ),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"ev{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"ren\n", "glued", 1),
        (b"hello\n", "invalid_json", 1),
        (b"[1,2]\n", "invalid_json", 1),
        (b"\n", "invalid_json", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\"} x\n", "invalid_json", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\",\"a\":\"\xff\"}\n", "invalid_json", 1),
        (b"{\"ts\":\"yesterday\",\"event\":\"renew\"}\n", "bad_ts", 2),
        (b"{\"event\":\"renew\"}\n", "bad_ts", 2),
        (b"{\"ts\":1777636800,\"event\":\"renew\"}\n", "bad_ts", 2),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"deploy\"}\n", "unknown_event", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\"}\n", "unknown_event", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\",\"a\":1,\"a\":2}\n", "duplicate_key", 2),
        (oversize.as_bytes(), "too_long", 2),
        (b"{\"ts\":\"2026-05-01T11:59:59.9Z\",\"event\":\"renew\",\"slot\":\"a\"}\n", "ts_backwards", 2),
    ];
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    for &(damage, problem, events) in rows {
        let mut bytes = GOOD.as_bytes().to_vec();
        bytes.extend_from_slice(damage);
        std::fs::write(&log, &bytes).unwrap();
        let label = String::from_utf8_lossy(damage);
        let out = verify(&["--json"], &log);
        assert_eq!(out.status.code(), Some(1), "{label}: {out:?}");
        let summary = summary(&out);
        assert_eq!(summary["ok"], false, "{label}");
        assert_eq!(summary["problem_count"], 1, "{label}: {summary}");
        assert_eq!(summary["problems"][problem], 1, "{label}: {summary}");
        let counted: u64 = summary["events"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(counted, events, "{label}: {summary}");
        let example = summary["examples"][0].as_str().unwrap();
        assert!(
            example.starts_with(&format!("{}:2: ", log.display())),
            "{example}"
        );
    }
}

#[test]
fn order_is_checked_per_slot() {
    // A shared log: each writer stamps its line before writing it, so a line of slot b
    // can land after a later line of slot a. Within one slot (and among lines without a
    // slot), order must hold.
    let rows = [
        ("12:00:00.3", Some("a")),
        ("12:00:00.2", Some("b")),
        ("12:00:00.1", None),
        ("12:00:00.4", Some("a")),
        ("12:00:00.2", Some("b")),
        ("12:00:00.2", None),
        ("12:00:00.35", Some("a")),
        ("12:00:00.15", None),
        ("12:00:00.5", Some("b")),
    ];
    let mut text = String::new();
    for (time, slot) in rows {
        let slot = slot.map_or(String::new(), |s| format!(",\"slot\":\"{s}\""));
        writeln!(
            text,
            "{{\"ts\":\"2026-05-01T{time}Z\",\"event\":\"renew\"{slot}}}"
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, text).unwrap();
    let out = verify(&["--json"], &log);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let summary = summary(&out);
    assert_eq!(summary["problem_count"], 2, "{summary}");
    assert_eq!(summary["problems"]["ts_backwards"], 2, "{summary}");
    let path = log.display();
    assert_eq!(
        summary["examples"],
        serde_json::json!([
            format!("{path}:7: ts earlier than the slot's line before (slot \"a\")"),
            format!("{path}:8: ts earlier than the slot's line before (slot \"\")"),
        ]),
    );
}

#[test]
fn text_report_lists_problems_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let text = format!(
        "{GOOD}{{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"com{GOOD}{{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"deploy\"}}\n"
    );
    std::fs::write(&log, text).unwrap();
    let out = verify(&[], &log);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8(out.stdout).unwrap();
    let path = log.display();
    assert!(
        report.contains(&format!("{path}:2: glued line")),
        "{report}"
    );
    assert!(
        report.contains(&format!("{path}:3: event missing or not a known kind")),
        "{report}"
    );
    assert!(
        report.contains("problems: 2 (torn 0, glued 1, invalid_json 0, bad_ts 0, unknown_event 1,"),
        "{report}"
    );
    assert!(report.ends_with("FAILED\n"), "{report}");
}

#[test]
fn all_checks_the_series_and_times_within_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    // Each file is in order; the series as a whole is not, which is no problem "in a file".
    std::fs::write(dir.path().join("log.2"), GOOD.repeat(3)).unwrap();
    std::fs::write(
        dir.path().join("log.1"),
        "{\"ts\":\"2026-05-01T13:00:00Z\",\"event\":\"renew\"}\n",
    )
    .unwrap();
    std::fs::write(&log, GOOD.repeat(2)).unwrap();
    let out = verify(&["--all", "--json"], &log);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = summary(&out);
    assert_eq!(report["lines"], 6);
    assert_eq!(report["events"]["join"], 5);
    assert_eq!(report["events"]["renew"], 1);
    let files: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = ["log.2", "log.1", "log"]
        .iter()
        .map(|n| dir.path().join(n).display().to_string())
        .collect();
    assert_eq!(files, expected);

    std::fs::write(
        dir.path().join("log.1"),
        "{\"ts\":\"2026-05-01T13:00:00Z\",\"event\":\"renew\"}\n{",
    )
    .unwrap();
    let out = verify(&["--all", "--json"], &log);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(summary(&out)["problems"]["torn"], 1);
    // Without --all only the active file is read.
    assert_eq!(verify(&["--json"], &log).status.code(), Some(0));
}

#[test]
fn line_longer_than_the_read_buffer_is_too_long() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let huge = format!("{GOOD}{}\n{GOOD}", "y".repeat(3 << 20));
    std::fs::write(&log, huge).unwrap();
    let out = verify(&["--json"], &log);
    assert_eq!(out.status.code(), Some(1));
    let summary = summary(&out);
    assert_eq!(summary["lines"], 3);
    assert_eq!(summary["problem_count"], 1);
    assert_eq!(summary["problems"]["too_long"], 1);
    assert_eq!(summary["events"]["join"], 2);
}

#[test]
fn missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = verify(&[], &dir.path().join("missing"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("logwriter: open ") && stderr.contains("No such file"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
