//! The shape of encoded lines: table-driven rows of event in, exact bytes out.

use logwriter::{ErrorKind, Event, EventKind, Field, Line, Precision, Timestamp, Value, MAX_LINE};

const TS: &str = "2026-05-01T12:00:00Z";

fn ts() -> Timestamp {
    Timestamp::from_unix(1_777_636_800, 0).unwrap()
}

fn encode(event: &Event<'_>) -> String {
    let mut line = Line::new();
    let bytes = line.encode(event).expect("fits");
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn row(kind: &str, slot: Option<&str>, rest: &str) -> String {
    let slot = slot
        .map(|s| format!(",\"slot\":\"{s}\""))
        .unwrap_or_default();
    format!("{{\"ts\":\"{TS}\",\"event\":\"{kind}\"{slot}{rest}}}\n")
}

#[test]
fn every_kind_has_its_catalog_name() {
    let names = [
        "join",
        "commit",
        "commit_error",
        "renew",
        "close",
        "dispatched",
        "error",
    ];
    for (kind, name) in EventKind::ALL.into_iter().zip(names) {
        assert_eq!(kind.as_str(), name);
        assert_eq!(name.parse::<EventKind>(), Ok(kind));
        assert_eq!(
            encode(&Event::new(kind).slot("a").at(ts())),
            row(name, Some("a"), "")
        );
    }
    assert!("Commit".parse::<EventKind>().is_err());
    assert!("".parse::<EventKind>().is_err());
    assert!(" join".parse::<EventKind>().is_err(), "names are exact");
}

/// `isize` and `usize` keep their full range, as every integer does (32 bits on i686):
/// as values, and on the line.
#[test]
fn pointer_sized_integers_keep_their_full_range() {
    let written = |value: Value<'_>| {
        encode(
            &Event::new(EventKind::Error)
                .fields(&[Field::new("n", value)])
                .at(ts()),
        )
    };
    for n in [isize::MIN, -1, isize::MAX] {
        let exact = Value::I64(i64::try_from(n).expect("isize fits in i64"));
        assert_eq!(Value::from(n), exact, "{n}");
        assert_eq!(Value::from(&n), exact, "{n}");
        assert_eq!(
            written(n.into()),
            row("error", None, &format!(",\"n\":{n}"))
        );
    }
    for n in [0, usize::MAX] {
        let exact = Value::U64(u64::try_from(n).expect("usize fits in u64"));
        assert_eq!(Value::from(n), exact, "{n}");
        assert_eq!(
            written(n.into()),
            row("error", None, &format!(",\"n\":{n}"))
        );
    }
}

#[test]
fn empty_slot_is_omitted() {
    assert_eq!(
        encode(&Event::new(EventKind::Renew).at(ts())),
        row("renew", None, "")
    );
    assert_eq!(
        encode(&Event::new(EventKind::Renew).slot("").at(ts())),
        row("renew", None, "")
    );
}

#[test]
fn fields_follow_in_caller_order() {
    let fields = [
        Field::new("message", "slot-a: refactor extract token validator"),
        Field::new("sha", "abc123"),
        Field::new("files", 4),
        Field::new("bytes", 1234u64),
    ];
    assert_eq!(
        encode(&Event::new(EventKind::Commit).slot("a").fields(&fields).at(ts())),
        row(
            "commit",
            Some("a"),
            ",\"message\":\"slot-a: refactor extract token validator\",\"sha\":\"abc123\",\"files\":4,\"bytes\":1234"
        )
    );
}

#[test]
fn values_table() {
    let rows: &[(Value<'_>, &str)] = &[
        (Value::Str(""), "\"\""),
        (Value::Str("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\""),
        (
            Value::Lossy(b"a\"b\\c\n\x01\xc3\xa9"),
            "\"a\\\"b\\\\c\\n\\u0001é\"",
        ),
        // Each invalid sequence is one U+FFFD, as `from_utf8_lossy` makes it: a lone
        // continuation byte, a cut sequence, an overlong form, a surrogate, the end.
        (
            Value::Lossy(b"\x80a\xe2\x82\n\xc0\xaf\xed\xa0\x80\"\xf0\x9f"),
            "\"\u{FFFD}a\u{FFFD}\\n\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\\\"\u{FFFD}\"",
        ),
        (Value::Lossy(b""), "\"\""),
        (Value::I64(i64::MIN), "-9223372036854775808"),
        (Value::I64(i64::MAX), "9223372036854775807"),
        (Value::U64(u64::MAX), "18446744073709551615"),
        (Value::U64(0), "0"),
        (Value::I64(0), "0"),
        (Value::U64(7), "7"),
        (Value::I64(-7), "-7"),
        (Value::U64(10), "10"),
        (Value::U64(100), "100"),
        (Value::U64(10_000_000), "10000000"),
        (Value::U64(10_203_000), "10203000"),
        (Value::U64(99_999_999), "99999999"),
        (Value::I64(-99_999_999), "-99999999"),
        (Value::U64(100_000_000), "100000000"),
        (Value::I64(-100_000_000), "-100000000"),
        (Value::U64(4_294_967_296), "4294967296"),
        (Value::F64(1.5), "1.5"),
        (Value::F64(1.0), "1.0"),
        (Value::F64(-0.0), "-0.0"),
        (Value::F64(1e300), "1e300"),
        (Value::F64(5e-324), "5e-324"),
        (Value::F64(f64::NAN), "null"),
        (Value::F64(f64::INFINITY), "null"),
        (Value::F64(f64::NEG_INFINITY), "null"),
        (Value::Bool(true), "true"),
        (Value::Bool(false), "false"),
        (Value::Null, "null"),
    ];
    for &(value, text) in rows {
        let fields = [Field::new("v", value)];
        let line = encode(&Event::new(EventKind::Error).fields(&fields).at(ts()));
        assert_eq!(
            line,
            row("error", None, &format!(",\"v\":{text}")),
            "{value:?}"
        );
        if let Value::F64(x) = value {
            if x.is_finite() {
                // ryu's shortest form; serde_json may spell the exponent differently
                // (`1e+300`), but both parse back to the same bits.
                let back: f64 = serde_json::from_str(text).unwrap();
                assert_eq!(back.to_bits(), x.to_bits(), "{text} round-trips");
            }
        }
    }
}

#[test]
fn reserved_keys_are_dropped_with_or_without_slot() {
    let fields = [
        Field::new("ts", "x"),
        Field::new("event", "x"),
        Field::new("slot", "x"),
        Field::new("ok", true),
    ];
    for slot in [None, Some("b")] {
        let event = Event::new(EventKind::Close).fields(&fields).at(ts());
        let event = slot.map_or(event, |s| event.slot(s));
        assert_eq!(encode(&event), row("close", slot, ",\"ok\":true"));
    }
}

/// Only the exact keys are reserved: not those that share a prefix with one, one of their
/// prefixes, or another case; short and long, clean and escaped.
#[test]
fn keys_near_the_reserved_ones_are_kept() {
    let keys = [
        "ts_ms",
        "t",
        "TS",
        "ts ",
        "slot_id",
        "slot-a",
        "slo",
        "events",
        "even",
        "Event",
        "event_name_that_is_long",
        "slot\n",
    ];
    let fields: Vec<Field<'_>> = keys.iter().map(|key| Field::new(key, 1)).collect();
    let line = encode(
        &Event::new(EventKind::Join)
            .slot("a")
            .fields(&fields)
            .at(ts()),
    );
    let mut rest = String::new();
    for key in keys {
        rest.push(',');
        rest.push_str(&serde_json::to_string(key).unwrap());
        rest.push_str(":1");
    }
    assert_eq!(line, row("join", Some("a"), &rest));
}

/// One line buffer encodes a later instant, then an earlier one, then one on another day:
/// the date and time it keeps from the last line must not leak into the next.
#[test]
fn one_line_buffer_goes_back_and_forth_in_time() {
    let mut line = Line::new();
    let instants = [
        (1_777_636_800, "2026-05-01T12:00:00Z"),
        (1_777_636_861, "2026-05-01T12:01:01Z"),
        (1_777_636_799, "2026-05-01T11:59:59Z"),
        (1_777_550_400, "2026-04-30T12:00:00Z"),
        (1_777_636_800, "2026-05-01T12:00:00Z"),
        (0, "1970-01-01T00:00:00Z"),
    ];
    for (secs, text) in instants {
        let at = Timestamp::from_unix(secs, 0).unwrap();
        let bytes = line.encode(&Event::new(EventKind::Renew).at(at)).unwrap();
        let expected = format!("{{\"ts\":\"{text}\",\"event\":\"renew\"}}\n");
        assert_eq!(bytes, expected.as_bytes(), "{secs}");
    }
}

#[test]
fn repeated_keys_keep_the_first() {
    let fields = [
        Field::new("a", 1),
        Field::new("b", 2),
        Field::new("a", 3),
        Field::new("b", "again"),
        Field::new("c", Value::Null),
    ];
    let line = encode(&Event::new(EventKind::Error).fields(&fields).at(ts()));
    assert_eq!(line, row("error", None, ",\"a\":1,\"b\":2,\"c\":null"));
}

#[test]
fn keys_are_escaped_like_values() {
    let fields = [Field::new("k\"\n", 1), Field::new("\u{7f}€", 2)];
    let line = encode(&Event::new(EventKind::Error).fields(&fields).at(ts()));
    assert_eq!(line, row("error", None, ",\"k\\\"\\n\":1,\"\u{7f}€\":2"));
}

#[test]
fn slot_is_escaped() {
    let line = encode(&Event::new(EventKind::Join).slot("a\"\t").at(ts()));
    assert_eq!(line, row("join", Some("a\\\"\\t"), ""));
}

#[test]
fn precision_applies_to_ts() {
    let at = Timestamp::from_unix(1_777_636_800, 120_000_000).unwrap();
    let rows = [
        (Precision::Auto, "2026-05-01T12:00:00.12Z"),
        (Precision::Seconds, "2026-05-01T12:00:00Z"),
        (Precision::Millis, "2026-05-01T12:00:00.120Z"),
        (Precision::Micros, "2026-05-01T12:00:00.120000Z"),
        (Precision::Nanos, "2026-05-01T12:00:00.120000000Z"),
    ];
    for (precision, text) in rows {
        let mut line = Line::new();
        let bytes = line
            .encode_with(&Event::new(EventKind::Renew).at(at), precision, "")
            .unwrap();
        let expected = format!("{{\"ts\":\"{text}\",\"event\":\"renew\"}}\n");
        assert_eq!(bytes, expected.as_bytes(), "{precision:?}");
    }
}

#[test]
fn default_slot_fills_an_empty_one_only() {
    let mut line = Line::new();
    let own = line
        .encode_with(&Event::new(EventKind::Renew).at(ts()), Precision::Auto, "w")
        .unwrap()
        .to_vec();
    assert_eq!(String::from_utf8(own).unwrap(), row("renew", Some("w"), ""));
    let given = line
        .encode_with(
            &Event::new(EventKind::Renew).slot("a").at(ts()),
            Precision::Auto,
            "w",
        )
        .unwrap();
    assert_eq!(
        String::from_utf8(given.to_vec()).unwrap(),
        row("renew", Some("a"), "")
    );
}

/// A line whose `blob` field makes it exactly `total` bytes long, `\n` included.
fn line_of(total: usize) -> (String, Result<usize, ErrorKind>) {
    let overhead = row("error", None, ",\"blob\":\"\"").len();
    let blob = "x".repeat(total - overhead);
    let fields = [Field::new("blob", blob.as_str())];
    let mut line = Line::new();
    let result = line
        .encode(&Event::new(EventKind::Error).fields(&fields).at(ts()))
        .map(<[u8]>::len)
        .map_err(|e| e.kind());
    (blob, result)
}

#[test]
fn limit_is_4096_bytes_including_newline() {
    assert_eq!(MAX_LINE, 4096);
    assert_eq!(line_of(4096).1, Ok(4096));
    assert_eq!(
        line_of(4097).1,
        Err(ErrorKind::LineTooLong { len: Some(4097) })
    );
    assert_eq!(
        line_of(100_000).1,
        Err(ErrorKind::LineTooLong { len: Some(100_000) })
    );
}

/// Fields that repeat one large string add up to a line of 4.6 GB, more than a 32-bit
/// `usize` counts. The length is exact below `usize::MAX / 4` and unknown from there,
/// never wrapped around (before, a 32-bit build panicked in debug and reported a wrong
/// length in release; `.ci/run` runs this on a 32-bit target too).
#[test]
#[ignore = "scans 4.6 GB of text: run it with --release"]
fn a_line_longer_than_a_usize_counts_is_refused_without_wrapping() {
    let big = "a".repeat(100 << 20);
    let keys: Vec<String> = (0..44).map(|i| format!("k{i:02}")).collect();
    let fields: Vec<Field<'_>> = keys.iter().map(|k| Field::new(k, big.as_str())).collect();
    let event = Event::new(EventKind::Error).at(ts());
    // Each field adds `,"kNN":"`, the text and `"`.
    let expected = encode(&event).len() as u64 + 44 * (9 + big.len() as u64);
    assert!(expected > u64::from(u32::MAX));
    let len = usize::try_from(expected)
        .ok()
        .filter(|&len| len < usize::MAX / 4);
    let err = Line::new().encode(&event.fields(&fields)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LineTooLong { len });
}

#[test]
fn oversize_by_escaping_is_measured_exactly() {
    // 1000 newlines escape to 2000 bytes; 700 NULs to 4200.
    let text = "\n".repeat(1000) + &"\0".repeat(700);
    let fields = [Field::new("t", text.as_str())];
    let err = Line::new()
        .encode(&Event::new(EventKind::Error).fields(&fields).at(ts()))
        .unwrap_err();
    let expected = row("error", None, ",\"t\":\"\"").len() + 2000 + 4200;
    assert_eq!(
        err.kind(),
        ErrorKind::LineTooLong {
            len: Some(expected)
        }
    );
    assert_eq!(err.raw_os_error(), None);
}

#[test]
fn too_many_fields_is_refused_without_a_length() {
    let keys: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
    let fields: Vec<Field<'_>> = keys.iter().map(|k| Field::new(k, 0)).collect();
    let err = Line::new()
        .encode(&Event::new(EventKind::Error).fields(&fields).at(ts()))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LineTooLong { len: None }, "{err}");
}

/// The keys of the event with the most fields that fit on a line: the empty key, every
/// one-byte key that needs no escape (94 of them), then two-byte keys.
fn shortest_keys(count: usize) -> Vec<String> {
    let one_byte = (0x20u8..=0x7f)
        .filter(|&b| b != b'"' && b != b'\\')
        .map(|b| char::from(b).to_string());
    let two_bytes = (b'a'..=b'z')
        .flat_map(|a| (b'a'..=b'z').map(move |b| format!("{}{}", char::from(a), char::from(b))));
    std::iter::once(String::new())
        .chain(one_byte)
        .chain(two_bytes)
        .take(count)
        .collect()
}

#[test]
fn at_most_592_fields_fit_on_a_line() {
    // The shortest row, `{"ts":"…Z","event":"join"` and `}\n`, is 45 bytes, and each field
    // is `,"<key>":0` with distinct keys: 5 bytes for the empty key, 6 for each of the 94
    // one-byte keys, 7 for two-byte ones. 45 + 5 + 94 * 6 + 497 * 7 = 4093.
    let ts = Timestamp::from_unix(0, 0).unwrap();
    let keys = shortest_keys(593);
    assert_eq!(keys.len(), 593);
    let fields: Vec<Field<'_>> = keys.iter().map(|k| Field::new(k, 0u8)).collect();
    let mut line = Line::new();
    let fits = line.encode(&Event::new(EventKind::Join).fields(&fields[..592]).at(ts));
    assert_eq!(fits.map(<[u8]>::len).ok(), Some(4093));
    let err = line
        .encode(&Event::new(EventKind::Join).fields(&fields).at(ts))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LineTooLong { len: Some(4100) });
}

#[test]
fn many_repeats_of_few_keys_still_fit() {
    let mut fields = vec![Field::new("ts", 0); 10_000];
    fields.extend(std::iter::repeat_n(Field::new("a", 1), 10_000));
    let line = encode(&Event::new(EventKind::Error).fields(&fields).at(ts()));
    assert_eq!(line, row("error", None, ",\"a\":1"));
}

#[test]
fn a_refused_line_leaves_the_buffer_empty() {
    let mut line = Line::new();
    line.encode(&Event::new(EventKind::Renew).at(ts())).unwrap();
    let big = "y".repeat(5000);
    let fields = [Field::new("b", big.as_str())];
    assert!(line
        .encode(&Event::new(EventKind::Renew).fields(&fields))
        .is_err());
    assert!(line.as_bytes().is_empty());
}

#[test]
fn every_line_parses_as_one_flat_object() {
    let fields = [
        Field::new("task_id", "t-7c92"),
        Field::new("worktree", "/path/.bones/swarm/a/wt"),
        Field::new("n", -3),
        Field::new("x", 0.1),
    ];
    let line = encode(&Event::new(EventKind::Join).slot("a").fields(&fields));
    assert_eq!(line.matches('\n').count(), 1);
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    let object = value.as_object().unwrap();
    assert_eq!(object.len(), 7);
    assert_eq!(object["event"], "join");
    assert_eq!(object["n"], -3);
    assert_eq!(object["x"], 0.1);
    assert!(object.values().all(|v| !v.is_object() && !v.is_array()));
}

/// What `{:?}` shows of the encoder's public types: the line's text, a field's key and
/// value, and the timestamp buffer's name (it holds no text worth showing).
#[test]
fn debug_shows_the_line_and_the_field() {
    let mut line = Line::new();
    line.encode(&Event::new(EventKind::Renew).at(Timestamp::from_unix(0, 0).unwrap()))
        .expect("encode");
    assert_eq!(
        format!("{line:?}"),
        r#"Line { text: "{\"ts\":\"1970-01-01T00:00:00Z\",\"event\":\"renew\"}\n" }"#
    );
    assert_eq!(
        format!("{:?}", Field::new("k", 1)),
        r#"Field { key: "k", value: I64(1) }"#
    );
    assert_eq!(
        format!("{:?}", logwriter::TimestampBuf::new()),
        "TimestampBuf"
    );
}
