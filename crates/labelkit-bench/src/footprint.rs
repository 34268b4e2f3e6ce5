//! Where the memory of a read dataset goes.
//!
//! [`footprint`] walks a [`Loaded`] and adds up, part by part of the model,
//! the bytes its heap blocks hold: the vectors' capacities times their
//! element sizes and the strings' capacities. Each block is also counted as
//! glibc's allocator stores it (a chunk of at least 32 bytes, the request
//! plus 8 rounded up to 16), which is what the process pays. Parts the walk
//! cannot see into (what the typed round-trip fields behind a
//! [`labelkit_model::Kept`] box own in turn) are not counted; the box
//! itself is. The sizes of the model's
//! types are listed by [`type_sizes`].

use std::collections::HashSet;
use std::fmt::Write as _;
use std::mem::size_of;

use labelkit::Loaded;
use labelkit_model::rle::{CocoCounts, MaskEncoding};
use labelkit_model::{
    Annotation, AttributeValue, Attributes, BoxGeom, Dataset, Geometry, Image, Keypoint, Label,
    Name, Point, Track,
};

/// The bytes of one part of the model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Part {
    /// Bytes requested from the allocator.
    pub requested: u64,
    /// Bytes the allocator holds for them (glibc chunk sizes).
    pub chunks: u64,
    /// Heap blocks.
    pub blocks: u64,
}

impl Part {
    /// Counts one heap block of `bytes` (nothing for an empty one: an
    /// empty `Vec` or `String` allocates nothing).
    pub fn block(&mut self, bytes: usize) {
        if bytes == 0 {
            return;
        }
        self.requested += bytes as u64;
        self.chunks += chunk(bytes) as u64;
        self.blocks += 1;
    }

    /// A vector's block: `capacity` elements of `T`.
    pub fn vec<T>(&mut self, v: &Vec<T>) {
        self.block(v.capacity() * size_of::<T>());
    }

    /// A string's block.
    pub fn string(&mut self, s: &String) {
        self.block(s.capacity());
    }

    /// A shared name's block (two counters and the text), the first time
    /// it is met in `seen`: the shapes that share it pay for it once.
    pub fn name(&mut self, seen: &mut HashSet<*const u8>, n: &Name) {
        if seen.insert(n.as_ptr()) {
            self.block(2 * size_of::<usize>() + n.len());
        }
    }
}

/// What glibc's malloc holds for a request of `bytes`: a chunk of the
/// request plus an 8-byte header, rounded up to 16, at least 32 bytes.
#[must_use]
pub fn chunk(bytes: usize) -> usize {
    ((bytes + 8 + 15) & !15).max(32)
}

/// The parts of a loaded dataset, in a fixed order, with their names.
#[derive(Debug, Clone, Default)]
pub struct Footprint {
    /// `(name, part)`, in the order of the table.
    pub parts: Vec<(&'static str, Part)>,
    /// Annotations (model shapes).
    pub annotations: u64,
    /// The shared names already counted.
    seen: HashSet<*const u8>,
}

impl Footprint {
    /// Counts a shared name under part `part`.
    fn name(&mut self, part: &'static str, n: &Name) {
        let mut seen = std::mem::take(&mut self.seen);
        self.part(part).name(&mut seen, n);
        self.seen = seen;
    }

    fn part(&mut self, name: &'static str) -> &mut Part {
        if let Some(i) = self.parts.iter().position(|(n, _)| *n == name) {
            return &mut self.parts[i].1;
        }
        self.parts.push((name, Part::default()));
        let last = self.parts.len() - 1;
        &mut self.parts[last].1
    }

    /// The sum of every part.
    #[must_use]
    pub fn total(&self) -> Part {
        let mut t = Part::default();
        for (_, p) in &self.parts {
            t.requested += p.requested;
            t.chunks += p.chunks;
            t.blocks += p.blocks;
        }
        t
    }

    /// A Markdown table: part, MiB requested, MiB held, blocks, bytes per
    /// annotation.
    #[must_use]
    pub fn table(&self) -> String {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        let per = |b: u64| {
            if self.annotations == 0 {
                0.0
            } else {
                b as f64 / self.annotations as f64
            }
        };
        let mut out = String::from(
            "| part | MiB requested | MiB held (malloc chunks) | heap blocks | bytes per shape |\n\
             |---|---|---|---|---|\n",
        );
        let total = ("total", self.total());
        for (name, p) in self.parts.iter().chain(std::iter::once(&total)) {
            let _ = writeln!(
                out,
                "| {name} | {:.1} | {:.1} | {} | {:.1} |",
                mib(p.requested),
                mib(p.chunks),
                p.blocks,
                per(p.chunks)
            );
        }
        out
    }
}

/// Walks `loaded` and counts its heap by part of the model.
#[must_use]
pub fn footprint(loaded: &Loaded) -> Footprint {
    let mut f = Footprint {
        annotations: loaded.dataset.annotations.len() as u64,
        ..Footprint::default()
    };
    let d: &Dataset = &loaded.dataset;
    // The one large block: its unused tail is address space that no page
    // has touched yet (glibc maps a block this size on its own), so it is
    // counted apart from the structs in use.
    f.part("annotation structs")
        .block(d.annotations.len() * size_of::<Annotation>());
    f.part("annotation vector, capacity not yet used").requested +=
        ((d.annotations.capacity() - d.annotations.len()) * size_of::<Annotation>()) as u64;
    for a in &d.annotations {
        annotation(&mut f, a);
    }
    f.part("image structs").vec(&d.images);
    for i in &d.images {
        image(&mut f, i);
    }
    f.part("labels").vec(&d.labels.labels);
    for l in &d.labels.labels {
        label(&mut f, l);
    }
    f.part("tracks").vec(&d.tracks);
    for t in &d.tracks {
        track(&mut f, t);
    }
    let s = &loaded.spans;
    let spans = f.part("span table");
    spans.vec(&s.images);
    spans.vec(&s.annotations);
    spans.vec(&s.tracks);
    spans.vec(&s.labels);
    spans.vec(&s.track_shapes);
    for t in &s.track_shapes {
        spans.vec(t);
    }
    f.part("read issues").vec(&loaded.issues);
    f
}

fn annotation(f: &mut Footprint, a: &Annotation) {
    geometry(f, &a.geometry);
    attributes(f, &a.attributes);
    if let Some(s) = &a.source {
        f.name("`source` strings (shared)", s);
    }
    if a.bbox.is_some() {
        f.part("stated boxes (`bbox`, boxed)")
            .block(size_of::<BoxGeom>());
    }
    if a.stated_corners.is_some() {
        f.part("stated corners (boxed)")
            .block(size_of::<labelkit_model::StatedCorners>());
    }
    kept(f, &a.kept);
}

fn geometry(f: &mut Footprint, g: &Geometry) {
    match g {
        Geometry::Polygon(p) => {
            let part = f.part("polygon rings (Vec<Vec<Point>>)");
            part.vec(&p.rings);
            for r in &p.rings {
                part.vec(r);
            }
        }
        Geometry::Polyline(p) => f.part("polyline and point lists").vec(&p.points),
        Geometry::Points(p) => f.part("polyline and point lists").vec(&p.points),
        Geometry::Keypoints(k) => {
            f.part("keypoint lists").vec(&k.points);
            for p in &k.points {
                if let Some(n) = &p.name {
                    f.name("keypoint names (shared)", n);
                }
            }
        }
        Geometry::Mask(m) => {
            let part = f.part("mask runs");
            match &m.encoding {
                MaskEncoding::Window { counts, .. } => part.vec(counts),
                MaskEncoding::Coco { counts, .. } => match counts {
                    CocoCounts::Runs(r) => part.vec(r),
                    CocoCounts::Compressed(s) => part.string(s),
                },
            }
        }
        Geometry::Cuboid(_) => f
            .part("cuboids (boxed)")
            .block(size_of::<labelkit_model::Cuboid>()),
        _ => {}
    }
}

fn attributes(f: &mut Footprint, a: &Attributes) {
    f.part("attribute lists").vec(&a.0);
    for (name, value) in &a.0 {
        f.name("attribute names (shared)", name);
        if let AttributeValue::Text(t) = value {
            f.part("attribute text values").string(t);
        }
    }
}

fn image(f: &mut Footprint, i: &Image) {
    let part = f.part("image names and subsets");
    part.string(&i.file_name);
    if let Some(s) = &i.subset {
        part.string(s);
    }
    attributes(f, &i.attributes);
    kept(f, &i.kept);
}

fn label(f: &mut Footprint, l: &Label) {
    let part = f.part("labels");
    part.string(&l.name);
    part.vec(&l.attributes);
    kept(f, &l.kept);
}

fn track(f: &mut Footprint, t: &Track) {
    f.part("tracks").vec(&t.shapes);
    for s in &t.shapes {
        geometry(f, &s.geometry);
        attributes(f, &s.attributes);
    }
    f.part("tracks").vec(&t.elements);
    for e in &t.elements {
        track(f, e);
    }
    kept(f, &t.kept);
}

/// A format's round-trip fields: the block of its struct (what the struct
/// itself owns on the heap is the format's business, and not counted).
fn kept(f: &mut Footprint, k: &labelkit_model::Kept) {
    if let Some(size) = k.held_size() {
        f.part("`kept` round-trip structs (own block only)")
            .block(size);
    }
}

/// The sizes of the model's types, as a Markdown table.
#[must_use]
pub fn type_sizes() -> String {
    let rows: [(&str, usize); 12] = [
        ("Annotation", size_of::<Annotation>()),
        ("Geometry", size_of::<Geometry>()),
        ("BoxGeom", size_of::<BoxGeom>()),
        (
            "Option<Box<BoxGeom>> (Annotation::bbox)",
            size_of::<Option<Box<BoxGeom>>>(),
        ),
        ("Point", size_of::<Point>()),
        ("Keypoint", size_of::<Keypoint>()),
        ("Attributes", size_of::<Attributes>()),
        (
            "one attribute (name, value)",
            size_of::<(Name, AttributeValue)>(),
        ),
        ("AttributeValue", size_of::<AttributeValue>()),
        ("Image", size_of::<Image>()),
        ("Label", size_of::<Label>()),
        ("Kept", size_of::<labelkit_model::Kept>()),
    ];
    let mut out = String::from("| type | bytes |\n|---|---|\n");
    for (name, bytes) in rows {
        let _ = writeln!(out, "| `{name}` | {bytes} |");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use labelkit_model::{AnnotationId, ImageId, LabelId, Polygon};

    #[test]
    fn chunks_are_glibc_sized() {
        assert_eq!(chunk(1), 32);
        assert_eq!(chunk(24), 32);
        assert_eq!(chunk(25), 48);
        assert_eq!(chunk(1000), 1008);
    }

    #[test]
    fn a_polygon_and_its_attributes_are_counted_by_part() {
        let mut loaded = Loaded::default();
        let ring = vec![Point::new(0.0, 0.0); 10];
        let mut a = Annotation::new(
            AnnotationId(1),
            ImageId(1),
            LabelId(0),
            Geometry::Polygon(Polygon {
                rings: vec![ring.clone(), ring],
            }),
        );
        a.attributes
            .set("pose", AttributeValue::Text("standing".to_owned()));
        loaded.dataset.annotations.push(a);
        let f = footprint(&loaded);
        assert_eq!(f.annotations, 1);
        let get = |n: &str| f.parts.iter().find(|(p, _)| *p == n).unwrap().1.clone();
        let rings = get("polygon rings (Vec<Vec<Point>>)");
        // The outer Vec (2 x 24 bytes) and two rings of 10 points.
        assert_eq!(rings.requested, 48 + 2 * 160);
        assert_eq!(rings.blocks, 3);
        // The name: two counters and "pose".
        assert_eq!(get("attribute names (shared)").requested, 16 + 4);
        assert_eq!(get("attribute text values").requested, 8);
        assert_eq!(get("attribute names (shared)").chunks, 32);
        assert_eq!(f.total().blocks, 1 + 3 + 1 + 1 + 1);
    }

    #[test]
    fn a_stated_box_is_one_block_of_its_own() {
        let mut loaded = Loaded::default();
        let square = Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(0.0, 0.0),
                Point::new(4.0, 0.0),
                Point::new(4.0, 4.0),
            ]],
        });
        let mut a = Annotation::new(AnnotationId(1), ImageId(1), LabelId(0), square.clone());
        a.bbox = Some(Box::new(BoxGeom::from_xyxy(0.0, 0.0, 4.0, 4.0)));
        loaded.dataset.annotations.push(a);
        loaded.dataset.annotations.push(Annotation::new(
            AnnotationId(2),
            ImageId(1),
            LabelId(0),
            square,
        ));
        let f = footprint(&loaded);
        let (_, part) = f
            .parts
            .iter()
            .find(|(p, _)| *p == "stated boxes (`bbox`, boxed)")
            .expect("the part");
        // One box of 40 bytes, in glibc's 48-byte chunk; none for the
        // polygon without a stated box.
        assert_eq!((part.requested, part.blocks, part.chunks), (40, 1, 48));
    }
}
