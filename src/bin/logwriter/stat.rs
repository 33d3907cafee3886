//! Identity and size of the files the tool reads, from `statx(2)` calls that ask for no
//! timestamps.
//!
//! On Linux 6.13 and later, ext4, xfs, btrfs and tmpfs remember that a file's change time
//! was read, and the next `write(2)` to it, by any writer, then takes a fine-grained
//! timestamp and journals the inode. `show -f` stats the log after every read, so an
//! ordinary stat there would slow every writer of a busy log (appends took 1.81 to 1.90
//! times as long against a loop of such stats in `cargo bench --bench watched`). Kernels
//! without `statx`, or sandboxes that refuse it, get `fstatat(2)`.

use std::fs::File;
use std::io;
use std::path::Path;

use rustix::fs::{AtFlags, FileType, StatxFlags, CWD};

/// A file's device and inode numbers.
pub type FileId = (u64, u64);

/// What the tool looks at in a file.
#[derive(Clone, Copy, Debug)]
pub struct Info {
    pub id: FileId,
    pub size: u64,
    /// A regular file, whose size can be compared with the bytes read (a pipe's cannot).
    pub regular: bool,
}

/// The open file `file`.
pub fn of_file(file: &File) -> io::Result<Info> {
    stat(file, "", AtFlags::EMPTY_PATH)
}

/// The file at `path`, following symbolic links.
pub fn of_path(path: &Path) -> io::Result<Info> {
    stat(CWD, path, AtFlags::empty())
}

fn stat<Fd: rustix::fd::AsFd>(
    dir: Fd,
    path: impl rustix::path::Arg + Copy,
    flags: AtFlags,
) -> io::Result<Info> {
    let mask = StatxFlags::TYPE | StatxFlags::INO | StatxFlags::SIZE;
    match rustix::fs::statx(&dir, path, flags, mask) {
        Ok(st) => Ok(Info {
            id: (
                rustix::fs::makedev(st.stx_dev_major, st.stx_dev_minor),
                st.stx_ino,
            ),
            size: st.stx_size,
            regular: FileType::from_raw_mode(st.stx_mode.into()) == FileType::RegularFile,
        }),
        Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => {
            let st = rustix::fs::statat(&dir, path, flags)?;
            Ok(Info {
                id: (st.st_dev, st.st_ino),
                size: u64::try_from(st.st_size).unwrap_or(0),
                regular: FileType::from_raw_mode(st.st_mode) == FileType::RegularFile,
            })
        }
        Err(errno) => Err(errno.into()),
    }
}
