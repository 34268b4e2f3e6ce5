//! Terminal output: stdout writes that survive a closed pipe, colour and
//! progress decisions.

use std::io::{self, IsTerminal, Write};

use crate::args::ColorChoice;

/// What the program may print, and how.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ui {
    /// Print nothing but findings and errors.
    pub(crate) quiet: bool,
    /// Colour stdout.
    pub(crate) color: bool,
    /// Show progress on stderr.
    pub(crate) progress: bool,
    /// Whether stdout is a terminal.
    pub(crate) stdout_is_terminal: bool,
}

impl Ui {
    pub(crate) fn new(quiet: bool, choice: ColorChoice) -> Self {
        let stdout_is_terminal = io::stdout().is_terminal();
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stdout_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Self {
            quiet,
            color,
            progress: !quiet && io::stderr().is_terminal(),
            stdout_is_terminal,
        }
    }

    /// Writes text to stdout. A closed pipe is returned as an error that
    /// `main` turns into a quiet exit 0.
    pub(crate) fn print(&self, text: &str) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }

    /// A note on stderr, unless quiet.
    pub(crate) fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// A progress line on stderr, overwritten by the next one; only on a
    /// terminal.
    pub(crate) fn progress(&self, text: &str) {
        if self.progress {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
        }
    }

    /// Clears the progress line.
    pub(crate) fn progress_done(&self) {
        if self.progress {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// Whether an error comes from writing to a closed pipe.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Starts writing `file` atomically, refusing it first (before anything
/// is read) when it would replace an input or lie inside an input folder:
/// the output guard of every command that reads datasets and writes one
/// report.
pub(crate) fn start_output<'a>(
    file: &std::path::Path,
    inputs: impl IntoIterator<Item = &'a std::path::Path>,
) -> anyhow::Result<labelkit::diagnostics::output::AtomicFile> {
    use labelkit::diagnostics::output::{AtomicFile, OutputGuard};
    OutputGuard::new(inputs.into_iter().map(std::path::Path::to_path_buf)).check(file)?;
    Ok(AtomicFile::create(file)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let err = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("writing the rules");
        assert!(is_broken_pipe(&err));
        let other = anyhow::Error::from(io::Error::from(io::ErrorKind::NotFound));
        assert!(!is_broken_pipe(&other));
    }
}
