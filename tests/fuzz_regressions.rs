//! Inputs found by fuzzing, and hand-made inputs at the edges the fuzz targets aim for,
//! replayed through the same checks as the fuzz targets and the property tests.
//!
//! The campaign found no bug in the crate. The two inputs it did stop on showed gaps in the
//! checks themselves, fixed there; a third showed the rotation model still following a rule
//! the writer had deliberately changed. They are kept here so the checks stay right.

#[allow(dead_code)]
#[path = "../fuzz/src/time_check.rs"]
mod time_check;

#[allow(dead_code)]
#[path = "../fuzz/src/encode_check.rs"]
mod encode_check;

#[path = "../fuzz/src/rotation_check.rs"]
mod rotation_check;

/// The command-line tool's row scanner, for the `row_scan` check.
#[allow(dead_code)]
#[path = "../src/bin/logwriter/row.rs"]
mod row;

#[path = "../fuzz/src/row_check.rs"]
mod row_check;

use encode_check::{check_encode, reference_encode};
use logwriter::{ErrorKind, Event, EventKind, Field, Line, Precision, Timestamp, Value, MAX_LINE};
use rotation_check::{Harness, RenameTarget, Settings, Step};
use time_check::{check_timestamp, reference_text};

const TS: Timestamp = Timestamp::UNIX_EPOCH;

fn check(event: &Event<'_>, precision: Precision, default_slot: &str) {
    check_encode(&mut Line::new(), event, precision, default_slot);
}

fn run(settings: Settings, steps: &[Step]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut harness = Harness::new(dir.path(), settings);
    for &step in steps {
        harness.step(step);
    }
}

/// Found by `encode_differential`: a float with a positive exponent in an oversize line.
/// Recent `serde_json` writes `1e+16` where the encoder (ryu) writes `1e16`; both are exact,
/// and the reference length must count the encoder's form.
#[test]
fn float_with_positive_exponent_in_an_oversize_line() {
    let key = "\u{fffd}".repeat(2638);
    let fields = [
        Field::new(&key, -8.227_522_783_433_285_5e62),
        Field::new("", ""),
    ];
    let event = Event::new(EventKind::CommitError)
        .slot("slot")
        .fields(&fields)
        .at(Timestamp::from_unix(202_151_445_269, 905_628_565).expect("in range"));
    let err = Line::new()
        .encode_with(&event, Precision::Nanos, "slot")
        .expect_err("too long");
    let ts_text = reference_text(202_151_445_269, 905_628_565, Precision::Nanos);
    let want = reference_encode(&ts_text, &event, "slot").line.len();
    assert_eq!(err.kind(), ErrorKind::LineTooLong { len: Some(want) });
    check(&event, Precision::Nanos, "slot");

    for x in [1e16, 1e21, 1e300, -1.5e-7, 5e-324] {
        let fields = [Field::new("x", x)];
        check(
            &Event::new(EventKind::Error).fields(&fields).at(TS),
            Precision::Auto,
            "",
        );
    }
}

/// Found by `rotation_model`: the active file deleted, then two appends with a reopen
/// check every 3 appends. The writer also checks once its own bytes since the last check
/// reach 1/64 of `max_size`, so the second append already goes to a new `log`.
#[test]
fn append_after_outside_delete_follows_the_byte_based_check() {
    run(
        Settings::new(735, 3, 3),
        &[Step::DeleteActive, Step::Append(385), Step::Append(0)],
    );
}

#[test]
fn line_of_exactly_max_line_bytes_fits_and_one_more_does_not() {
    let ts_text = reference_text(0, 0, Precision::Auto);
    let length = |n: usize| {
        let padding = "x".repeat(n);
        let fields = [Field::new("p", padding.as_str())];
        reference_encode(
            &ts_text,
            &Event::new(EventKind::Renew).fields(&fields).at(TS),
            "",
        )
        .line
        .len()
    };
    let fits = (3900..4100)
        .find(|&n| length(n) == MAX_LINE)
        .expect("some padding gives 4096 bytes");
    for (n, expected) in [(fits, Ok(MAX_LINE)), (fits + 1, Err(MAX_LINE + 1))] {
        let padding = "x".repeat(n);
        let fields = [Field::new("p", padding.as_str())];
        let event = Event::new(EventKind::Renew).fields(&fields).at(TS);
        let got = Line::new()
            .encode_with(&event, Precision::Auto, "")
            .map(<[u8]>::len)
            .map_err(|err| match err.kind() {
                ErrorKind::LineTooLong { len: Some(len) } => len,
                other => panic!("{other:?}"),
            });
        assert_eq!(got, expected);
        check(&event, Precision::Auto, "");
    }
}

/// More distinct fields than any line could hold: the length is no longer measured. The
/// fuzz target stays below this count, as such inputs are slow under coverage tracing.
#[test]
fn too_many_fields_to_measure() {
    for count in [810, 811, 812, 1000] {
        let keys: Vec<String> = (0..count).map(|i| format!("{i:x}")).collect();
        let fields: Vec<Field<'_>> = keys.iter().map(|key| Field::new(key, 0u8)).collect();
        let event = Event::new(EventKind::Join).fields(&fields).at(TS);
        let err = Line::new()
            .encode_with(&event, Precision::Auto, "")
            .expect_err("too long");
        assert_eq!(
            matches!(err.kind(), ErrorKind::LineTooLong { len: None }),
            count > 811,
            "{count} fields: {err:?}"
        );
        check(&event, Precision::Auto, "");
    }
}

#[test]
fn every_control_byte_in_keys_slots_and_values() {
    let controls: String = (0u8..0x20)
        .map(char::from)
        .chain(['"', '\\', '\u{7f}'])
        .collect();
    let fields = [
        Field::new(&controls, controls.as_str()),
        Field::new("v", controls.as_str()),
    ];
    let event = Event::new(EventKind::Commit)
        .slot(&controls)
        .fields(&fields)
        .at(TS);
    for precision in time_check::PRECISIONS {
        check(&event, precision, "");
    }
}

#[test]
fn invalid_utf8_made_valid_and_reserved_or_repeated_keys() {
    let lossy = String::from_utf8_lossy(b"\xff\xfe a \xc3 \xe2\x82 \xf0\x9f\x98").into_owned();
    let fields = [
        Field::new("ts", "dropped"),
        Field::new(&lossy, lossy.as_str()),
        Field::new("event", 1),
        Field::new("a", f64::NAN),
        Field::new("slot", "dropped"),
        Field::new("a", "repeat dropped"),
        Field::new(&lossy, 2),
        Field::new("b", f64::NEG_INFINITY),
        Field::new("c", -0.0),
        Field::new("d", i64::MIN),
        Field::new("e", u64::MAX),
        Field::new("f", Value::Null),
    ];
    // The event's slot is empty: the default slot stands in, and when that is empty too
    // there is no `slot` key at all.
    let event = Event::new(EventKind::Error).fields(&fields).at(TS);
    check(&event, Precision::Millis, "");
    check(&event, Precision::Millis, "w");
}

#[test]
fn timestamp_edges() {
    for (secs, nanos) in [
        (0, 0),
        (951_782_399, 999_999_999),
        (951_782_400, 1),
        (4_107_542_399, 10),
        (253_402_300_799, 999_999_999),
        (253_402_300_800, 0),
        (-1, 999_999_999),
        (0, 1_000_000_000),
        (i64::MIN, 0),
        (i64::MAX, u32::MAX),
    ] {
        check_timestamp(secs, nanos, |_, _, _| None);
    }
}

#[test]
fn torn_fragment_then_rotation_and_outside_renames() {
    run(
        Settings::new(300, 2, 0),
        &[
            Step::Append(10),
            Step::ForeignAppend(40),
            Step::Append(10),
            Step::ForeignFragment(7),
            Step::Reopen,
            Step::Rotate,
            Step::Append(250),
            Step::RenameActive(RenameTarget::Backup(2)),
            Step::Append(250),
            Step::Check,
            Step::Append(250),
            Step::RenameActive(RenameTarget::Elsewhere),
            Step::ForeignFragment(3),
            Step::Reopen,
            Step::Append(4000),
            Step::Append(300),
        ],
    );
}

#[test]
fn shrinking_max_files_drops_the_run_above() {
    run(
        Settings::new(100, 6, 1),
        &[
            Step::Rotate,
            Step::Rotate,
            Step::Rotate,
            Step::Rotate,
            Step::PlantBackup(8),
            Step::DeleteBackup(2),
            Step::Reconfigure(Settings::new(100, 2, 1)),
            Step::Append(50),
            Step::Append(50),
            Step::Rotate,
            Step::Rotate,
            Step::Rotate,
        ],
    );
}

/// Found by `rotation_model` after the writer began counting the `\n` that ends a partial
/// line against `max_size` (the model still counted the line alone). Every maximum from
/// well below to well above the boundary, so that one of them makes the fragment, its `\n`
/// and the line exactly one byte too many.
#[test]
fn the_newline_that_ends_a_fragment_counts_against_the_maximum() {
    for max_size in 60..400 {
        run(
            Settings::new(max_size, 3, 0),
            &[
                Step::ForeignFragment(20),
                Step::Reopen,
                Step::Append(50),
                Step::Append(50),
                Step::ForeignFragment(5),
                Step::Reopen,
                Step::Append(0),
            ],
        );
    }
}

/// The `row_scan` corpus (every input that reached new code in the campaign, minimised)
/// and lines at the scanner's edges, through the check the fuzz target runs: the scanner
/// and `serde_json` agree on each.
#[test]
fn row_scan_corpus_and_edges_agree_with_serde_json() {
    let mut row = row::Row::default();
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/row_scan");
    let mut inputs = 0;
    for entry in std::fs::read_dir(&corpus).expect("the row_scan corpus") {
        let line = std::fs::read(entry.expect("corpus entry").path()).expect("corpus file");
        row_check::check_row(&mut row, &line);
        if row.scan(&line).is_err() {
            row_check::check_glued(&mut row, &line);
        }
        inputs += 1;
    }
    assert!(inputs >= 1000, "{inputs} inputs in {}", corpus.display());
    let edges: &[&[u8]] = &[
        b"",
        b" \t\r\n",
        b"{}",
        b"{\"a\":1e400}",
        b"{\"a\":1e400,\"a\":2}",
        b"{\"a\":1e400}x",
        b"{\"a\":[333e06333e0,1]}",
        b"{\"a\":[333e06333.5]}",
        b"{\"a\":1e400,\"b\":\"\\x\"}",
        b"{\n\"a\":\n-1e400 ,\"b\":[1E+999,2]\n}",
        b"{\"a\":1",
        b"{\"a\":tr",
        b"{\"a\":\"\\u",
        b"{\"a\":\"\\u00",
        b"{\"ts\":\"\\ud83d\\ude0",
        b"{\"a\":\"\\u0g",
        b"{\"\\u\"\\u",
        b"{\"a\":-0,\"b\":0.0e-0,\"c\":1E+2}",
        b"{\"a\":\"\\u00[\"}",
        b"{\"a\":\"\\ud83d\\u0041\"}",
        b"{\"a\":1,\"\\u0061\":2,\"a\":3}",
        b"{\"a\":\"caf\xc3\xa9\",\"b\":[{\"c\":{}}]}",
        b"{\"a\":\"\xc3\"}",
        b"{\"ts\":\"2026-05-01T12:0",
        b"\x0c{}",
        b"{}\x00",
    ];
    for line in edges {
        row_check::check_row(&mut row, line);
    }
}
