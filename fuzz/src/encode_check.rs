//! The encoder's differential check: a naive reference encoder built from
//! `serde_json::to_string` pieces, and the model event a JSON parser must read back.

use core::fmt;
use std::collections::HashSet;

use logwriter::{ErrorKind, Event, Line, Op, Precision, Value, MAX_LINE, RESERVED_KEYS};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use crate::time_check::reference_text;

/// What a field must parse back to.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// A string, exactly.
    Str(String),
    /// An integer, exactly (`i128` holds both `i64` and `u64`).
    Int(i128),
    /// A finite float, bit for bit (`-0.0` included).
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`, also the form of NaN and ±infinity.
    Null,
}

/// The line the encoder must produce, and what parsing it must give.
#[derive(Debug)]
pub struct Reference {
    /// The whole line, `\n` included, whatever its length.
    pub line: String,
    /// The keys and values in order: `ts`, `event`, `slot` if any, then the kept fields.
    pub pairs: Vec<(String, Expected)>,
    /// Fields kept (first occurrence of a key that is not reserved).
    pub kept_fields: usize,
}

fn json(text: &str) -> String {
    serde_json::to_string(text).expect("a str always serializes")
}

/// Builds the reference line of `event` with `ts_text` as its timestamp, the slot falling
/// back to `default_slot`.
pub fn reference_encode(ts_text: &str, event: &Event<'_>, default_slot: &str) -> Reference {
    let slot = match event.slot_name() {
        "" => default_slot,
        slot => slot,
    };
    let kind = event.kind().as_str();
    let mut line = format!("{{\"ts\":{},\"event\":{}", json(ts_text), json(kind));
    let mut pairs = vec![
        ("ts".to_owned(), Expected::Str(ts_text.to_owned())),
        ("event".to_owned(), Expected::Str(kind.to_owned())),
    ];
    if !slot.is_empty() {
        line.push_str(",\"slot\":");
        line.push_str(&json(slot));
        pairs.push(("slot".to_owned(), Expected::Str(slot.to_owned())));
    }
    let mut kept_fields = 0;
    let mut seen = HashSet::new();
    for field in event.field_list() {
        if RESERVED_KEYS.contains(&field.key()) || !seen.insert(field.key()) {
            continue;
        }
        kept_fields += 1;
        let (text, expected) = match field.value() {
            Value::Str(s) => (json(s), Expected::Str(s.to_owned())),
            // As serde_json writes the text `from_utf8_lossy` makes of the bytes.
            Value::Lossy(bytes) => {
                let text = String::from_utf8_lossy(bytes);
                (json(&text), Expected::Str(text.into_owned()))
            }
            Value::I64(n) => (n.to_string(), Expected::Int(n.into())),
            Value::U64(n) => (n.to_string(), Expected::Int(n.into())),
            // As serde_json, NaN and ±infinity are null and a finite float has the fewest
            // digits that read back exactly; the encoder (ryu) writes `1e16` where recent
            // serde_json (zmij) writes `1e+16`.
            Value::F64(x) => (
                float_text(x),
                if x.is_finite() {
                    Expected::Float(x)
                } else {
                    Expected::Null
                },
            ),
            Value::Bool(b) => (b.to_string(), Expected::Bool(b)),
            Value::Null => ("null".to_owned(), Expected::Null),
        };
        line.push(',');
        line.push_str(&json(field.key()));
        line.push(':');
        line.push_str(&text);
        pairs.push((field.key().to_owned(), expected));
    }
    line.push_str("}\n");
    Reference {
        line,
        pairs,
        kept_fields,
    }
}

/// `serde_json`'s text of a float, without the `+` of a positive exponent.
fn float_text(x: f64) -> String {
    serde_json::to_string(&x)
        .expect("a float always serializes")
        .replace("e+", "e")
}

/// A JSON object read as its pairs in order, so a repeated key would show.
struct Pairs(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Pairs, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

/// Encodes `event` (which must carry an explicit timestamp) into `line` and checks the
/// result against the reference encoder and the model event.
///
/// # Panics
///
/// On any difference.
pub fn check_encode(line: &mut Line, event: &Event<'_>, precision: Precision, default_slot: &str) {
    let ts = event
        .timestamp()
        .expect("the check needs an explicit timestamp");
    let ts_text = reference_text(ts.unix_secs(), ts.subsec_nanos(), precision);
    let reference = reference_encode(&ts_text, event, default_slot);
    let result = line
        .encode_with(event, precision, default_slot)
        .map(<[u8]>::to_vec);
    match result {
        Err(err) => {
            let ErrorKind::LineTooLong { len } = err.kind() else {
                panic!("unexpected error {err:?}");
            };
            assert_eq!(err.op(), Op::Encode);
            assert_eq!(err.path(), None);
            assert!(
                reference.line.len() > MAX_LINE,
                "refused a line of {} bytes: {:?}",
                reference.line.len(),
                reference.line
            );
            match len {
                Some(len) => assert_eq!(len, reference.line.len(), "reported length"),
                // Without a length, the fields alone cannot fit: each takes at least
                // `,"":0` and the shortest row around them `{"ts":"…Z","event":"join"}\n`.
                None => assert!(45 + 5 * reference.kept_fields > MAX_LINE),
            }
            assert!(line.as_bytes().is_empty(), "a refused line leaves no bytes");
        }
        Ok(bytes) => {
            assert!(bytes.len() <= MAX_LINE);
            let (last, rest) = bytes.split_last().expect("a line is never empty");
            assert_eq!(*last, b'\n');
            assert!(!rest.contains(&b'\n'), "a raw newline inside the line");
            // Byte equality with the reference: every key and string is exactly
            // `serde_json::to_string` of it, every number exactly serde_json's text.
            assert!(
                bytes == reference.line.as_bytes(),
                "line differs from the reference\n  got: {:?}\n want: {:?}",
                String::from_utf8_lossy(&bytes),
                reference.line
            );
            assert_eq!(line.as_bytes(), &bytes[..]);
            check_parse(&bytes, &reference);
        }
    }
}

/// Parses the line with `serde_json` and compares it with the model event.
/// `serde_json` must be built with `float_roundtrip`, so that floats parse to their exact bits.
fn check_parse(bytes: &[u8], reference: &Reference) {
    let Pairs(parsed) = serde_json::from_slice(bytes).expect("serde_json parses the line");
    assert_eq!(parsed.len(), reference.pairs.len(), "number of keys");
    for ((key, value), (want_key, want)) in parsed.iter().zip(&reference.pairs) {
        assert_eq!(key, want_key);
        let ok = match (want, value) {
            (Expected::Str(s), serde_json::Value::String(v)) => s == v,
            (Expected::Int(n), serde_json::Value::Number(v)) => {
                v.as_i64().map(i128::from).or(v.as_u64().map(i128::from)) == Some(*n)
            }
            (Expected::Float(x), serde_json::Value::Number(v)) if v.is_f64() => {
                let got = v.as_f64().expect("a float");
                let std_parsed: f64 = float_text(*x).parse().expect("float text parses");
                std_parsed.to_bits() == x.to_bits() && got.to_bits() == x.to_bits()
            }
            (Expected::Bool(b), serde_json::Value::Bool(v)) => b == v,
            (Expected::Null, serde_json::Value::Null) => true,
            _ => false,
        };
        assert!(ok, "key {key:?}: parsed {value:?}, model {want:?}");
    }
}
