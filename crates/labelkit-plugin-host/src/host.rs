//! The host's services to a plugin (ABI minor 1): the [`LkHostV1`] table
//! handed to `open_with_host`, and the requests it answers.
//!
//! One request exists, `siblings`: the images beside a checked image that
//! are not part of the check (a pre-commit run checks one changed label
//! file; a plugin comparing an image with its copies needs the copies on
//! disk). The host answers from the [`Neighbours`] the caller provided,
//! which reads only annotation files beside the checked image's own,
//! through labelkit's readers; the host bounds how many images it returns
//! per request and per session, and numbers them with ids outside the
//! check, which findings cannot name.

use std::collections::HashMap;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};

use labelkit_model::Dataset;
use labelkit_plugin_abi::{
    LkHostV1, LkInput, LkOutput, LkStatus, LABELKIT_PLUGIN_ABI_MINOR, LABELKIT_PLUGIN_SCHEMA,
    LK_ERROR, LK_OK,
};
use labelkit_rules::{NeighbourQuery, Neighbours};
use serde::{Deserialize, Serialize};

use crate::wire::ImageDoc;

/// The most images one `siblings` request returns.
pub const MAX_SIBLINGS_PER_REQUEST: usize = 256;

/// The most images all `siblings` requests of one session return.
pub const MAX_SIBLINGS_PER_SESSION: usize = 4096;

/// The most names and prefixes one request may carry.
const MAX_QUERY_TERMS: usize = 256;

/// The host's table and the state behind its context pointer. Boxed by the
/// session, so that both addresses stay put while the plugin holds them.
pub(crate) struct HostServices {
    table: LkHostV1,
    _state: Box<HostState>,
}

// SAFETY: the raw context pointer points into `_state`, owned alongside;
// the plugin calls it only during calls the session mutex serialises.
unsafe impl Send for HostServices {}

struct HostState {
    neighbours: Option<Arc<dyn Neighbours>>,
    /// The file name of each image of the check, by id.
    checked: HashMap<u64, String>,
    served: Mutex<Served>,
}

struct Served {
    /// The next id given to an image outside the check.
    next_id: u64,
    /// Images returned so far.
    images: usize,
}

impl HostServices {
    /// Services for a session checking `dataset`, with `neighbours` when
    /// the caller can read images beside the check.
    pub(crate) fn new(dataset: &Dataset, neighbours: Option<Arc<dyn Neighbours>>) -> Box<Self> {
        let checked: HashMap<u64, String> = if neighbours.is_some() {
            dataset
                .images
                .iter()
                .map(|i| (i.id.0, i.file_name.clone()))
                .collect()
        } else {
            HashMap::new()
        };
        let next_id = dataset
            .images
            .iter()
            .map(|i| i.id.0)
            .max()
            .map_or(1, |m| m.saturating_add(1));
        let state = Box::new(HostState {
            neighbours,
            checked,
            served: Mutex::new(Served { next_id, images: 0 }),
        });
        let ctx = std::ptr::from_ref::<HostState>(&state)
            .cast_mut()
            .cast::<c_void>();
        #[allow(clippy::cast_possible_truncation)] // a few dozen bytes
        let table = LkHostV1 {
            abi_minor: LABELKIT_PLUGIN_ABI_MINOR,
            struct_size: std::mem::size_of::<LkHostV1>() as u32,
            ctx,
            request: Some(host_request),
            free_buffer: Some(host_free),
        };
        Box::new(Self {
            table,
            _state: state,
        })
    }

    /// The table to hand to `open_with_host`.
    pub(crate) fn table(&self) -> *const LkHostV1 {
        &raw const self.table
    }
}

#[derive(Deserialize)]
struct Request {
    schema: u32,
    op: String,
    image: Option<u64>,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    prefixes: Vec<String>,
}

#[derive(Serialize)]
struct Response<'a> {
    schema: u32,
    /// Whether the host can read images beside the check at all (not in a
    /// whole-dataset check, where every image is part of it).
    available: bool,
    images: Vec<ImageDoc<'a>>,
    truncated: bool,
}

impl HostState {
    fn answer(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let request: Request = serde_json::from_slice(bytes).map_err(|e| {
            format!("invalid request document: {e} (expected {{\"schema\": 1, \"op\": \"siblings\", \"image\": ID, \"names\": [...], \"prefixes\": [...]}})")
        })?;
        if request.schema != LABELKIT_PLUGIN_SCHEMA {
            return Err(format!(
                "request schema {} is not supported (this host reads schema {LABELKIT_PLUGIN_SCHEMA})",
                request.schema
            ));
        }
        if request.op != "siblings" {
            return Err(format!(
                "unknown request `{}` (this host answers `siblings`)",
                request.op
            ));
        }
        let Some(neighbours) = &self.neighbours else {
            return to_json(&Response {
                schema: LABELKIT_PLUGIN_SCHEMA,
                available: false,
                images: Vec::new(),
                truncated: false,
            });
        };
        let id = request
            .image
            .ok_or("a `siblings` request names no `image`")?;
        let file_name = self
            .checked
            .get(&id)
            .ok_or_else(|| format!("image {id} is not an image of this check"))?;
        if request.names.len() + request.prefixes.len() > MAX_QUERY_TERMS {
            return Err(format!(
                "a request carries at most {MAX_QUERY_TERMS} names and prefixes"
            ));
        }
        let mut served = self.served.lock().unwrap_or_else(PoisonError::into_inner);
        let room = MAX_SIBLINGS_PER_SESSION.saturating_sub(served.images);
        let limit = room.min(MAX_SIBLINGS_PER_REQUEST);
        let query = NeighbourQuery {
            names: request.names,
            prefixes: request.prefixes,
            limit,
        };
        let found = if limit == 0 {
            labelkit_rules::Neighbourhood {
                datasets: Vec::new(),
                truncated: true,
            }
        } else {
            neighbours.read(file_name, &query)?
        };
        let checked_names: std::collections::HashSet<&str> =
            self.checked.values().map(String::as_str).collect();
        let mut images = Vec::new();
        let mut truncated = found.truncated;
        for dataset in &found.datasets {
            let index = labelkit_model::DatasetIndex::new(dataset);
            for pos in 0..dataset.images.len() {
                let Some(doc) = ImageDoc::at(dataset, pos, index.annotations_of(pos)) else {
                    continue;
                };
                if checked_names.contains(doc.file_name()) {
                    continue;
                }
                if images.len() >= limit {
                    truncated = true;
                    break;
                }
                let id = served.next_id;
                served.next_id = id.checked_add(1).ok_or("image ids are exhausted")?;
                images.push(doc.with_image_id(id));
            }
        }
        served.images += images.len();
        to_json(&Response {
            schema: LABELKIT_PLUGIN_SCHEMA,
            available: true,
            images,
            truncated,
        })
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| format!("cannot serialise the response: {e}"))
}

/// `LkHostV1::request`: never unwinds into the plugin.
unsafe extern "C" fn host_request(
    ctx: *mut c_void,
    input: LkInput,
    out: *mut LkOutput,
) -> LkStatus {
    if out.is_null() {
        return LK_ERROR;
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        if ctx.is_null() {
            return Err("the host context is null".to_owned());
        }
        // SAFETY: `ctx` is the `HostState` of this table, alive while the
        // plugin's session is open, and only read through `&`.
        let state = unsafe { &*ctx.cast::<HostState>() };
        let bytes = if input.ptr.is_null() || input.len == 0 {
            &[][..]
        } else {
            // SAFETY: the plugin lends `len` readable bytes for this call.
            unsafe { std::slice::from_raw_parts(input.ptr, input.len) }
        };
        state.answer(bytes)
    }))
    .unwrap_or_else(|_| Err("the host panicked answering the request".to_owned()));
    let (status, bytes) = match result {
        Ok(bytes) => (LK_OK, bytes),
        Err(message) => (LK_ERROR, message.into_bytes()),
    };
    let buffer = if bytes.is_empty() {
        LkOutput::EMPTY
    } else {
        let boxed = bytes.into_boxed_slice();
        let len = boxed.len();
        LkOutput {
            ptr: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    };
    // SAFETY: `out` is non-null and points to an `LkOutput` the plugin
    // lets the host write for this call.
    unsafe { out.write(buffer) };
    status
}

/// `LkHostV1::free_buffer`.
unsafe extern "C" fn host_free(_ctx: *mut c_void, buffer: LkOutput) {
    if buffer.ptr.is_null() {
        return;
    }
    let slice = std::ptr::slice_from_raw_parts_mut(buffer.ptr, buffer.len);
    // SAFETY: the buffer was made by `Box::<[u8]>::into_raw` in
    // `host_request`, and the plugin gives it back once.
    drop(unsafe { Box::from_raw(slice) });
}
