//! Property: for any sequence of appends (some alone over `max_size`, some over the line
//! limit), explicit rotations, reopen checks, outside renames and deletes, foreign appends,
//! reopens and changed settings, the directory equals an in-memory model of the series byte
//! for byte after every step. The model is the one the `rotation_model` fuzz target runs.

#[path = "../fuzz/src/rotation_check.rs"]
mod rotation_check;

use proptest::prelude::*;
use rotation_check::{Harness, RenameTarget, Settings, Step};

fn settings() -> impl Strategy<Value = Settings> {
    (1u64..1200, 1u32..7, 0u32..5)
        .prop_map(|(size, files, every)| Settings::new(size, files, every))
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0usize..400).prop_map(Step::Append),
        1 => (3900usize..4200).prop_map(Step::Append),
        2 => Just(Step::Rotate),
        1 => Just(Step::Check),
        1 => Just(Step::RenameActive(RenameTarget::Elsewhere)),
        1 => (0u32..9).prop_map(|n| Step::RenameActive(RenameTarget::Backup(n))),
        1 => Just(Step::DeleteActive),
        1 => (0u32..9).prop_map(Step::DeleteBackup),
        1 => (0u32..9).prop_map(Step::PlantBackup),
        1 => (0usize..200).prop_map(Step::ForeignAppend),
        1 => (1usize..50).prop_map(Step::ForeignFragment),
        1 => Just(Step::Reopen),
        1 => settings().prop_map(Step::Reconfigure),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn series_matches_the_model(
        settings in settings(),
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut harness = Harness::new(dir.path(), settings);
        for step in steps {
            harness.step(step);
        }
    }
}
