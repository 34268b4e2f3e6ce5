//! The writer: plans every element as the reader would parse it back, then
//! prints it. [`crate::project`] converts the same plan to the model, so
//! `read(write(d)) == project(d)`.
//!
//! - [`plan`]: categories, images and the plan of the whole output;
//! - [`slots`]: which model shape fills which field of which COCO
//!   annotation (grouping), and the annotation ids;
//! - [`merge`]: one COCO annotation from the shapes of its slot;
//! - [`ids`]: renumbering of ids COCO readers cannot hold;
//! - [`keys`]: the keys a COCO element reserves, and the other keys it
//!   can hold (kept by the reader or extra fields);
//! - [`out`]: the JSON text;
//! - [`project`]: the plan as a model, for [`crate::project`].

use std::io::Write;

use labelkit_model::{Dataset, WriteReport};
use rayon::prelude::*;

use labelkit_diagnostics::IoError;

use crate::{Error, WriteOptions};

mod ids;
mod keys;
mod merge;
mod out;
mod plan;
mod project;
mod slots;

use plan::Plan;
pub(crate) use project::project;

use out::Out;

/// Annotations formatted per parallel task.
const CHUNK: usize = 2048;

pub(crate) fn write<W: Write + ?Sized>(
    dataset: &Dataset,
    out: &mut W,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    let io = |e: std::io::Error| Error::Io(IoError::new("<output>", e));
    const FLUSH_AT: usize = 1 << 20;
    let plan = Plan::new(dataset, options);
    let mut report = plan.report.clone();
    let mut o = Out::new(FLUSH_AT + (1 << 16), options);
    let mut first_top = true;
    if options.results {
        o.list_start(None, &mut first_top);
    } else {
        o.raw("{");
        for (k, v) in &plan.extras {
            if !first_top {
                o.raw(",");
            }
            first_top = false;
            o.raw(if o.pretty { "\n  " } else { "\n" });
            o.string(k);
            o.raw(if o.pretty { ": " } else { ":" });
            o.raw(v.trim());
        }
        o.list_start(Some("images"), &mut first_top);
        for (i, img) in plan.images.iter().enumerate() {
            o.item_start(i);
            o.image(img);
            o.flush_if(out, FLUSH_AT).map_err(io)?;
        }
        o.list_end(plan.images.is_empty());
        report.images_written = plan.images.len() as u64;
        o.list_start(Some("annotations"), &mut first_top);
    }
    // Chunks of annotations are formatted in parallel, a batch at a time,
    // and written in order: the output does not depend on the threads.
    // Every item starts with a comma, but the first written.
    let chunks = plan.len().div_ceil(CHUNK);
    let mut written = 0u64;
    let batch = (rayon::current_num_threads() * 4).max(1);
    let mut next = 0;
    while next < chunks {
        let end = (next + batch).min(chunks);
        let parts: Vec<(Vec<u8>, WriteReport, u64, u64)> = (next..end)
            .into_par_iter()
            .map(|c| {
                let mut part = Out::new(CHUNK * 256, options);
                let mut part_report = WriteReport::new();
                let mut count = 0;
                for i in c * CHUNK..((c + 1) * CHUNK).min(plan.len()) {
                    if let Some(p) = plan.annotation(i, &mut part_report) {
                        part.item_start(1);
                        part.annotation(&p, options.results);
                        count += 1;
                    }
                }
                (part.buf, part_report, part.non_finite, count)
            })
            .collect();
        for (bytes, part_report, non_finite, count) in parts {
            report.merge(&part_report);
            o.non_finite += non_finite;
            let bytes = match bytes.strip_prefix(b",") {
                Some(rest) if written == 0 => rest,
                _ => &bytes,
            };
            o.buf.extend_from_slice(bytes);
            written += count;
            o.flush_if(out, FLUSH_AT).map_err(io)?;
        }
        next = end;
    }
    o.list_end(written == 0);
    report.annotations_written = written;
    if !options.results {
        o.list_start(Some("categories"), &mut first_top);
        for (i, (id, cat)) in plan.categories.iter().enumerate() {
            o.item_start(i);
            o.category(*id, cat);
        }
        o.list_end(plan.categories.is_empty());
        o.raw(if o.pretty { "\n}\n" } else { "}\n" });
    } else {
        o.raw("\n");
    }
    report.lose("non-finite numbers (written as null)", o.non_finite);
    o.flush_if(out, 0).map_err(io)?;
    out.flush().map_err(io)?;
    Ok(report)
}
