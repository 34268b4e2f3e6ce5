//! Terminal output: stdout writes that survive a closed pipe, colour and
//! progress decisions.

use std::cell::Cell;
use std::io::{self, IsTerminal, Write};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
            progress: shows_progress(quiet, io::stderr().is_terminal()),
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

    /// Starts showing progress on stderr: a spinner or a bar that appears
    /// only once the work has taken [`PROGRESS_DELAY`], and only when
    /// stderr is a terminal and the run is not quiet; otherwise every call
    /// on it does nothing. It is cleared when finished or dropped, so an
    /// early return on an error clears it too.
    pub(crate) fn progress(&self) -> Progress {
        if self.progress {
            Progress::new(ProgressDrawTarget::stderr(), PROGRESS_DELAY)
        } else {
            Progress::off()
        }
    }
}

/// Whether progress is shown: only on a terminal, and never when quiet
/// (a pipe or a log file gets no progress bytes at all).
fn shows_progress(quiet: bool, stderr_is_terminal: bool) -> bool {
    !quiet && stderr_is_terminal
}

/// How long work runs before its progress is shown: shorter work shows
/// nothing.
pub(crate) const PROGRESS_DELAY: Duration = Duration::from_secs(1);

/// How often a shown spinner turns while no update comes.
const TICK: Duration = Duration::from_millis(100);

/// What a [`Progress`] currently shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    None,
    /// A phase without counts: a spinner and its text.
    Spinner,
    /// A phase with counts: a bar and its text.
    Bar,
}

/// Progress of one piece of work on stderr (see [`Ui::progress`]).
#[derive(Debug)]
pub(crate) struct Progress {
    /// `None` when progress is off.
    bar: Option<ProgressBar>,
    shape: Cell<Shape>,
    /// Stops the thread that reveals the bar after the delay.
    reveal: Option<(mpsc::Sender<()>, thread::JoinHandle<()>)>,
}

impl Progress {
    /// Progress that shows nothing.
    fn off() -> Self {
        Self {
            bar: None,
            shape: Cell::new(Shape::None),
            reveal: None,
        }
    }

    /// Progress drawn on `target` once `delay` has passed (at once when it
    /// is zero), hidden until then.
    fn new(target: ProgressDrawTarget, delay: Duration) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if delay.is_zero() {
            bar.set_draw_target(target);
            return Self {
                bar: Some(bar),
                shape: Cell::new(Shape::None),
                reveal: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let shown = bar.clone();
        let thread = thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(delay) {
                shown.set_draw_target(target);
                shown.enable_steady_tick(TICK);
            }
        });
        Self {
            bar: Some(bar),
            shape: Cell::new(Shape::None),
            reveal: Some((stop, thread)),
        }
    }

    /// A phase without counts ("reading x"): a spinner with the text.
    pub(crate) fn phase(&self, text: &str) {
        let Some(bar) = &self.bar else { return };
        if self.shape.replace(Shape::Spinner) != Shape::Spinner {
            bar.set_style(
                ProgressStyle::with_template("{spinner} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
        }
        bar.set_message(text.to_owned());
    }

    /// A phase with counts: `done` of `total` finished, with the text.
    pub(crate) fn count(&self, done: usize, total: usize, text: &str) {
        let Some(bar) = &self.bar else { return };
        if self.shape.replace(Shape::Bar) != Shape::Bar {
            bar.set_style(
                ProgressStyle::with_template("{bar:24} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        let total = u64::try_from(total).unwrap_or(u64::MAX);
        bar.set_length(total);
        bar.set_position(u64::try_from(done).unwrap_or(u64::MAX).min(total));
        bar.set_message(text.to_owned());
    }

    /// Runs `f` (which prints to stderr) with the progress taken off the
    /// screen, so that its lines do not mix with the progress.
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Clears the progress (also done when it is dropped).
    pub(crate) fn finish(self) {
        drop(self);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.reveal.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
        if let Some(bar) = &self.bar {
            bar.disable_steady_tick();
            bar.finish_and_clear();
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

    use indicatif::InMemoryTerm;

    fn on_term(delay: Duration) -> (InMemoryTerm, Progress) {
        let term = InMemoryTerm::new(4, 60);
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        (term, Progress::new(target, delay))
    }

    #[test]
    fn progress_only_on_a_terminal_and_not_when_quiet() {
        assert!(shows_progress(false, true));
        assert!(!shows_progress(true, true));
        assert!(!shows_progress(false, false));
        assert!(!shows_progress(true, false));
        let ui = Ui {
            quiet: false,
            color: false,
            progress: false,
            stdout_is_terminal: false,
        };
        let progress = ui.progress();
        assert!(progress.bar.is_none() && progress.reveal.is_none());
        // Off, every call is a no-op and the closure of `suspend` still runs.
        progress.phase("reading a");
        progress.count(1, 3, "[2/3] reading a");
        assert_eq!(progress.suspend(|| 7), 7);
        progress.finish();
    }

    #[test]
    fn a_phase_without_counts_is_a_spinner_with_its_text() {
        let (term, progress) = on_term(Duration::ZERO);
        progress.phase("reading data/annotations.xml");
        let shown = term.contents();
        assert!(
            shown.ends_with(" reading data/annotations.xml"),
            "{shown:?}"
        );
        assert_eq!(shown.lines().count(), 1, "{shown:?}");
        assert!(!shown.contains('█'), "no bar without counts: {shown:?}");
        progress.finish();
        assert_eq!(term.contents(), "", "cleared when finished");
    }

    #[test]
    fn a_phase_with_counts_is_a_bar_with_its_text() {
        let (term, progress) = on_term(Duration::ZERO);
        progress.count(1, 3, "[2/3] checking b.json");
        assert_eq!(
            term.contents(),
            format!("{}{} [2/3] checking b.json", "█".repeat(8), "░".repeat(16))
        );
        // From counts back to a phase without them, and on.
        progress.phase("writing out");
        assert!(term.contents().ends_with(" writing out"));
        assert!(!term.contents().contains('░'));
        progress.count(3, 3, "[3/3] checking c.json");
        assert_eq!(
            term.contents(),
            format!("{} [3/3] checking c.json", "█".repeat(24))
        );
        drop(progress);
        assert_eq!(term.contents(), "", "cleared when dropped (on an error)");
    }

    #[test]
    fn long_text_is_cut_to_the_terminal_width() {
        let (term, progress) = on_term(Duration::ZERO);
        let long = format!("[1/1] reading {}", "d/".repeat(100));
        progress.count(0, 1, &long);
        let shown = term.contents();
        assert_eq!(shown.lines().count(), 1, "{shown:?}");
        assert!(shown.chars().count() <= 60, "{shown:?}");
        assert!(shown.contains("[1/1] reading d/d/"), "{shown:?}");
    }

    #[test]
    fn nothing_is_drawn_before_the_delay() {
        // Work that ends before the delay draws nothing at all.
        let (term, progress) = on_term(Duration::from_secs(3600));
        progress.phase("reading a");
        progress.count(1, 2, "[2/2] reading b");
        assert_eq!(term.contents(), "");
        progress.finish();
        assert_eq!(term.contents(), "");
        assert_eq!(term.moves_since_last_check(), "");
    }

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let err = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("writing the rules");
        assert!(is_broken_pipe(&err));
        let other = anyhow::Error::from(io::Error::from(io::ErrorKind::NotFound));
        assert!(!is_broken_pipe(&other));
    }
}
