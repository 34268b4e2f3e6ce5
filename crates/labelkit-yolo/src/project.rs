//! What a dataset becomes in YOLO: the row plan shared by the writer and
//! [`project`], so that `read(write(d)) == project(d)` holds by
//! construction.

use std::collections::HashMap;

use labelkit_model::{
    Annotation, AnnotationId, BoxGeom, Dataset, DatasetIndex, DatasetInfo, Geometry, GroupId,
    Image, Keypoint, KeypointSchema, Keypoints, Label, LabelId, LabelSet, Point, Polygon,
    Precision, Visibility, WriteReport,
};

use crate::contour::{join_parts, mask_outline, TraceError, TOO_FRAGMENTED};
use crate::{Layout, Task, YoloInfo};

/// One row to write, in pixels (or normalised units for images of unknown
/// size), already clipped to the image.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RowGeom {
    Box(BoxGeom),
    Polygon(Vec<Point>),
    Obb([Point; 4]),
    Pose(BoxGeom, Vec<Keypoint>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlannedRow {
    pub class: u32,
    pub geom: RowGeom,
}

/// The whole plan.
#[derive(Debug)]
pub(crate) struct Plan {
    pub task: Task,
    pub names: Vec<String>,
    /// Keypoints per row and values per keypoint, for pose.
    pub kpt: Option<(usize, usize)>,
    pub schema: Option<KeypointSchema>,
    /// Rows per image, in image order.
    pub rows: Vec<Vec<PlannedRow>>,
    pub report: WriteReport,
}

/// The task a dataset asks for: keypoints make pose, rotated boxes OBB,
/// polygons segment, anything else detect. Crowd regions, never written,
/// ask for nothing.
pub(crate) fn infer_task(d: &Dataset) -> Task {
    let mut task = Task::Detect;
    for a in d.annotations.iter().filter(|a| !a.crowd) {
        match &a.geometry {
            Geometry::Keypoints(_) => return Task::Pose,
            // A box read as four corners asks for OBB even when it is
            // axis-aligned.
            Geometry::Box(b) if b.is_rotated() || a.stated_corners.is_some() => task = Task::Obb,
            Geometry::Polygon(_) if task == Task::Detect => task = Task::Segment,
            _ => {}
        }
    }
    task
}

/// Top-level labels in order (skeleton elements are not classes).
pub(crate) fn default_names(d: &Dataset) -> Vec<String> {
    d.labels
        .labels
        .iter()
        .filter(|l| l.parent.is_none())
        .map(|l| l.name.clone())
        .collect()
}

/// Values per keypoint the dataset was read with, if any.
fn dims_read(d: &Dataset) -> Option<usize> {
    let (_, dims) = YoloInfo::of(d)?.kpt_shape?;
    Some(dims)
}

/// How far outside the image, as a fraction of its size, a written
/// coordinate may lie: Ultralytics' label check accepts normalised values
/// from -0.01 to 1.01 (`verify_image_label`) and clips only when it
/// trains, so a corner at `-0.009808` (a box drawn against the edge,
/// rounded) is data, written as it is. A coordinate beyond it is clipped to
/// the image and counted.
pub(crate) const OUTSIDE_TOLERANCE: f64 = 0.01;

/// `v` when it lies within [`OUTSIDE_TOLERANCE`] of `[0, size]`, else
/// clamped to `[0, size]`.
fn clip_value(v: f64, size: f64) -> f64 {
    let margin = OUTSIDE_TOLERANCE * size;
    if v >= -margin && v <= size + margin {
        v
    } else {
        v.clamp(0.0, size)
    }
}

fn clip_point(p: Point, (sw, sh): (f64, f64), clipped: &mut u64) -> Point {
    let q = Point::new(clip_value(p.x, sw), clip_value(p.y, sh));
    if q != p {
        *clipped += 1;
    }
    q
}

fn clip_box(b: BoxGeom, (sw, sh): (f64, f64), clipped: &mut u64) -> BoxGeom {
    let q = BoxGeom::from_xyxy(
        clip_value(b.x_min, sw),
        clip_value(b.y_min, sh),
        clip_value(b.x_max, sw),
        clip_value(b.y_max, sh),
    );
    if q != b {
        *clipped += 1;
    }
    q
}

/// The precision rows are printed with: at the default
/// ([`Precision::Clean`]), a YOLO source whose values all had the same
/// number of decimals ([`YoloInfo::fixed_decimals`]) is
/// written with that many, so a copy keeps the text of every value;
/// otherwise `requested`.
pub(crate) fn precision_for(d: &Dataset, requested: Precision) -> Precision {
    match (
        requested,
        d.info.source_format.as_deref(),
        YoloInfo::of(d).and_then(|y| y.fixed_decimals),
    ) {
        (Precision::Clean, Some("yolo"), Some(n)) => u8::try_from(n)
            .ok()
            .filter(|&n| n > 0)
            .map_or(requested, Precision::Decimals),
        _ => requested,
    }
}

/// The scale of an image: its size, or 1 for an image of unknown size
/// (whose shapes are in normalised units).
pub(crate) fn scale(img: &Image) -> (f64, f64) {
    if img.width > 0 && img.height > 0 {
        (f64::from(img.width), f64::from(img.height))
    } else {
        (1.0, 1.0)
    }
}

/// The row plan of a dataset, made one image at a time: what is known
/// before any image (task, classes, keypoint shape, dataset-wide losses),
/// then [`Planner::image_rows`] for each image, so that a writer can hold
/// the rows of a bounded number of images at once.
pub(crate) struct Planner<'a> {
    d: &'a Dataset,
    index: DatasetIndex,
    /// The class id of each label (its top-level label's), if mapped.
    class_of: Vec<Option<u32>>,
    /// Coordinates clipped to their image so far.
    clipped: u64,
    pub task: Task,
    pub names: Vec<String>,
    /// Keypoints per row and values per keypoint, for pose.
    pub kpt: Option<(usize, usize)>,
    pub schema: Option<KeypointSchema>,
    /// Losses counted so far.
    pub report: WriteReport,
}

pub(crate) fn plan(
    d: &Dataset,
    task: Option<Task>,
    class_map: Option<&[String]>,
    dims: Option<usize>,
) -> Plan {
    let mut planner = Planner::new(d, task, class_map, dims);
    let rows = (0..d.images.len())
        .map(|ipos| planner.image_rows(ipos))
        .collect();
    planner.finish(rows)
}

impl<'a> Planner<'a> {
    pub(crate) fn new(
        d: &'a Dataset,
        task: Option<Task>,
        class_map: Option<&[String]>,
        dims: Option<usize>,
    ) -> Self {
        let task = task.unwrap_or_else(|| infer_task(d));
        let names: Vec<String> = class_map.map_or_else(|| default_names(d), <[String]>::to_vec);
        let mut report = WriteReport::new();
        let by_name: HashMap<&str, u32> = names
            .iter()
            .enumerate()
            .rev()
            // A name past id 2^32 - 1 cannot be a class id: it maps nothing,
            // and labels only it would name are counted as not in the map.
            .filter_map(|(i, n)| Some((n.as_str(), u32::try_from(i).ok()?)))
            .collect();
        // Resolve each label to a class id; a skeleton element maps to its parent.
        let class_of: Vec<Option<u32>> = d
            .labels
            .labels
            .iter()
            .map(|l| {
                let top = match l.parent.and_then(|p| d.labels.get(p)) {
                    Some(parent) => parent,
                    None => l,
                };
                by_name.get(top.name.as_str()).copied()
            })
            .collect();

        // Keypoint schema and count for pose.
        let mut schema: Option<KeypointSchema> = None;
        let mut kpt = None;
        if task == Task::Pose {
            let mut n = 0usize;
            for l in &d.labels.labels {
                if let Some(s) = &l.keypoints {
                    if schema.is_none() && !s.is_empty() {
                        schema = Some(s.clone());
                    }
                    n = n.max(s.len());
                }
            }
            for a in &d.annotations {
                if let Geometry::Keypoints(k) = &a.geometry {
                    n = n.max(k.points.len());
                }
            }
            let dims = match dims.or_else(|| dims_read(d)) {
                Some(2) => 2,
                _ => 3,
            };
            kpt = Some((n, dims));
            let s = match schema.take() {
                Some(s) if s.len() == n => {
                    if !s.edges.is_empty() {
                        report.lose("keypoint skeleton edges", s.edges.len() as u64);
                    }
                    KeypointSchema {
                        names: s.names.clone(),
                        edges: Vec::new(),
                        flip_pairs: pairs_of(&s.flip_idx()),
                    }
                }
                _ => KeypointSchema {
                    names: (0..n).map(|i| i.to_string()).collect(),
                    edges: Vec::new(),
                    flip_pairs: Vec::new(),
                },
            };
            schema = Some(s);
        }

        if !d.tracks.is_empty() {
            report.lose("tracks", d.tracks.len() as u64);
        }
        Self {
            d,
            index: d.index(),
            class_of,
            clipped: 0,
            task,
            names,
            kpt,
            schema,
            report,
        }
    }

    /// The rows of the image at `ipos`, in order, duplicates removed; its
    /// losses are counted in `self.report`.
    #[allow(clippy::too_many_lines)]
    pub(crate) fn image_rows(&mut self, ipos: usize) -> Vec<PlannedRow> {
        let Self {
            d,
            index,
            class_of,
            clipped,
            task,
            kpt,
            report,
            ..
        } = self;
        let (d, task, kpt) = (*d, *task, *kpt);
        let Some(img) = d.images.get(ipos) else {
            return Vec::new();
        };
        if !img.attributes.is_empty() {
            report.lose("image attributes", img.attributes.len() as u64);
        }
        let sc = scale(img);
        let anns: Vec<&Annotation> = index
            .annotations_of(ipos)
            .iter()
            .filter_map(|&i| d.annotations.get(i))
            .collect();
        // YOLO cannot mark a crowd region: written as a row it would be
        // one more object. Ultralytics' own COCO converter skips them too.
        let (crowd, anns): (Vec<&Annotation>, Vec<&Annotation>) =
            anns.into_iter().partition(|a| a.crowd);
        report.lose(CROWD_LOSS, crowd_regions(&crowd));
        let mut out: Vec<PlannedRow> = Vec::new();
        let mut used = vec![false; anns.len()];
        // Pose: keypoints first take the box of their group.
        let mut pose_rows: HashMap<usize, PlannedRow> = HashMap::new();
        if let Some((n, dims)) = kpt {
            for (i, a) in anns.iter().enumerate() {
                let Geometry::Keypoints(k) = &a.geometry else {
                    continue;
                };
                let Some(class) = class_of.get(a.label.index()).copied().flatten() else {
                    continue;
                };
                used[i] = true;
                let label_schema = d.labels.get(a.label).and_then(|l| l.keypoints.as_ref());
                let mut points = vec![Keypoint::default(); n];
                for (pi, p) in k.points.iter().enumerate() {
                    let slot = match (&p.name, label_schema) {
                        (Some(name), Some(s)) => s.index_of(name).unwrap_or(pi),
                        _ => pi,
                    };
                    if let Some(dst) = points.get_mut(slot) {
                        *dst = p.clone();
                        dst.name = None;
                    }
                }
                for p in &mut points {
                    if p.visibility == Visibility::Absent {
                        (p.x, p.y) = (0.0, 0.0);
                    } else {
                        let q = clip_point(Point::new(p.x, p.y), sc, clipped);
                        (p.x, p.y) = (q.x, q.y);
                        if dims == 2 && p.visibility == Visibility::Occluded {
                            report.lose_one("occluded keypoint visibility (2 values per point)");
                            p.visibility = Visibility::Visible;
                        }
                        if dims == 2 && p.x == 0.0 && p.y == 0.0 {
                            report.lose_one(
                                "keypoints at (0, 0) (read back as absent with 2 values per point)",
                            );
                            p.visibility = Visibility::Absent;
                        }
                    }
                }
                let group_box = a.group.and_then(|g| {
                    anns.iter()
                        .enumerate()
                        .find_map(|(j, b)| match &b.geometry {
                            Geometry::Box(bx) if b.group == Some(g) && !used[j] => Some((j, *bx)),
                            _ => None,
                        })
                });
                // Without a box, the box of a polygon or mask of the group
                // (a segmented COCO keypoint annotation's `bbox`); the
                // region itself is not held by pose and is counted so.
                let group_region_box = || {
                    let g = a.group?;
                    anns.iter().find_map(|b| match &b.geometry {
                        Geometry::Polygon(_) | Geometry::Mask(_) if b.group == Some(g) => {
                            region_box(b)
                        }
                        _ => None,
                    })
                };
                let bx = match group_box {
                    Some((j, bx)) => {
                        used[j] = true;
                        if bx.is_rotated() {
                            report.lose_one("rotation of boxes");
                        }
                        bx.bounds()
                    }
                    None => match group_region_box().or_else(|| k.bounds()) {
                        Some(b) => b,
                        None => {
                            report.lose_one("keypoints without a box or any labelled point");
                            continue;
                        }
                    },
                };
                let bx = clip_box(bx, sc, clipped);
                pose_rows.insert(
                    i,
                    PlannedRow {
                        class,
                        geom: RowGeom::Pose(bx, points),
                    },
                );
            }
        }
        if task == Task::Pose {
            for (i, a) in anns.iter().enumerate() {
                if let Some(row) = pose_rows.remove(&i) {
                    out.push(row);
                    note_annotation_losses(a, report);
                    continue;
                }
                if used[i] {
                    note_annotation_losses(a, report);
                    continue;
                }
                let Some(class) = class_of.get(a.label.index()).copied().flatten() else {
                    report.lose_one("annotations whose label is not in the class map");
                    continue;
                };
                if let Geometry::Box(b) = &a.geometry {
                    if b.is_rotated() {
                        report.lose_one("rotation of boxes");
                    }
                    let (n, _) = kpt.unwrap_or((0, 3));
                    note_annotation_losses(a, report);
                    out.push(PlannedRow {
                        class,
                        geom: RowGeom::Pose(
                            clip_box(b.bounds(), sc, clipped),
                            vec![Keypoint::default(); n],
                        ),
                    });
                } else {
                    report.lose_one(&not_held(&a.geometry, task));
                }
            }
        } else {
            let mut ctx = RowCtx {
                task,
                scale: sc,
                clipped,
                report,
            };
            object_rows(&anns, class_of, &mut ctx, &mut out);
        }
        // Ultralytics drops duplicate rows; do it here, said aloud.
        let before = out.len();
        let kept = dedup_rows(out);
        report.lose("duplicate rows", (before - kept.len()) as u64);
        kept
    }

    /// The whole plan, with `rows` (those of every image, or none for a
    /// writer that wrote them batch by batch) and every loss counted.
    pub(crate) fn finish(mut self, rows: Vec<Vec<PlannedRow>>) -> Plan {
        self.report
            .lose("coordinates clipped to the image", self.clipped);
        Plan {
            task: self.task,
            names: self.names,
            kpt: self.kpt,
            schema: self.schema,
            rows,
            report: self.report,
        }
    }
}

/// `rows` without repeated rows (the first of equal rows stays), in
/// order. Rows are bucketed by a hash of their numbers, so an image with
/// many rows costs linear time, not a comparison with every earlier row.
fn dedup_rows(rows: Vec<PlannedRow>) -> Vec<PlannedRow> {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let hash = |r: &PlannedRow| {
        let mut h = state.build_hasher();
        // Equal rows hash alike: -0.0 equals 0.0, so both hash as 0.
        let mut num = |v: f64| h.write_u64(if v == 0.0 { 0 } else { v.to_bits() });
        let boxed = |b: &BoxGeom, num: &mut dyn FnMut(f64)| {
            for v in [b.x_min, b.y_min, b.x_max, b.y_max, b.rotation] {
                num(v);
            }
        };
        match &r.geom {
            RowGeom::Box(b) => boxed(b, &mut num),
            RowGeom::Polygon(points) => points.iter().for_each(|p| {
                num(p.x);
                num(p.y);
            }),
            RowGeom::Obb(points) => points.iter().for_each(|p| {
                num(p.x);
                num(p.y);
            }),
            RowGeom::Pose(b, keypoints) => {
                boxed(b, &mut num);
                keypoints.iter().for_each(|k| {
                    num(k.x);
                    num(k.y);
                });
            }
        }
        h.write_u32(r.class);
        h.finish()
    };
    let mut kept: Vec<PlannedRow> = Vec::with_capacity(rows.len());
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::with_capacity(rows.len());
    for r in rows {
        let bucket = buckets.entry(hash(&r)).or_default();
        if !bucket.iter().any(|&i| kept.get(i) == Some(&r)) {
            bucket.push(kept.len());
            kept.push(r);
        }
    }
    kept
}

/// What the loss report calls the crowd regions YOLO leaves out.
pub(crate) const CROWD_LOSS: &str = "crowd regions (iscrowd: 1; YOLO cannot mark them)";

/// How many regions `crowd` annotations make: the shapes of one group
/// (a COCO annotation's box and mask) are one region.
fn crowd_regions(crowd: &[&Annotation]) -> u64 {
    let mut groups: Vec<GroupId> = crowd.iter().filter_map(|a| a.group).collect();
    groups.sort_unstable();
    groups.dedup();
    let lone = crowd.iter().filter(|a| a.group.is_none()).count();
    (groups.len() + lone) as u64
}

fn note_annotation_losses(a: &Annotation, report: &mut WriteReport) {
    if !a.attributes.is_empty() {
        report.lose("annotation attributes", a.attributes.len() as u64);
    }
    if a.occluded {
        report.lose_one("occluded flags");
    }
    if a.score.is_some() {
        report.lose_one("scores");
    }
    if a.z_order != 0 {
        report.lose_one("z-order");
    }
    if a.track.is_some() {
        report.lose_one("track links of annotations");
    }
}

/// What [`object_rows`] needs besides the annotations.
struct RowCtx<'a> {
    task: Task,
    scale: (f64, f64),
    clipped: &'a mut u64,
    report: &'a mut WriteReport,
}

/// The plural name of a kind of shape, as losses name it.
fn plural(g: &Geometry) -> &'static str {
    g.kind().plural()
}

/// The loss of a shape the rows of `task` cannot hold.
fn not_held(g: &Geometry, task: Task) -> String {
    match g {
        Geometry::Box(_) | Geometry::Polygon(_) | Geometry::Keypoints(_) => {
            format!("{} (not held by {} rows)", plural(g), task.as_str())
        }
        _ => plural(g).to_owned(),
    }
}

/// Whether a shape covers a region (and so is the same object as a box or
/// polygon of its group, drawn another way).
fn is_region(g: &Geometry) -> bool {
    matches!(
        g,
        Geometry::Box(_) | Geometry::Polygon(_) | Geometry::Mask(_) | Geometry::Ellipse(_)
    )
}

/// The box of a polygon or mask: the one its source states (a COCO `bbox`,
/// which Ultralytics' COCO converter writes as the detect and pose box),
/// else its bounds.
fn region_box(a: &Annotation) -> Option<BoxGeom> {
    a.bbox
        .as_deref()
        .map(BoxGeom::bounds)
        .or_else(|| a.geometry.bounds())
}

/// The rings of a polygon that have at least 3 points.
fn usable_rings(g: &Geometry) -> Vec<&[Point]> {
    match g {
        Geometry::Polygon(p) => p
            .rings
            .iter()
            .filter(|r| r.len() >= 3)
            .map(Vec::as_slice)
            .collect(),
        _ => Vec::new(),
    }
}

/// Rows of one image's annotations for the detect, segment and OBB tasks:
/// one row per object.
///
/// An object is the shapes of one group with one label (a COCO annotation's
/// box, polygon or mask and keypoints; a CVAT box and polygon grouped), or
/// one annotation without a group. Its row is:
/// - detect: its box; without a box, the stated box of its polygons and
///   masks (a COCO `bbox`), else their bounds (counted as "polygons written
///   as boxes", "masks written as boxes");
/// - segment: its first polygon with a ring of at least 3 points, its
///   rings (COCO's parts) joined into one as Ultralytics joins them;
///   without one, its first mask traced along pixel borders, parts and
///   holes joined ([`mask_outline`]); without either, its box as a
///   4-corner polygon (counted as "boxes written as 4-corner polygons",
///   since the row reads back as a polygon);
/// - OBB: its box, rotation kept.
///
/// The other region shapes of an object (box, polygon, mask, ellipse) are
/// represented by its row and counted once each, e.g. "polygons (detect
/// keeps the box)"; shapes the task cannot hold (keypoints, polylines...)
/// are counted as lost. Each box is a row of its own: two boxes of one
/// group are never merged. A group whose shapes make several rows (different
/// labels) loses its link, counted once per group.
fn object_rows(
    anns: &[&Annotation],
    class_of: &[Option<u32>],
    ctx: &mut RowCtx<'_>,
    out: &mut Vec<PlannedRow>,
) {
    let mut objects: Vec<Vec<&Annotation>> = Vec::new();
    let mut by_key: HashMap<(GroupId, LabelId), usize> = HashMap::new();
    for &a in anns {
        match a.group {
            Some(g) => {
                let k = *by_key.entry((g, a.label)).or_insert_with(|| {
                    objects.push(Vec::new());
                    objects.len() - 1
                });
                if let Some(o) = objects.get_mut(k) {
                    o.push(a);
                }
            }
            None => objects.push(vec![a]),
        }
    }
    let mut rows_of_group: HashMap<GroupId, usize> = HashMap::new();
    for members in &objects {
        let Some(first) = members.first() else {
            continue;
        };
        let Some(class) = class_of.get(first.label.index()).copied().flatten() else {
            ctx.report.lose(
                "annotations whose label is not in the class map",
                members.len() as u64,
            );
            continue;
        };
        let before = out.len();
        match ctx.task {
            Task::Detect => detect_rows(members, class, ctx, out),
            Task::Segment => segment_rows(members, class, ctx, out),
            Task::Obb | Task::Pose => obb_rows(members, class, ctx, out),
        }
        let made = out.len() - before;
        if made > 0 {
            for a in members {
                note_annotation_losses(a, ctx.report);
            }
            if let Some(g) = first.group {
                *rows_of_group.entry(g).or_default() += made;
            }
        }
    }
    let split = rows_of_group.values().filter(|&&n| n > 1).count();
    ctx.report
        .lose("groups written as several rows", split as u64);
}

fn detect_rows(
    members: &[&Annotation],
    class: u32,
    ctx: &mut RowCtx<'_>,
    out: &mut Vec<PlannedRow>,
) {
    let has_box = members
        .iter()
        .any(|a| matches!(a.geometry, Geometry::Box(_)));
    let mut union: Option<BoxGeom> = None;
    for a in members {
        let g = &a.geometry;
        match g {
            Geometry::Box(b) => {
                if b.is_rotated() {
                    ctx.report.lose_one("rotation of boxes");
                }
                let row = clip_box(b.bounds(), ctx.scale, ctx.clipped);
                out.push(PlannedRow {
                    class,
                    geom: RowGeom::Box(row),
                });
            }
            _ if has_box && is_region(g) => {
                ctx.report
                    .lose_one(&format!("{} (detect keeps the box)", plural(g)));
            }
            Geometry::Polygon(_) | Geometry::Mask(_) => match region_box(a) {
                Some(b) => {
                    ctx.report
                        .lose_one(&format!("{} written as boxes", plural(g)));
                    union = Some(match union {
                        Some(u) => BoxGeom::from_xyxy(
                            u.x_min.min(b.x_min),
                            u.y_min.min(b.y_min),
                            u.x_max.max(b.x_max),
                            u.y_max.max(b.y_max),
                        ),
                        None => b,
                    });
                }
                None => ctx.report.lose_one(&format!("empty {}", plural(g))),
            },
            _ => ctx.report.lose_one(&not_held(g, ctx.task)),
        }
    }
    if let Some(u) = union {
        out.push(PlannedRow {
            class,
            geom: RowGeom::Box(clip_box(u, ctx.scale, ctx.clipped)),
        });
    }
}

/// What the segment row of an object is made from.
enum SegmentSource {
    /// The polygon at this member index, its rings of 3 points or more
    /// joined into one.
    Polygon(usize),
    /// The mask at this member index, traced: the ring and the number of
    /// cycles (parts and holes) joined into it.
    Mask(usize, Vec<Point>, usize),
    /// The box (no polygon, no mask that traces).
    Box,
    /// Nothing a segment row can hold.
    Nothing,
}

/// The source of an object's segment row: its first polygon with a usable
/// ring, else its first mask with an outline, else its box. Masks that
/// cannot be traced (beyond labelkit's mask limits, invalid runs) are
/// counted as lost.
///
/// Also returns the members already counted (the masks that failed).
fn segment_source(members: &[&Annotation], ctx: &mut RowCtx<'_>) -> (SegmentSource, Vec<usize>) {
    let mut counted = Vec::new();
    if let Some(i) = members
        .iter()
        .position(|a| !usable_rings(&a.geometry).is_empty())
    {
        return (SegmentSource::Polygon(i), counted);
    }
    for (i, a) in members.iter().enumerate() {
        let Geometry::Mask(m) = &a.geometry else {
            continue;
        };
        match mask_outline(&m.encoding) {
            Ok(Some((ring, parts))) => return (SegmentSource::Mask(i, ring, parts), counted),
            Ok(None) => {}
            Err(e) => {
                counted.push(i);
                match e {
                    TraceError::TooFragmented => ctx.report.lose_one(TOO_FRAGMENTED),
                    TraceError::Mask(e) if e.is_limit() => {
                        ctx.report
                            .lose_one(labelkit_model::rle::LOST_TO_MASK_LIMITS);
                    }
                    TraceError::Mask(_) => ctx.report.lose_one("masks with invalid runs"),
                }
            }
        }
    }
    let source = if members
        .iter()
        .any(|a| matches!(a.geometry, Geometry::Box(_)))
    {
        SegmentSource::Box
    } else {
        SegmentSource::Nothing
    };
    (source, counted)
}

/// The segment row of an object (see [`object_rows`]): its polygon, its
/// mask's outline ([`mask_outline`]: traced along pixel borders) or its
/// box as 4 corners. Several rings (the parts of a polygon, the parts and
/// holes of a mask) are joined into one as Ultralytics' converter joins
/// the parts of a polygon.
fn segment_rows(
    members: &[&Annotation],
    class: u32,
    ctx: &mut RowCtx<'_>,
    out: &mut Vec<PlannedRow>,
) {
    let (source, counted) = segment_source(members, ctx);
    let row = |ring: &[Point], ctx: &mut RowCtx<'_>| PlannedRow {
        class,
        geom: RowGeom::Polygon(
            ring.iter()
                .map(|&q| clip_point(q, ctx.scale, ctx.clipped))
                .collect(),
        ),
    };
    let kept = match &source {
        SegmentSource::Polygon(_) => "polygon",
        SegmentSource::Mask(..) => "mask outline",
        SegmentSource::Box | SegmentSource::Nothing => "box",
    };
    for (i, a) in members.iter().enumerate() {
        if counted.contains(&i) {
            continue;
        }
        let g = &a.geometry;
        match (&source, g) {
            (SegmentSource::Polygon(c), Geometry::Polygon(p)) if *c == i => {
                if a.stated_bbox_differs() {
                    ctx.report.lose_one(
                        "COCO boxes of segmented objects (recomputed from the segmentation)",
                    );
                }
                let rings = usable_rings(g);
                let degenerate = p.rings.len() - rings.len();
                ctx.report
                    .lose("polygons with fewer than 3 points", degenerate as u64);
                let ring = if rings.len() > 1 {
                    ctx.report.lose(
                        "polygon parts joined into one ring (as Ultralytics joins them)",
                        rings.len() as u64 - 1,
                    );
                    let owned: Vec<Vec<Point>> = rings.iter().map(|r| r.to_vec()).collect();
                    join_parts(&owned)
                } else {
                    rings[0].to_vec()
                };
                out.push(row(&ring, ctx));
            }
            (SegmentSource::Mask(c, ring, parts), Geometry::Mask(_)) if *c == i => {
                if a.stated_bbox_differs() {
                    ctx.report.lose_one(
                        "COCO boxes of segmented objects (recomputed from the segmentation)",
                    );
                }
                ctx.report
                    .lose_one("masks written as polygons (traced along pixel borders)");
                if *parts > 1 {
                    ctx.report.lose(
                        "mask parts and holes joined into one ring (as Ultralytics joins polygon parts)",
                        *parts as u64 - 1,
                    );
                }
                out.push(row(ring, ctx));
            }
            (_, Geometry::Polygon(_)) if usable_rings(g).is_empty() => {
                ctx.report.lose_one("polygons with fewer than 3 points");
            }
            (SegmentSource::Polygon(_), Geometry::Polygon(_)) => {
                ctx.report.lose_one("polygons after the first of an object");
            }
            (SegmentSource::Box, Geometry::Box(b)) => {
                // Each box is a row of its own.
                ctx.report.lose_one("boxes written as 4-corner polygons");
                out.push(row(&b.corners(), ctx));
            }
            (SegmentSource::Nothing, _) => ctx.report.lose_one(&not_held(g, ctx.task)),
            (_, _) if is_region(g) => {
                ctx.report
                    .lose_one(&format!("{} (segment keeps the {kept})", plural(g)));
            }
            _ => ctx.report.lose_one(&not_held(g, ctx.task)),
        }
    }
}

fn obb_rows(members: &[&Annotation], class: u32, ctx: &mut RowCtx<'_>, out: &mut Vec<PlannedRow>) {
    let has_box = members
        .iter()
        .any(|a| matches!(a.geometry, Geometry::Box(_)));
    for a in members {
        let g = &a.geometry;
        match g {
            Geometry::Box(b) => {
                // The corners as read while nothing changed the box, else
                // the box's own.
                let corners = a.corners_as_stated().unwrap_or_else(|| b.corners());
                let c = corners.map(|p| clip_point(p, ctx.scale, ctx.clipped));
                out.push(PlannedRow {
                    class,
                    geom: RowGeom::Obb(c),
                });
            }
            _ if has_box && is_region(g) => {
                ctx.report
                    .lose_one(&format!("{} (obb keeps the box)", plural(g)));
            }
            _ => ctx.report.lose_one(&not_held(g, ctx.task)),
        }
    }
}

/// Left/right pairs of a `flip_idx` permutation.
pub(crate) fn pairs_of(flip: &[usize]) -> Vec<(usize, usize)> {
    flip.iter()
        .enumerate()
        .filter(|&(i, &j)| i < j && flip.get(j) == Some(&i))
        .map(|(i, &j)| (i, j))
        .collect()
}

/// The folder name a subset gets in the written dataset (`images/<folder>`,
/// `labels/<folder>`, `obj_<folder>_data`): the subset name with path
/// separators, characters Windows forbids in names, control characters and
/// Unicode line breaks each replaced by `_`, and a name of only dots (or an
/// empty one) turned into as many underscores (at least one). The mapping is
/// deterministic; two subsets it maps to one folder are refused by the
/// writer.
pub(crate) fn subset_folder(subset: &str) -> String {
    let mapped: String = subset
        .chars()
        .map(|c| {
            let unsafe_char = matches!(
                c,
                '/' | '\\'
                    | ':'
                    | '*'
                    | '?'
                    | '"'
                    | '<'
                    | '>'
                    | '|'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{feff}'
            ) || c.is_control();
            if unsafe_char {
                '_'
            } else {
                c
            }
        })
        .collect();
    if mapped.chars().all(|c| c == '.') {
        "_".repeat(mapped.len().max(1))
    } else {
        mapped
    }
}

/// The relative path an image gets in the written dataset: under
/// `images/<subset>/` (Ultralytics) or `obj_<subset>_data/` (darknet), after
/// removing such a prefix (or Roboflow's `<subset>/images/`) from its name
/// and any component that would leave the folder.
pub(crate) fn output_name(img: &Image, layout: Layout) -> String {
    let subset = img.subset.clone().unwrap_or_else(|| "train".to_owned());
    let cleaned: Vec<&str> = img
        .file_name
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != "." && *p != ".." && !p.contains(':'))
        .collect();
    let mut parts: &[&str] = &cleaned;
    // Roboflow's `<subset>/images/<name>` (`valid/images` for `val`).
    let roboflow = parts.len() > 2
        && parts.get(1) == Some(&"images")
        && parts.first().is_some_and(|first| {
            *first == subset
                || (subset == "val" && *first == "valid")
                || (subset == "valid" && *first == "val")
        });
    if roboflow {
        parts = &parts[2..];
    } else if parts.first() == Some(&"images") {
        parts = &parts[1..];
        if parts.len() > 1 && parts.first() == Some(&subset.as_str()) {
            parts = &parts[1..];
        }
    } else if parts.len() > 1
        && parts
            .first()
            .is_some_and(|p| p.starts_with("obj_") && p.ends_with("_data"))
    {
        parts = &parts[1..];
    }
    let tail = if parts.is_empty() {
        format!("image_{}", img.id)
    } else {
        parts.join("/")
    };
    let safe_subset = subset_folder(&subset);
    match layout {
        Layout::Ultralytics => format!("images/{safe_subset}/{tail}"),
        Layout::Darknet => format!("obj_{safe_subset}_data/{tail}"),
    }
}

/// The dataset as YOLO can hold it with `task`, in the Ultralytics layout:
/// what `read(write(dataset))` returns, up to the rounding of normalised
/// coordinates and the ids the reader assigns.
///
/// - labels: the top-level labels by name, class ids in order; a pose
///   schema keeps its names and left/right pairs but not its edges;
/// - images: named `images/<subset>/<name>` (subset `train` when none),
///   attributes and extra fields dropped;
/// - shapes: as the writer plans them (see [`crate::write_path`]), one row
///   per object (the shapes of one group with one label): boxes
///   clipped to the image where they lie beyond [`OUTSIDE_TOLERANCE`],
///   polygons and traced masks to one ring, OBB as rotated boxes fitted to
///   their corners ([`labelkit_model::StatedCorners::fit`]) and keeping them, pose as a box and keypoints sharing
///   a group (absent points at `(0, 0)`); every other attribute of an
///   annotation dropped.
#[must_use]
pub fn project(dataset: &Dataset, task: Task) -> Dataset {
    let plan = plan(dataset, Some(task), None, None);
    project_plan(dataset, &plan)
}

pub(crate) fn project_plan(dataset: &Dataset, plan: &Plan) -> Dataset {
    let mut labels = LabelSet::new();
    for (i, name) in plan.names.iter().enumerate() {
        let mut l = Label::new(name.clone());
        l.source_id = Some(i as i64);
        l.keypoints.clone_from(&plan.schema);
        labels.push(l);
    }
    let mut out = Dataset {
        info: DatasetInfo {
            source_format: Some("yolo".into()),
            kept: YoloInfo::kept(plan.kpt, None),
            ..DatasetInfo::default()
        },
        labels,
        images: Vec::with_capacity(dataset.images.len()),
        annotations: Vec::new(),
        tracks: Vec::new(),
    };
    let mut next_ann = 1u64;
    let mut next_group = 1u64;
    for (img, rows) in dataset.images.iter().zip(&plan.rows) {
        out.images.push(Image {
            id: img.id,
            file_name: output_name(img, Layout::Ultralytics),
            width: img.width,
            height: img.height,
            subset: Some(subset_folder(img.subset.as_deref().unwrap_or("train"))),
            ..Image::default()
        });
        for r in rows {
            let label = labelkit_model::LabelId(r.class);
            let mut push_stated = |g: Geometry, group: Option<GroupId>, stated| {
                let mut a = Annotation::new(AnnotationId(next_ann), img.id, label, g);
                a.group = group;
                a.stated_corners = stated;
                out.annotations.push(a);
                next_ann += 1;
            };
            let mut push = |g: Geometry, group: Option<GroupId>| push_stated(g, group, None);
            match &r.geom {
                RowGeom::Box(b) => push(Geometry::Box(*b), None),
                RowGeom::Polygon(p) => push(
                    Geometry::Polygon(Polygon {
                        rings: vec![p.clone()],
                    }),
                    None,
                ),
                RowGeom::Obb(c) => {
                    // As the reader takes the row back: the normalised
                    // values as written (shortest form) and their decimals.
                    let sc = scale(img);
                    let values: Vec<f64> =
                        c.iter().flat_map(|p| [p.x / sc.0, p.y / sc.1]).collect();
                    let decimals = values
                        .iter()
                        .map(|v| {
                            u32::from(
                                labelkit_diagnostics::decimals_of(v.to_string().as_bytes())
                                    .unwrap_or(0),
                            )
                        })
                        .max()
                        .unwrap_or(0);
                    let corners = crate::read::obb_corners(&values, decimals, sc);
                    push_stated(Geometry::Box(corners.fit()), None, Some(Box::new(corners)));
                }
                RowGeom::Pose(b, k) => {
                    let g = Some(GroupId(next_group));
                    next_group += 1;
                    push(Geometry::Box(*b), g);
                    push(Geometry::Keypoints(Keypoints { points: k.clone() }), g);
                }
            }
        }
    }
    out
}
