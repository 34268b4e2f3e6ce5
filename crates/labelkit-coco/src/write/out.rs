//! The JSON text of the output.

use std::io::Write;

use labelkit_model::rle::CocoCounts;
use labelkit_model::{AttributeValue, Precision};

use super::merge::PlannedAnnotation;
use crate::elements::{CocoCategory, CocoImage, RawExtra, Segmentation, Skeleton};
use crate::json::Num;
use crate::WriteOptions;

/// Prints JSON into a byte buffer; the caller writes the buffer out.
pub(super) struct Out {
    pub(super) buf: Vec<u8>,
    pub(super) precision: Precision,
    pub(super) pretty: bool,
    pub(super) scratch: String,
    pub(super) non_finite: u64,
}

impl Out {
    pub(super) fn new(capacity: usize, options: &WriteOptions) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
            precision: options.precision,
            pretty: options.pretty,
            scratch: String::new(),
            non_finite: 0,
        }
    }

    pub(super) fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Writes the buffer out once it holds at least `at` bytes.
    pub(super) fn flush_if(
        &mut self,
        out: &mut (impl Write + ?Sized),
        at: usize,
    ) -> std::io::Result<()> {
        if self.buf.len() >= at {
            out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    pub(super) fn string(&mut self, s: &str) {
        crate::fmt::write_json_string(&mut self.buf, s);
    }

    pub(super) fn number(&mut self, v: f64) {
        if v.is_finite() {
            crate::fmt::write_f64(&mut self.buf, v, self.precision, &mut self.scratch);
        } else {
            self.non_finite += 1;
            self.raw("null");
        }
    }

    pub(super) fn uint(&mut self, v: u64) {
        crate::fmt::write_u64(&mut self.buf, v);
    }

    pub(super) fn int(&mut self, v: i64) {
        crate::fmt::write_i64(&mut self.buf, v);
    }

    pub(super) fn numbers(&mut self, values: impl IntoIterator<Item = f64>) {
        self.buf.push(b'[');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.number(v);
        }
        self.buf.push(b']');
    }

    /// Starts field `key` of an element (depth 1: element, inside a top-level list).
    pub(super) fn key(&mut self, first: &mut bool, key: &str) {
        if !*first {
            self.buf.push(b',');
        }
        *first = false;
        if self.pretty {
            self.raw("\n      ");
        }
        self.string(key);
        self.raw(if self.pretty { ": " } else { ":" });
    }

    pub(super) fn end_object(&mut self) {
        if self.pretty {
            self.raw("\n    }");
        } else {
            self.raw("}");
        }
    }

    pub(super) fn extras(&mut self, first: &mut bool, extra: &RawExtra<'_>) {
        for (k, v) in extra {
            self.key(first, k);
            self.raw(v.trim());
        }
    }

    pub(super) fn image(&mut self, img: &CocoImage<'_>) {
        let mut first = true;
        self.raw("{");
        self.key(&mut first, "id");
        self.uint(img.id.and_then(Num::as_u64).unwrap_or(0));
        self.key(&mut first, "width");
        self.uint(img.width.and_then(Num::as_u64).unwrap_or(0));
        self.key(&mut first, "height");
        self.uint(img.height.and_then(Num::as_u64).unwrap_or(0));
        self.key(&mut first, "file_name");
        self.string(img.file_name.as_deref().unwrap_or_default());
        self.extras(&mut first, &img.extra);
        self.end_object();
    }

    pub(super) fn category(&mut self, id: i64, cat: &CocoCategory<'_>) {
        let mut first = true;
        self.raw("{");
        self.key(&mut first, "id");
        self.int(id);
        self.key(&mut first, "name");
        self.string(cat.name.as_deref().unwrap_or_default());
        if let Some(s) = &cat.supercategory {
            self.key(&mut first, "supercategory");
            self.string(s);
        }
        if let Some(names) = &cat.keypoints {
            self.key(&mut first, "keypoints");
            self.raw("[");
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    self.raw(",");
                }
                self.string(n);
            }
            self.raw("]");
        }
        match &cat.skeleton {
            Some(Skeleton::Edges(edges)) => {
                self.key(&mut first, "skeleton");
                self.raw("[");
                for (i, (a, b)) in edges.iter().enumerate() {
                    if i > 0 {
                        self.raw(",");
                    }
                    self.raw("[");
                    self.uint(*a as u64 + 1);
                    self.raw(",");
                    self.uint(*b as u64 + 1);
                    self.raw("]");
                }
                self.raw("]");
            }
            Some(Skeleton::Raw(raw)) => {
                self.key(&mut first, "skeleton");
                self.raw(raw.trim());
            }
            None => {}
        }
        self.extras(&mut first, &cat.extra);
        self.end_object();
    }

    pub(super) fn annotation(&mut self, p: &PlannedAnnotation<'_>, results: bool) {
        let a = &p.ann;
        let mut first = true;
        self.raw("{");
        if !results {
            self.key(&mut first, "id");
            self.uint(p.id);
        }
        self.key(&mut first, "image_id");
        self.uint(p.image.0);
        self.key(&mut first, "category_id");
        self.int(p.category_id);
        match &a.segmentation {
            Segmentation::Absent => {}
            Segmentation::Empty => {
                self.key(&mut first, "segmentation");
                self.raw("[]");
            }
            Segmentation::Polygon { rings, .. } => {
                self.key(&mut first, "segmentation");
                self.raw("[");
                for (i, ring) in rings.iter().enumerate() {
                    if i > 0 {
                        self.raw(",");
                    }
                    self.numbers(ring.iter().flat_map(|p| [p.x, p.y]));
                }
                self.raw("]");
            }
            Segmentation::Rle {
                height,
                width,
                counts,
            } => {
                self.key(&mut first, "segmentation");
                self.raw("{\"size\":[");
                self.uint(u64::from(*height));
                self.raw(",");
                self.uint(u64::from(*width));
                self.raw("],\"counts\":");
                match counts {
                    CocoCounts::Runs(runs) => {
                        self.raw("[");
                        for (i, r) in runs.iter().enumerate() {
                            if i > 0 {
                                self.raw(",");
                            }
                            self.uint(u64::from(*r));
                        }
                        self.raw("]");
                    }
                    CocoCounts::Compressed(s) => self.string(s),
                }
                self.raw("}");
            }
        }
        if let Some(area) = &a.area {
            self.key(&mut first, "area");
            self.raw(area.trim());
        }
        if let Some(b) = &a.bbox {
            self.key(&mut first, "bbox");
            self.numbers(b.values().iter().copied());
        }
        if let Some(c) = a.iscrowd {
            self.key(&mut first, "iscrowd");
            self.uint(c.as_u64().unwrap_or(0));
        }
        if let Some(k) = &a.keypoints {
            self.key(&mut first, "keypoints");
            self.numbers(k.iter().copied());
        }
        if let Some(n) = &a.num_keypoints {
            self.key(&mut first, "num_keypoints");
            self.raw(n.trim());
        }
        if let Some(s) = a.score {
            self.key(&mut first, "score");
            self.number(s);
        }
        if let Some(obj) = &a.attributes {
            self.key(&mut first, "attributes");
            self.raw("{");
            let mut inner_first = true;
            let mut sep = |out: &mut Self| {
                if !inner_first {
                    out.raw(",");
                }
                inner_first = false;
            };
            if let Some(o) = obj.occluded {
                sep(self);
                self.raw(if o {
                    "\"occluded\":true"
                } else {
                    "\"occluded\":false"
                });
            }
            for (name, value) in obj.attributes.iter() {
                sep(self);
                self.string(name);
                self.raw(":");
                match value {
                    AttributeValue::Bool(b) => self.raw(if *b { "true" } else { "false" }),
                    AttributeValue::Number(n) => self.number(*n),
                    AttributeValue::Text(t) => self.string(t),
                }
            }
            self.raw("}");
        }
        self.extras(&mut first, &a.extra);
        self.end_object();
    }

    pub(super) fn list_start(&mut self, key: Option<&str>, first_top: &mut bool) {
        if let Some(key) = key {
            if !*first_top {
                self.raw(",");
            }
            *first_top = false;
            self.raw(if self.pretty { "\n  " } else { "\n" });
            self.string(key);
            self.raw(if self.pretty { ": [" } else { ":[" });
        } else {
            self.raw("[");
        }
    }

    pub(super) fn item_start(&mut self, i: usize) {
        if i > 0 {
            self.raw(",");
        }
        self.raw(if self.pretty { "\n    " } else { "\n" });
    }

    pub(super) fn list_end(&mut self, empty: bool) {
        if !empty {
            self.raw(if self.pretty { "\n  " } else { "\n" });
        }
        self.raw("]");
    }
}
