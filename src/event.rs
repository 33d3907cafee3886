//! The event model: the closed catalog of kinds, field values, and the borrowed event.

use core::fmt;
use core::str::FromStr;

use crate::escape::{flag_escapes, load_short};
use crate::time::Timestamp;

/// One entry in the closed catalog of slot and workspace events.
///
/// [`EventKind::as_str`] is the exact text written to the `event` key, so operators can grep
/// for it. The fields each kind's docs list are the ones the orchestrator's events carry;
/// they are not enforced: any kind takes any fields.
///
/// # Example
///
/// ```
/// use logwriter::EventKind;
///
/// assert_eq!(EventKind::CommitError.as_str(), "commit_error");
/// assert_eq!("renew".parse::<EventKind>(), Ok(EventKind::Renew));
/// assert!("deploy".parse::<EventKind>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A slot acquired a session (`join`; fields `task_id`, `worktree`).
    Join,
    /// A slot's commit succeeded (`commit`; fields `message`, `sha`, `files`, `bytes`).
    Commit,
    /// A slot's commit failed (`commit_error`; field `reason`).
    CommitError,
    /// A slot renewed its lease (`renew`; no fields).
    Renew,
    /// A slot closed and released its session (`close`; fields `result`, `summary`).
    Close,
    /// The workspace dispatched a plan (`dispatched`; fields `wave`, `task_id`, `manifest_path`).
    Dispatched,
    /// An unexpected error worth recording (`error`; fields `verb`, `reason`, `recoverable`).
    Error,
}

impl EventKind {
    /// Every kind, in catalog order.
    pub const ALL: [EventKind; 7] = [
        EventKind::Join,
        EventKind::Commit,
        EventKind::CommitError,
        EventKind::Renew,
        EventKind::Close,
        EventKind::Dispatched,
        EventKind::Error,
    ];

    /// The on-disk name of the kind.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::Join => "join",
            EventKind::Commit => "commit",
            EventKind::CommitError => "commit_error",
            EventKind::Renew => "renew",
            EventKind::Close => "close",
            EventKind::Dispatched => "dispatched",
            EventKind::Error => "error",
        }
    }

    /// The kind whose on-disk name is `name`, if any.
    ///
    /// ```
    /// use logwriter::EventKind;
    ///
    /// assert_eq!(EventKind::from_name("commit_error"), Some(EventKind::CommitError));
    /// assert_eq!(EventKind::from_name("Commit"), None); // names are exact, lower case
    /// for kind in EventKind::ALL {
    ///     assert_eq!(EventKind::from_name(kind.as_str()), Some(kind));
    /// }
    /// ```
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for EventKind {
    /// The on-disk name, as [`EventKind::as_str`]; width, fill and alignment apply.
    ///
    /// ```
    /// use logwriter::EventKind;
    ///
    /// assert_eq!(format!("[{:<8}]", EventKind::Join), "[join    ]");
    /// assert_eq!(format!("[{:>8}]", EventKind::Renew), "[   renew]");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The error of parsing a name that is not in the catalog: it holds the name.
///
/// ```
/// use logwriter::EventKind;
///
/// let err = "deploy".parse::<EventKind>().unwrap_err();
/// assert_eq!(err.name(), "deploy");
/// assert_eq!(
///     err.to_string(),
///     "unknown event kind \"deploy\" (expected one of join, commit, commit_error, renew, \
///      close, dispatched, error)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEventKind {
    name: Box<str>,
}

impl UnknownEventKind {
    /// The name that was not found.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for UnknownEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown event kind {:?} (expected one of join, commit, commit_error, renew, close, dispatched, error)",
            self.name
        )
    }
}

impl std::error::Error for UnknownEventKind {}

impl FromStr for EventKind {
    type Err = UnknownEventKind;

    /// The kind named `name`, as [`EventKind::from_name`]; parsing, unlike that, copies a
    /// name it does not find into its error.
    fn from_str(name: &str) -> Result<EventKind, UnknownEventKind> {
        EventKind::from_name(name).ok_or_else(|| UnknownEventKind { name: name.into() })
    }
}

/// The value of one field.
///
/// Integers keep their full 64-bit range. A non-finite float (NaN, ±infinity) has no JSON
/// form and is written as `null`, as `serde_json` does.
///
/// ```
/// use logwriter::{Event, EventKind, Field, Line, Timestamp, Value};
///
/// assert_eq!(Value::from(-3i8), Value::I64(-3));
/// assert_eq!(Value::from(u64::MAX), Value::U64(u64::MAX));
/// assert_eq!(Value::from(Some(true)), Value::Bool(true));
/// assert_eq!(Value::from(None::<&str>), Value::Null);
///
/// let fields = [
///     Field::new("big", u64::MAX),
///     Field::new("ratio", 0.1),
///     Field::new("nan", f64::NAN),
///     Field::new("text", "tab\there"),
/// ];
/// let ts = Timestamp::from_unix(0, 0).unwrap();
/// let mut line = Line::new();
/// let bytes = line.encode(&Event::new(EventKind::Error).at(ts).fields(&fields))?;
/// assert_eq!(
///     bytes,
///     concat!(
///         r#"{"ts":"1970-01-01T00:00:00Z","event":"error","big":18446744073709551615,"#,
///         r#""ratio":0.1,"nan":null,"text":"tab\there"}"#,
///         "\n"
///     )
///     .as_bytes()
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A value is borrowed, so one that exists only as `Display` output (an error's text) is
/// formatted first: with `to_string()`, which allocates, or into a buffer of the caller's,
/// which does not.
///
/// ```
/// use std::io::Write as _;
/// use logwriter::{Event, EventKind, Field, Line};
///
/// let err = std::io::Error::from(std::io::ErrorKind::NotFound);
/// let mut buf = [0u8; 256];
/// let mut rest = &mut buf[..];
/// write!(rest, "{err}")?; // fails, rather than cutting the text, if it does not fit
/// let len = 256 - rest.len();
/// let reason = std::str::from_utf8(&buf[..len])?;
/// let mut line = Line::new();
/// let bytes = line.encode(&Event::new(EventKind::Error).fields(&[Field::new("reason", reason)]))?;
/// assert!(bytes.ends_with(b",\"reason\":\"entity not found\"}\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// A string, escaped exactly as `serde_json` escapes it.
    Str(&'a str),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A float, written by `ryu` in its shortest round-trip form; NaN and ±infinity as `null`.
    F64(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// Bytes meant as text that may not be UTF-8, such as a Unix path or an environment
    /// value: written as a JSON string of their text, each maximal invalid sequence
    /// replaced by one U+FFFD, exactly as `serde_json` writes `String::from_utf8_lossy` of
    /// them. Bytes that are UTF-8 are written unchanged, as [`Value::Str`]; the others cannot
    /// come back from the line. `&Path`, `&PathBuf`, `&OsStr` and `&OsString` convert to
    /// it.
    ///
    /// ```
    /// use std::ffi::OsStr;
    /// use std::os::unix::ffi::OsStrExt;
    /// use std::path::Path;
    /// use logwriter::{Event, EventKind, Field, Line, Value};
    ///
    /// let worktree = Path::new("/ws/.bones/swarm/a/wt");
    /// let bytes = Value::Lossy(b"/ws/.bones/swarm/a/wt");
    /// assert_eq!(Value::from(worktree), bytes);
    /// assert_eq!(Value::from(&worktree.to_path_buf()), bytes);
    /// assert_eq!(Value::from(worktree.as_os_str()), bytes);
    /// assert_eq!(Value::from(&worktree.as_os_str().to_os_string()), bytes);
    /// let odd = Path::new(OsStr::from_bytes(b"/ws/caf\xe9"));
    /// let fields = [Field::new("worktree", worktree), Field::new("manifest_path", odd)];
    /// let mut line = Line::new();
    /// let text = std::str::from_utf8(line.encode(&Event::new(EventKind::Join).fields(&fields))?)?;
    /// assert!(text.ends_with(",\"worktree\":\"/ws/.bones/swarm/a/wt\",\"manifest_path\":\"/ws/caf\u{FFFD}\"}\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Lossy(&'a [u8]),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(value: &'a str) -> Self {
        Value::Str(value)
    }
}

/// A reference to a `&str`, as iterators over a collection of them yield it.
///
/// ```
/// use logwriter::{Field, Value};
///
/// let names = ["a", "b"];
/// let fields: Vec<Field<'_>> = names.iter().map(|name| Field::new("name", name)).collect();
/// assert_eq!(fields[1].value(), Value::Str("b"));
/// ```
impl<'a> From<&&'a str> for Value<'a> {
    fn from(value: &&'a str) -> Self {
        Value::Str(value)
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(value: &'a String) -> Self {
        Value::Str(value)
    }
}

/// Owned and shared strings, borrowed as their text ([`Value::Str`]).
///
/// ```
/// use std::borrow::Cow;
/// use std::rc::Rc;
/// use std::sync::Arc;
/// use logwriter::Value;
///
/// let (cow, boxed) = (Cow::Borrowed("a"), Box::<str>::from("b"));
/// let (arc, rc) = (Arc::<str>::from("c"), Rc::<str>::from("d"));
/// assert_eq!(Value::from(&cow), Value::Str("a"));
/// assert_eq!(Value::from(&boxed), Value::Str("b"));
/// assert_eq!(Value::from(&arc), Value::Str("c"));
/// assert_eq!(Value::from(&rc), Value::Str("d"));
/// ```
macro_rules! str_from {
    ($($ty:ty),*) => {$(
        impl<'a> From<&'a $ty> for Value<'a> {
            fn from(value: &'a $ty) -> Self {
                Value::Str(value)
            }
        }
    )*};
}

str_from!(
    std::borrow::Cow<'_, str>,
    Box<str>,
    std::sync::Arc<str>,
    std::rc::Rc<str>
);

/// Paths and OS strings, written as their text ([`Value::Lossy`]).
macro_rules! lossy_from {
    ($($ty:ty),*) => {$(
        impl<'a> From<&'a $ty> for Value<'a> {
            fn from(value: &'a $ty) -> Self {
                Value::Lossy(AsRef::<std::ffi::OsStr>::as_ref(value).as_encoded_bytes())
            }
        }
    )*};
}

lossy_from!(
    std::path::Path,
    std::path::PathBuf,
    std::ffi::OsStr,
    std::ffi::OsString
);

/// References to `&Path` and `&OsStr`, as iterators over collections of them yield them.
///
/// ```
/// use std::path::Path;
/// use logwriter::{Field, Value};
///
/// let worktrees = [Path::new("/w/a"), Path::new("/w/b")];
/// let fields: Vec<Field<'_>> = worktrees.iter().map(|path| Field::new("worktree", path)).collect();
/// assert_eq!(fields[1].value(), Value::Lossy(b"/w/b"));
/// ```
macro_rules! lossy_from_ref {
    ($($ty:ty),*) => {$(
        impl<'a> From<&&'a $ty> for Value<'a> {
            fn from(value: &&'a $ty) -> Self {
                Value::from(*value)
            }
        }
    )*};
}

lossy_from_ref!(std::path::Path, std::ffi::OsStr);

macro_rules! value_from {
    ($variant:ident as $wide:ty: $($ty:ty),*) => {$(
        impl From<$ty> for Value<'_> {
            fn from(value: $ty) -> Self {
                Value::$variant(<$wide>::from(value))
            }
        }
    )*};
}

value_from!(I64 as i64: i8, i16, i32, i64);
value_from!(U64 as u64: u8, u16, u32, u64);
value_from!(F64 as f64: f64);
value_from!(Bool as bool: bool);

impl From<f32> for Value<'_> {
    /// The `f64` nearest to the shortest decimal that reads back as `value`, so that the
    /// line carries the digits that `ryu` and `serde_json` write for the `f32`: `0.1f32` is
    /// written `0.1`, not `0.10000000149011612` (its exact value widened). The layout is an
    /// `f64`'s: `2.7547724e15f32` is written `2754772400000000.0`.
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Field, Line, Value};
    ///
    /// assert_eq!(Value::from(0.1f32), Value::F64(0.1));
    /// assert_eq!(Value::from(16_777_217.0f32), Value::F64(16_777_216.0));
    ///
    /// let fields = [Field::new("x", 0.1f32), Field::new("y", 2.7547724e15f32)];
    /// let mut line = Line::new();
    /// assert!(line.encode(&Event::new(EventKind::Renew).fields(&fields))?.ends_with(b"\"x\":0.1,\"y\":2754772400000000.0}\n"));
    /// # Ok::<(), logwriter::Error>(())
    /// ```
    fn from(value: f32) -> Self {
        // No allocation: `ryu` formats on the stack, and parsing a float does not allocate.
        let mut text = ryu::Buffer::new();
        Value::F64(text.format(value).parse().unwrap_or(f64::from(value)))
    }
}

impl From<usize> for Value<'_> {
    fn from(value: usize) -> Self {
        // usize is at most 64 bits on every supported target.
        Value::U64(value as u64)
    }
}

impl From<isize> for Value<'_> {
    fn from(value: isize) -> Self {
        Value::I64(value as i64)
    }
}

/// A reference to a number or a `bool`, as iterators over collections yield them.
macro_rules! value_from_ref {
    ($($ty:ty),*) => {$(
        impl From<&$ty> for Value<'_> {
            fn from(value: &$ty) -> Self {
                Value::from(*value)
            }
        }
    )*};
}

value_from_ref!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64, bool);

/// Non-zero integers, written as their number.
///
/// ```
/// use std::num::{NonZeroI32, NonZeroU64, NonZeroUsize};
/// use logwriter::Value;
///
/// assert_eq!(Value::from(NonZeroU64::MAX), Value::U64(u64::MAX));
/// assert_eq!(Value::from(NonZeroI32::new(-3).unwrap()), Value::I64(-3));
/// assert_eq!(Value::from(&NonZeroUsize::MIN), Value::U64(1));
/// ```
macro_rules! value_from_non_zero {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Value<'_> {
            fn from(value: $ty) -> Self {
                Value::from(value.get())
            }
        }

        value_from_ref!($ty);
    )*};
}

value_from_non_zero!(
    core::num::NonZeroI8,
    core::num::NonZeroI16,
    core::num::NonZeroI32,
    core::num::NonZeroI64,
    core::num::NonZeroIsize,
    core::num::NonZeroU8,
    core::num::NonZeroU16,
    core::num::NonZeroU32,
    core::num::NonZeroU64,
    core::num::NonZeroUsize
);

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

/// A reference to an `Option` of a number, a `bool`, or an owned string or path, as a
/// struct's field gives it: `null` for `None`.
///
/// ```
/// use std::path::PathBuf;
/// use logwriter::{Field, Value};
///
/// struct Task { id: String, attempt: Option<u32>, worktree: Option<PathBuf> }
/// let task = Task { id: "t-7c92".into(), attempt: None, worktree: Some("/w/a".into()) };
/// let fields = [
///     Field::new("task_id", &task.id),
///     Field::new("attempt", &task.attempt),
///     Field::new("worktree", &task.worktree),
/// ];
/// assert_eq!(fields[1].value(), Value::Null);
/// assert_eq!(fields[2].value(), Value::Lossy(b"/w/a"));
/// assert_eq!(Value::from(&Some(String::from("x"))), Value::Str("x"));
/// ```
macro_rules! value_from_option_ref {
    ($($ty:ty),*) => {$(
        impl<'a> From<&'a Option<$ty>> for Value<'a> {
            fn from(value: &'a Option<$ty>) -> Self {
                value.as_ref().map_or(Value::Null, Value::from)
            }
        }
    )*};
}

value_from_option_ref!(
    i8,
    i16,
    i32,
    i64,
    isize,
    u8,
    u16,
    u32,
    u64,
    usize,
    f32,
    f64,
    bool,
    String,
    Box<str>,
    std::sync::Arc<str>,
    std::path::PathBuf,
    std::ffi::OsString
);

/// One `key: value` pair of an event, borrowed from the caller.
///
/// A field whose key is `ts`, `event` or `slot` is dropped, and of several fields with the
/// same key only the first is written: no line ever carries a duplicate key.
///
/// [`Field::new`] classifies the key once, when the field is made: a key of one to eight
/// bytes that needs no escaping and is not reserved is kept as a word the encoder writes
/// and compares whole. For a string literal an optimised build can do that work at compile
/// time; either way the encoder's per-key cost is a few stores.
#[derive(Clone, Copy, PartialEq)]
pub struct Field<'a> {
    key: &'a str,
    value: Value<'a>,
    /// The key's bytes as a little-endian word, zero-padded, when the key is one to eight
    /// bytes, none of them escaped, and not reserved; [`RESERVED_WORD`] for a reserved key;
    /// 0 otherwise. A clean key has no zero byte, so the word alone identifies it.
    word: u64,
}

impl fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("key", &self.key)
            .field("value", &self.value)
            .finish()
    }
}

impl<'a> Field<'a> {
    /// A field from anything that converts into a [`Value`].
    ///
    /// ```
    /// use logwriter::{Field, Value};
    ///
    /// assert_eq!(Field::new("files", 4u32).value(), Value::U64(4));
    /// assert_eq!(Field::new("sha", "abc123").value(), Value::Str("abc123"));
    /// assert_eq!(Field::new("size", None::<u64>).value(), Value::Null);
    /// assert_eq!(Field::new("sha", "abc123").key(), "sha");
    ///
    /// // References to numbers and bools, as iterators yield them.
    /// let sizes = [7u32, 9];
    /// let fields: Vec<Field> = sizes.iter().map(|n| Field::new("size", n)).collect();
    /// assert_eq!(fields[1].value(), Value::U64(9));
    /// ```
    #[inline]
    pub fn new(key: &'a str, value: impl Into<Value<'a>>) -> Field<'a> {
        Field {
            key,
            value: value.into(),
            word: key_word(key),
        }
    }

    /// The key, as given (escaped like any JSON string when written).
    #[inline]
    pub const fn key(&self) -> &'a str {
        self.key
    }

    /// The value.
    #[inline]
    pub const fn value(&self) -> Value<'a> {
        self.value
    }

    /// The key as a word, [`RESERVED_WORD`] if the field is to be dropped, or 0 if the
    /// encoder must take the general path (see `word`).
    #[inline]
    pub(crate) const fn key_word(&self) -> u64 {
        self.word
    }
}

/// The word of a key of one to eight bytes that needs no escaping and is not reserved,
/// [`RESERVED_WORD`] for a reserved key, else 0. The compiler folds it for a constant key.
#[inline]
const fn key_word(key: &str) -> u64 {
    let word = packed(key.as_bytes());
    let mut reserved = 0;
    while reserved < RESERVED_WORDS.len() {
        if word == RESERVED_WORDS[reserved] {
            return RESERVED_WORD;
        }
        reserved += 1;
    }
    word
}

/// The key word of a field whose key is one of [`RESERVED_KEYS`]: such a field is dropped.
/// No key packs to it, as UTF-8 text never holds the byte 0xFF.
pub(crate) const RESERVED_WORD: u64 = u64::MAX;

/// `bytes` packed little-endian into a zero-padded word, if they are one to eight bytes
/// none of which needs escaping; else 0 (a packed word is never 0). Straight-line word
/// arithmetic: a few instructions for a key only known at run time.
#[inline]
const fn packed(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let padded = match n {
        1..=7 => load_short(bytes),
        8 => u64::from_le_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
        ]),
        _ => return 0,
    };
    if flag_escapes(padded) != 0 {
        return 0;
    }
    match n {
        8 => padded,
        // Drop the spaces `load_short` padded with.
        _ => padded & !(u64::MAX << (8 * n)),
    }
}

/// The words of [`RESERVED_KEYS`], which [`key_word`] turns into [`RESERVED_WORD`].
const RESERVED_WORDS: [u64; RESERVED_KEYS.len()] = {
    let mut words = [0; RESERVED_KEYS.len()];
    let mut key = 0;
    while key < RESERVED_KEYS.len() {
        words[key] = packed(RESERVED_KEYS[key].as_bytes());
        key += 1;
    }
    words
};

/// The keys the row itself uses; a field with one of these keys is dropped.
pub const RESERVED_KEYS: [&str; 3] = ["ts", "event", "slot"];

/// One event, borrowed from the caller: building one never allocates.
///
/// # Example
///
/// ```
/// use logwriter::{Event, EventKind, Field};
///
/// let fields = [Field::new("sha", "abc123"), Field::new("files", 4)];
/// let event = Event::new(EventKind::Commit).slot("a").fields(&fields);
/// assert_eq!(event.kind(), EventKind::Commit);
/// assert_eq!(event.timestamp(), None); // stamped with the clock when it is written
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event<'a> {
    kind: EventKind,
    slot: &'a str,
    timestamp: Option<Timestamp>,
    fields: &'a [Field<'a>],
}

impl<'a> Event<'a> {
    /// An event of `kind` with no slot, no fields, and the time of writing as its timestamp.
    pub const fn new(kind: EventKind) -> Event<'a> {
        Event {
            kind,
            slot: "",
            timestamp: None,
            fields: &[],
        }
    }

    /// Sets the slot. An empty slot is omitted from the line (or replaced by the writer's
    /// own slot, see [`Writer::open_slot`](crate::Writer::open_slot)).
    #[must_use]
    pub const fn slot(mut self, slot: &'a str) -> Event<'a> {
        self.slot = slot;
        self
    }

    /// Sets the fields, written in this order after `ts`, `event` and `slot`.
    ///
    /// The event borrows the slice, so an array written inline lives only as long as the
    /// statement: inline inside the `append(…)` call it is fine, but an event kept in a
    /// `let` needs the array in a `let` of its own (else `E0716`, "temporary value dropped
    /// while borrowed").
    #[must_use]
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Field, Line};
    ///
    /// let fields = [Field::new("task_id", "t-17"), Field::new("files", 4)];
    /// let event = Event::new(EventKind::Commit).slot("a").fields(&fields);
    /// assert!(Line::new().encode(&event)?.ends_with(b"\"task_id\":\"t-17\",\"files\":4}\n"));
    /// # Ok::<(), logwriter::Error>(())
    /// ```
    pub const fn fields(mut self, fields: &'a [Field<'a>]) -> Event<'a> {
        self.fields = fields;
        self
    }

    /// Sets an explicit timestamp instead of the time of writing.
    ///
    /// The line is appended where the file ends, whatever its time: `logwriter verify`
    /// reports a row whose `ts` is behind an earlier row's in the same file by more than its
    /// `--order-slack` (default 1 s), so a log that backfills old events with `at` is
    /// verified with a slack as long as the backfill reaches back.
    #[must_use]
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Line, Timestamp};
    ///
    /// let ts = Timestamp::from_unix(1_777_636_800, 0).unwrap();
    /// let event = Event::new(EventKind::Renew).slot("a").at(ts);
    /// assert_eq!(event.timestamp(), Some(ts));
    /// assert_eq!(
    ///     Line::new().encode(&event)?,
    ///     b"{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"slot\":\"a\"}\n"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn at(mut self, timestamp: Timestamp) -> Event<'a> {
        self.timestamp = Some(timestamp);
        self
    }

    /// The kind.
    pub const fn kind(&self) -> EventKind {
        self.kind
    }

    /// The slot, empty when none was set.
    pub const fn slot_name(&self) -> &'a str {
        self.slot
    }

    /// The explicit timestamp, if one was set.
    pub const fn timestamp(&self) -> Option<Timestamp> {
        self.timestamp
    }

    /// The fields as given, reserved and repeated keys included.
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Field, Line, Timestamp};
    ///
    /// // A reserved key is dropped and a repeated key keeps its first value, when written;
    /// // the event itself keeps what it was given.
    /// let fields = [Field::new("slot", "z"), Field::new("n", 1), Field::new("n", 2)];
    /// let ts = Timestamp::from_unix(0, 0).unwrap();
    /// let event = Event::new(EventKind::Join).slot("a").at(ts).fields(&fields);
    /// assert_eq!(event.field_list().len(), 3);
    /// assert_eq!(
    ///     Line::new().encode(&event)?,
    ///     b"{\"ts\":\"1970-01-01T00:00:00Z\",\"event\":\"join\",\"slot\":\"a\",\"n\":1}\n"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn field_list(&self) -> &'a [Field<'a>] {
        self.fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(name: &str) -> bool {
        !name.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
    }

    #[test]
    fn words_hold_short_clean_keys_and_mark_reserved_ones() {
        let names = [
            "",
            "a",
            "ab",
            "slot-a",
            "sixsix",
            "seven77",
            "eight888",
            "nine99999",
            "é",
            "ts",
            "event",
            "slot",
            "a\"",
            "\\",
            "\n",
            "ab\u{1}",
            "x\u{7f}",
        ];
        for name in names {
            let key = key_word(name);
            if RESERVED_KEYS.contains(&name) {
                assert_eq!(key, RESERVED_WORD, "{name:?}");
            } else if (1..=8).contains(&name.len()) && clean(name) {
                let bytes = key.to_le_bytes();
                assert_eq!(&bytes[..name.len()], name.as_bytes(), "{name:?}");
                assert!(bytes[name.len()..].iter().all(|&b| b == 0), "{name:?}");
            } else {
                assert_eq!(key, 0, "{name:?}");
            }
        }
    }
}
