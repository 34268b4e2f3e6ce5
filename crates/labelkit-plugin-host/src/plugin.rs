//! Loading a plugin library, the version handshake, and calls into it.

use std::collections::HashSet;
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use labelkit_model::{Annotation, Dataset, Image};
use labelkit_plugin_abi::{
    LkCheckImageFn, LkCloseFn, LkDescribeFn, LkEntryV1Fn, LkFinishFn, LkFreeBufferFn, LkInput,
    LkOpenFn, LkOpenWithHostFn, LkOutput, LkPluginV1, LkStatus, LABELKIT_PLUGIN_ABI_MAJOR,
    LABELKIT_PLUGIN_ABI_MINOR, LABELKIT_PLUGIN_ABI_MINOR_MIN, LABELKIT_PLUGIN_ENTRY,
    LABELKIT_PLUGIN_ENTRY_NUL, LABELKIT_PLUGIN_ENTRY_PREFIX, LABELKIT_PLUGIN_SCHEMA, LK_ERROR,
    LK_OK, LK_PANIC, LK_PLUGIN_V1_MINOR1_SIZE, LK_PLUGIN_V1_MIN_SIZE,
};
use libloading::Library;

use crate::error::PluginError;
use crate::host::HostServices;
use crate::wire::{Findings, ImageDoc, Manifest, SessionDoc, WireFinding};

/// First letters reserved for built-in codes, with the family each names.
pub const RESERVED_FAMILIES: [(char, &str); 6] = [
    ('F', "F (read issue)"),
    ('G', "G (geometry)"),
    ('A', "A (ambiguity and consistency)"),
    ('K', "K (keypoints)"),
    ('D', "D (dataset)"),
    ('L', "L (labelkit)"),
];

/// After this many failed calls in one session the host stops calling the
/// plugin for the rest of the session.
pub const MAX_FAILURES_PER_SESSION: usize = 10;

/// The most bytes one call of a plugin may return (64 MiB). A larger output
/// buffer, like a null pointer with a non-zero length, is not read: it is
/// given back to the plugin and the call fails with an `L001` finding. The
/// limit also keeps every length the host reads below `isize::MAX`, which a
/// slice requires.
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;

/// The most findings one plugin may return in one check (one session).
/// Findings beyond it are left out, counted and reported in an `L001`
/// finding, and the plugin is not called again in that check: memory stays
/// bounded whatever a plugin returns.
pub const MAX_FINDINGS_PER_SESSION: usize = 100_000;

/// The table's functions, checked non-null.
#[derive(Debug, Clone, Copy)]
struct Table {
    describe: LkDescribeFn,
    open: LkOpenFn,
    check_image: LkCheckImageFn,
    finish: LkFinishFn,
    close: LkCloseFn,
    free_buffer: LkFreeBufferFn,
    /// Minor 1, optional.
    open_with_host: Option<LkOpenWithHostFn>,
}

/// An open session of a plugin.
struct SessionHandle(*mut c_void);

// SAFETY: the ABI lets the host call a session from any thread as long as
// calls never overlap; the handle only lives inside the plugin's mutex, so
// calls through it are serialised.
unsafe impl Send for SessionHandle {}

/// The state of one check.
struct Session {
    handle: SessionHandle,
    /// The services handed to `open_with_host`, kept until the plugin's
    /// session is closed.
    host: Option<Box<HostServices>>,
    image_ids: HashSet<u64>,
    annotation_ids: HashSet<u64>,
    failures: usize,
    /// Findings returned so far.
    findings: usize,
    /// The plugin went past [`MAX_FINDINGS_PER_SESSION`].
    capped: bool,
}

impl Session {
    fn new(handle: *mut c_void, dataset: Option<&Dataset>) -> Self {
        Self {
            handle: SessionHandle(handle),
            host: None,
            image_ids: dataset
                .map_or_else(HashSet::new, |d| d.images.iter().map(|i| i.id.0).collect()),
            annotation_ids: dataset.map_or_else(HashSet::new, |d| {
                d.annotations.iter().map(|a| a.id.0).collect()
            }),
            failures: 0,
            findings: 0,
            capped: false,
        }
    }

    /// Whether the plugin is no longer called in this session.
    fn stopped(&self) -> bool {
        self.failures >= MAX_FAILURES_PER_SESSION || self.capped
    }
}

/// A finding of a plugin, checked against its manifest and the dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginFinding {
    /// The code: one the plugin declared, or `L001` for a plugin failure.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// The image it is about, by id.
    pub image: Option<u64>,
    /// The annotation it is about, by id.
    pub annotation: Option<u64>,
    /// A severity other than the rule's default.
    pub severity: Option<labelkit_diagnostics::Severity>,
    /// How to fix it (related places are listed here too).
    pub help: Option<String>,
}

/// The code of findings that report a failing plugin.
pub const PLUGIN_FAILED: &str = "L001";

impl PluginFinding {
    /// A plugin-failure finding (`L001`).
    #[must_use]
    pub fn failure(error: &PluginError, image: Option<u64>) -> Self {
        Self {
            code: PLUGIN_FAILED.to_owned(),
            message: error.to_string(),
            image,
            annotation: None,
            severity: None,
            help: None,
        }
    }
}

/// A loaded plugin: its library (never unloaded), its function table and its
/// manifest.
pub struct Plugin {
    path: PathBuf,
    abi_minor: u32,
    table: Table,
    manifest: Manifest,
    session: Mutex<Option<Session>>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("path", &self.path)
            .field("abi_minor", &self.abi_minor)
            .field("name", &self.manifest.name)
            .field("prefix", &self.manifest.prefix)
            .finish_non_exhaustive()
    }
}

/// Loads the plugin library at `path`, checks its ABI version and reads its
/// manifest.
///
/// The library is never unloaded. Loading runs the library's initialisers:
/// load only libraries you trust, as you would run a program.
///
/// # Errors
/// A missing file, a file the loader refuses, a missing entry symbol (the
/// message says which major the library was built for, if it can tell), an
/// unsupported minor, a malformed table, a failing or invalid `describe`, a
/// code prefix that collides with built-in codes.
pub fn load_plugin(path: &Path) -> Result<Plugin, PluginError> {
    let owned = || path.to_path_buf();
    if !path.is_file() {
        return Err(PluginError::NotFound { path: owned() });
    }
    // A name without a slash (`libx.so`) would make the dynamic loader
    // search its library path instead of opening the file that was checked.
    let file = std::path::absolute(path).unwrap_or_else(|_| owned());
    // SAFETY: loading a library runs its initialisers, which may do
    // anything; the user named this library in the configuration or on the
    // command line and trusts it like the labelkit binary itself (the docs
    // say plugins are not sandboxed).
    let library = unsafe { Library::new(&file) }.map_err(|e| PluginError::Open {
        path: owned(),
        message: e.to_string(),
    })?;
    // Never unloaded: the table, its functions and any buffers must outlive
    // every use, and some libraries cannot be unloaded safely.
    let library: &'static Library = Box::leak(Box::new(library));
    // SAFETY: the symbol is looked up with the type the ABI gives it.
    let entry = match unsafe { library.get::<LkEntryV1Fn>(LABELKIT_PLUGIN_ENTRY_NUL) } {
        Ok(symbol) => *symbol,
        Err(_) => {
            return Err(PluginError::MissingEntry {
                path: owned(),
                symbol: LABELKIT_PLUGIN_ENTRY.to_owned(),
                expected: LABELKIT_PLUGIN_ABI_MAJOR,
                found: other_major(library),
            })
        }
    };
    // SAFETY: a library exporting `labelkit_plugin_v1` promises that it is
    // the ABI's entry function: no arguments, returns a table pointer.
    let table = unsafe { entry() };
    // SAFETY: the pointer came from the entry function, which returns null
    // or a static table of at least the minor-0 header.
    unsafe { Plugin::from_raw_table(path.to_path_buf(), table) }
}

/// The major of another `labelkit_plugin_vN` symbol the library exports.
fn other_major(library: &Library) -> Option<u32> {
    (0..=16)
        .filter(|&m| m != LABELKIT_PLUGIN_ABI_MAJOR)
        .find(|m| {
            let name = format!("{LABELKIT_PLUGIN_ENTRY_PREFIX}{m}\0");
            // SAFETY: the symbol is only looked up, never called.
            unsafe { library.get::<*const c_void>(name.as_bytes()) }.is_ok()
        })
}

fn required<T>(
    path: &Path,
    minor: u32,
    function: &'static str,
    f: Option<T>,
) -> Result<T, PluginError> {
    f.ok_or_else(|| PluginError::MissingFunction {
        path: path.to_path_buf(),
        function,
        minor,
    })
}

impl Plugin {
    /// Wraps a plugin table that is already in this process (a plugin linked
    /// statically, or defined in a test with the SDK's `plugin_table!`).
    /// `path` names it in messages.
    ///
    /// # Safety
    /// `table` must honour the plugin ABI: its functions must do what the
    /// ABI says with the arguments the ABI gives them.
    ///
    /// # Errors
    /// As for [`load_plugin`], after the library is found.
    pub unsafe fn from_static_table(
        path: impl Into<PathBuf>,
        table: &'static LkPluginV1,
    ) -> Result<Self, PluginError> {
        // SAFETY: a reference to a static table is a valid, live table.
        unsafe { Self::from_raw_table(path.into(), table) }
    }

    /// The handshake: reads the header, checks the version and size, copies
    /// the table and reads the manifest.
    ///
    /// # Safety
    /// `table` is null or points to a live table whose first two fields are
    /// `abi_minor` and `struct_size`, and which is `struct_size` bytes long.
    unsafe fn from_raw_table(path: PathBuf, table: *const LkPluginV1) -> Result<Self, PluginError> {
        if table.is_null() {
            return Err(PluginError::NullTable { path });
        }
        // SAFETY: `table` is non-null and every table of major 1 starts with
        // these two fields, whatever its minor.
        let (minor, size) = unsafe {
            (
                std::ptr::addr_of!((*table).abi_minor).read(),
                std::ptr::addr_of!((*table).struct_size).read(),
            )
        };
        if !(LABELKIT_PLUGIN_ABI_MINOR_MIN..=LABELKIT_PLUGIN_ABI_MINOR).contains(&minor) {
            return Err(PluginError::UnsupportedMinor {
                path,
                found: minor,
                min: LABELKIT_PLUGIN_ABI_MINOR_MIN,
                max: LABELKIT_PLUGIN_ABI_MINOR,
            });
        }
        if (size as usize) < LK_PLUGIN_V1_MIN_SIZE {
            return Err(PluginError::TableTooSmall {
                path,
                found: size,
                expected: LK_PLUGIN_V1_MIN_SIZE,
                minor,
            });
        }
        // SAFETY: the table declares at least `LK_PLUGIN_V1_MIN_SIZE` bytes,
        // which hold every field read here (those of minor 0); each is read
        // on its own, never the whole struct of a newer minor.
        let (describe, open, check_image, finish, close, free_buffer) = unsafe {
            (
                std::ptr::addr_of!((*table).describe).read(),
                std::ptr::addr_of!((*table).open).read(),
                std::ptr::addr_of!((*table).check_image).read(),
                std::ptr::addr_of!((*table).finish).read(),
                std::ptr::addr_of!((*table).close).read(),
                std::ptr::addr_of!((*table).free_buffer).read(),
            )
        };
        let open_with_host = if minor >= 1 && size as usize >= LK_PLUGIN_V1_MINOR1_SIZE {
            // SAFETY: a minor-1 table of at least `LK_PLUGIN_V1_MINOR1_SIZE`
            // bytes holds `open_with_host`.
            unsafe { std::ptr::addr_of!((*table).open_with_host).read() }
        } else {
            None
        };
        let table = Table {
            describe: required(&path, minor, "describe", describe)?,
            open: required(&path, minor, "open", open)?,
            check_image: required(&path, minor, "check_image", check_image)?,
            finish: required(&path, minor, "finish", finish)?,
            close: required(&path, minor, "close", close)?,
            free_buffer: required(&path, minor, "free_buffer", free_buffer)?,
            open_with_host,
        };
        let describe = table.describe;
        let bytes = call(&path, table.free_buffer, "describe", |out| {
            // SAFETY: `out` points to a writable `LkOutput`.
            unsafe { describe(out) }
        })?;
        let manifest: Manifest = parse_json(
            &path,
            "describe",
            &bytes,
            "a manifest {\"schema\": 1, \"name\", \"version\", \"prefix\", \"rules\": [...]}",
        )?;
        validate_manifest(&path, &manifest)?;
        Ok(Self {
            path,
            abi_minor: minor,
            table,
            manifest,
            session: Mutex::new(None),
        })
    }

    /// The library's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The ABI minor version the plugin was built against.
    #[must_use]
    pub fn abi_minor(&self) -> u32 {
        self.abi_minor
    }

    /// The plugin's manifest.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn lock(&self) -> MutexGuard<'_, Option<Session>> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a session for `dataset` with the plugin's options (a JSON
    /// object; a `path` key, which names the library, is not passed on),
    /// closing any session still open.
    ///
    /// # Errors
    /// The plugin refused the options or failed.
    pub fn begin(&self, options: &serde_json::Value, dataset: &Dataset) -> Result<(), PluginError> {
        self.begin_with(options, dataset, None)
    }

    /// [`Plugin::begin`], letting a plugin of ABI minor 1 read the images
    /// beside those of the check through `neighbours` (the `siblings`
    /// request of the host's services; see [`crate::host`]).
    ///
    /// # Errors
    /// The plugin refused the options or failed.
    pub fn begin_with(
        &self,
        options: &serde_json::Value,
        dataset: &Dataset,
        neighbours: Option<Arc<dyn labelkit_rules::Neighbours>>,
    ) -> Result<(), PluginError> {
        let mut guard = self.lock();
        if let Some(old) = guard.take() {
            self.close(old);
        }
        let mut options = options.clone();
        if let Some(map) = options.as_object_mut() {
            map.remove("path");
        } else if options.is_null() {
            options = serde_json::Value::Object(serde_json::Map::new());
        }
        let input = serde_json::to_vec(&SessionDoc::new(&options, dataset)).map_err(|e| {
            PluginError::Failed {
                path: self.path.clone(),
                function: "open",
                panicked: false,
                message: format!("cannot serialise the session document: {e}"),
            }
        })?;
        let mut handle: *mut c_void = std::ptr::null_mut();
        let host = self
            .table
            .open_with_host
            .map(|f| (f, HostServices::new(dataset, neighbours)));
        let result = match &host {
            Some((open_with_host, services)) => {
                let table = services.table();
                call(&self.path, self.table.free_buffer, "open", |out| {
                    // SAFETY: `input` outlives the call; `table` lives in
                    // the session until the plugin's session is closed;
                    // `handle` and `out` are writable locations.
                    unsafe { open_with_host(lk_input(&input), table, &raw mut handle, out) }
                })
            }
            None => {
                let open = self.table.open;
                call(&self.path, self.table.free_buffer, "open", |out| {
                    // SAFETY: `input` outlives the call; `handle` and `out`
                    // are writable locations.
                    unsafe { open(lk_input(&input), &raw mut handle, out) }
                })
            }
        };
        let host = host.map(|(_, services)| services);
        if let Err(e) = result {
            if !handle.is_null() {
                let mut session = Session::new(handle, None);
                session.host = host;
                self.close(session);
            }
            return Err(e);
        }
        let mut session = Session::new(handle, Some(dataset));
        session.host = host;
        *guard = Some(session);
        Ok(())
    }

    /// Checks `image` of `dataset` with its `annotations`. A failure of
    /// the plugin comes back as an `L001` finding on the image; after
    /// [`MAX_FAILURES_PER_SESSION`] failures the plugin is no longer called
    /// for this session.
    #[must_use]
    pub fn check_image(
        &self,
        dataset: &Dataset,
        image: &Image,
        annotations: &[&Annotation],
    ) -> Vec<PluginFinding> {
        let doc = ImageDoc::new(dataset, image, annotations.iter().copied());
        let image_id = Some(image.id.0);
        let input = match serde_json::to_vec(&doc) {
            Ok(bytes) => bytes,
            Err(e) => {
                let error = PluginError::Failed {
                    path: self.path.clone(),
                    function: "check_image",
                    panicked: false,
                    message: format!("cannot serialise the image document: {e}"),
                };
                return vec![PluginFinding::failure(&error, image_id)];
            }
        };
        let mut guard = self.lock();
        let Some(session) = guard.as_mut() else {
            let error = PluginError::NoSession {
                path: self.path.clone(),
                function: "check_image",
            };
            return vec![PluginFinding::failure(&error, image_id)];
        };
        if session.stopped() {
            return Vec::new();
        }
        let check = self.table.check_image;
        let handle = session.handle.0;
        let result = call(&self.path, self.table.free_buffer, "check_image", |out| {
            // SAFETY: `handle` is this plugin's open session, used under the
            // mutex; `input` outlives the call; `out` is writable.
            unsafe { check(handle, lk_input(&input), out) }
        })
        .and_then(|bytes| self.findings(session, "check_image", &bytes));
        self.settle(session, result, image_id)
    }

    /// Ends the session: returns the dataset-level findings and closes it.
    #[must_use]
    pub fn finish(&self) -> Vec<PluginFinding> {
        let Some(mut session) = self.lock().take() else {
            return Vec::new();
        };
        let finish = self.table.finish;
        let handle = session.handle.0;
        let result = if session.stopped() {
            Ok(Vec::new())
        } else {
            call(&self.path, self.table.free_buffer, "finish", |out| {
                // SAFETY: `handle` is this plugin's open session, taken out of
                // the mutex so no other call can use it; `out` is writable.
                unsafe { finish(handle, out) }
            })
            .and_then(|bytes| self.findings(&mut session, "finish", &bytes))
        };
        let findings = self.settle(&mut session, result, None);
        self.close(session);
        findings
    }

    fn settle(
        &self,
        session: &mut Session,
        result: Result<Vec<PluginFinding>, PluginError>,
        image: Option<u64>,
    ) -> Vec<PluginFinding> {
        match result {
            Ok(findings) => findings,
            Err(error) => {
                session.failures += 1;
                let mut out = vec![PluginFinding::failure(&error, image)];
                if session.failures == MAX_FAILURES_PER_SESSION {
                    out.push(PluginFinding {
                        message: format!(
                            "{}: plugin `{}` failed {MAX_FAILURES_PER_SESSION} times: it is not called again in this check",
                            self.path.display(),
                            self.manifest.name
                        ),
                        ..PluginFinding::failure(&error, None)
                    });
                }
                out
            }
        }
    }

    /// Closes a session; taking it by value makes a second close impossible.
    fn close(&self, session: Session) {
        let Session { handle, host, .. } = session;
        let close = self.table.close;
        // SAFETY: the session came from this plugin's `open` and is closed
        // exactly once (it was moved in here).
        unsafe { close(handle.0) };
        // The host's services outlive the plugin's session.
        drop(host);
    }

    /// Parses and checks a findings document, keeping no more findings than
    /// the session has room for ([`MAX_FINDINGS_PER_SESSION`]); past the
    /// limit, an `L001` finding says how many were left out and the session
    /// stops calling the plugin.
    fn findings(
        &self,
        session: &mut Session,
        function: &'static str,
        bytes: &[u8],
    ) -> Result<Vec<PluginFinding>, PluginError> {
        let room = MAX_FINDINGS_PER_SESSION.saturating_sub(session.findings);
        let doc = Findings::from_slice(bytes, room).map_err(|e| {
            invalid_json(
                &self.path,
                function,
                &e,
                "a findings document {\"schema\": 1, \"findings\": [...]}",
            )
        })?;
        if doc.schema != LABELKIT_PLUGIN_SCHEMA {
            return Err(PluginError::Failed {
                path: self.path.clone(),
                function,
                panicked: false,
                message: format!(
                    "findings document of schema {}, expected schema {LABELKIT_PLUGIN_SCHEMA}",
                    doc.schema
                ),
            });
        }
        let kept = doc.findings.len();
        session.findings = session.findings.saturating_add(kept);
        let mut out: Vec<PluginFinding> = doc
            .findings
            .into_iter()
            .map(|f| self.finding(session, f))
            .collect();
        if doc.total > kept {
            session.capped = true;
            let error = PluginError::TooManyFindings {
                path: self.path.clone(),
                plugin: self.manifest.name.clone(),
                function,
                limit: MAX_FINDINGS_PER_SESSION,
                dropped: doc.total - kept,
            };
            out.push(PluginFinding::failure(&error, None));
        }
        Ok(out)
    }

    /// Turns a wire finding into a finding; undeclared codes and unknown ids
    /// become `L001` with the plugin's message kept.
    fn finding(&self, session: &Session, f: WireFinding) -> PluginFinding {
        let problem = if !self.manifest.rules.iter().any(|r| r.code == f.code) {
            Some(format!(
                "returned code `{}`, which it does not declare",
                f.code
            ))
        } else if let Some(id) = f.image.filter(|id| !session.image_ids.contains(id)) {
            Some(format!("named image {id}, which is not in the dataset"))
        } else {
            f.annotation
                .filter(|id| !session.annotation_ids.contains(id))
                .map(|id| format!("named annotation {id}, which is not in the dataset"))
        };
        if let Some(problem) = problem {
            return PluginFinding {
                code: PLUGIN_FAILED.to_owned(),
                message: format!(
                    "{}: plugin `{}` {problem} (its message: {})",
                    self.path.display(),
                    self.manifest.name,
                    f.message
                ),
                image: f.image.filter(|id| session.image_ids.contains(id)),
                annotation: None,
                severity: None,
                help: None,
            };
        }
        let mut help = f.help;
        for r in &f.related {
            let place = match r.annotation {
                Some(a) => format!("image {}, annotation {a}", r.image),
                None => format!("image {}", r.image),
            };
            let line = if r.message.is_empty() {
                format!("see {place}")
            } else {
                format!("see {place}: {}", r.message)
            };
            help = Some(match help {
                Some(h) => format!("{h}\n{line}"),
                None => line,
            });
        }
        PluginFinding {
            code: f.code,
            message: f.message,
            image: f.image,
            annotation: f.annotation,
            severity: f.severity.map(Into::into),
            help,
        }
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let session = self
            .session
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(session) = session {
            self.close(session);
        }
    }
}

/// A host input over `bytes`.
fn lk_input(bytes: &[u8]) -> LkInput {
    LkInput {
        ptr: bytes.as_ptr(),
        len: bytes.len(),
    }
}

/// Calls a plugin function that writes an output buffer; copies the output,
/// gives the buffer back to the plugin, and turns the status into a result.
fn call(
    path: &Path,
    free_buffer: LkFreeBufferFn,
    function: &'static str,
    f: impl FnOnce(*mut LkOutput) -> LkStatus,
) -> Result<Vec<u8>, PluginError> {
    let mut out = LkOutput::EMPTY;
    let status = f(&raw mut out);
    let bytes = copy_output(&out);
    if !out.ptr.is_null() {
        // SAFETY: the buffer came from this plugin and is given back once,
        // whether its content was read or refused.
        unsafe { free_buffer(out) };
    }
    let bytes = bytes.map_err(|problem| PluginError::InvalidOutput {
        path: path.to_path_buf(),
        function,
        problem,
    })?;
    match status {
        LK_OK => Ok(bytes),
        LK_ERROR | LK_PANIC => Err(PluginError::Failed {
            path: path.to_path_buf(),
            function,
            panicked: status == LK_PANIC,
            message: if bytes.is_empty() {
                "(no message)".to_owned()
            } else {
                String::from_utf8_lossy(&bytes).into_owned()
            },
        }),
        other => Err(PluginError::Failed {
            path: path.to_path_buf(),
            function,
            panicked: false,
            message: format!(
                "unknown status {other} (expected {LK_OK} ok, {LK_ERROR} error or {LK_PANIC} panic)"
            ),
        }),
    }
}

/// Copies a plugin's output buffer after checking it: a null pointer must
/// come with length 0, and no buffer may be longer than
/// [`MAX_OUTPUT_BYTES`]. The error says what is wrong, for
/// [`PluginError::InvalidOutput`].
fn copy_output(out: &LkOutput) -> Result<Vec<u8>, String> {
    if out.len == 0 {
        return Ok(Vec::new());
    }
    if out.ptr.is_null() {
        return Err(format!(
            "a null buffer with a length of {} bytes (expected a pointer to the bytes, or a length of 0)",
            out.len
        ));
    }
    if out.len > MAX_OUTPUT_BYTES {
        return Err(format!(
            "a buffer of {} bytes, more than the limit of {MAX_OUTPUT_BYTES} bytes (64 MiB) per call",
            out.len
        ));
    }
    // SAFETY: the pointer is non-null and the length at most
    // `MAX_OUTPUT_BYTES`, far below `isize::MAX`; the plugin wrote a buffer
    // of `len` bytes that it owns and keeps alive until it is given back to
    // `free_buffer` after this copy.
    Ok(unsafe { std::slice::from_raw_parts(out.ptr, out.len) }.to_vec())
}

fn invalid_json(
    path: &Path,
    function: &'static str,
    error: &serde_json::Error,
    expected: &'static str,
) -> PluginError {
    PluginError::InvalidJson {
        path: path.to_path_buf(),
        function,
        message: error.to_string(),
        expected,
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    function: &'static str,
    bytes: &[u8],
    expected: &'static str,
) -> Result<T, PluginError> {
    serde_json::from_slice(bytes).map_err(|e| invalid_json(path, function, &e, expected))
}

fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Checks what the registry will rely on, with messages naming the library.
fn validate_manifest(path: &Path, m: &Manifest) -> Result<(), PluginError> {
    let invalid = |message: String| PluginError::InvalidManifest {
        path: path.to_path_buf(),
        message,
    };
    if m.schema != LABELKIT_PLUGIN_SCHEMA {
        return Err(invalid(format!(
            "schema version {}, expected {LABELKIT_PLUGIN_SCHEMA}",
            m.schema
        )));
    }
    if !is_kebab_case(&m.name) {
        return Err(invalid(format!("name `{}` is not kebab-case", m.name)));
    }
    if m.prefix.is_empty() || !m.prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid(format!(
            "code prefix `{}`: expected one or more upper-case ASCII letters",
            m.prefix
        )));
    }
    if let Some((_, family)) = RESERVED_FAMILIES
        .iter()
        .find(|(c, _)| m.prefix.starts_with(*c))
    {
        return Err(PluginError::PrefixCollision {
            path: path.to_path_buf(),
            plugin: m.name.clone(),
            prefix: m.prefix.clone(),
            family: (*family).to_owned(),
            reserved: "F, G, A, K, D or L".to_owned(),
        });
    }
    if m.rules.is_empty() {
        return Err(invalid("declares no rules".to_owned()));
    }
    let mut codes = HashSet::new();
    for rule in &m.rules {
        let digits = rule.code.strip_prefix(m.prefix.as_str()).unwrap_or("");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(format!(
                "rule code `{}`: expected the prefix `{}` followed by digits",
                rule.code, m.prefix
            )));
        }
        if !codes.insert(rule.code.as_str()) {
            return Err(invalid(format!(
                "rule code `{}` is declared twice",
                rule.code
            )));
        }
        if !is_kebab_case(&rule.name) {
            return Err(invalid(format!(
                "rule name `{}` is not kebab-case",
                rule.name
            )));
        }
    }
    Ok(())
}
