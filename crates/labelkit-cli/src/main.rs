//! The `labelkit` command: convert between CVAT, COCO and YOLO, check
//! datasets against annotation rules, like a linter, and show what changed
//! between two versions of a dataset.
//!
//! `main` parses the arguments and calls [`run`]; every command lives in its
//! own module and goes through the `labelkit` facade. Exit codes: 0 clean,
//! 1 findings at error severity, 2 usage, configuration or I/O failure. A
//! closed stdout (`labelkit rules | head -1`) ends the program quietly with 0.
#![forbid(unsafe_code)]

mod args;
mod check;
mod commands;
mod diff;
mod out;
mod trust;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::out::Ui;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if out::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("labelkit: error: {}", error_text(&err));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes as one message for the terminal: each cause
/// after a colon (an error that states its cause in its own message does
/// not also hand it on as a source, so nothing repeats), every line escaped
/// by [`terminal_safe`](labelkit::diagnostics::terminal_safe) so that names
/// from a dataset cannot send escape sequences or forge lines.
fn error_text(err: &anyhow::Error) -> String {
    let text = err
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    text.split('\n')
        .map(|line| labelkit::diagnostics::terminal_safe(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs a parsed command line and returns the exit code.
fn run(cli: Cli) -> anyhow::Result<u8> {
    let ui = Ui::new(cli.quiet, cli.color);
    match cli.command {
        Command::Convert(args) => commands::convert(&ui, &args),
        Command::Check(args) => check::run(&ui, &args),
        Command::Rules(registry) => commands::rules(&ui, &registry),
        Command::Rule { code, registry } => commands::rule(&ui, &code, &registry),
        Command::Formats => commands::formats(&ui),
        Command::Init { preset, output } => commands::init(&ui, &preset, &output),
        Command::Trust(args) => trust::run(&ui, &args),
        Command::Diff(args) => diff::run(&ui, &args),
    }
}
