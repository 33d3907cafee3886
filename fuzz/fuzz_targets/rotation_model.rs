//! An arbitrary sequence of appends, rotations, outside renames and deletes, reopens and
//! setting changes, run against a real writer in a temp dir and against the series model.
#![no_main]

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use logwriter_fuzz::rotation_check::{Harness, RenameTarget, Settings, Step};
use tempfile::TempDir;

#[derive(Arbitrary, Debug)]
struct SettingsSpec {
    max_size: u16,
    max_files: u8,
    check_every: u8,
}

impl SettingsSpec {
    /// Small sizes and counts, so that a few appends rotate and fill the series.
    fn settings(&self) -> Settings {
        Settings::new(
            u64::from(self.max_size % 1200),
            u32::from(self.max_files % 7),
            u32::from(self.check_every % 5),
        )
    }
}

#[derive(Arbitrary, Debug)]
enum StepSpec {
    Append(u16),
    Rotate,
    Check,
    RenameElsewhere,
    RenameOntoBackup(u8),
    DeleteActive,
    DeleteBackup(u8),
    PlantBackup(u8),
    ForeignAppend(u8),
    ForeignFragment(u8),
    Reopen,
    Reconfigure(SettingsSpec),
}

impl StepSpec {
    fn step(&self) -> Step {
        let number = |n: &u8| u32::from(*n % 9);
        match self {
            // Mostly short lines; from 0xF000 up, lines near and over the 4096-byte limit.
            StepSpec::Append(n) if *n >= 0xF000 => Step::Append(usize::from(n & 0xFFF) + 3900),
            StepSpec::Append(n) => Step::Append(usize::from(*n % 400)),
            StepSpec::Rotate => Step::Rotate,
            StepSpec::Check => Step::Check,
            StepSpec::RenameElsewhere => Step::RenameActive(RenameTarget::Elsewhere),
            StepSpec::RenameOntoBackup(n) => Step::RenameActive(RenameTarget::Backup(number(n))),
            StepSpec::DeleteActive => Step::DeleteActive,
            StepSpec::DeleteBackup(n) => Step::DeleteBackup(number(n)),
            StepSpec::PlantBackup(n) => Step::PlantBackup(number(n)),
            StepSpec::ForeignAppend(n) => Step::ForeignAppend(usize::from(*n)),
            StepSpec::ForeignFragment(n) => Step::ForeignFragment(usize::from(*n)),
            StepSpec::Reopen => Step::Reopen,
            StepSpec::Reconfigure(spec) => Step::Reconfigure(spec.settings()),
        }
    }
}

/// Steps per input: enough to fill a series of six backups a few times over, few enough
/// that an input, verified after every step, runs in about a millisecond.
const MAX_STEPS: usize = 24;

/// One temp dir for the whole run, emptied before each input: creating and removing a
/// directory per input took a quarter of the time.
fn empty_dir() -> &'static Path {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    let dir = DIR
        .get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path();
    for entry in fs::read_dir(dir).expect("list the temp dir") {
        fs::remove_file(entry.expect("dir entry").path()).expect("empty the temp dir");
    }
    dir
}

fuzz_target!(|input: (SettingsSpec, Vec<StepSpec>)| {
    let (settings, steps) = input;
    let mut harness = Harness::new(empty_dir(), settings.settings());
    for spec in steps.iter().take(MAX_STEPS) {
        harness.step(spec.step());
    }
});
