//! The row scanner of `logwriter show` and `verify` against `serde_json`: a line is a row
//! exactly when `serde_json` reads it as an object, and the members the scanner records
//! are the object's, key by key, in the line's order.

use serde_json::{Map, Value};

use crate::row::{key_text, str_value, Kind, Row, ScanError};

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
        (Err(err), Err(reference)) => {
            // What serde_json finds wrong before the end, the scanner does not call cut
            // short. (The other way round the scanner can be more exact: serde_json says
            // EOF of `\u00[` cut there, as fewer than four bytes follow the `u`.)
            if reference.classify() != serde_json::error::Category::Eof && !out_of_range(&reference)
            {
                assert_eq!(
                    err,
                    ScanError::Malformed,
                    "against {reference} for {shown:?}"
                );
            }
        }
        // The grammar allows numbers a double cannot hold, which serde_json refuses.
        (Ok(()), Err(reference)) if out_of_range(&reference) => {}
        (ours, reference) => panic!("scanner {ours:?}, serde_json {reference:?}, for {shown:?}"),
    }
}

fn out_of_range(err: &serde_json::Error) -> bool {
    err.to_string().starts_with("number out of range")
}

fn check_members(row: &mut Row, line: &[u8], map: &Map<String, Value>) {
    let members = row.members().to_vec();
    let shown = String::from_utf8_lossy(line);
    let mut first: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    for (index, member) in members.iter().enumerate() {
        let key = key_text(line, member).into_owned();
        let text = &line[member.value.clone()];
        // Out of range for a double: nothing to compare it with.
        let Ok(value) = serde_json::from_slice::<Value>(text) else {
            assert_eq!(member.kind, Kind::Number, "{shown:?}");
            continue;
        };
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
