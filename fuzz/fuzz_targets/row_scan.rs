//! Any bytes as a line through the row scanner of `logwriter show` and `verify`, checked
//! against `serde_json`: the same lines accepted, the same members found.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logwriter_fuzz::row::Row;
use logwriter_fuzz::row_check::check_row;

fuzz_target!(|line: &[u8]| {
    check_row(&mut Row::default(), line);
});
