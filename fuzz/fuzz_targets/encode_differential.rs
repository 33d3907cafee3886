//! An arbitrary event through `Line::encode_with`, checked against a reference encoder built
//! on `serde_json` and parsed back into the model event.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use logwriter::{Event, EventKind, Field, Line, Precision, Timestamp, Value};
use logwriter_fuzz::encode_check::check_encode;
use logwriter_fuzz::time_check::{MAX_SECS, PRECISIONS};

/// Text from arbitrary bytes: any byte, invalid UTF-8 made valid as `from_utf8_lossy` does.
#[derive(Arbitrary, Debug)]
enum Text {
    Bytes(Vec<u8>),
    Chars(String),
    /// `ts`, `event` or `slot`.
    Reserved(u8),
    /// The key of an earlier field, to collide with it.
    EarlierKey(u8),
    /// One byte many times, to reach the line limit with a short input.
    Repeated {
        byte: u8,
        count: u16,
    },
}

#[derive(Arbitrary, Debug)]
enum ValueSpec {
    Str(Text),
    /// Raw bytes, often not UTF-8, as a path may hold them.
    Lossy(Vec<u8>),
    I64(i64),
    U64(u64),
    /// Magnitudes below 2^31, where the encoder takes its own digit path.
    Small(i32),
    F64(f64),
    /// Extremes and special floats, often missed by chance.
    Edge(u8),
    Bool(bool),
    Null,
}

#[derive(Arbitrary, Debug)]
struct FieldSpec {
    key: Text,
    value: ValueSpec,
}

#[derive(Arbitrary, Debug)]
struct Input {
    kind: u8,
    slot: Text,
    default_slot: Text,
    secs: u64,
    nanos: u32,
    precision: u8,
    fields: Vec<FieldSpec>,
    /// At 255, adds 100 fields with distinct numbered keys, which takes the encoder's
    /// hash-table path for events of more than 32 fields. (Events with more fields than a
    /// line could hold, 812 and up, are replayed in `tests/fuzz_regressions.rs` instead.)
    numbered: u8,
    /// Other instants (seconds from the first, nanoseconds) at which to encode the same
    /// event into the same buffer, which keeps the text of the last whole second it wrote.
    then: Vec<(i16, u32)>,
}

const EDGES: [Value<'static>; 16] = [
    Value::F64(f64::NAN),
    Value::F64(f64::INFINITY),
    Value::F64(f64::NEG_INFINITY),
    Value::F64(-0.0),
    Value::F64(0.0),
    Value::F64(f64::MIN_POSITIVE),
    Value::F64(5e-324),
    Value::F64(-2.225_073_858_507_201e-308),
    Value::F64(f64::MAX),
    Value::F64(f64::MIN),
    Value::F64(f64::EPSILON),
    Value::I64(i64::MIN),
    Value::I64(i64::MAX),
    Value::I64(-1),
    Value::U64(u64::MAX),
    Value::U64(0),
];

fn text(spec: &Text, earlier_keys: &[String]) -> String {
    match spec {
        Text::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Text::Chars(s) => s.clone(),
        Text::Reserved(n) => ["ts", "event", "slot"][usize::from(*n) % 3].to_owned(),
        Text::EarlierKey(n) if !earlier_keys.is_empty() => {
            earlier_keys[usize::from(*n) % earlier_keys.len()].clone()
        }
        Text::EarlierKey(_) => String::new(),
        Text::Repeated { byte, count } => {
            // Mostly short, as long text makes an input slow; from 0xF000 up, as long as 2100
            // bytes: two such fields pass the line limit, one escaped six times over too.
            let count = match *count {
                0xF000.. => usize::from(*count) % 2100,
                _ => usize::from(*count) % 64,
            };
            String::from_utf8_lossy(&vec![*byte; count]).into_owned()
        }
    }
}

fuzz_target!(|input: Input| {
    let kind = EventKind::ALL[usize::from(input.kind) % EventKind::ALL.len()];
    let slot = text(&input.slot, &[]);
    let default_slot = text(&input.default_slot, &[]);
    let secs = i64::try_from(input.secs % (MAX_SECS + 1)).expect("in range");
    let ts = Timestamp::from_unix(secs, input.nanos % 1_000_000_000).expect("in range");
    let precision: Precision = PRECISIONS[usize::from(input.precision) % PRECISIONS.len()];

    let mut keys = Vec::new();
    let mut strings = Vec::new();
    for spec in &input.fields {
        let key = text(&spec.key, &keys);
        keys.push(key);
        strings.push(match &spec.value {
            ValueSpec::Str(t) => text(t, &keys),
            _ => String::new(),
        });
    }
    let numbered = if input.numbered == 255 { 100 } else { 0 };
    keys.extend((0..numbered).map(|i| format!("{i:x}")));

    let mut fields: Vec<Field<'_>> = input
        .fields
        .iter()
        .zip(keys.iter().zip(&strings))
        .map(|(spec, (key, string))| {
            let value = match spec.value {
                ValueSpec::Str(_) => Value::Str(string),
                ValueSpec::Lossy(ref bytes) => Value::Lossy(bytes),
                ValueSpec::I64(n) => Value::I64(n),
                ValueSpec::U64(n) => Value::U64(n),
                ValueSpec::Small(n) => Value::I64(n.into()),
                ValueSpec::F64(x) => Value::F64(x),
                ValueSpec::Edge(n) => EDGES[usize::from(n) % EDGES.len()],
                ValueSpec::Bool(b) => Value::Bool(b),
                ValueSpec::Null => Value::Null,
            };
            Field::new(key, value)
        })
        .collect();
    fields.extend(
        keys[input.fields.len()..]
            .iter()
            .map(|key| Field::new(key, 0u8)),
    );

    let event = Event::new(kind).slot(&slot).fields(&fields).at(ts);
    let mut line = Line::new();
    check_encode(&mut line, &event, precision, &default_slot);
    for &(later, nanos) in input.then.iter().take(4) {
        let secs = (secs + i64::from(later)).clamp(0, MAX_SECS as i64);
        let ts = Timestamp::from_unix(secs, nanos % 1_000_000_000).expect("in range");
        check_encode(&mut line, &event.at(ts), precision, &default_slot);
    }
});
