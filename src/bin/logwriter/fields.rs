//! Field arguments of `append`: `key=text` for a string, `key:=JSON` for a JSON scalar: an
//! integer (full `i64`/`u64` range), a float (the library writes it in ryu's shortest form,
//! so `1e2` becomes `100.0`), `true`, `false`, `null` or a JSON string.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;

use logwriter::{Field, Value, RESERVED_KEYS};

/// A field value parsed from the command line.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Null,
}

/// One parsed `FIELD` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedField {
    pub key: String,
    pub value: FieldValue,
}

impl ParsedField {
    /// The library's borrowed view of this field.
    pub fn as_field(&self) -> Field<'_> {
        let value = match &self.value {
            FieldValue::Str(text) => Value::Str(text),
            FieldValue::I64(n) => Value::I64(*n),
            FieldValue::U64(n) => Value::U64(*n),
            FieldValue::F64(x) => Value::F64(*x),
            FieldValue::Bool(b) => Value::Bool(*b),
            FieldValue::Null => Value::Null,
        };
        Field::new(&self.key, value)
    }
}

/// Parses every argument, refusing reserved and repeated keys and arguments that are not
/// UTF-8 (a row is JSON text); the error names the argument.
pub fn parse_all(args: &[OsString]) -> Result<Vec<ParsedField>, String> {
    let mut fields: Vec<ParsedField> = Vec::with_capacity(args.len());
    for arg in args {
        let Some(arg) = arg.to_str() else {
            return Err(format!(
                "field '{}': not UTF-8, which a row's text must be",
                escape_non_utf8(arg.as_bytes())
            ));
        };
        let field = parse(arg).map_err(|why| format!("field '{arg}': {why}"))?;
        if RESERVED_KEYS.contains(&field.key.as_str()) {
            return Err(format!(
                "field '{arg}': '{}' is a reserved key (ts, event and slot belong to the row; use --slot for the slot)",
                field.key
            ));
        }
        if fields.iter().any(|f| f.key == field.key) {
            return Err(format!("field '{arg}': key '{}' is given twice", field.key));
        }
        fields.push(field);
    }
    Ok(fields)
}

/// `bytes` as text, with each byte that is not part of UTF-8 shown as `\xNN`.
fn escape_non_utf8(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            let _ = write!(text, "\\x{byte:02x}");
        }
    }
    text
}

/// Parses one `key=text` or `key:=JSON` argument. The key ends at the first `=`
/// (or at the `:` right before it).
pub fn parse(arg: &str) -> Result<ParsedField, String> {
    let Some(eq) = arg.find('=') else {
        return Err("expected key=text or key:=JSON".to_owned());
    };
    let (key, json) = match arg[..eq].strip_suffix(':') {
        Some(key) => (key, true),
        None => (&arg[..eq], false),
    };
    if key.is_empty() {
        return Err("the key is empty".to_owned());
    }
    let text = &arg[eq + 1..];
    let value = if json {
        parse_json(text)?
    } else {
        FieldValue::Str(text.to_owned())
    };
    Ok(ParsedField {
        key: key.to_owned(),
        value,
    })
}

fn parse_json(text: &str) -> Result<FieldValue, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("invalid JSON value ({err})"))?;
    Ok(match value {
        serde_json::Value::Null => FieldValue::Null,
        serde_json::Value::Bool(b) => FieldValue::Bool(b),
        serde_json::Value::String(s) => FieldValue::Str(s),
        serde_json::Value::Number(n) => {
            // The text, already checked to be a JSON number.
            let number = text.trim();
            if let Some(u) = n.as_u64() {
                FieldValue::U64(u)
            } else if let Some(i) = n.as_i64() {
                FieldValue::I64(i)
            } else if number.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                // Read by the standard library, which always rounds correctly: the nearest
                // double, so that a shortest form comes back as written, whatever
                // serde_json's features.
                let float: f64 = number.parse().unwrap_or(f64::NAN);
                let mantissa = number.split(['e', 'E']).next().unwrap_or_default();
                if float == 0.0 && mantissa.bytes().any(|b| matches!(b, b'1'..=b'9')) {
                    // As a number too large is refused, not written as infinity.
                    return Err(
                        "number too small for a double: it would be written as 0.0 (write it as a string)"
                            .to_owned(),
                    );
                }
                FieldValue::F64(float)
            } else if number == "-0" {
                // serde_json reads the integer -0 as the float -0.0; as an integer it is 0.
                FieldValue::U64(0)
            } else {
                return Err(
                    "integer outside the 64-bit range (write it as a float or a string)".to_owned(),
                );
            }
        }
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
            return Err("arrays and objects are not allowed (rows are flat)".to_owned())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(arg: &str) -> Result<FieldValue, String> {
        parse(arg).map(|f| f.value)
    }

    #[test]
    fn parses_table() {
        let rows: &[(&str, &str, FieldValue)] = &[
            ("sha=abc123", "sha", FieldValue::Str("abc123".into())),
            ("msg=a=b", "msg", FieldValue::Str("a=b".into())),
            ("empty=", "empty", FieldValue::Str(String::new())),
            ("n=42", "n", FieldValue::Str("42".into())),
            ("n:=42", "n", FieldValue::U64(42)),
            ("n:=-42", "n", FieldValue::I64(-42)),
            ("z:=0", "z", FieldValue::U64(0)),
            ("z:=-0", "z", FieldValue::U64(0)),
            ("z:= -0 ", "z", FieldValue::U64(0)),
            ("z:=-0.0", "z", FieldValue::F64(-0.0)),
            (
                "max:=18446744073709551615",
                "max",
                FieldValue::U64(u64::MAX),
            ),
            (
                "min:=-9223372036854775808",
                "min",
                FieldValue::I64(i64::MIN),
            ),
            ("x:=1.5", "x", FieldValue::F64(1.5)),
            ("x:=-2.5e-3", "x", FieldValue::F64(-0.0025)),
            // Zero written as zero, and the smallest double, are kept.
            ("x:=0.0e-400", "x", FieldValue::F64(0.0)),
            ("x:=-0.0", "x", FieldValue::F64(-0.0)),
            ("x:=5e-324", "x", FieldValue::F64(5e-324)),
            ("ok:=true", "ok", FieldValue::Bool(true)),
            ("none:=null", "none", FieldValue::Null),
            ("s:=\"quoted\"", "s", FieldValue::Str("quoted".into())),
            ("a:b=c", "a:b", FieldValue::Str("c".into())),
        ];
        for (arg, key, expected) in rows {
            let field = parse(arg).unwrap_or_else(|e| panic!("{arg}: {e}"));
            assert_eq!(
                (field.key.as_str(), &field.value),
                (*key, expected),
                "{arg}"
            );
        }
    }

    #[test]
    fn refuses_table() {
        let rows: &[(&str, &str)] = &[
            ("novalue", "expected key=text"),
            ("=x", "key is empty"),
            (":=1", "key is empty"),
            ("a:=[1]", "arrays and objects"),
            ("a:={}", "arrays and objects"),
            ("a:=nope", "invalid JSON"),
            ("a:=18446744073709551616", "64-bit range"),
            // Below half the smallest double: it would be written as 0.0.
            ("a:=1e-400", "too small for a double"),
            ("a:=-2e-324", "too small for a double"),
        ];
        for (arg, expected) in rows {
            let err = value(arg).unwrap_err();
            assert!(err.contains(expected), "{arg}: {err}");
        }
    }

    #[test]
    fn refuses_reserved_and_repeated_keys() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        for reserved in ["ts=x", "event=x", "slot:=1"] {
            let err = parse_all(&args(&[reserved])).unwrap_err();
            assert!(err.contains("reserved key"), "{err}");
        }
        let err = parse_all(&args(&["a=1", "b=2", "a:=3"])).unwrap_err();
        assert!(err.contains("given twice"), "{err}");
        assert_eq!(parse_all(&args(&["a=1", "b:=2"])).unwrap().len(), 2);
    }
}
