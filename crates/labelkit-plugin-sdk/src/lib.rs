//! Write labelkit rule plugins in safe Rust: a trait and an export macro.
//!
//! A plugin is a `cdylib` crate that implements [`Plugin`] for a session
//! type and calls [`export_plugin!`] once. The macro exports the entry
//! function `labelkit_plugin_v1` and fills the ABI's function table
//! ([`abi::LkPluginV1`]); every exported function catches panics, so no
//! panic ever crosses into the host: a panic becomes an error status with
//! the panic's message, which the host reports as a finding and the run goes
//! on. The plugin author writes no `unsafe` code.
//!
//! ```
//! use labelkit_plugin_sdk::{Finding, ImageInput, Manifest, Plugin, RuleDoc, SessionInput, Severity};
//!
//! /// Flags images without annotations.
//! struct EmptyImages;
//!
//! impl Plugin for EmptyImages {
//!     fn manifest() -> Manifest {
//!         Manifest::new("empty-images", "0.1.0", "EMP").rule(RuleDoc::new(
//!             "EMP001",
//!             "empty-image",
//!             Severity::Warning,
//!             "an image has no annotation",
//!             "## What it does\nFlags images without any annotation.",
//!         ))
//!     }
//!
//!     fn open(_session: SessionInput) -> Result<Self, String> {
//!         Ok(Self)
//!     }
//!
//!     fn check_image(&mut self, input: ImageInput) -> Result<Vec<Finding>, String> {
//!         Ok(if input.annotations.is_empty() {
//!             vec![Finding::on_image("EMP001", input.image.id, "image has no annotation")]
//!         } else {
//!             Vec::new()
//!         })
//!     }
//! }
//!
//! labelkit_plugin_sdk::export_plugin!(EmptyImages);
//! ```
//!
//! The crate's `Cargo.toml` wants `crate-type = ["cdylib"]` and must not set
//! `panic = "abort"` (a panic could then not be caught, and would end the
//! host process).
//!
//! The JSON documents exchanged with the host are the types of this crate
//! ([`Manifest`], [`SessionInput`], [`ImageInput`], [`Findings`]); they are
//! described in `docs/plugins.md`.
#![allow(unsafe_code)]
#![deny(missing_docs)]

mod types;

pub use labelkit_plugin_abi as abi;
pub use serde_json;
pub use types::{
    AnnotationInput, DatasetInput, Finding, Findings, ImageInput, ImageRecord, KeypointInput,
    LabelInput, Manifest, OptionDoc, Related, RuleDoc, SessionInput, Severity,
};

/// The host's services to a plugin (ABI minor 1), given in
/// [`SessionInput::host`]. Use it only inside `check_image` and `finish` of
/// the session it came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Host {
    table: *const abi::LkHostV1,
}

/// What [`Host::siblings`] found.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
pub struct Siblings {
    /// Whether the host can read images beside the check at all (not in a
    /// check of a whole dataset, where every image is part of it).
    #[serde(default)]
    pub available: bool,
    /// The images found, with ids the host gave them: a finding may mention
    /// them in its message but cannot name them as its image or annotation.
    #[serde(default)]
    pub images: Vec<ImageInput>,
    /// More matched than the host returns (256 per request, 4,096 per
    /// session).
    #[serde(default)]
    pub truncated: bool,
}

impl Host {
    /// The images beside the checked image `image` (in the folder of its
    /// annotation file) that are not part of the check, whose file names
    /// (last component) are one of `names` or start with one of `prefixes`,
    /// read by labelkit's readers.
    ///
    /// # Errors
    /// The host refused the request or could not read the files.
    pub fn siblings(
        &self,
        image: u64,
        names: &[String],
        prefixes: &[String],
    ) -> Result<Siblings, String> {
        let request = serde_json::json!({
            "schema": abi::LABELKIT_PLUGIN_SCHEMA,
            "op": "siblings",
            "image": image,
            "names": names,
            "prefixes": prefixes,
        });
        let bytes = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
        let response = self.request(&bytes)?;
        serde_json::from_slice(&response)
            .map_err(|e| format!("invalid `siblings` response from the host: {e}"))
    }

    /// Sends a request document; returns the response document.
    fn request(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        if self.table.is_null() {
            return Err("the host's services are null".to_owned());
        }
        // SAFETY: `table` is the host's table given to `open_with_host`,
        // valid until the session is closed; the host wrote `struct_size`
        // and every field up to it.
        let (size, ctx, request, free) = unsafe {
            let t = &*self.table;
            (t.struct_size as usize, t.ctx, t.request, t.free_buffer)
        };
        if size < std::mem::size_of::<abi::LkHostV1>() {
            return Err("the host's services table is too small".to_owned());
        }
        let (Some(request), Some(free)) = (request, free) else {
            return Err("the host offers no requests".to_owned());
        };
        let mut out = abi::LkOutput::EMPTY;
        let input = abi::LkInput {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        };
        // SAFETY: `input` outlives the call and `out` is writable; `ctx`
        // is the host's own context.
        let status = unsafe { request(ctx, input, &raw mut out) };
        let body = if out.ptr.is_null() || out.len == 0 {
            Vec::new()
        } else {
            // SAFETY: the host wrote `len` bytes at `ptr`, ours to read
            // until given back.
            unsafe { std::slice::from_raw_parts(out.ptr, out.len) }.to_vec()
        };
        if !out.ptr.is_null() {
            // SAFETY: the buffer came from this host and is given back once.
            unsafe { free(ctx, out) };
        }
        if status == abi::LK_OK {
            Ok(body)
        } else {
            Err(String::from_utf8_lossy(&body).into_owned())
        }
    }
}

/// A plugin: its manifest, and a session that checks one dataset.
///
/// The host opens a session for every dataset it checks, hands it the
/// dataset's images one at a time (in no particular order, never two at
/// once), then asks for the dataset-level findings and drops the session.
pub trait Plugin: Sized + 'static {
    /// Describes the plugin: name, version, code prefix and rules.
    fn manifest() -> Manifest;

    /// Opens a session with the rule options from the user's configuration.
    ///
    /// # Errors
    /// A message when the options are invalid; the host reports it.
    fn open(session: SessionInput) -> Result<Self, String>;

    /// Checks one image and its annotations.
    ///
    /// # Errors
    /// A message when the plugin cannot check this image; the host reports
    /// it as a finding on the image and goes on.
    fn check_image(&mut self, input: ImageInput) -> Result<Vec<Finding>, String>;

    /// Reports findings about the dataset as a whole, once every image was
    /// checked.
    ///
    /// # Errors
    /// A message when the plugin cannot finish; the host reports it.
    fn finish(&mut self) -> Result<Vec<Finding>, String> {
        Ok(Vec::new())
    }
}

/// Exports a [`Plugin`] as a labelkit plugin library: defines the entry
/// function `labelkit_plugin_v1`. Use it once per library.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        /// The labelkit plugin entry point (ABI major 1).
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn labelkit_plugin_v1() -> *const $crate::abi::LkPluginV1 {
            $crate::plugin_table!($plugin)
        }
    };
}

/// A `&'static` [`abi::LkPluginV1`] table for a [`Plugin`], without
/// exporting a symbol: for hosts that link a plugin statically, and tests.
#[macro_export]
macro_rules! plugin_table {
    ($plugin:ty) => {{
        static TABLE: $crate::abi::LkPluginV1 = $crate::__private::table::<$plugin>();
        &TABLE
    }};
}

#[doc(hidden)]
pub mod __private {
    //! The glue the macros expand to. Not a public API.

    use std::any::Any;
    use std::ffi::c_void;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use labelkit_plugin_abi::{
        LkHostV1, LkInput, LkOutput, LkPluginV1, LkStatus, LABELKIT_PLUGIN_ABI_MINOR, LK_ERROR,
        LK_OK, LK_PANIC, LK_PLUGIN_V1_MINOR1_SIZE,
    };

    use crate::{Findings, Plugin};

    /// The function table of plugin `P`.
    #[must_use]
    #[allow(clippy::cast_possible_truncation)] // the table is a few dozen bytes
    pub const fn table<P: Plugin>() -> LkPluginV1 {
        LkPluginV1 {
            abi_minor: LABELKIT_PLUGIN_ABI_MINOR,
            struct_size: LK_PLUGIN_V1_MINOR1_SIZE as u32,
            describe: Some(describe::<P>),
            open: Some(open::<P>),
            check_image: Some(check_image::<P>),
            finish: Some(finish::<P>),
            close: Some(close::<P>),
            free_buffer: Some(free_buffer),
            open_with_host: Some(open_with_host::<P>),
        }
    }

    /// The text of a panic payload.
    fn panic_message(payload: &(dyn Any + Send)) -> String {
        if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "(a panic without a message)".to_owned()
        }
    }

    /// Moves bytes into a plugin-owned output buffer.
    fn into_output(bytes: Vec<u8>) -> LkOutput {
        if bytes.is_empty() {
            return LkOutput::EMPTY;
        }
        let boxed: Box<[u8]> = bytes.into_boxed_slice();
        let len = boxed.len();
        LkOutput {
            ptr: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    }

    /// Runs `f`, catching panics, and writes its result or message to `out`.
    fn guarded(out: *mut LkOutput, f: impl FnOnce() -> Result<Vec<u8>, String>) -> LkStatus {
        let (status, bytes) = match catch_unwind(AssertUnwindSafe(f)) {
            Ok(Ok(bytes)) => (LK_OK, bytes),
            Ok(Err(message)) => (LK_ERROR, message.into_bytes()),
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                // Dropping a payload can itself panic; keep that inside too.
                let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
                (LK_PANIC, message.into_bytes())
            }
        };
        if out.is_null() {
            return LK_ERROR;
        }
        // SAFETY: `out` is non-null and, by the ABI's contract, points to an
        // `LkOutput` the host owns and lets us write for this call.
        unsafe { out.write(into_output(bytes)) };
        status
    }

    /// The bytes of a host input.
    ///
    /// # Safety
    /// `input.ptr` must point to `input.len` readable bytes for the call.
    unsafe fn input_bytes<'a>(input: LkInput) -> &'a [u8] {
        if input.ptr.is_null() || input.len == 0 {
            return &[];
        }
        // SAFETY: the caller guarantees `ptr` points to `len` readable bytes
        // that stay valid and unchanged during this call.
        unsafe { std::slice::from_raw_parts(input.ptr, input.len) }
    }

    fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, String> {
        serde_json::to_vec(value).map_err(|e| format!("cannot serialise plugin output: {e}"))
    }

    fn findings_json(findings: Vec<crate::Finding>) -> Result<Vec<u8>, String> {
        to_json(&Findings::new(findings))
    }

    /// `describe` for plugin `P`.
    ///
    /// # Safety
    /// `out` is null or points to a writable `LkOutput`.
    pub unsafe extern "C" fn describe<P: Plugin>(out: *mut LkOutput) -> LkStatus {
        guarded(out, || to_json(&P::manifest()))
    }

    /// `open` for plugin `P`.
    ///
    /// # Safety
    /// `input` is a valid host input; `session` and `out` are null or point
    /// to writable locations.
    pub unsafe extern "C" fn open<P: Plugin>(
        input: LkInput,
        session: *mut *mut c_void,
        out: *mut LkOutput,
    ) -> LkStatus {
        // SAFETY: as the caller guarantees for `open`; no host services.
        unsafe { open_with_host::<P>(input, std::ptr::null(), session, out) }
    }

    /// Opens a session with the host's services (ABI minor 1).
    ///
    /// # Safety
    /// As for [`open`]; `host` is null or the host's table, valid until the
    /// session is closed.
    pub unsafe extern "C" fn open_with_host<P: Plugin>(
        input: LkInput,
        host: *const LkHostV1,
        session: *mut *mut c_void,
        out: *mut LkOutput,
    ) -> LkStatus {
        if session.is_null() {
            return guarded(out, || Err("open: the session pointer is null".to_owned()));
        }
        // SAFETY: the host lends `input` for the duration of this call.
        let bytes = unsafe { input_bytes(input) };
        let mut opened: *mut c_void = std::ptr::null_mut();
        let status = guarded(out, || {
            let mut input: crate::SessionInput = serde_json::from_slice(bytes)
                .map_err(|e| format!("invalid session document from the host: {e}"))?;
            input.host = (!host.is_null()).then_some(crate::Host { table: host });
            let plugin = P::open(input)?;
            opened = Box::into_raw(Box::new(plugin)).cast::<c_void>();
            Ok(Vec::new())
        });
        // SAFETY: `session` is non-null (checked above) and points to a
        // location the host lets us write.
        unsafe { session.write(opened) };
        status
    }

    pub unsafe extern "C" fn check_image<P: Plugin>(
        session: *mut c_void,
        input: LkInput,
        out: *mut LkOutput,
    ) -> LkStatus {
        if session.is_null() {
            return guarded(out, || Err("check_image: the session is null".to_owned()));
        }
        // SAFETY: `session` was produced by `open::<P>` from a `Box<P>`, is
        // still open, and the host never uses it from two threads at once.
        let plugin = unsafe { &mut *session.cast::<P>() };
        // SAFETY: the host lends `input` for the duration of this call.
        let bytes = unsafe { input_bytes(input) };
        guarded(out, || {
            let input = serde_json::from_slice(bytes)
                .map_err(|e| format!("invalid image document from the host: {e}"))?;
            findings_json(plugin.check_image(input)?)
        })
    }

    /// `finish` for plugin `P`.
    ///
    /// # Safety
    /// As for [`check_image`].
    pub unsafe extern "C" fn finish<P: Plugin>(
        session: *mut c_void,
        out: *mut LkOutput,
    ) -> LkStatus {
        if session.is_null() {
            return guarded(out, || Err("finish: the session is null".to_owned()));
        }
        // SAFETY: as in `check_image`: a live `Box<P>` used by one thread.
        let plugin = unsafe { &mut *session.cast::<P>() };
        guarded(out, || findings_json(plugin.finish()?))
    }

    /// `close` for plugin `P`.
    ///
    /// # Safety
    /// `session` comes from `open::<P>` and is closed once.
    pub unsafe extern "C" fn close<P: Plugin>(session: *mut c_void) {
        if session.is_null() {
            return;
        }
        // SAFETY: `session` was made by `Box::into_raw` in `open::<P>` and
        // the host closes it exactly once.
        let plugin = unsafe { Box::from_raw(session.cast::<P>()) };
        let _ = catch_unwind(AssertUnwindSafe(move || drop(plugin)));
    }

    /// `free_buffer`: frees an output made by [`into_output`].
    ///
    /// # Safety
    /// `buffer` was returned by this plugin and is freed once.
    pub unsafe extern "C" fn free_buffer(buffer: LkOutput) {
        if buffer.ptr.is_null() {
            return;
        }
        let slice = std::ptr::slice_from_raw_parts_mut(buffer.ptr, buffer.len);
        // SAFETY: `ptr`/`len` come from `Box::<[u8]>::into_raw` in
        // `into_output`, and the host gives each buffer back exactly once.
        drop(unsafe { Box::from_raw(slice) });
    }
}
