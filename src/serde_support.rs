//! `Serialize` and `Deserialize` for [`Timestamp`] and [`EventKind`], behind the `serde`
//! feature: each as the text the log holds, so that a row read back with `serde` gives
//! them back whole.

use core::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::event::EventKind;
use crate::time::{Precision, Timestamp, TimestampBuf};

/// As the log writes it by default: RFC 3339 in UTC with [`Precision::Auto`], formatted on
/// the stack.
impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(TimestampBuf::new().format(*self, Precision::Auto))
    }
}

/// From any RFC 3339 date-time that [`str::parse`] reads (see `Timestamp`'s `FromStr`),
/// borrowed or owned.
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        struct TimestampVisitor;

        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time between 1970 and 9999")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
                text.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// The catalog's names, in [`EventKind::ALL`]'s order, for `serde`'s "unknown variant".
const NAMES: [&str; EventKind::ALL.len()] = {
    let mut names = [""; EventKind::ALL.len()];
    let mut at = 0;
    while at < names.len() {
        names[at] = EventKind::ALL[at].as_str();
        at += 1;
    }
    names
};

/// The name the log holds ([`EventKind::as_str`]).
impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// From a name in the catalog; another is refused as an unknown variant, with the list.
impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<EventKind, D::Error> {
        struct KindVisitor;

        impl Visitor<'_> for KindVisitor {
            type Value = EventKind;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event kind of the catalog")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<EventKind, E> {
                EventKind::from_name(name).ok_or_else(|| E::unknown_variant(name, &NAMES))
            }
        }

        deserializer.deserialize_str(KindVisitor)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Event, EventKind, Field, Line, Precision, Timestamp};

    #[test]
    fn kinds_go_and_come_back_by_name() {
        for kind in EventKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), kind);
        }
        let err = serde_json::from_str::<EventKind>("\"deploy\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown variant `deploy`, expected one of `join`, `commit`, `commit_error`, \
             `renew`, `close`, `dispatched`, `error` at line 1 column 8"
        );
        // A value that is not a string says what was wanted.
        let err = serde_json::from_str::<EventKind>("3").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid type: integer `3`, expected an event kind of the catalog at line 1 column 1"
        );
        assert!(serde_json::from_str::<EventKind>("\"Join\"").is_err());
    }

    #[test]
    fn timestamps_go_and_come_back_as_the_log_writes_them() {
        for (secs, nanos, text) in [
            (0, 0, "1970-01-01T00:00:00Z"),
            (1_777_636_800, 500_000_000, "2026-05-01T12:00:00.5Z"),
            (1_777_636_800, 1, "2026-05-01T12:00:00.000000001Z"),
            (
                253_402_300_799,
                999_999_999,
                "9999-12-31T23:59:59.999999999Z",
            ),
        ] {
            let ts = Timestamp::from_unix(secs, nanos).unwrap();
            let json = serde_json::to_string(&ts).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), ts);
        }
        // Any RFC 3339 text that parses, as `str::parse` reads it; an owned string too.
        let ts: Timestamp = serde_json::from_str("\"2026-05-01T14:00:00.5+02:00\"").unwrap();
        assert_eq!(ts.to_string(), "2026-05-01T12:00:00.5Z");
        let escaped: Timestamp = serde_json::from_str("\"2026-05-01T12:00:00\\u002e5Z\"").unwrap();
        assert_eq!(escaped, ts);
        let value = serde_json::Value::String("2026-05-01T12:00:00.5Z".into());
        assert_eq!(serde_json::from_value::<Timestamp>(value).unwrap(), ts);
        // The parse error, as the message.
        let err = serde_json::from_str::<Timestamp>("\"1969-12-31T23:59:59Z\"").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid timestamp: before 1970-01-01T00:00:00Z"),
            "{err}"
        );
        let err = serde_json::from_str::<Timestamp>("1777636800").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid type: integer `1777636800`, expected an RFC 3339 date-time between 1970 \
             and 9999 at line 1 column 10"
        );
    }

    /// A row the writer encodes reads back into a struct with the two types.
    #[test]
    fn a_logged_row_reads_back_into_a_struct() {
        #[derive(serde::Deserialize)]
        struct Row {
            ts: Timestamp,
            event: EventKind,
            slot: String,
            files: u64,
        }
        let ts = Timestamp::from_unix(1_777_636_800, 123_456_789).unwrap();
        let fields = [Field::new("files", 4)];
        let event = Event::new(EventKind::CommitError)
            .slot("b")
            .fields(&fields)
            .at(ts);
        let mut line = Line::new();
        let bytes = line.encode_with(&event, Precision::Nanos, "").unwrap();
        let row: Row = serde_json::from_slice(bytes).unwrap();
        assert_eq!(
            (row.ts, row.event, row.slot.as_str(), row.files),
            (ts, EventKind::CommitError, "b", 4)
        );
    }
}
