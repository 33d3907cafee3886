//! Checks shared by the fuzz targets and the property tests: naive reference
//! implementations and an in-memory model of a log series.
//!
//! The modules depend only on `logwriter`, `serde`, `serde_json` and `tempfile`, so the
//! property tests of the main crate include them with `#[path]` and run the same checks.

pub mod encode_check;
pub mod rotation_check;
pub mod time_check;
