//! The C ABI of labelkit rule plugins: `repr(C)` types and constants.
//!
//! A labelkit plugin is a shared library (`.so`, `.dylib`, `.dll`) that
//! exports one function, [`LABELKIT_PLUGIN_ENTRY`] (`labelkit_plugin_v1`),
//! which returns a pointer to a static [`LkPluginV1`] table. The ABI major
//! version is part of the symbol's name, so a library built for another major
//! is never mistaken for this one; the table starts with its minor version and
//! its own size, and fields are only ever appended, so the host can read any
//! table of the same major safely.
//!
//! Everything else crosses the boundary as UTF-8 JSON in (pointer, length)
//! buffers, with its own schema version ([`LABELKIT_PLUGIN_SCHEMA`]):
//! - the host owns its inputs ([`LkInput`]): they are valid for the duration
//!   of one call, and the plugin copies what it keeps;
//! - the plugin owns its outputs ([`LkOutput`]): the host hands each one back
//!   to the table's `free_buffer` function once it has read it.
//!
//! Every function returns an [`LkStatus`]. On [`LK_OK`] the output buffer
//! holds JSON; on [`LK_ERROR`] or [`LK_PANIC`] it holds a UTF-8 message (or
//! is empty).
//!
//! The same definitions are written for C in `include/labelkit_plugin.h`; a
//! test keeps the two in step (names, order, offsets and constants).
//!
//! This crate has no dependencies and contains no code, only declarations:
//! plugin authors in Rust use `labelkit-plugin-sdk`, which fills the table
//! for them; the host (`labelkit-plugin-host`) reads it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![no_std]

use core::ffi::c_void;

/// The ABI major version. A change of major renames the entry symbol.
pub const LABELKIT_PLUGIN_ABI_MAJOR: u32 = 1;

/// The newest ABI minor version this crate describes. Minors only append
/// fields to [`LkPluginV1`]: minor 1 appended `open_with_host` (the host's
/// services, [`LkHostV1`]).
pub const LABELKIT_PLUGIN_ABI_MINOR: u32 = 1;

/// The oldest ABI minor version a host built from this crate accepts.
pub const LABELKIT_PLUGIN_ABI_MINOR_MIN: u32 = 0;

/// The version of the JSON documents exchanged through the ABI (manifest,
/// session input, image input, findings).
pub const LABELKIT_PLUGIN_SCHEMA: u32 = 1;

/// The name of the exported entry function for ABI major 1.
pub const LABELKIT_PLUGIN_ENTRY: &str = "labelkit_plugin_v1";

/// The entry symbol's name with its terminating NUL, as `dlsym` wants it.
pub const LABELKIT_PLUGIN_ENTRY_NUL: &[u8] = b"labelkit_plugin_v1\0";

/// The prefix of the entry symbol of any major: `labelkit_plugin_v` followed
/// by the major in decimal.
pub const LABELKIT_PLUGIN_ENTRY_PREFIX: &str = "labelkit_plugin_v";

/// The result of a plugin function.
pub type LkStatus = i32;

/// Success: the output buffer holds a JSON document.
pub const LK_OK: LkStatus = 0;

/// The plugin failed in an orderly way: the output buffer holds a message.
pub const LK_ERROR: LkStatus = 1;

/// The plugin panicked (or crashed in a way it caught): the output buffer
/// holds a message.
pub const LK_PANIC: LkStatus = 2;

/// A buffer owned by the host, lent to the plugin for one call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LkInput {
    /// The first byte; never null (a dangling, aligned pointer when `len` is 0).
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
}

/// A buffer allocated by the plugin and handed to the host, which gives it
/// back to [`LkPluginV1::free_buffer`] exactly once.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LkOutput {
    /// The first byte; null for an empty output.
    pub ptr: *mut u8,
    /// The number of bytes.
    pub len: usize,
}

impl LkOutput {
    /// An empty output: null pointer, zero length.
    pub const EMPTY: Self = Self {
        ptr: core::ptr::null_mut(),
        len: 0,
    };
}

/// Writes the plugin's manifest (JSON) into `*out`.
pub type LkDescribeFn = unsafe extern "C" fn(out: *mut LkOutput) -> LkStatus;

/// Opens a session: `input` is the session document (rule options and the
/// dataset's labels). On success writes an opaque session pointer into
/// `*session` (it may be null if the plugin keeps no state); on failure
/// writes a message into `*out`.
pub type LkOpenFn =
    unsafe extern "C" fn(input: LkInput, session: *mut *mut c_void, out: *mut LkOutput) -> LkStatus;

/// Checks one image: `input` is the image document; writes a findings
/// document into `*out`.
pub type LkCheckImageFn =
    unsafe extern "C" fn(session: *mut c_void, input: LkInput, out: *mut LkOutput) -> LkStatus;

/// Ends a session's walk over the dataset: writes the dataset-level
/// findings document into `*out`.
pub type LkFinishFn = unsafe extern "C" fn(session: *mut c_void, out: *mut LkOutput) -> LkStatus;

/// Frees a session. Called exactly once for every successful open.
pub type LkCloseFn = unsafe extern "C" fn(session: *mut c_void);

/// Frees a buffer the plugin produced. Called exactly once for every
/// non-null output.
pub type LkFreeBufferFn = unsafe extern "C" fn(buffer: LkOutput);

/// The function table of ABI major 1, returned by the entry function.
///
/// The table must live as long as the library is loaded (a `static`). The
/// host never unloads a plugin library. Fields are only ever appended; a
/// plugin sets `struct_size` to `sizeof` the table it was compiled with, and
/// the host reads no field beyond it.
///
/// The host calls the functions of one session from one thread at a time;
/// a session need not be thread-safe. `describe` may be called at any time.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LkPluginV1 {
    /// The ABI minor version the plugin was built against.
    pub abi_minor: u32,
    /// `size_of::<LkPluginV1>()` as the plugin was compiled.
    pub struct_size: u32,
    /// Describes the plugin (minor 0).
    pub describe: Option<LkDescribeFn>,
    /// Opens a session (minor 0).
    pub open: Option<LkOpenFn>,
    /// Checks one image (minor 0).
    pub check_image: Option<LkCheckImageFn>,
    /// Reports dataset-level findings (minor 0).
    pub finish: Option<LkFinishFn>,
    /// Frees a session (minor 0).
    pub close: Option<LkCloseFn>,
    /// Frees an output buffer (minor 0).
    pub free_buffer: Option<LkFreeBufferFn>,
    /// Opens a session as `open` does, with the host's services (minor 1;
    /// optional: when null, or in a smaller table, the host calls `open`).
    pub open_with_host: Option<LkOpenWithHostFn>,
}

/// The size of the minor-0 table; a table of any minor is at least this big.
pub const LK_PLUGIN_V1_MIN_SIZE: usize = core::mem::offset_of!(LkPluginV1, open_with_host);

/// The size of the minor-1 table: one holding `open_with_host`.
pub const LK_PLUGIN_V1_MINOR1_SIZE: usize = core::mem::size_of::<LkPluginV1>();

/// Opens a session with the host's services (minor 1): as [`LkOpenFn`],
/// and `host`, valid until the session is closed, whose `request` the
/// plugin may call during `check_image` and `finish` of this session (from
/// the thread making that call).
pub type LkOpenWithHostFn = unsafe extern "C" fn(
    input: LkInput,
    host: *const LkHostV1,
    session: *mut *mut c_void,
    out: *mut LkOutput,
) -> LkStatus;

/// Answers a request document (UTF-8 JSON, schema
/// [`LABELKIT_PLUGIN_SCHEMA`]) of the plugin with a response document in
/// `*out`, owned by the host until given back to `free_buffer` of the same
/// [`LkHostV1`]; on `LK_ERROR` `*out` holds a UTF-8 message.
pub type LkHostRequestFn =
    unsafe extern "C" fn(ctx: *mut c_void, input: LkInput, out: *mut LkOutput) -> LkStatus;

/// Gives a buffer of `request` back to the host.
pub type LkHostFreeFn = unsafe extern "C" fn(ctx: *mut c_void, buffer: LkOutput);

/// The host's services to a plugin (ABI minor 1), passed to
/// `open_with_host`. Version first, as [`LkPluginV1`]: fields are only ever
/// appended, and a plugin reads none beyond `struct_size`.
///
/// Requests (see docs/plugins.md): `{"schema": 1, "op": "siblings",
/// "image": ID, "names": [...], "prefixes": [...]}` returns the image
/// documents of images beside image `ID` (in the folder of its annotation
/// file) that are not part of the check, whose file names are one of
/// `names` or start with one of `prefixes`: read by labelkit's readers,
/// bounded in number, and never outside the dataset.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LkHostV1 {
    /// The ABI minor the host was built with.
    pub abi_minor: u32,
    /// `sizeof(LkHostV1)` as the host was compiled.
    pub struct_size: u32,
    /// The host's context, passed back to each function.
    pub ctx: *mut c_void,
    /// Answers a request.
    pub request: Option<LkHostRequestFn>,
    /// Frees a response buffer.
    pub free_buffer: Option<LkHostFreeFn>,
}

/// The type of the entry function `labelkit_plugin_v1`.
pub type LkEntryV1Fn = unsafe extern "C" fn() -> *const LkPluginV1;

/// The C header describing this ABI, for plugin authors in C.
pub const C_HEADER: &str = include_str!("../include/labelkit_plugin.h");

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    /// The `#define NAME VALUE` lines of the header.
    fn defines() -> Vec<(String, String)> {
        C_HEADER
            .lines()
            .filter_map(|l| l.trim().strip_prefix("#define "))
            .filter_map(|rest| {
                let mut parts = rest.split_whitespace();
                Some((parts.next()?.into(), parts.collect::<Vec<_>>().join(" ")))
            })
            .collect()
    }

    fn define(name: &str) -> String {
        defines()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("header lacks #define {name}"))
    }

    /// The field names of `typedef struct NAME { ... } NAME;`, in order.
    fn struct_fields(name: &str) -> Vec<String> {
        let start = C_HEADER
            .find(&std::format!("typedef struct {name} {{"))
            .unwrap_or_else(|| panic!("header lacks struct {name}"));
        let body = &C_HEADER[start..];
        let open = body.find('{').unwrap() + 1;
        let close = body.find('}').unwrap();
        body[open..close]
            .split(';')
            .map(|decl| {
                // Drop comments, then take the last identifier (or the
                // function pointer's name inside `(*name)`).
                let decl: String = decl
                    .lines()
                    .map(|l| l.split("/*").next().unwrap_or(""))
                    .filter(|l| !l.trim_start().starts_with('*'))
                    .collect::<Vec<_>>()
                    .join(" ");
                let decl = decl.trim();
                if let Some(i) = decl.find("(*") {
                    let rest = &decl[i + 2..];
                    rest[..rest.find(')').unwrap()].trim().into()
                } else {
                    decl.rsplit(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or("")
                        .into()
                }
            })
            .filter(|f: &String| !f.is_empty())
            .collect()
    }

    #[test]
    fn header_constants_match() {
        assert_eq!(
            define("LABELKIT_PLUGIN_ABI_MAJOR"),
            std::format!("{LABELKIT_PLUGIN_ABI_MAJOR}")
        );
        assert_eq!(
            define("LABELKIT_PLUGIN_ABI_MINOR"),
            std::format!("{LABELKIT_PLUGIN_ABI_MINOR}")
        );
        assert_eq!(
            define("LABELKIT_PLUGIN_SCHEMA"),
            std::format!("{LABELKIT_PLUGIN_SCHEMA}")
        );
        assert_eq!(
            define("LABELKIT_PLUGIN_ENTRY"),
            std::format!("{LABELKIT_PLUGIN_ENTRY}")
        );
        assert_eq!(define("LK_OK"), std::format!("{LK_OK}"));
        assert_eq!(define("LK_ERROR"), std::format!("{LK_ERROR}"));
        assert_eq!(define("LK_PANIC"), std::format!("{LK_PANIC}"));
        assert_eq!(LABELKIT_PLUGIN_ENTRY_NUL, b"labelkit_plugin_v1\0");
        assert_eq!(
            LABELKIT_PLUGIN_ENTRY,
            std::format!("{LABELKIT_PLUGIN_ENTRY_PREFIX}{LABELKIT_PLUGIN_ABI_MAJOR}")
        );
        assert!(C_HEADER.contains("const LkPluginV1 *labelkit_plugin_v1(void);"));
    }

    #[test]
    fn header_struct_fields_match() {
        assert_eq!(struct_fields("LkInput"), ["ptr", "len"]);
        assert_eq!(struct_fields("LkOutput"), ["ptr", "len"]);
        assert_eq!(
            struct_fields("LkPluginV1"),
            [
                "abi_minor",
                "struct_size",
                "describe",
                "open",
                "check_image",
                "finish",
                "close",
                "free_buffer",
                "open_with_host"
            ]
        );
        assert_eq!(
            struct_fields("LkHostV1"),
            ["abi_minor", "struct_size", "ctx", "request", "free_buffer"]
        );
    }

    #[test]
    fn table_layout_is_version_first() {
        assert_eq!(core::mem::offset_of!(LkPluginV1, abi_minor), 0);
        assert_eq!(core::mem::offset_of!(LkPluginV1, struct_size), 4);
        assert_eq!(core::mem::offset_of!(LkPluginV1, describe), 8);
        assert_eq!(LK_PLUGIN_V1_MIN_SIZE, 8 + 6 * core::mem::size_of::<usize>());
        assert_eq!(
            LK_PLUGIN_V1_MINOR1_SIZE,
            LK_PLUGIN_V1_MIN_SIZE + core::mem::size_of::<usize>()
        );
        assert_eq!(core::mem::offset_of!(LkHostV1, ctx), 8);
        assert_eq!(
            core::mem::size_of::<LkHostV1>(),
            8 + 3 * core::mem::size_of::<usize>()
        );
    }
}
