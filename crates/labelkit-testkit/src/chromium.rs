//! Headless Chromium for the tests of labelkit's HTML pages: find the
//! browser, run it on a local file, read the DOM it dumps.
//!
//! A test without Chromium prints why and passes, unless
//! `LABELKIT_REQUIRE_CHROMIUM=1` (set by `.ci/run`, which installs Debian's
//! `chromium`): then its absence is a failure. `LABELKIT_CHROMIUM` names the
//! browser's binary when it is not `chromium` (or `chromium-browser`) on the
//! `PATH`.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether the environment says Chromium must be there
/// (`LABELKIT_REQUIRE_CHROMIUM=1`).
#[must_use]
pub fn required() -> bool {
    std::env::var("LABELKIT_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1")
}

/// The browser's binary: `LABELKIT_CHROMIUM`, else `chromium` or
/// `chromium-browser` on the `PATH`.
#[must_use]
pub fn find() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LABELKIT_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// The browser, or `None` after printing why the test is skipped.
///
/// # Panics
///
/// When there is no browser and [`required`] says there must be.
#[must_use]
pub fn find_or_skip(test: &str) -> Option<PathBuf> {
    let found = find();
    if found.is_none() {
        assert!(
            !required(),
            "LABELKIT_REQUIRE_CHROMIUM=1 but no chromium on the PATH (apt-get install chromium)"
        );
        eprintln!("{test}: skipped: no chromium on the PATH (set LABELKIT_CHROMIUM to its binary)");
    }
    found
}

/// The `file://` URL of an absolute path, percent-encoded.
///
/// # Panics
///
/// When the path is not UTF-8.
#[must_use]
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for c in path.to_str().expect("a UTF-8 path").bytes() {
        if c.is_ascii_alphanumeric() || b"/-._~".contains(&c) {
            url.push(char::from(c));
        } else {
            url.push_str(&format!("%{c:02X}"));
        }
    }
    url
}

/// Runs `browser` headless (no GPU, no sandbox, a fresh profile in
/// `profile`) with `args` on `url`, and returns its standard output (the
/// DOM, with `--dump-dom`). The browser is stopped if it has not finished
/// in two minutes, so a hung browser cannot hang the suite; nothing is
/// asserted on time.
///
/// # Panics
///
/// When the browser cannot be started or does not finish.
#[must_use]
pub fn run(browser: &Path, profile: &Path, args: &[&str], url: &str) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-extensions",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: cannot start: {e}", browser.display()));
    let mut stdout = child.stdout.take().expect("piped standard output");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let start = Instant::now();
    loop {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within two minutes on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("the output reader")
}
