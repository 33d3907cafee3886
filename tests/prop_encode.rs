//! Property: any event encodes to exactly the line a naive reference builds from
//! `serde_json::to_string` pieces, or is refused as too long with the reference's length;
//! parsed back, the line is the model event (reserved and repeated keys dropped, non-finite
//! floats `null`, every other value exact). The check is the one the `encode_differential`
//! fuzz target runs.

#[allow(dead_code)]
#[path = "../fuzz/src/time_check.rs"]
mod time_check;

#[allow(dead_code)]
#[path = "../fuzz/src/encode_check.rs"]
mod encode_check;

use encode_check::check_encode;
use logwriter::{Event, EventKind, Field, Line, Timestamp, Value};
use proptest::prelude::*;
use time_check::{MAX_SECS, PRECISIONS};

/// An owned field value, borrowed into a [`Value`] for the encoder.
#[derive(Clone, Debug)]
enum OwnedValue {
    Str(String),
    Lossy(Vec<u8>),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Null,
}

impl OwnedValue {
    fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::Str(s) => Value::Str(s),
            OwnedValue::Lossy(bytes) => Value::Lossy(bytes),
            OwnedValue::I64(n) => Value::I64(*n),
            OwnedValue::U64(n) => Value::U64(*n),
            OwnedValue::F64(x) => Value::F64(*x),
            OwnedValue::Bool(b) => Value::Bool(*b),
            OwnedValue::Null => Value::Null,
        }
    }
}

/// Text from any bytes (invalid UTF-8 replaced as `from_utf8_lossy` does), any chars,
/// control bytes, or long runs that reach the line limit.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..24)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        2 => any::<String>(),
        2 => proptest::collection::vec(0u8..0x20, 0..12)
            .prop_map(|bytes| String::from_utf8(bytes).expect("ASCII")),
        1 => (any::<u8>(), 0usize..2100)
            .prop_map(|(byte, n)| String::from_utf8_lossy(&vec![byte; n]).into_owned()),
    ]
}

/// Keys from a small alphabet collide with each other and with the reserved keys.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-c]{0,2}",
        1 => prop::sample::select(vec!["ts", "event", "slot"]).prop_map(str::to_owned),
        2 => text(),
    ]
}

/// Keys for events of many fields: short ones that repeat, reserved, long, and escaped.
fn many_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-d]{0,2}",
        1 => prop::sample::select(vec!["ts", "event", "slot"]).prop_map(str::to_owned),
        2 => "[a-c]{9,10}",
        1 => "[a\"\\\\\n]{1,3}",
    ]
}

/// Values short enough for an event of many fields to fit on a line.
fn small_value() -> impl Strategy<Value = OwnedValue> {
    prop_oneof![
        (0u64..1000).prop_map(OwnedValue::U64),
        any::<bool>().prop_map(OwnedValue::Bool),
    ]
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<f64>(),
        1 => any::<u64>().prop_map(f64::from_bits),
        1 => prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            5e-324,
            -2.225_073_858_507_201e-308,
            f64::MAX,
            f64::MIN,
            1e16,
            1e-7,
        ]),
    ]
}

fn value() -> impl Strategy<Value = OwnedValue> {
    prop_oneof![
        3 => text().prop_map(OwnedValue::Str),
        1 => prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..24),
            text().prop_map(String::into_bytes),
            (any::<u8>(), 0usize..2100).prop_map(|(byte, n)| vec![byte; n]),
        ]
        .prop_map(OwnedValue::Lossy),
        // Small magnitudes too: below 10^8 the encoder takes its own digit path.
        1 => prop_oneof![
            any::<i64>(),
            -200_000_000i64..200_000_000,
            -100i64..100,
            Just(i64::MIN),
            Just(i64::MAX),
        ]
        .prop_map(OwnedValue::I64),
        1 => prop_oneof![any::<u64>(), 0u64..200_000_000, 0u64..100, Just(u64::MAX)]
            .prop_map(OwnedValue::U64),
        2 => float().prop_map(OwnedValue::F64),
        1 => any::<bool>().prop_map(OwnedValue::Bool),
        1 => Just(OwnedValue::Null),
    ]
}

/// Everything an event is made of, owned.
#[derive(Clone, Debug)]
struct EventSpec {
    kind: EventKind,
    slot: String,
    default_slot: String,
    secs: u64,
    nanos: u32,
    precision: usize,
    fields: Vec<(String, OwnedValue)>,
    /// Another instant (seconds from the first, nanoseconds) to encode the event at, in the
    /// same buffer, which keeps the text of the last whole second it wrote.
    then: (i16, u32),
}

fn event_spec() -> impl Strategy<Value = EventSpec> {
    (
        prop::sample::select(EventKind::ALL.to_vec()),
        prop_oneof![2 => Just(String::new()), 1 => text(), 1 => key()],
        prop_oneof![2 => Just(String::new()), 1 => text()],
        0..=MAX_SECS,
        0..1_000_000_000u32,
        0..PRECISIONS.len(),
        prop_oneof![
            6 => proptest::collection::vec((key(), value()), 0..12),
            // Past 32 fields the encoder finds repeated keys through a hash table.
            1 => proptest::collection::vec((many_key(), small_value()), 33..150),
        ],
        (
            prop_oneof![Just(0i16), -2i16..=2, any::<i16>()],
            0..1_000_000_000u32,
        ),
    )
        .prop_map(
            |(kind, slot, default_slot, secs, nanos, precision, fields, then)| EventSpec {
                kind,
                slot,
                default_slot,
                secs,
                nanos,
                precision,
                fields,
                then,
            },
        )
}

fn check(spec: &EventSpec) {
    let fields: Vec<Field<'_>> = spec
        .fields
        .iter()
        .map(|(key, value)| Field::new(key, value.as_value()))
        .collect();
    let secs = i64::try_from(spec.secs).expect("in range");
    let ts = Timestamp::from_unix(secs, spec.nanos).expect("in range");
    let event = Event::new(spec.kind)
        .slot(&spec.slot)
        .fields(&fields)
        .at(ts);
    let mut line = Line::new();
    let precision = PRECISIONS[spec.precision];
    check_encode(&mut line, &event, precision, &spec.default_slot);
    let (delta, nanos) = spec.then;
    let max = i64::try_from(MAX_SECS).expect("fits");
    let later =
        Timestamp::from_unix((secs + i64::from(delta)).clamp(0, max), nanos).expect("in range");
    check_encode(&mut line, &event.at(later), precision, &spec.default_slot);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encodes_like_the_reference(spec in event_spec()) {
        check(&spec);
    }
}

/// An `f32` field is written with the digits of its own shortest form, the number `ryu`
/// and `serde_json` write for an `f32`, not with those of its exact value widened to `f64`.
/// The layout is the one every float of the line has (`ryu`'s for an `f64`: `8585334000000000.0`
/// where `ryu` writes an `f32` as `8.585334e15` and `serde_json` as `8.585334e+15`).
fn check_f32(x: f32) {
    let fields = [Field::new("x", x)];
    let ts = Timestamp::from_unix(0, 0).expect("epoch");
    let mut line = Line::new();
    let bytes = line
        .encode(&Event::new(EventKind::Join).fields(&fields).at(ts))
        .expect("short line");
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let value = &text[text.find(",\"x\":").expect("x") + 5..text.len() - 2];
    if !x.is_finite() {
        assert_eq!(value, "null");
        return;
    }
    let number = |text: &str| text.parse::<f64>().expect("a float");
    let shortest = number(ryu::Buffer::new().format_finite(x));
    let serde = number(&serde_json::to_string(&x).expect("serialise"));
    let written = number(value);
    assert_eq!(
        written.to_bits(),
        shortest.to_bits(),
        "{x:?} ({:#010x})",
        x.to_bits()
    );
    assert_eq!(written.to_bits(), serde.to_bits(), "{x:?}");
    assert_eq!(value, ryu::Buffer::new().format_finite(shortest));
    assert_eq!(value.parse::<f32>().expect("parses").to_bits(), x.to_bits());
}

#[test]
fn f32_edges_are_written_in_their_own_shortest_form() {
    for x in [
        0.1f32,
        -0.0,
        0.0,
        1.0,
        3.3,
        1e10,
        1e-7,
        16_777_217.0,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        f32::MAX,
        f32::MIN,
        f32::EPSILON,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ] {
        check_f32(x);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn any_f32_is_written_in_its_own_shortest_form(bits in any::<u32>()) {
        check_f32(f32::from_bits(bits));
    }
}
