//! The review page: one self-contained HTML file that shows every changed
//! image with its old and new shapes drawn over it.
//!
//! The page holds the summary table (rendered as HTML), then a grid of the
//! changed images and a large view of the selected one, drawn by a script
//! from a JSON block. Old shapes are dashed red, new ones solid green,
//! unchanged ones faint grey; hovering a shape shows its label and change
//! (an SVG `<title>`). Filters by label and by change kind, and keys `j`/`k`
//! and the arrow keys for the next and previous image. The state is kept in
//! the URL's hash (`#label=eye&kind=moved&image=img1`), so a link opens the
//! page filtered, and a test can load it so.
//!
//! Offline and closed: a Content-Security-Policy allows only the page's own
//! script and style (by hash), images from the page's own origin, `file:`
//! and `data:`, and nothing else; no network, no CDN. Everything that comes
//! from a dataset (labels, attribute values, file names) reaches the page
//! as escaped HTML text or inside the JSON block, whose `<`, `>` and `&` are
//! written as `\u003c` and so on (no `</script>` can end it early), and the
//! script puts it in the DOM as text only.
//!
//! Images are linked by a percent-encoded path relative to the page's folder
//! ([`ImageLocator`]), or embedded as downscaled JPEG thumbnails
//! ([`HtmlOptions::embed_images`]); an image whose file is not found is
//! drawn as a blank canvas of its size, under its shapes.
//!
//! Size: the grid builds [`PAGE`]-card pages as the reader asks for more,
//! and a thumbnail draws at most a few hundred unchanged shapes, so a diff
//! of 10,000 changed images opens as quickly as one of a few hundred; the
//! data itself is linear in the changes, plus at most
//! [`MAX_UNCHANGED_SHAPES`] unchanged shapes per image (the rest are
//! counted, and the page says so).

mod locate;
mod shapes;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use labelkit_model::{Dataset, DatasetIndex, Geometry};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use locate::ImageLocator;

use crate::{
    Change, ChangeKind, DatasetDiff, ImageDiff, ImageSide, KindCounts, ObjectSide, Summary,
};

/// The page's stylesheet.
const PAGE_CSS: &str = include_str!("page.css");
/// The page's script.
const PAGE_JS: &str = include_str!("page.js");
/// Cards the page's grid builds at a time (the script's `PAGE`).
pub const PAGE: usize = 200;
/// The most unchanged shapes the page holds for one image; the rest are
/// counted and the page says how many it left out.
pub const MAX_UNCHANGED_SHAPES: usize = 5_000;
/// Images whose thumbnails are made at once, in parallel, before they are
/// written: memory stays at a chunk's thumbnails whatever the diff's size.
const THUMB_CHUNK: usize = 64;

/// How the review page is made. Private fields, by-value setters.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HtmlOptions {
    embed_images: bool,
    thumb_size: u32,
    title: String,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        Self {
            embed_images: false,
            thumb_size: 384,
            title: "labelkit diff".to_owned(),
        }
    }
}

impl HtmlOptions {
    /// Links images by relative path, thumbnails of 384 px, title
    /// `labelkit diff`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Embeds each changed image as a downscaled JPEG (see
    /// [`HtmlOptions::thumb_size`]) instead of linking its file: the page
    /// then stands alone, and is larger.
    #[must_use]
    pub fn embed_images(mut self, embed: bool) -> Self {
        self.embed_images = embed;
        self
    }

    /// The longest side in pixels of an embedded thumbnail (default 384;
    /// at least 16).
    #[must_use]
    pub fn thumb_size(mut self, px: u32) -> Self {
        self.thumb_size = px.max(16);
        self
    }

    /// The page's title and heading.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }
}

/// One image as the page's script sees it.
#[derive(Debug, Serialize)]
struct PageImage<'a> {
    key: &'a str,
    /// `added`, `removed` or `changed`.
    status: &'static str,
    old: Option<PageFile<'a>>,
    new: Option<PageFile<'a>>,
    /// The canvas: the new image's size, else the old one's (when the file
    /// declares none, the extent of the shapes).
    w: u32,
    h: u32,
    /// The picture: a relative URL or a `data:` URL; `None` when not found.
    src: Option<String>,
    /// Why there is no picture, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    changes: Vec<PageChange>,
    shapes: Vec<PageShape<'a>>,
    /// Unchanged shapes left out (beyond [`MAX_UNCHANGED_SHAPES`]).
    #[serde(skip_serializing_if = "is_zero")]
    hidden: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Serialize)]
struct PageFile<'a> {
    file: &'a str,
    w: u32,
    h: u32,
}

#[derive(Debug, Serialize)]
struct PageChange {
    label: String,
    /// The old label, when it differs (a relabel).
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    /// Positions in [`ChangeKind::ALL`].
    kinds: Vec<usize>,
    text: String,
}

#[derive(Debug, Serialize)]
struct PageShape<'a> {
    /// `o` old side of a change, `n` new side, `u` unchanged.
    s: &'static str,
    /// The change it belongs to (index in `changes`), -1 when unchanged.
    c: i64,
    l: &'a str,
    #[serde(flatten)]
    draw: shapes::Draw,
}

/// Writes the review page of `diff` (made from `old` and `new`) to `out`.
///
/// Images are found through `images`; with
/// [`HtmlOptions::embed_images`] they are read, downscaled and embedded
/// (several at a time), else linked by relative path. The page is
/// written as it is made: memory stays at one image's data plus a chunk of
/// thumbnails.
///
/// # Errors
/// An error writing to `out`. An image that cannot be found or decoded is
/// no error: it is drawn as a blank canvas, with the reason on the page.
pub fn write_html(
    diff: &DatasetDiff,
    old: &Dataset,
    new: &Dataset,
    images: &ImageLocator,
    opts: &HtmlOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let located = images.resolve();
    let new_index = new.index();
    let sets = Sides {
        old,
        new,
        new_index: &new_index,
    };
    write_head(diff, opts, out)?;
    out.write_all(b"<script type=\"application/json\" id=\"labelkit-diff-data\">")?;
    {
        let mut json = JsonInHtml(&mut *out);
        // Every label a change has, old or new: a relabel is found under
        // either.
        let labels: std::collections::BTreeSet<&str> = diff
            .images
            .iter()
            .flat_map(|i| &i.changes)
            .flat_map(|c| [c.old.as_ref(), c.new.as_ref()])
            .flatten()
            .map(|o| o.label.as_str())
            .collect();
        let kinds: Vec<&str> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
        let counts: Vec<usize> = ChangeKind::ALL
            .iter()
            .map(|k| diff.summary.per_kind.get(*k))
            .collect();
        let head = serde_json::json!({
            "version": 1,
            "labels": labels,
            "kinds": kinds,
            "kindCounts": counts,
        });
        let head = serde_json::to_string(&head).map_err(io::Error::other)?;
        // The object is left open for the images.
        json.write_all(head.trim_end_matches('}').as_bytes())?;
        json.write_all(b",\"images\":[")?;
        let mut first = true;
        for chunk in diff.images.chunks(THUMB_CHUNK) {
            let pictures: Vec<(Option<String>, Option<String>)> = if opts.embed_images {
                chunk
                    .par_iter()
                    .map(|image| picture(image, &sets, &located, opts))
                    .collect()
            } else {
                chunk
                    .iter()
                    .map(|image| picture(image, &sets, &located, opts))
                    .collect()
            };
            for (image, (src, note)) in chunk.iter().zip(pictures) {
                let page = page_image(image, &sets, src, note);
                if !first {
                    json.write_all(b",")?;
                }
                first = false;
                serde_json::to_writer(&mut json, &page).map_err(io::Error::other)?;
            }
        }
        json.write_all(b"]}")?;
    }
    out.write_all(b"</script>\n<script>")?;
    out.write_all(PAGE_JS.as_bytes())?;
    out.write_all(b"</script>\n</body>\n</html>\n")?;
    Ok(())
}

/// Both datasets, and the new one's per-image index (for its unchanged
/// shapes).
#[derive(Debug, Clone, Copy)]
struct Sides<'a> {
    old: &'a Dataset,
    new: &'a Dataset,
    new_index: &'a DatasetIndex,
}

/// `'sha256-...'`: a CSP source that allows exactly this inline text.
fn csp_hash(text: &str) -> String {
    let mut s = String::from("'sha256-");
    locate::base64_into(&Sha256::digest(text.as_bytes()), &mut s);
    s.push('\'');
    s
}

/// The page up to the data block: head, summary table, controls, the empty
/// grid and viewer.
fn write_head(diff: &DatasetDiff, opts: &HtmlOptions, out: &mut dyn Write) -> io::Result<()> {
    let title = escape(&opts.title);
    let csp = format!(
        "default-src 'none'; script-src {}; style-src {}; img-src 'self' file: data:; \
         base-uri 'none'; form-action 'none'",
        csp_hash(PAGE_JS),
        csp_hash(PAGE_CSS)
    );
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"labelkit diff\">\n\
         <title>{title}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n"
    );
    summary_html(&diff.summary, &diff.notes, &mut page);
    page.push_str(
        "</header>\n<div id=\"controls\">\
         <label>Label <select id=\"filter-label\"><option value=\"\">all labels</option></select></label>\
         <label>Change <select id=\"filter-kind\"><option value=\"\">all kinds</option></select></label>\
         <span id=\"count\"></span>\
         <span class=\"legend\"><span><i class=\"swatch old\"></i>old</span>\
         <span><i class=\"swatch new\"></i>new</span><span><i class=\"swatch same\"></i>unchanged</span></span>\
         <span class=\"hint\">j / k or arrow keys: next / previous image; hover a shape for its label and change</span>\
         </div>\n<div id=\"layout\"><div><div id=\"grid\"></div><button id=\"more\" hidden></button></div>\
         <div id=\"viewer\"></div></div>\n<noscript>The images are drawn by the page's script.</noscript>\n",
    );
    out.write_all(page.as_bytes())
}

/// The summary as HTML: totals, notes, and a table of the counts per label
/// and per kind.
fn summary_html(summary: &Summary, notes: &[String], page: &mut String) {
    // Writing to a String cannot fail.
    let _ = writeln!(
        page,
        "<p class=\"totals\" id=\"totals\">{} changed, {} added, {} removed, {} unchanged images; \
         {} objects before, {} after, {} unchanged</p>",
        summary.images_changed,
        summary.images_added,
        summary.images_removed,
        summary.images_unchanged,
        summary.objects_old,
        summary.objects_new,
        summary.objects_unchanged,
    );
    if !notes.is_empty() {
        page.push_str("<ul class=\"notes\">");
        for note in notes {
            let _ = write!(page, "<li>{}</li>", escape(note));
        }
        page.push_str("</ul>\n");
    }
    page.push_str("<table class=\"summary\" id=\"summary\"><thead><tr><th>label</th>");
    for kind in ChangeKind::ALL {
        let _ = write!(page, "<th>{}</th>", kind.as_str());
    }
    page.push_str("<th>total</th></tr></thead>\n<tbody>\n");
    let row = |page: &mut String, class: &str, name: &str, counts: &KindCounts| {
        let _ = write!(page, "<tr class=\"{class}\"><td>{}</td>", escape(name));
        for kind in ChangeKind::ALL {
            let n = counts.get(kind);
            let zero = if n == 0 { " class=\"zero\"" } else { "" };
            let _ = write!(page, "<td{zero}>{n}</td>");
        }
        let _ = writeln!(page, "<td>{}</td></tr>", counts.total());
    };
    for (label, counts) in &summary.per_label {
        row(page, "label", label, counts);
    }
    row(page, "all", "all labels", &summary.per_kind);
    page.push_str("</tbody></table>\n");
}

/// The picture of an image and, when there is none, why: the new side's
/// file, else the old side's, linked or embedded.
fn picture(
    image: &ImageDiff,
    sides: &Sides<'_>,
    located: &locate::Resolved,
    opts: &HtmlOptions,
) -> (Option<String>, Option<String>) {
    let candidates = [
        (image.new.as_ref(), sides.new, &located.new),
        (image.old.as_ref(), sides.old, &located.old),
    ];
    let mut why = None;
    for (side, dataset, roots) in candidates {
        let Some(side) = side else { continue };
        let name = dataset
            .images
            .get(side.index)
            .map_or(side.file_name.as_str(), |i| i.file_name.as_str());
        let Some(file) = roots.find(name) else {
            continue;
        };
        if opts.embed_images {
            match locate::thumbnail_data_url(&file, opts.thumb_size) {
                Ok(url) => return (Some(url), None),
                Err(e) => why = Some(format!("{name}: cannot be decoded: {e}")),
            }
        } else if roots.transient {
            why = Some(format!(
                "{name}: read from a git revision: embed images to see it"
            ));
        } else if let Some(url) = located.relative_url(&file) {
            return (Some(url), None);
        } else {
            why = Some(format!("{name}: no relative path from the page's folder"));
        }
    }
    (
        None,
        Some(why.unwrap_or_else(|| "image file not found".to_owned())),
    )
}

/// One image's data for the page: its files, changes and shapes.
fn page_image<'a>(
    image: &'a ImageDiff,
    sides: &Sides<'a>,
    src: Option<String>,
    note: Option<String>,
) -> PageImage<'a> {
    let status = match (&image.old, &image.new) {
        (None, Some(_)) => "added",
        (Some(_), None) => "removed",
        _ => "changed",
    };
    let file = |s: &'a ImageSide| PageFile {
        file: &s.file_name,
        w: s.width,
        h: s.height,
    };
    let mut shapes = Vec::new();
    // The right and bottom edges of the shapes, for an image of no size.
    let mut extent = (1.0f64, 1.0f64);
    let mut reach = |geometry: &Geometry| {
        if let Some(b) = geometry.bounds() {
            extent = (extent.0.max(b.x_max), extent.1.max(b.y_max));
        }
    };
    let mut changes = Vec::with_capacity(image.changes.len());
    let mut changed_new = HashSet::new();
    for (c, change) in image.changes.iter().enumerate() {
        let c = i64::try_from(c).unwrap_or(i64::MAX);
        let mut simplified = None;
        for (tag, side, image, dataset) in [
            ("o", change.old.as_ref(), image.old.as_ref(), sides.old),
            ("n", change.new.as_ref(), image.new.as_ref(), sides.new),
        ] {
            let Some(side) = side else { continue };
            if tag == "n" && !side.track {
                changed_new.insert(side.annotation);
            }
            let frame = image
                .and_then(|i| dataset.images.get(i.index))
                .and_then(|i| i.frame);
            let Some(geometry) = geometry_of(dataset, side, frame) else {
                continue;
            };
            if let Some((draw, note)) = shapes::draw(geometry) {
                reach(geometry);
                simplified = simplified.or(note);
                shapes.push(PageShape {
                    s: tag,
                    c,
                    l: &side.label,
                    draw,
                });
            }
        }
        let mut text = describe(change);
        if let Some(note) = simplified {
            text.push_str(" (");
            text.push_str(note);
            text.push(')');
        }
        changes.push(PageChange {
            label: change.label().to_owned(),
            from: change
                .old
                .as_ref()
                .map(|o| &o.label)
                .filter(|l| l.as_str() != change.label())
                .cloned(),
            kinds: change
                .kinds()
                .into_iter()
                .filter_map(|k| ChangeKind::ALL.iter().position(|a| *a == k))
                .collect(),
            text,
        });
    }
    let mut hidden = 0usize;
    let mut unchanged = 0usize;
    if let (Some(side), Some(_)) = (&image.new, &image.old) {
        let position = sides
            .new
            .images
            .get(side.index)
            .and_then(|i| sides.new_index.image_position(i.id));
        let same = position.map_or(&[][..], |p| sides.new_index.annotations_of(p));
        for &a in same.iter().filter(|a| !changed_new.contains(*a)) {
            let Some(ann) = sides.new.annotations.get(a) else {
                continue;
            };
            let Some((draw, _)) = shapes::draw(&ann.geometry) else {
                continue;
            };
            if unchanged >= MAX_UNCHANGED_SHAPES {
                hidden += 1;
                continue;
            }
            unchanged += 1;
            reach(&ann.geometry);
            shapes.push(PageShape {
                s: "u",
                c: -1,
                l: sides.new.labels.name(ann.label),
                draw,
            });
        }
    }
    let (w, h) = canvas_size(image, extent);
    PageImage {
        key: &image.key,
        status,
        old: image.old.as_ref().map(file),
        new: image.new.as_ref().map(file),
        w,
        h,
        src,
        note,
        changes,
        shapes,
        hidden,
    }
}

/// The shape of one side of a change: the annotation's, or for a track its
/// shape on the image's frame (else its first shape inside the frame).
fn geometry_of<'a>(
    dataset: &'a Dataset,
    side: &ObjectSide,
    frame: Option<u64>,
) -> Option<&'a Geometry> {
    if !side.track {
        return dataset
            .annotations
            .get(side.annotation)
            .map(|a| &a.geometry);
    }
    let track = dataset.tracks.get(side.annotation)?;
    let inside = || track.shapes.iter().filter(|s| !s.outside);
    frame
        .and_then(|f| inside().find(|s| s.frame == f))
        .or_else(|| inside().next())
        .map(|s| &s.geometry)
}

/// The canvas an image's shapes are drawn on: its declared size (new side
/// first), else the extent of its shapes.
fn canvas_size(image: &ImageDiff, extent: (f64, f64)) -> (u32, u32) {
    let declared = [image.new.as_ref(), image.old.as_ref()]
        .into_iter()
        .flatten()
        .map(|s| (s.width, s.height))
        .find(|&(w, h)| w > 0 && h > 0);
    if let Some(size) = declared {
        return size;
    }
    // Saturating float-to-int casts: finite shapes only, clamped.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let size = (
        extent.0.ceil().min(f64::from(u32::MAX)) as u32,
        extent.1.ceil().min(f64::from(u32::MAX)) as u32,
    );
    size
}

/// A change in words, for the page's list and the shapes' hover text: the
/// concise rendering's words (`~ head moved 3 px (+3, 0)`).
fn describe(change: &Change) -> String {
    crate::render::change_text(change)
}

/// HTML-escapes text for an element's content or a quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A writer of JSON into an HTML `<script>` element: `<`, `>` and `&`,
/// which in JSON text occur only inside strings, become `\u003c`, `\u003e`
/// and `\u0026`, so nothing in the data can close the element or open a
/// comment, and the text still parses to the same values.
struct JsonInHtml<'a>(&'a mut dyn Write);

impl Write for JsonInHtml<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, b) in buf.iter().enumerate() {
            let escaped: &[u8] = match b {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                b'&' => b"\\u0026",
                _ => continue,
            };
            self.0.write_all(&buf[start..i])?;
            self.0.write_all(escaped)?;
            start = i + 1;
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::{diff, DiffOptions};

    const OLD: &str = include_str!("../../tests/data/review/old.xml");
    const NEW: &str = include_str!("../../tests/data/review/new.xml");

    /// A CVAT file read by the facade, as the command reads it.
    fn read(xml: &str) -> Dataset {
        labelkit::from_slice(
            xml.as_bytes(),
            Some(labelkit::Format::CvatImages),
            &labelkit::ReadOptions::default(),
        )
        .unwrap()
        .dataset
    }

    fn render(old: &Dataset, new: &Dataset, images: &ImageLocator, opts: &HtmlOptions) -> String {
        let changes = diff(old, new, &DiffOptions::new());
        let mut out = Vec::new();
        write_html(&changes, old, new, images, opts, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn fixture_page(images: &ImageLocator, opts: &HtmlOptions) -> String {
        render(&read(OLD), &read(NEW), images, opts)
    }

    /// The page's data block, parsed.
    fn data(page: &str) -> serde_json::Value {
        let open = "<script type=\"application/json\" id=\"labelkit-diff-data\">";
        let start = page.find(open).unwrap() + open.len();
        let len = page[start..].find("</script>").unwrap();
        serde_json::from_str(&page[start..start + len]).unwrap()
    }

    fn image<'a>(data: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
        data["images"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == key)
            .unwrap_or_else(|| panic!("no image {key}"))
    }

    /// The shapes of an image by side: old, new, unchanged.
    fn sides(image: &serde_json::Value) -> (usize, usize, usize) {
        let count = |s: &str| {
            image["shapes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["s"] == s)
                .count()
        };
        (count("o"), count("n"), count("u"))
    }

    #[test]
    fn the_page_holds_every_changed_image_with_its_shapes() {
        let page = fixture_page(&ImageLocator::new(), &HtmlOptions::new());
        let data = data(&page);
        let keys: Vec<&str> = data["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["img1", "img2", "img4", "img6 #1", "img3"]);
        let img1 = image(&data, "img1");
        assert_eq!(img1["status"], "changed");
        // The moved eye's two boxes, the added eye, the unchanged body and
        // head.
        assert_eq!(sides(img1), (1, 2, 2));
        assert_eq!(img1["changes"].as_array().unwrap().len(), 2);
        assert_eq!(
            img1["shapes"][0]["p"], "M50 30L58 30L58 36L50 36Z",
            "the old eye, in pixels"
        );
        assert_eq!(sides(image(&data, "img2")), (1, 1, 1));
        assert_eq!(image(&data, "img4")["status"], "added");
        assert_eq!(sides(image(&data, "img4")), (0, 1, 0));
        assert_eq!(image(&data, "img3")["status"], "removed");
        assert_eq!(sides(image(&data, "img3")), (1, 0, 0));
        let img6 = image(&data, "img6 #1");
        assert_eq!(
            (img6["w"].as_u64(), img6["h"].as_u64()),
            (Some(160), Some(120))
        );
        // The kinds the filters offer, with their counts.
        assert_eq!(data["kinds"][0], "added");
        // The labels the filter offers: those of the changes, old and new
        // (the relabelled head's `head` too).
        assert_eq!(
            data["labels"],
            serde_json::json!(["<script>alert(1)</script>", "body", "eye", "head"])
        );
        assert_eq!(image(&data, "img2")["changes"][0]["from"], "head");
        // The summary table: a row per label with changes (a relabel counts
        // under its new label) and one for all.
        assert_eq!(page.matches("<tr class=\"label\">").count(), 3);
        assert_eq!(page.matches("<tr class=\"all\">").count(), 1);
    }

    #[test]
    fn text_from_the_dataset_is_escaped_in_html_and_in_the_data_block() {
        let page = fixture_page(
            &ImageLocator::new(),
            &HtmlOptions::new().title("</title><script>alert(2)</script>"),
        );
        assert!(!page.contains("<script>alert"), "{page}");
        assert_eq!(
            page.matches("<script").count(),
            2,
            "the data block and the page's script"
        );
        assert!(page.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
        assert!(page.contains("<title>&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;</title>"));
        assert!(page.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"));
        // Parsed back, the label is the dataset's text.
        let labels = data(&page)["labels"].clone();
        assert!(labels
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "<script>alert(1)</script>"));
    }

    #[test]
    fn the_page_loads_nothing_remote_and_runs_only_its_own_script() {
        let page = fixture_page(&ImageLocator::new(), &HtmlOptions::new());
        let csp = format!(
            "default-src 'none'; script-src {}; style-src {}; img-src 'self' file: data:;",
            csp_hash(PAGE_JS),
            csp_hash(PAGE_CSS)
        );
        assert!(page.contains(&csp), "{page}");
        assert!(page.contains(&format!("<script>{PAGE_JS}</script>")));
        assert!(page.contains(&format!("<style>{PAGE_CSS}</style>")));
        for remote in ["src=\"http", "href=\"http", "src=\"//", "url(", "@import"] {
            assert!(!page.contains(remote), "{remote}");
        }
    }

    #[test]
    fn csp_hashes_are_base64_sha256() {
        // sha256("abc"), base64: the FIPS 180-2 test vector.
        assert_eq!(
            csp_hash("abc"),
            "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='"
        );
    }

    /// The fixture pair's images on disk: `old/images` and `new/images`,
    /// the page in `review/`.
    fn images_on_disk(root: &Path, with_img6: bool) -> ImageLocator {
        for (side, names) in [
            ("old", &["img1.png", "img2.png", "img3.png"][..]),
            ("new", &["img1.png", "img2.png", "img4.png"][..]),
        ] {
            let dir = root.join(side).join("images");
            std::fs::create_dir_all(&dir).unwrap();
            for name in names {
                image::RgbImage::from_pixel(200, 150, image::Rgb([90, 120, 200]))
                    .save(dir.join(name))
                    .unwrap();
            }
            if with_img6 {
                image::RgbImage::from_pixel(160, 120, image::Rgb([200, 0, 0]))
                    .save(dir.join("img6 #1.png"))
                    .unwrap();
            }
        }
        std::fs::create_dir_all(root.join("review")).unwrap();
        ImageLocator::new()
            .page_dir(root.join("review"))
            .old_roots(vec![root.join("old"), root.join("old/images")])
            .new_roots(vec![root.join("new"), root.join("new/images")])
    }

    #[test]
    fn images_are_linked_by_percent_encoded_paths_relative_to_the_page() {
        let dir = tempfile::tempdir().unwrap();
        let images = images_on_disk(dir.path(), true);
        let data = data(&fixture_page(&images, &HtmlOptions::new()));
        assert_eq!(image(&data, "img1")["src"], "../new/images/img1.png");
        assert_eq!(
            image(&data, "img6 #1")["src"],
            "../new/images/img6%20%231.png"
        );
        // A removed image is shown from the old side.
        assert_eq!(image(&data, "img3")["src"], "../old/images/img3.png");
        assert!(image(&data, "img1").get("note").is_none());
    }

    #[test]
    fn a_missing_image_is_a_blank_canvas_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let images = images_on_disk(dir.path(), false);
        let data = data(&fixture_page(&images, &HtmlOptions::new()));
        let img6 = image(&data, "img6 #1");
        assert!(img6["src"].is_null());
        assert_eq!(img6["note"], "image file not found");
        assert_eq!(
            (img6["w"].as_u64(), img6["h"].as_u64()),
            (Some(160), Some(120))
        );
    }

    #[test]
    fn a_transient_side_is_not_linked() {
        let dir = tempfile::tempdir().unwrap();
        let images = images_on_disk(dir.path(), false).old_transient(true);
        let data = data(&fixture_page(&images, &HtmlOptions::new()));
        assert!(image(&data, "img3")["src"].is_null());
        assert_eq!(
            image(&data, "img3")["note"],
            "img3.png: read from a git revision: embed images to see it"
        );
        assert_eq!(image(&data, "img1")["src"], "../new/images/img1.png");
    }

    /// Standard base64 decoded (test oracle for the embedded thumbnails).
    fn unbase64(text: &str) -> Vec<u8> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in text.bytes().filter(|c| *c != b'=') {
            let v = ALPHABET.iter().position(|a| *a == c).unwrap();
            bits = (bits << 6) | u32::try_from(v).unwrap();
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push(u8::try_from((bits >> n) & 0xff).unwrap());
            }
        }
        out
    }

    #[test]
    fn embedded_images_are_downscaled_jpeg_thumbnails() {
        let dir = tempfile::tempdir().unwrap();
        let images = images_on_disk(dir.path(), false).old_transient(true);
        // Unreadable files where img2's pictures should be, on both sides
        // (with one side readable, that side's picture is shown).
        std::fs::write(dir.path().join("new/images/img2.png"), b"not a png").unwrap();
        std::fs::write(dir.path().join("old/images/img2.png"), b"not a png").unwrap();
        let data = data(&fixture_page(
            &images,
            &HtmlOptions::new().embed_images(true).thumb_size(64),
        ));
        for key in ["img1", "img3"] {
            let src = image(&data, key)["src"].as_str().unwrap();
            let jpeg = src.strip_prefix("data:image/jpeg;base64,").unwrap();
            let thumb = image::load_from_memory(&unbase64(jpeg)).unwrap();
            assert_eq!((thumb.width(), thumb.height()), (64, 48), "{key}");
        }
        let img2 = image(&data, "img2");
        assert!(img2["src"].is_null());
        assert!(
            img2["note"]
                .as_str()
                .unwrap()
                .starts_with("img2.png: cannot be decoded: "),
            "{img2}"
        );
        // The canvas keeps the image's own size.
        assert_eq!(image(&data, "img1")["w"], 200);
    }

    #[test]
    fn unchanged_shapes_beyond_the_cap_are_counted_not_drawn() {
        use std::fmt::Write as _;
        // One image: the cap's worth of unchanged boxes and 3 more, and
        // one box that moves.
        let file = |moved: u32| {
            let mut xml = String::from(
                "<annotations><version>1.1</version><meta><task><labels>\
                 <label><name>eye</name><attributes></attributes></label></labels></task></meta>\
                 <image id=\"0\" name=\"a.jpg\" width=\"4000\" height=\"4000\">",
            );
            for i in 0..MAX_UNCHANGED_SHAPES + 3 {
                let (x, y) = (i % 60 * 60, i / 60 * 40);
                let _ = write!(
                    xml,
                    "<box label=\"eye\" occluded=\"0\" xtl=\"{x}\" ytl=\"{y}\" xbr=\"{}\" ybr=\"{}\"></box>",
                    x + 20,
                    y + 20
                );
            }
            let _ = write!(
                xml,
                "<box label=\"eye\" occluded=\"0\" xtl=\"{moved}\" ytl=\"3900\" xbr=\"{}\" ybr=\"3950\"></box>\
                 </image></annotations>",
                moved + 50
            );
            read(&xml)
        };
        let page = render(
            &file(0),
            &file(5),
            &ImageLocator::new(),
            &HtmlOptions::new(),
        );
        let data = data(&page);
        let a = image(&data, "a");
        assert_eq!(sides(a), (1, 1, MAX_UNCHANGED_SHAPES));
        assert_eq!(a["hidden"], 3);
    }

    #[test]
    fn an_image_of_no_size_is_drawn_on_the_extent_of_its_shapes() {
        assert_eq!(
            canvas_size(
                &ImageDiff {
                    key: "a".into(),
                    old: None,
                    new: Some(ImageSide {
                        index: 0,
                        file_name: "a.jpg".into(),
                        width: 0,
                        height: 0
                    }),
                    changes: Vec::new(),
                },
                (0.61, 212.2)
            ),
            (1, 213)
        );
    }

    #[test]
    fn json_in_html_escapes_what_could_end_the_script_element() {
        let mut out = Vec::new();
        let value = serde_json::json!({"a": "</script><!-- & -->"});
        serde_json::to_writer(JsonInHtml(&mut out), &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"a":"\u003c/script\u003e\u003c!-- \u0026 --\u003e"}"#
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }
}
