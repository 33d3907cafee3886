//! Checks shared by the fuzz targets and the property tests: naive reference
//! implementations and an in-memory model of a log series.
//!
//! The modules depend only on `logwriter`, `serde`, `serde_json` and `tempfile`, so the
//! property tests of the main crate include them with `#[path]` and run the same checks;
//! `row_check` checks the command-line tool's row scanner, included here the same way
//! (it needs `memchr` too).

pub mod encode_check;
pub mod rotation_check;
pub mod row_check;
pub mod time_check;

/// The command-line tool's row scanner, compiled here as it is in the tool.
#[allow(dead_code)]
#[path = "../../src/bin/logwriter/row.rs"]
pub mod row;
