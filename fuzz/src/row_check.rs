//! The row scanner of `logwriter show` and `verify` against `serde_json`: a line is a row
//! exactly when `serde_json` reads it as an object, and the members the scanner records
//! are the object's, key by key, in the line's order. Of a line that is not a row, the
//! rows `Row::glued_rows` recovers are rows, in order and apart.

use serde_json::{Map, Value};

use crate::row::{key_text, str_value, Kind, Member, Row, ScanError};

/// Scans `line` with `row` and checks the verdict and every member against `serde_json`.
///
/// # Panics
///
/// On any difference.
pub fn check_row(row: &mut Row, line: &[u8]) {
    let ours = row.scan(line);
    let reference = serde_json::from_slice::<Map<String, Value>>(line);
    let shown = String::from_utf8_lossy(line);
    match (ours, reference) {
        (Ok(()), Ok(map)) => check_members(row, line, &map),
        // The grammar allows numbers a double cannot hold, which serde_json refuses, and
        // it reads no further. The same line with that number replaced by a zero of the
        // same length must get the same verdict and members from the scanner, and is
        // checked in turn.
        (ours, Err(reference)) if out_of_range(&reference) => {
            let members = row.members().to_vec();
            let patched = zero_number_at(line, &reference);
            assert_eq!(row.scan(&patched), ours, "{shown:?} with a zero");
            if ours.is_ok() {
                let ranges = |m: &[Member]| -> Vec<_> {
                    m.iter().map(|m| (m.key.clone(), m.value.clone())).collect()
                };
                assert_eq!(ranges(row.members()), ranges(&members), "{shown:?}");
            }
            check_row(row, &patched);
        }
        (Err(err), Err(reference)) => {
            if reference.classify() != serde_json::error::Category::Eof {
                // What serde_json finds wrong before the end, the scanner does not call
                // cut short.
                assert_eq!(
                    err,
                    ScanError::Malformed,
                    "against {reference} for {shown:?}"
                );
            } else if object_cut_short(line) {
                // And what serde_json calls cut short, the scanner does too, where the line
                // is the start of an object.
                assert_eq!(
                    err,
                    ScanError::Truncated,
                    "against {reference} for {shown:?}"
                );
            }
        }
        (ours, reference) => panic!("scanner {ours:?}, serde_json {reference:?}, for {shown:?}"),
    }
}

/// Of a line that is not a row, checks the rows [`Row::glued_rows`] recovers: in the
/// line's order, apart, each starting with `{"ts":` and a row by [`check_row`]. A line
/// with no `{"ts":` after its first byte is not glued.
///
/// # Panics
///
/// On any difference.
pub fn check_glued(row: &mut Row, line: &[u8]) {
    const ROW_START: &[u8] = b"{\"ts\":";
    let shown = String::from_utf8_lossy(line);
    let mut rows = Vec::new();
    let glued = row.glued_rows(line, &mut rows);
    let after_first = line
        .get(1..)
        .and_then(|rest| memchr::memmem::find(rest, ROW_START));
    assert_eq!(glued, after_first.map(|at| at + 1), "{shown:?}");
    let mut end = 0;
    for piece in &rows {
        assert!(
            end <= piece.start && piece.start < piece.end,
            "{rows:?} in {shown:?}"
        );
        let piece_bytes = &line[piece.clone()];
        assert!(piece_bytes.starts_with(ROW_START), "{rows:?} in {shown:?}");
        assert!(row.scan(piece_bytes).is_ok(), "{rows:?} in {shown:?}");
        check_row(row, piece_bytes);
        end = piece.end;
    }
}

fn out_of_range(err: &serde_json::Error) -> bool {
    err.to_string().starts_with("number out of range")
}

/// Whether `line`, which `serde_json` found to end too early, is the start of an object in
/// the scanner's sense. Not when the line holds no `{` first (`serde_json` says EOF of a
/// string cut short where an object should be), nor when it ends inside a `\u` escape with
/// a byte that is not a hex digit: `serde_json` says EOF when fewer than four bytes follow
/// the `u`, where the scanner already sees the wrong byte (in `{"\u"\u`, the first `"`).
fn object_cut_short(line: &[u8]) -> bool {
    let start = line.iter().position(|b| !b" \t\n\r".contains(b));
    let object = start.is_none_or(|at| line[at] == b'{');
    let from = line.len().saturating_sub(5);
    let bad_escape = line[from..]
        .windows(2)
        .enumerate()
        .filter(|(_, w)| *w == b"\\u")
        .map(|(at, _)| &line[from + at + 2..])
        .any(|digits| digits.len() < 4 && !digits.iter().all(u8::is_ascii_hexdigit));
    object && !bad_escape
}

/// `line` with the number that ends where `err` (out of range) was raised replaced by
/// `0e0…0` of the same length, so that every other byte stays where it was. The zero has
/// an exponent: a number too large for a double has all its digits, but may be followed by
/// a second `e` or a `.` (`1e999e0`), which ends a number with an exponent, malformed, and
/// would continue one without.
fn zero_number_at(line: &[u8], err: &serde_json::Error) -> Vec<u8> {
    // serde_json counts lines from 1 and bytes within a line from 1, the last one read.
    let mut newlines = line
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(at, _)| at + 1);
    let line_start = err
        .line()
        .checked_sub(2)
        .and_then(|n| newlines.nth(n))
        .unwrap_or(0);
    let end = line_start + err.column();
    let start = line[..end]
        .iter()
        .rposition(|b| !b"0123456789+-.eE".contains(b))
        .map_or(0, |at| at + 1);
    let len = end - start;
    assert!(
        len >= 3,
        "no number before {err} in {:?}",
        String::from_utf8_lossy(line)
    );
    let mut patched = line.to_vec();
    patched[start..end].fill(b'0');
    patched[start + 1] = b'e';
    patched
}

fn check_members(row: &mut Row, line: &[u8], map: &Map<String, Value>) {
    let members = row.members().to_vec();
    let shown = String::from_utf8_lossy(line);
    let mut first: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    for (index, member) in members.iter().enumerate() {
        let key = key_text(line, member).into_owned();
        let text = &line[member.value.clone()];
        // The whole line parsed, so each of its values does.
        let value = serde_json::from_slice::<Value>(text)
            .unwrap_or_else(|err| panic!("{key:?} in {shown:?}: {err}"));
        let kind = match &value {
            Value::String(_) => Kind::Str,
            Value::Number(_) => Kind::Number,
            Value::Bool(_) => Kind::Bool,
            Value::Null => Kind::Null,
            Value::Array(_) | Value::Object(_) => Kind::Nested,
        };
        assert_eq!(member.kind, kind, "{key:?} in {shown:?}");
        assert_eq!(
            str_value(line, member).map(std::borrow::Cow::into_owned),
            value.as_str().map(str::to_owned),
            "{key:?} in {shown:?}"
        );
        // serde_json keeps the last of repeated keys.
        let last = members[index + 1..]
            .iter()
            .all(|later| key_text(line, later) != key);
        if last {
            assert_eq!(map.get(&key), Some(&value), "{key:?} in {shown:?}");
        }
        if !first.iter().any(|(k, _)| *k == key) {
            first.push((key, member.value.clone()));
        }
    }
    assert_eq!(first.len(), map.len(), "{shown:?}");
    for (key, value) in &first {
        let found = row.get(line, key).map(|m| m.value.clone());
        assert_eq!(found.as_ref(), Some(value), "{key:?} in {shown:?}");
    }
    assert_eq!(
        row.has_duplicate_key(line),
        members.len() != map.len(),
        "{shown:?}"
    );
}
