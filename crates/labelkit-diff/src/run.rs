//! The diff of two datasets: images, then objects within each image, then
//! tracks, then the summary.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use labelkit_model::{Annotation, Dataset, GeometryKind, GroupId};
use rayon::prelude::*;

use crate::facets::{attribute_changes, geometry_facets};
use crate::holds::Common;
use crate::images::match_images;
use crate::matching::{greedy, iou, match_rect, Grid, Rect};
use crate::tolerance::threshold;
use crate::{
    label_name, Change, CompanionGroup, DatasetDiff, DiffOptions, Facet, ImageDiff, ImageSide,
    ObjectSide, Summary,
};

/// Compares `old` with `new` (see the [crate documentation](crate) for how
/// images and objects are matched). Deterministic; no I/O; time about
/// linear in the number of shapes.
#[must_use]
pub fn diff(old: &Dataset, new: &Dataset, opts: &DiffOptions) -> DatasetDiff {
    let mut matched = match_images(old, new);
    let mut notes = std::mem::take(&mut matched.notes);
    let (old_index, new_index) = (FlatIndex::new(old), FlatIndex::new(new));
    let common = Common::new(old, new);
    let mut ctx = Ctx {
        old,
        new,
        opts,
        old_labels: names(old),
        new_labels: names(new),
        same_label: same_labels(old, new),
        common,
        counts: Counts::default(),
    };
    let mut summary = Summary::default();
    let mut images = Vec::new();
    // The images are compared in parallel, each on its own; the results
    // are gathered in order.
    let compared: Vec<(Vec<Change>, Counts)> = matched
        .pairs
        .par_iter()
        .map(|&(o, n)| {
            let old_anns = o.map_or(&[][..], |i| old_index.annotations_of(i));
            let new_anns = n.map_or(&[][..], |i| new_index.annotations_of(i));
            let mut counts = Counts::default();
            let changes = if ctx.common.filters() {
                // Only the shapes the other side's format can hold.
                let kept = |d: &Dataset, anns: &[usize], held: &dyn Fn(GeometryKind) -> bool| {
                    anns.iter()
                        .copied()
                        .filter(|&i| held(d.annotations[i].geometry.kind()))
                        .collect::<Vec<usize>>()
                };
                let old_kept = kept(old, old_anns, &|k| ctx.common.old_kind(k));
                let new_kept = kept(new, new_anns, &|k| ctx.common.new_kind(k));
                ctx.image_changes(o, n, &old_kept, &new_kept, &mut counts)
            } else {
                ctx.image_changes(o, n, old_anns, new_anns, &mut counts)
            };
            (changes, counts)
        })
        .collect();
    for (&(o, n), (changes, counts)) in matched.pairs.iter().zip(compared) {
        ctx.counts.add(counts);
        match (o, n) {
            (Some(_), Some(_)) if changes.is_empty() => {
                summary.images_unchanged += 1;
                continue;
            }
            (Some(_), Some(_)) => summary.images_changed += 1,
            (None, _) => summary.images_added += 1,
            (_, None) => summary.images_removed += 1,
        }
        images.push(ImageDiff {
            key: matched.key(o, n).to_owned(),
            old: o.map(|i| image_side(old, i)),
            new: n.map(|i| image_side(new, i)),
            changes,
        });
    }
    for (d, index, side) in [(old, &old_index, "old"), (new, &new_index, "new")] {
        orphan_note(d, index, side, &mut notes);
    }
    ctx.common.notes(
        (old, &old_index.positions),
        (new, &new_index.positions),
        &mut notes,
    );
    crate::tracks::diff_tracks(&mut ctx, &mut images, &mut summary, &mut notes);
    if ctx.counts.capped > 0 {
        notes.push(format!(
            "{} shapes overlap more than {} others (or a pile of them exceeded the candidate budget): each was matched among the candidates found before the cap",
            ctx.counts.capped,
            crate::CANDIDATE_CAP
        ));
    }
    if ctx.counts.approximated > 0 {
        notes.push(format!(
            "{} reshaped shapes have too many vertices to compare pairwise: their shift is the largest shift of a bound",
            ctx.counts.approximated
        ));
    }
    summary.objects_old = old.annotations.len().saturating_add(old.tracks.len());
    summary.objects_new = new.annotations.len().saturating_add(new.tracks.len());
    summary.objects_unchanged = ctx.counts.unchanged;
    for image in &images {
        for change in &image.changes {
            let per_label = summary
                .per_label
                .entry(change.label().to_owned())
                .or_default();
            for kind in change.kinds() {
                per_label.add(kind);
                summary.per_kind.add(kind);
            }
        }
    }
    DatasetDiff {
        images,
        summary,
        notes,
    }
}

fn orphan_note(d: &Dataset, index: &FlatIndex, side: &str, notes: &mut Vec<String>) {
    let n = index.orphans;
    if n > 0 {
        notes.push(format!(
            "{n} annotations of the {side} side belong to no image: not compared"
        ));
    }
    let _ = d;
}

/// The annotations of each image, as positions in one flat list (the
/// model's [`labelkit_model::DatasetIndex`] holds a list per image; this
/// one allocates twice for a whole dataset).
struct FlatIndex {
    /// `starts[i]..starts[i + 1]` are image `i`'s positions in `positions`.
    starts: Vec<usize>,
    positions: Vec<usize>,
    /// Annotations of no image.
    orphans: usize,
}

impl FlatIndex {
    fn new(d: &Dataset) -> Self {
        let mut image_pos: HashMap<labelkit_model::ImageId, usize> =
            HashMap::with_capacity(d.images.len());
        for (i, image) in d.images.iter().enumerate() {
            image_pos.entry(image.id).or_insert(i);
        }
        // Annotations come grouped by image in every format: the image of
        // the one before is looked up once.
        let mut last: Option<(labelkit_model::ImageId, Option<usize>)> = None;
        let owner: Vec<Option<usize>> = d
            .annotations
            .iter()
            .map(|a| match last {
                Some((id, pos)) if id == a.image => pos,
                _ => {
                    let pos = image_pos.get(&a.image).copied();
                    last = Some((a.image, pos));
                    pos
                }
            })
            .collect();
        let mut starts = vec![0usize; d.images.len() + 1];
        for &i in owner.iter().flatten() {
            starts[i + 1] += 1;
        }
        for i in 0..d.images.len() {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut positions = vec![0usize; starts[d.images.len()]];
        let mut orphans = 0;
        for (a, owner) in owner.iter().enumerate() {
            match owner {
                Some(i) => {
                    positions[next[*i]] = a;
                    next[*i] += 1;
                }
                None => orphans += 1,
            }
        }
        Self {
            starts,
            positions,
            orphans,
        }
    }

    fn annotations_of(&self, image: usize) -> &[usize] {
        match (self.starts.get(image), self.starts.get(image + 1)) {
            (Some(&a), Some(&b)) => &self.positions[a..b],
            _ => &[],
        }
    }
}

/// For each label of `old`, the first label of `new` with its name.
fn same_labels(old: &Dataset, new: &Dataset) -> Vec<Option<labelkit_model::LabelId>> {
    let mut by_name: HashMap<&str, labelkit_model::LabelId> = HashMap::new();
    for (id, l) in new.labels.iter() {
        by_name.entry(l.name.as_str()).or_insert(id);
    }
    old.labels
        .labels
        .iter()
        .map(|l| by_name.get(l.name.as_str()).copied())
        .collect()
}

fn names(d: &Dataset) -> Vec<String> {
    (0..d.labels.len())
        .map(|i| {
            label_name(
                d,
                labelkit_model::LabelId(u32::try_from(i).unwrap_or(u32::MAX)),
            )
        })
        .collect()
}

fn image_side(d: &Dataset, i: usize) -> ImageSide {
    let image = &d.images[i];
    ImageSide {
        index: i,
        file_name: image.file_name.clone(),
        width: image.width,
        height: image.height,
    }
}

/// The bounds of a shape as a finite rect; `None` for a tag, an empty or a
/// non-finite shape.
pub(crate) fn rect_of(g: &labelkit_model::Geometry) -> Option<Rect> {
    let b = g.bounds()?;
    let r = [b.x_min, b.y_min, b.x_max, b.y_max];
    r.iter().all(|v| v.is_finite()).then_some(r)
}

/// `[x, y, w, h]` of a rect.
pub(crate) fn xywh(r: Rect) -> [f64; 4] {
    [r[0], r[1], r[2] - r[0], r[3] - r[1]]
}

/// What every image's comparison shares.
pub(crate) struct Ctx<'a> {
    pub(crate) old: &'a Dataset,
    pub(crate) new: &'a Dataset,
    pub(crate) opts: &'a DiffOptions,
    pub(crate) old_labels: Vec<String>,
    pub(crate) new_labels: Vec<String>,
    /// For each old label, the new label of the same name.
    pub(crate) same_label: Vec<Option<labelkit_model::LabelId>>,
    /// What both sides' formats hold: what is compared.
    pub(crate) common: Common,
    /// What the comparisons counted.
    pub(crate) counts: Counts,
}

/// What comparing images and tracks counts, for the notes and summary.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    /// Shapes whose candidate search reached the cap.
    pub(crate) capped: usize,
    /// Reshapes measured from bounds.
    pub(crate) approximated: usize,
    /// Matched objects without a change.
    pub(crate) unchanged: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.capped = self.capped.saturating_add(other.capped);
        self.approximated = self.approximated.saturating_add(other.approximated);
        self.unchanged = self.unchanged.saturating_add(other.unchanged);
    }
}

/// Positions of the old and the new side's shapes of one group.
type Sides = (Vec<usize>, Vec<usize>);

/// One shape of one side of an image.
struct Obj<'a> {
    ann: usize,
    a: &'a Annotation,
    label: &'a str,
    kind: GeometryKind,
    rect: Option<Rect>,
}

impl<'a> Ctx<'a> {
    fn label<'s>(labels: &'s [String], a: &Annotation) -> &'s str {
        labels.get(a.label.index()).map_or("", String::as_str)
    }

    fn objects<'s>(d: &'s Dataset, labels: &'s [String], anns: &[usize]) -> Vec<Obj<'s>> {
        anns.iter()
            .map(|&i| {
                let a = &d.annotations[i];
                Obj {
                    ann: i,
                    a,
                    label: Self::label(labels, a),
                    kind: a.geometry.kind(),
                    rect: rect_of(&a.geometry),
                }
            })
            .collect()
    }

    /// Whether the two images' shapes are the same, one by one in order:
    /// same label, geometry, attributes and occlusion (most images of a
    /// pair, which then need no matching).
    fn same_in_order(&self, old_anns: &[usize], new_anns: &[usize]) -> bool {
        old_anns.len() == new_anns.len()
            && old_anns.iter().zip(new_anns).all(|(&i, &j)| {
                let (a, b) = (&self.old.annotations[i], &self.new.annotations[j]);
                a.geometry == b.geometry
                    && (!self.common.attributes()
                        || (a.occluded == b.occluded && a.attributes == b.attributes))
                    && (self.same_label.get(a.label.index()) == Some(&Some(b.label))
                        || Self::label(&self.old_labels, a) == Self::label(&self.new_labels, b))
            })
    }

    /// The tolerance between image `o` of the old side and `n` of the new.
    pub(crate) fn tolerance(&self, o: Option<usize>, n: Option<usize>) -> f64 {
        threshold(
            self.opts.tolerance_setting(),
            (self.old, o.and_then(|i| self.old.images.get(i))),
            (self.new, n.and_then(|i| self.new.images.get(i))),
        )
    }

    fn image_changes(
        &self,
        o: Option<usize>,
        n: Option<usize>,
        old_anns: &[usize],
        new_anns: &[usize],
        counts: &mut Counts,
    ) -> Vec<Change> {
        if self.same_in_order(old_anns, new_anns) {
            counts.unchanged += old_anns.len();
            return Vec::new();
        }
        let old_objs = Self::objects(self.old, &self.old_labels, old_anns);
        let new_objs = Self::objects(self.new, &self.new_labels, new_anns);
        let mut p = Pairing {
            old_match: vec![None; old_objs.len()],
            new_match: vec![None; new_objs.len()],
            consumed_old: vec![false; old_objs.len()],
            consumed_new: vec![false; new_objs.len()],
        };
        let min_iou = self.opts.min_iou();
        let objs = (&old_objs[..], &new_objs[..]);
        // 1. Per label and kind.
        p.match_by(&mut counts.capped, objs, min_iou, |o| {
            Some((Some(o.label), o.kind))
        });
        // 2. Companions.
        let image_size = n
            .or(o)
            .and_then(|i| {
                let d = if n.is_some() { self.new } else { self.old };
                d.images.get(i)
            })
            .map_or((0, 0), |im| (im.width, im.height));
        let mut companion_facets: HashMap<usize, Facet> = HashMap::new();
        for group in self.opts.companion_groups() {
            companions(
                group,
                &old_objs,
                &new_objs,
                &p.old_match,
                &p.new_match,
                &mut p.consumed_old,
                &mut p.consumed_new,
                &mut companion_facets,
                &mut counts.capped,
            );
        }
        // 3. Relabels: the leftovers across labels, per kind. A tag has no
        // place: two different tags are two tags.
        p.match_by(&mut counts.capped, objs, min_iou, |o| {
            (o.kind != GeometryKind::Tag).then_some((None, o.kind))
        });
        // The changes.
        let tol = self.tolerance(o, n);
        let mut changes = Vec::new();
        for (j, nobj) in new_objs.iter().enumerate() {
            match p.new_match[j] {
                Some(i) => {
                    let oobj = &old_objs[i];
                    let mut facets = Vec::new();
                    let mut approximated = false;
                    geometry_facets(
                        &oobj.a.geometry,
                        &nobj.a.geometry,
                        tol,
                        image_size,
                        &mut approximated,
                        &mut facets,
                    );
                    if approximated {
                        counts.approximated += 1;
                    }
                    if oobj.label != nobj.label {
                        facets.push(Facet::Relabelled {
                            from: oobj.label.to_owned(),
                            to: nobj.label.to_owned(),
                        });
                    }
                    let compare_attributes = self.common.attributes();
                    let attrs = if compare_attributes {
                        attribute_changes(&oobj.a.attributes, &nobj.a.attributes)
                    } else {
                        Vec::new()
                    };
                    if !attrs.is_empty() {
                        facets.push(Facet::Attributes(attrs));
                    }
                    if compare_attributes && oobj.a.occluded != nobj.a.occluded {
                        facets.push(Facet::Occluded {
                            from: oobj.a.occluded,
                            to: nobj.a.occluded,
                        });
                    }
                    if let Some(f) = companion_facets.remove(&j) {
                        facets.push(f);
                    }
                    if facets.is_empty() {
                        counts.unchanged += 1;
                    } else {
                        changes.push(Change {
                            old: Some(side(oobj)),
                            new: Some(side(nobj)),
                            facets,
                        });
                    }
                }
                None if p.consumed_new[j] => {}
                None => changes.push(Change {
                    old: None,
                    new: Some(side(nobj)),
                    facets: Vec::new(),
                }),
            }
        }
        for (i, oobj) in old_objs.iter().enumerate() {
            if p.old_match[i].is_none() && !p.consumed_old[i] {
                changes.push(Change {
                    old: Some(side(oobj)),
                    new: None,
                    facets: Vec::new(),
                });
            }
        }
        self.attributes_once(&mut changes, counts);
        changes
    }

    /// One object read as several shapes of one group (a COCO
    /// annotation's outline and keypoint set, each carrying its
    /// attributes) changes its attributes once: the change stays on the
    /// first of its shapes, and a shape left without a change is
    /// unchanged.
    fn attributes_once(&self, changes: &mut Vec<Change>, counts: &mut Counts) {
        let group = |d: &Dataset, s: &Option<ObjectSide>| {
            s.as_ref()
                .and_then(|s| d.annotations.get(s.annotation))
                .and_then(|a| a.group)
        };
        let mut seen: HashMap<(GroupId, GroupId), Vec<crate::AttributeChange>> = HashMap::new();
        changes.retain_mut(|c| {
            let (Some(go), Some(gn)) = (group(self.old, &c.old), group(self.new, &c.new)) else {
                return true;
            };
            let Some(at) = c
                .facets
                .iter()
                .position(|f| matches!(f, Facet::Attributes(_)))
            else {
                return true;
            };
            let Facet::Attributes(attrs) = &c.facets[at] else {
                return true;
            };
            match seen.get(&(go, gn)) {
                Some(first) if first == attrs => {
                    c.facets.remove(at);
                    if c.facets.is_empty() {
                        counts.unchanged += 1;
                        return false;
                    }
                }
                Some(_) => {}
                None => {
                    seen.insert((go, gn), attrs.clone());
                }
            }
            true
        });
    }
}

/// Which shapes of an image are paired with which, and which companion
/// shapes are accounted for by their object's [`Facet::Companions`].
struct Pairing {
    old_match: Vec<Option<usize>>,
    new_match: Vec<Option<usize>>,
    consumed_old: Vec<bool>,
    consumed_new: Vec<bool>,
}

/// A shape's group for a matching pass: its label (or any) and its kind.
type GroupKey<'a> = (Option<&'a str>, GeometryKind);

impl Pairing {
    /// Pairs the shapes not yet paired nor consumed, within the groups
    /// `key` puts them in (`None`: left alone), by [`greedy`].
    fn match_by<'a>(
        &mut self,
        capped: &mut usize,
        (old_objs, new_objs): (&[Obj<'a>], &[Obj<'a>]),
        min_iou: f64,
        key: impl Fn(&Obj<'a>) -> Option<GroupKey<'a>>,
    ) {
        let mut groups: BTreeMap<GroupKey<'a>, Sides> = BTreeMap::new();
        for (i, obj) in old_objs.iter().enumerate() {
            if self.old_match[i].is_none() && !self.consumed_old[i] {
                if let Some(k) = key(obj) {
                    groups.entry(k).or_default().0.push(i);
                }
            }
        }
        for (j, obj) in new_objs.iter().enumerate() {
            if self.new_match[j].is_none() && !self.consumed_new[j] {
                if let Some(k) = key(obj) {
                    groups.entry(k).or_default().1.push(j);
                }
            }
        }
        for (olds, news) in groups.values() {
            pair_up(
                capped,
                olds,
                news,
                (old_objs, new_objs),
                min_iou,
                (&mut self.old_match, &mut self.new_match),
            );
        }
    }
}

fn pair_up(
    capped: &mut usize,
    olds: &[usize],
    news: &[usize],
    (old_objs, new_objs): (&[Obj<'_>], &[Obj<'_>]),
    min_iou: f64,
    (old_match, new_match): (&mut [Option<usize>], &mut [Option<usize>]),
) {
    let olds: Vec<usize> = olds
        .iter()
        .copied()
        .filter(|&i| old_match[i].is_none())
        .collect();
    let news: Vec<usize> = news
        .iter()
        .copied()
        .filter(|&j| new_match[j].is_none())
        .collect();
    if olds.is_empty() || news.is_empty() {
        return;
    }
    let or: Vec<Option<Rect>> = olds
        .iter()
        .map(|&i| old_objs[i].rect.map(match_rect))
        .collect();
    let nr: Vec<Option<Rect>> = news
        .iter()
        .map(|&j| new_objs[j].rect.map(match_rect))
        .collect();
    for (a, b) in greedy(&or, &nr, min_iou, capped) {
        old_match[olds[a]] = Some(news[b]);
        new_match[news[b]] = Some(olds[a]);
    }
}

fn side(obj: &Obj<'_>) -> ObjectSide {
    ObjectSide {
        annotation: obj.ann,
        track: false,
        label: obj.label.to_owned(),
        kind: obj.kind,
        bbox: obj.rect.map(xywh),
    }
}

/// Whether a companion box `c` labels an object of bounds `o`: their IoU is
/// at least the group's, or every edge is within its edge tolerance.
fn coincides(group: &CompanionGroup, o: &Rect, c: &Rect) -> bool {
    let t = group.edge_tolerance;
    iou(o, c) >= group.iou || (0..4).all(|k| (o[k] - c[k]).abs() <= t)
}

/// For each box of the group's label on one side, the companion labels
/// coinciding with it, and the companion shapes that do. Companions are
/// boxes of boxes, as `missing-companion` (A003) reads them on a box-only
/// schema: a body's keypoint set or outline is neither an object with
/// companions nor a companion, so moving its keypoints changes no
/// companion.
fn companion_sets<'a>(
    group: &CompanionGroup,
    objs: &[Obj<'a>],
    capped: &mut usize,
) -> HashMap<usize, Vec<(&'a str, usize)>> {
    let companions: Vec<(usize, Rect)> = objs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind == GeometryKind::Box)
        .filter(|(_, o)| group.one_of.iter().any(|l| l == o.label))
        .filter_map(|(i, o)| o.rect.map(|r| (i, r)))
        .collect();
    let mut out: HashMap<usize, Vec<(&'a str, usize)>> = HashMap::new();
    if companions.is_empty() {
        return out;
    }
    let rects: Vec<Rect> = companions.iter().map(|&(_, r)| r).collect();
    let objects: Vec<(usize, Rect)> = objs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind == GeometryKind::Box && o.label == group.object)
        .filter_map(|(i, o)| o.rect.map(|r| (i, r)))
        .collect();
    let queries: Vec<Rect> = objects.iter().map(|&(_, r)| r).collect();
    let mut grid = Grid::new(&rects, &queries);
    let t = if group.edge_tolerance.is_finite() {
        group.edge_tolerance.max(0.0)
    } else {
        0.0
    };
    for &(i, r) in &objects {
        let widened = [r[0] - t, r[1] - t, r[2] + t, r[3] + t];
        let mut found = Vec::new();
        let hit = grid.near(&widened, i, |k| {
            if coincides(group, &r, &rects[k]) {
                found.push((objs[companions[k].0].label, companions[k].0));
            }
        });
        if hit {
            *capped = capped.saturating_add(1);
        }
        if !found.is_empty() {
            found.sort_unstable();
            out.insert(i, found);
        }
    }
    out
}

/// The [`Facet::Companions`] of the matched objects of `group`'s label,
/// keyed by their new position; marks the unmatched companion shapes they
/// account for as consumed.
#[allow(clippy::too_many_arguments)]
fn companions(
    group: &CompanionGroup,
    old_objs: &[Obj<'_>],
    new_objs: &[Obj<'_>],
    old_match: &[Option<usize>],
    new_match: &[Option<usize>],
    consumed_old: &mut [bool],
    consumed_new: &mut [bool],
    facets: &mut HashMap<usize, Facet>,
    capped: &mut usize,
) {
    let old_sets = companion_sets(group, old_objs, capped);
    let new_sets = companion_sets(group, new_objs, capped);
    if old_sets.is_empty() && new_sets.is_empty() {
        return;
    }
    let none = Vec::new();
    for (j, nobj) in new_objs.iter().enumerate() {
        let Some(i) = new_match[j] else { continue };
        if nobj.label != group.object || old_objs[i].label != group.object {
            continue;
        }
        let olds = old_sets.get(&i).unwrap_or(&none);
        let news = new_sets.get(&j).unwrap_or(&none);
        let old_labels: BTreeSet<&str> = olds.iter().map(|&(l, _)| l).collect();
        let new_labels: BTreeSet<&str> = news.iter().map(|&(l, _)| l).collect();
        let gained: Vec<String> = new_labels
            .difference(&old_labels)
            .map(|&l| l.to_owned())
            .collect();
        let lost: Vec<String> = old_labels
            .difference(&new_labels)
            .map(|&l| l.to_owned())
            .collect();
        if gained.is_empty() && lost.is_empty() {
            continue;
        }
        for &(l, k) in news {
            if new_match[k].is_none() && gained.iter().any(|g| g == l) {
                consumed_new[k] = true;
            }
        }
        for &(l, k) in olds {
            if old_match[k].is_none() && lost.iter().any(|g| g == l) {
                consumed_old[k] = true;
            }
        }
        facets.insert(j, Facet::Companions { gained, lost });
    }
}
