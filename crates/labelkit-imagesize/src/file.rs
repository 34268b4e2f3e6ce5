//! Opening a file of an untrusted dataset: only a regular file, never
//! blocking.

use std::fs::{self, File};
use std::io;
use std::path::Path;

/// The kind of a file that is not a regular file, for messages.
fn kind_of(t: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a symlink"
    } else {
        "not a regular file"
    }
}

fn not_regular(t: fs::FileType) -> io::Error {
    if t.is_dir() {
        return io::Error::new(io::ErrorKind::IsADirectory, "is a folder");
    }
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({}): not read", kind_of(t)),
    )
}

/// Opens a regular file for reading without ever blocking: with
/// `O_NONBLOCK`, then checked on the handle. With `follow` false, a
/// symlink as the last component fails (`O_NOFOLLOW`; see
/// [`is_symlink_refusal`]).
///
/// # Errors
/// The error of the open, or one of kind
/// [`io::ErrorKind::IsADirectory`] (a folder) or
/// [`io::ErrorKind::InvalidInput`] (`not a regular file (a FIFO): not read`).
pub fn open_regular(path: &Path, follow: bool) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut flags = libc::O_NONBLOCK;
        if !follow {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    #[cfg(not(unix))]
    {
        let _ = follow;
        let meta = fs::metadata(path)?;
        if !meta.is_file() {
            return Err(not_regular(meta.file_type()));
        }
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    Ok(file)
}

/// Whether an error of [`open_regular`] with `follow` false means the path
/// is a symlink.
#[must_use]
pub fn is_symlink_refusal(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}
