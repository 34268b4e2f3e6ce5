//! What a dataset becomes in YOLO: the row plan shared by the writer and
//! [`project`], so that `read(write(d)) == project(d)` holds by
//! construction.

use std::collections::HashMap;

use labelkit_model::geometry::bounds_of;
use labelkit_model::{
    Annotation, AnnotationId, BoxGeom, Dataset, DatasetInfo, Geometry, GroupId, Image, Keypoint,
    KeypointSchema, Keypoints, Label, LabelSet, Point, Polygon, Visibility, WriteReport,
};

use crate::{Layout, Task, KPT_DIMS_EXTRA};

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
/// polygons segment, anything else detect.
pub(crate) fn infer_task(d: &Dataset) -> Task {
    let mut task = Task::Detect;
    for a in &d.annotations {
        match &a.geometry {
            Geometry::Keypoints(_) => return Task::Pose,
            Geometry::Box(b) if b.is_rotated() => task = Task::Obb,
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
    let (_, v) = d.info.extra.iter().find(|(k, _)| k == KPT_DIMS_EXTRA)?;
    v.trim_matches(['[', ']'])
        .split(',')
        .nth(1)?
        .trim()
        .parse()
        .ok()
}

fn clip_point(p: Point, (sw, sh): (f64, f64), clipped: &mut u64) -> Point {
    let q = Point::new(p.x.clamp(0.0, sw), p.y.clamp(0.0, sh));
    if q != p {
        *clipped += 1;
    }
    q
}

fn clip_box(b: BoxGeom, (sw, sh): (f64, f64), clipped: &mut u64) -> BoxGeom {
    let q = BoxGeom::from_xyxy(
        b.x_min.clamp(0.0, sw),
        b.y_min.clamp(0.0, sh),
        b.x_max.clamp(0.0, sw),
        b.y_max.clamp(0.0, sh),
    );
    if q != b {
        *clipped += 1;
    }
    q
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

#[allow(clippy::too_many_lines)]
pub(crate) fn plan(
    d: &Dataset,
    task: Option<Task>,
    class_map: Option<&[String]>,
    dims: Option<usize>,
) -> Plan {
    let task = task.unwrap_or_else(|| infer_task(d));
    let names: Vec<String> = class_map.map_or_else(|| default_names(d), <[String]>::to_vec);
    let mut report = WriteReport::new();
    let by_name: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .rev()
        .map(|(i, n)| (n.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
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
    let index = d.index();
    let mut clipped = 0u64;
    let mut rows = Vec::with_capacity(d.images.len());
    for (ipos, img) in d.images.iter().enumerate() {
        if !img.attributes.is_empty() {
            report.lose("image attributes", img.attributes.len() as u64);
        }
        let sc = scale(img);
        let anns: Vec<&Annotation> = index
            .annotations_of(ipos)
            .iter()
            .filter_map(|&i| d.annotations.get(i))
            .collect();
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
                        let q = clip_point(Point::new(p.x, p.y), sc, &mut clipped);
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
                let bx = match group_box {
                    Some((j, bx)) => {
                        used[j] = true;
                        if bx.is_rotated() {
                            report.lose_one("rotation of boxes");
                        }
                        bx.bounds()
                    }
                    None => match k.bounds() {
                        Some(b) => b,
                        None => {
                            report.lose_one("keypoints without a box or any labelled point");
                            continue;
                        }
                    },
                };
                let bx = clip_box(bx, sc, &mut clipped);
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
                    note_annotation_losses(a, task, &mut report);
                    continue;
                }
                if used[i] {
                    note_annotation_losses(a, task, &mut report);
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
                    note_annotation_losses(a, task, &mut report);
                    out.push(PlannedRow {
                        class,
                        geom: RowGeom::Pose(
                            clip_box(b.bounds(), sc, &mut clipped),
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
                clipped: &mut clipped,
                report: &mut report,
            };
            object_rows(&anns, &class_of, &mut ctx, &mut out);
        }
        // Ultralytics drops duplicate rows; do it here, said aloud.
        let before = out.len();
        let mut kept: Vec<PlannedRow> = Vec::with_capacity(out.len());
        for r in out {
            if !kept.contains(&r) {
                kept.push(r);
            }
        }
        report.lose("duplicate rows", (before - kept.len()) as u64);
        rows.push(kept);
    }
    report.lose("coordinates clipped to the image", clipped);
    Plan {
        task,
        names,
        kpt,
        schema,
        rows,
        report,
    }
}

fn note_annotation_losses(a: &Annotation, task: Task, report: &mut WriteReport) {
    if !a.attributes.is_empty() {
        report.lose("annotation attributes", a.attributes.len() as u64);
    }
    if a.occluded {
        report.lose_one("occluded flags");
    }
    if a.crowd {
        report.lose_one("crowd flags");
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
    if a.group.is_some() && task != Task::Pose {
        report.lose_one("groups");
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

/// The relative path an image gets in the written dataset: under
/// `images/<subset>/` (Ultralytics) or `obj_<subset>_data/` (darknet), after
/// removing such a prefix from its name and any component that would leave
/// the folder.
pub(crate) fn output_name(img: &Image, layout: Layout) -> String {
    let subset = img.subset.clone().unwrap_or_else(|| "train".to_owned());
    let cleaned: Vec<&str> = img
        .file_name
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != "." && *p != ".." && !p.contains(':'))
        .collect();
    let mut parts: &[&str] = &cleaned;
    if parts.first() == Some(&"images") {
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
    let safe_subset: String = subset
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c == ':' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let safe_subset = if safe_subset.is_empty() || safe_subset == "." || safe_subset == ".." {
        "train".to_owned()
    } else {
        safe_subset
    };
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
/// - shapes: as the writer plans them (see [`crate::write_path`]): boxes
///   clipped to the image, polygons to their first ring, OBB as rotated
///   boxes refitted from their corners, pose as a box and keypoints sharing
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
            name: None,
            source_format: Some("yolo".into()),
            extra: Vec::new(),
        },
        labels,
        images: Vec::with_capacity(dataset.images.len()),
        annotations: Vec::new(),
        tracks: Vec::new(),
    };
    if let Some((n, d)) = plan.kpt {
        out.info
            .extra
            .push((KPT_DIMS_EXTRA.to_owned(), format!("[{n},{d}]")));
    }
    let mut next_ann = 1u64;
    let mut next_group = 1u64;
    for (img, rows) in dataset.images.iter().zip(&plan.rows) {
        out.images.push(Image {
            id: img.id,
            file_name: output_name(img, Layout::Ultralytics),
            width: img.width,
            height: img.height,
            subset: Some(img.subset.clone().unwrap_or_else(|| "train".to_owned())),
            ..Image::default()
        });
        for r in rows {
            let label = labelkit_model::LabelId(r.class);
            let mut push = |g: Geometry, group: Option<GroupId>| {
                let mut a = Annotation::new(AnnotationId(next_ann), img.id, label, g);
                a.group = group;
                out.annotations.push(a);
                next_ann += 1;
            };
            match &r.geom {
                RowGeom::Box(b) => push(Geometry::Box(*b), None),
                RowGeom::Polygon(p) => push(
                    Geometry::Polygon(Polygon {
                        rings: vec![p.clone()],
                    }),
                    None,
                ),
                RowGeom::Obb(c) => push(Geometry::Box(BoxGeom::from_corners(*c)), None),
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
