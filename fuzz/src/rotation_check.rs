//! A model of a log series: the directory as names pointing at file contents, and the
//! writer as the file it holds open plus the size it believes that file has. Each step runs
//! against a real [`Writer`] in a temp dir and against the model; afterwards the directory
//! must equal the model byte for byte.
//!
//! The model follows the documented rules: a reopen check, due every `check_every` appends
//! or once the writer's own bytes since the last check reach 1/64 of `max_size`, compares
//! the open file with the one at the path and reopens the path if they differ; a file that
//! ends in a partial line when it is opened gets a `\n` before the writer's first line, or
//! before it is rotated or left; before a write, a file that is not empty and would pass
//! `max_size` with the line (and the `\n` that ends a partial line) rotates (after the
//! same check, under the lock); a rotation moves the run `log.1 … log.k` before the first
//! missing number up by one, dropping `log.<max_files>` and the run above it when the run
//! is full, then renames `log` to `log.1` and opens a new `log`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use logwriter::{
    ErrorKind, Event, EventKind, Field, Options, ReopenCheck, Timestamp, Writer, MAX_LINE,
};

/// The active file's name.
pub const LOG: &str = "log";
/// The rotation lock file, which the model ignores.
const LOCK: &str = "log.lock";
/// Where an outside rename sends the active file when not onto a backup name.
const ELSEWHERE: &str = "elsewhere";

/// Writer settings, kept in range by [`Settings::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Rotation size, at least 1.
    pub max_size: u64,
    /// Backups kept, at least 1.
    pub max_files: u32,
    /// Reopen check every this many appends; `None` turns the check off.
    pub check_every: Option<u32>,
}

impl Settings {
    /// Settings with zeros raised to 1 (a zero `check_every` means no check).
    pub fn new(max_size: u64, max_files: u32, check_every: u32) -> Settings {
        Settings {
            max_size: max_size.max(1),
            max_files: max_files.max(1),
            check_every: (check_every > 0).then_some(check_every),
        }
    }

    fn options(self) -> Options {
        Options::new()
            .max_size(self.max_size)
            .max_files(self.max_files)
            // Only the append count triggers a check: an hour never passes in a test.
            .reopen_check(self.check_every.map(|appends| ReopenCheck {
                appends,
                interval: Duration::from_secs(3600),
            }))
    }
}

/// Where an outside rename moves the active file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenameTarget {
    /// A name outside the series.
    Elsewhere,
    /// `log.<n>`, replacing any file there (what logrotate does).
    Backup(u32),
}

/// One operation on the series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `Writer::append` of an event whose `p` field holds this many bytes (over the line
    /// limit, it must be refused).
    Append(usize),
    /// `Writer::rotate`.
    Rotate,
    /// `Writer::check_now`.
    Check,
    /// Another program renames the active file.
    RenameActive(RenameTarget),
    /// Another program deletes the active file.
    DeleteActive,
    /// Another program deletes `log.<n>`, leaving a hole.
    DeleteBackup(u32),
    /// A file appears at `log.<n>` if there is none (left by a larger `max_files`).
    PlantBackup(u32),
    /// Another program appends a line of this many bytes (newline included) to the path.
    ForeignAppend(usize),
    /// Another program appends this many bytes without a newline, as a writer killed
    /// mid-line would leave them.
    ForeignFragment(usize),
    /// The writer is dropped and opened again with the same settings.
    Reopen,
    /// The writer is dropped and opened again with these settings.
    Reconfigure(Settings),
}

/// The directory: names pointing at files (indices into `files`); unlinked files stay in
/// `files`, as a writer may still hold them open.
#[derive(Debug, Default)]
struct ModelDir {
    names: BTreeMap<String, usize>,
    files: Vec<Vec<u8>>,
}

impl ModelDir {
    fn open_or_create(&mut self, name: &str) -> usize {
        if let Some(&file) = self.names.get(name) {
            return file;
        }
        self.files.push(Vec::new());
        self.names.insert(name.to_owned(), self.files.len() - 1);
        self.files.len() - 1
    }

    fn rename(&mut self, from: &str, to: &str) -> bool {
        match self.names.remove(from) {
            Some(file) => {
                self.names.insert(to.to_owned(), file);
                true
            }
            None => false,
        }
    }

    fn unlink(&mut self, name: &str) -> bool {
        self.names.remove(name).is_some()
    }

    fn len_of(&self, file: usize) -> u64 {
        self.files[file].len() as u64
    }
}

/// What the model expects of the writer.
#[derive(Debug, Default)]
struct ModelWriter {
    file: usize,
    size: u64,
    since_check: u32,
    bytes_since_check: u64,
    /// The file ends in a partial line that the writer will end with `\n`.
    torn: bool,
    appends: u64,
    failed: u64,
    rotations: u64,
    reopens: u64,
}

fn backup(n: u32) -> String {
    format!("{LOG}.{n}")
}

/// A real writer in a temp dir beside its model.
pub struct Harness {
    dir: PathBuf,
    settings: Settings,
    writer: Option<Writer>,
    model: ModelDir,
    expected: ModelWriter,
    /// Sequence number written into each line, so every line is unique.
    seq: u64,
}

impl Harness {
    /// Opens a writer at `<dir>/log`; `dir` must be empty.
    pub fn new(dir: &Path, settings: Settings) -> Harness {
        let mut harness = Harness {
            dir: dir.to_owned(),
            settings,
            writer: None,
            model: ModelDir::default(),
            expected: ModelWriter::default(),
            seq: 0,
        };
        harness.open();
        harness
    }

    fn open(&mut self) {
        // Close the old descriptor first, as a process restarting would.
        self.writer = None;
        let writer = self
            .settings
            .options()
            .open(self.dir.join(LOG))
            .expect("open the log");
        let file = self.model.open_or_create(LOG);
        self.expected = ModelWriter {
            file,
            size: self.model.len_of(file),
            torn: self.model.files[file].last().is_some_and(|&b| b != b'\n'),
            ..ModelWriter::default()
        };
        self.writer = Some(writer);
    }

    fn writer(&mut self) -> &mut Writer {
        self.writer.as_mut().expect("the writer is open")
    }

    /// Runs one step on both sides, then checks that they agree.
    ///
    /// # Panics
    ///
    /// If the directory or the writer differs from the model.
    pub fn step(&mut self, step: Step) {
        match step {
            Step::Append(payload) => self.append(payload),
            Step::Rotate => {
                self.writer().rotate().expect("rotate");
                self.follow();
                self.shift();
            }
            Step::Check => {
                self.writer().check_now();
                self.check();
            }
            Step::RenameActive(target) => {
                let to = match target {
                    RenameTarget::Elsewhere => ELSEWHERE.to_owned(),
                    RenameTarget::Backup(n) => backup(n),
                };
                let real = fs::rename(self.dir.join(LOG), self.dir.join(&to));
                assert_eq!(real.is_ok(), self.model.rename(LOG, &to), "{real:?}");
            }
            Step::DeleteActive => {
                let real = fs::remove_file(self.dir.join(LOG));
                assert_eq!(real.is_ok(), self.model.unlink(LOG), "{real:?}");
            }
            Step::DeleteBackup(n) => {
                let real = fs::remove_file(self.dir.join(backup(n)));
                assert_eq!(real.is_ok(), self.model.unlink(&backup(n)), "{real:?}");
            }
            Step::PlantBackup(n) => {
                if !self.model.names.contains_key(&backup(n)) {
                    let text = format!("planted {}\n", self.seq);
                    self.seq += 1;
                    fs::write(self.dir.join(backup(n)), &text).expect("plant a backup");
                    let file = self.model.open_or_create(&backup(n));
                    self.model.files[file].extend_from_slice(text.as_bytes());
                }
            }
            Step::ForeignAppend(len) | Step::ForeignFragment(len) => {
                let mut text = vec![b'f'; len];
                if let (Step::ForeignAppend(_), Some(last)) = (step, text.last_mut()) {
                    *last = b'\n';
                }
                fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(self.dir.join(LOG))
                    .and_then(|mut file| file.write_all(&text))
                    .expect("foreign append");
                let file = self.model.open_or_create(LOG);
                self.model.files[file].extend_from_slice(&text);
            }
            Step::Reopen => self.open(),
            Step::Reconfigure(settings) => {
                self.settings = settings;
                self.open();
            }
        }
        self.verify(step);
    }

    fn append(&mut self, payload: usize) {
        let seq = self.seq;
        self.seq += 1;
        let padding = "x".repeat(payload);
        let fields = [Field::new("n", seq), Field::new("p", padding.as_str())];
        let event = Event::new(EventKind::Renew)
            .fields(&fields)
            .at(Timestamp::UNIX_EPOCH);
        let line = format!(
            "{{\"ts\":\"1970-01-01T00:00:00Z\",\"event\":\"renew\",\"n\":{seq},\"p\":\"{padding}\"}}\n"
        );
        let result = self.writer().append(&event);
        if line.len() > MAX_LINE {
            let err = result.expect_err("an oversize line is refused");
            assert_eq!(
                err.kind(),
                ErrorKind::LineTooLong {
                    len: Some(line.len())
                }
            );
            self.expected.failed += 1;
            return;
        }
        result.expect("append");
        let len = line.len() as u64;
        if let Some(every) = self.settings.check_every {
            self.expected.since_check += 1;
            if self.expected.since_check >= every
                || self.expected.bytes_since_check >= (self.settings.max_size / 64).max(1)
            {
                self.check();
            }
        }
        // The `\n` that ends a partial line counts with the line.
        let adds = |expected: &ModelWriter| len + u64::from(expected.torn);
        if self.expected.size > 0
            && self.expected.size + adds(&self.expected) > self.settings.max_size
        {
            // Under the lock the writer looks again before it rotates.
            self.follow();
            if self.expected.size > 0
                && self.expected.size + adds(&self.expected) > self.settings.max_size
            {
                self.shift();
            }
        }
        self.end_torn_fragment();
        let file = self.expected.file;
        self.model.files[file].extend_from_slice(line.as_bytes());
        self.expected.size += len;
        self.expected.bytes_since_check += len;
        self.expected.appends += 1;
    }

    /// The reopen check.
    fn check(&mut self) {
        self.expected.since_check = 0;
        self.follow();
    }

    /// Compares the open file with the one at the path; reopens the path if they differ.
    fn follow(&mut self) {
        self.expected.bytes_since_check = 0;
        if self.model.names.get(LOG) == Some(&self.expected.file) {
            self.expected.size = self.model.len_of(self.expected.file);
        } else {
            // A partial line is ended in the file being left.
            if self.expected.torn {
                self.model.files[self.expected.file].push(b'\n');
                self.expected.torn = false;
            }
            self.expected.file = self.model.open_or_create(LOG);
            self.expected.size = self.model.len_of(self.expected.file);
            self.expected.reopens += 1;
        }
    }

    /// The rotation proper: shift the run of backups, rename the active file, open a new one.
    fn shift(&mut self) {
        let max_files = self.settings.max_files;
        let mut run = 0;
        while run < max_files && self.model.names.contains_key(&backup(run + 1)) {
            run += 1;
        }
        if run == max_files {
            let mut index = max_files;
            while self.model.unlink(&backup(index)) {
                index += 1;
            }
            run -= 1;
        }
        for from in (1..=run).rev() {
            self.model.rename(&backup(from), &backup(from + 1));
        }
        self.model.rename(LOG, &backup(1));
        // A partial line is ended after the shift, in the file that is now the first backup.
        self.end_torn_fragment();
        self.expected.file = self.model.open_or_create(LOG);
        self.expected.size = 0;
        self.expected.bytes_since_check = 0;
        self.expected.rotations += 1;
    }

    /// The writer's `\n` after a partial line it found at open, before its next line.
    fn end_torn_fragment(&mut self) {
        if self.expected.torn {
            self.model.files[self.expected.file].push(b'\n');
            self.expected.size += 1;
            self.expected.torn = false;
        }
    }

    /// The directory equals the model byte for byte, and the writer agrees with it.
    fn verify(&mut self, step: Step) {
        let mut on_disk = BTreeMap::new();
        for entry in fs::read_dir(&self.dir).expect("list the dir") {
            let entry = entry.expect("dir entry");
            let name = entry.file_name().into_string().expect("UTF-8 name");
            if name != LOCK {
                on_disk.insert(name, fs::read(entry.path()).expect("read a file"));
            }
        }
        let expected: BTreeMap<&String, &Vec<u8>> = self
            .model
            .names
            .iter()
            .map(|(name, &file)| (name, &self.model.files[file]))
            .collect();
        let on_disk_view: BTreeMap<&String, &Vec<u8>> = on_disk.iter().collect();
        assert!(
            on_disk_view == expected,
            "after {step:?}, directory differs from the model\n  disk: {:?}\n model: {:?}",
            summary(&on_disk_view),
            summary(&expected)
        );
        let want = (
            self.expected.size,
            self.expected.appends,
            self.expected.failed,
            self.expected.rotations,
            self.expected.reopens,
        );
        let writer = self.writer();
        let stats = writer.stats();
        let got = (
            writer.known_size(),
            stats.appends,
            stats.failed,
            stats.rotations,
            stats.reopens,
        );
        assert_eq!(
            got, want,
            "after {step:?}: (known_size, appends, failed, rotations, reopens)"
        );
        assert_eq!(
            stats.housekeeping_errors,
            0,
            "{:?}",
            writer.take_housekeeping_error()
        );
    }
}

/// Names with their lengths and line counts, for a readable failure message.
fn summary(files: &BTreeMap<&String, &Vec<u8>>) -> Vec<String> {
    files
        .iter()
        .map(|(name, bytes)| {
            let lines = bytes.split(|&b| b == b'\n').count() - 1;
            format!("{name}: {} bytes, {lines} lines", bytes.len())
        })
        .collect()
}
