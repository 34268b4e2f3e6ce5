//! Video tracks: matched by the IoU of their shapes on the frames both
//! have, compared frame by frame.

use std::collections::{BTreeMap, HashMap};

use labelkit_model::{Dataset, Geometry, Track, TrackShape};

use crate::facets::{attribute_changes, geometry_facets};
use crate::matching::{iou, match_rect, Grid, Rect};
use crate::run::{rect_of, xywh, Ctx};
use crate::{Change, Facet, ImageDiff, ObjectSide, Summary};

/// A track's visible shapes by frame, with their rects (for a skeleton,
/// whose shapes are tags, the bounds of its elements' points on the frame).
fn visible(track: &Track) -> BTreeMap<u64, (&TrackShape, Option<Rect>)> {
    let mut out = BTreeMap::new();
    for s in track.shapes.iter().filter(|s| !s.outside) {
        out.insert(s.frame, (s, rect_of(&s.geometry)));
    }
    if track.is_skeleton() {
        for e in &track.elements {
            for s in e.shapes.iter().filter(|s| !s.outside) {
                if let (Some(slot), Some(r)) = (out.get_mut(&s.frame), rect_of(&s.geometry)) {
                    slot.1 = Some(match slot.1 {
                        Some(a) => [
                            a[0].min(r[0]),
                            a[1].min(r[1]),
                            a[2].max(r[2]),
                            a[3].max(r[3]),
                        ],
                        None => r,
                    });
                }
            }
        }
    }
    out
}

/// The old and new tracks' rects on one frame.
type FrameRects = (Vec<(usize, Rect)>, Vec<(usize, Rect)>);

/// The kind of a track's shapes (a box track is never a polyline track).
fn kind(track: &Track) -> Option<labelkit_model::GeometryKind> {
    track.shapes.first().map(|s| s.geometry.kind())
}

type Frames<'a> = BTreeMap<u64, (&'a TrackShape, Option<Rect>)>;

/// Mean IoU over common frames, for every pair of tracks that share a
/// frame with overlapping shapes: `(old, new) -> (sum, common frames)`.
fn scores(
    old: &[Frames<'_>],
    new: &[Frames<'_>],
    capped: &mut usize,
) -> HashMap<(usize, usize), (f64, usize)> {
    let mut by_frame: BTreeMap<u64, FrameRects> = BTreeMap::new();
    for (t, frames) in old.iter().enumerate() {
        for (&f, &(_, r)) in frames {
            if let Some(r) = r {
                by_frame.entry(f).or_default().0.push((t, match_rect(r)));
            }
        }
    }
    for (t, frames) in new.iter().enumerate() {
        for (&f, &(_, r)) in frames {
            if let Some(r) = r {
                by_frame.entry(f).or_default().1.push((t, match_rect(r)));
            }
        }
    }
    let mut out: HashMap<(usize, usize), (f64, usize)> = HashMap::new();
    for (olds, news) in by_frame.values() {
        if olds.is_empty() || news.is_empty() {
            continue;
        }
        let stored: Vec<Rect> = news.iter().map(|&(_, r)| r).collect();
        let queries: Vec<Rect> = olds.iter().map(|&(_, r)| r).collect();
        let mut grid = Grid::new(&stored, &queries);
        for &(ot, q) in olds {
            let hit = grid.near(&q, ot, |k| {
                let s = iou(&q, &stored[k]);
                if s > 0.0 {
                    let e = out.entry((ot, news[k].0)).or_insert((0.0, 0));
                    e.0 += s;
                    e.1 += 1;
                }
            });
            if hit {
                *capped = capped.saturating_add(1);
            }
        }
    }
    out
}

/// Matches the tracks of the two sides (per label, then across labels),
/// adds a change for each added, removed or changed track to the image of
/// its first frame, and counts them.
pub(crate) fn diff_tracks(
    ctx: &mut Ctx<'_>,
    images: &mut Vec<ImageDiff>,
    summary: &mut Summary,
    notes: &mut Vec<String>,
) {
    let (old, new) = (ctx.old, ctx.new);
    if old.tracks.is_empty() && new.tracks.is_empty() {
        return;
    }
    let old_frames: Vec<Frames<'_>> = old.tracks.iter().map(visible).collect();
    let new_frames: Vec<Frames<'_>> = new.tracks.iter().map(visible).collect();
    let scored = scores(&old_frames, &new_frames, &mut ctx.counts.capped);
    let min_iou = ctx.opts.min_iou();
    let label =
        |labels: &[String], t: &Track| labels.get(t.label.index()).cloned().unwrap_or_default();
    let mut candidates: Vec<(f64, usize, usize)> = scored
        .into_iter()
        .filter_map(|((o, n), (sum, count))| {
            // Mean over the frames both have a shape on: a track that
            // gained or lost frames is still the same object.
            #[allow(clippy::cast_precision_loss)]
            let mean = sum / count.max(1) as f64;
            let same_kind = kind(&old.tracks[o]) == kind(&new.tracks[n]);
            (mean >= min_iou && same_kind).then_some((mean, o, n))
        })
        .collect();
    candidates.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut old_match = vec![None; old.tracks.len()];
    let mut new_match = vec![None; new.tracks.len()];
    for same_label in [true, false] {
        for &(_, o, n) in &candidates {
            let same =
                label(&ctx.old_labels, &old.tracks[o]) == label(&ctx.new_labels, &new.tracks[n]);
            if same == same_label && old_match[o].is_none() && new_match[n].is_none() {
                old_match[o] = Some(n);
                new_match[n] = Some(o);
            }
        }
    }
    let mut changes: Vec<(u64, Change)> = Vec::new();
    for (n, track) in new.tracks.iter().enumerate() {
        let first = new_frames[n].keys().next().copied().unwrap_or(0);
        let nside = track_side(ctx, new, &ctx.new_labels, n, &new_frames[n]);
        match new_match[n] {
            None => changes.push((
                first,
                Change {
                    old: None,
                    new: Some(nside),
                    facets: Vec::new(),
                },
            )),
            Some(o) => {
                let facets =
                    track_facets(ctx, &old_frames[o], &new_frames[n], &old.tracks[o], track);
                if facets.is_empty() {
                    ctx.counts.unchanged += 1;
                } else {
                    let oside = track_side(ctx, old, &ctx.old_labels, o, &old_frames[o]);
                    changes.push((
                        first,
                        Change {
                            old: Some(oside),
                            new: Some(nside),
                            facets,
                        },
                    ));
                }
            }
        }
    }
    for (o, _) in old.tracks.iter().enumerate() {
        if old_match[o].is_none() {
            let first = old_frames[o].keys().next().copied().unwrap_or(0);
            changes.push((
                first,
                Change {
                    old: Some(track_side(ctx, old, &ctx.old_labels, o, &old_frames[o])),
                    new: None,
                    facets: Vec::new(),
                },
            ));
        }
    }
    let mut unplaced = 0usize;
    let mut by_key: HashMap<String, usize> = images
        .iter()
        .enumerate()
        .map(|(i, im)| (im.key.clone(), i))
        .collect();
    let mut old_by_frame: HashMap<u64, usize> = HashMap::new();
    for (i, im) in old.images.iter().enumerate() {
        if let Some(f) = im.frame {
            old_by_frame.entry(f).or_insert(i);
        }
    }
    let mut new_by_frame: HashMap<u64, usize> = HashMap::new();
    for (i, im) in new.images.iter().enumerate() {
        if let Some(f) = im.frame {
            new_by_frame.entry(f).or_insert(i);
        }
    }
    for (frame, change) in changes {
        let key = format!("frame {frame}");
        let pos = match by_key.get(&key) {
            Some(&p) => p,
            None => {
                let side = |d: &Dataset, by_frame: &HashMap<u64, usize>| {
                    by_frame.get(&frame).map(|&i| crate::ImageSide {
                        index: i,
                        file_name: d.images[i].file_name.clone(),
                        width: d.images[i].width,
                        height: d.images[i].height,
                    })
                };
                let (o, n) = (side(old, &old_by_frame), side(new, &new_by_frame));
                // A video file without images (CVAT for video) lists none:
                // only a frame missing among listed ones is worth a note.
                let lists_frames = !old_by_frame.is_empty() || !new_by_frame.is_empty();
                if o.is_none() && n.is_none() && lists_frames {
                    unplaced += 1;
                }
                if o.is_some() && n.is_some() {
                    // An image counted unchanged has a changed track.
                    summary.images_changed += 1;
                    summary.images_unchanged = summary.images_unchanged.saturating_sub(1);
                }
                by_key.insert(key.clone(), images.len());
                images.push(ImageDiff {
                    key,
                    old: o,
                    new: n,
                    changes: Vec::new(),
                });
                images.len() - 1
            }
        };
        images[pos].changes.push(change);
    }
    if unplaced > 0 {
        notes.push(format!(
            "{unplaced} track changes start on a frame with no image on either side: listed under `frame N` without images"
        ));
    }
}

/// The position in `images` order of a change list is kept; a track's
/// change goes after the shapes of its frame.
fn track_side(
    _ctx: &Ctx<'_>,
    d: &Dataset,
    labels: &[String],
    t: usize,
    frames: &Frames<'_>,
) -> ObjectSide {
    let track = &d.tracks[t];
    let first = frames.values().next();
    ObjectSide {
        annotation: t,
        track: true,
        label: labels.get(track.label.index()).cloned().unwrap_or_default(),
        kind: first.map_or_else(
            || {
                track
                    .shapes
                    .first()
                    .map_or(labelkit_model::GeometryKind::Tag, |s| s.geometry.kind())
            },
            |(s, _)| s.geometry.kind(),
        ),
        bbox: first.and_then(|&(_, r)| r).map(xywh),
    }
}

/// The facets of a matched pair of tracks: frames added and removed, the
/// largest move, resize and reshape on a common frame, the first attribute
/// and occlusion change, the relabel.
fn track_facets(
    ctx: &mut Ctx<'_>,
    a: &Frames<'_>,
    b: &Frames<'_>,
    ta: &Track,
    tb: &Track,
) -> Vec<Facet> {
    let mut out = Vec::new();
    let la = ctx
        .old_labels
        .get(ta.label.index())
        .cloned()
        .unwrap_or_default();
    let lb = ctx
        .new_labels
        .get(tb.label.index())
        .cloned()
        .unwrap_or_default();
    let tol = ctx.tolerance(None, None).max(frame_tolerance(ctx));
    let (mut moved, mut resized, mut reshaped): (Option<Facet>, Option<Facet>, Option<Facet>) =
        (None, None, None);
    let mut attrs = None;
    let mut occluded = None;
    let size = ctx
        .new
        .info
        .video
        .and_then(|v| v.frame_size)
        .unwrap_or((0, 0));
    for (f, (sa, _)) in a {
        let Some((sb, _)) = b.get(f) else { continue };
        let mut facets = Vec::new();
        let mut approximated = false;
        if !matches!((&sa.geometry, &sb.geometry), (Geometry::Tag, Geometry::Tag)) {
            geometry_facets(
                &sa.geometry,
                &sb.geometry,
                tol,
                size,
                &mut approximated,
                &mut facets,
            );
        }
        if approximated {
            ctx.counts.approximated += 1;
        }
        for facet in facets {
            let slot = match facet {
                Facet::Moved { .. } => &mut moved,
                Facet::Resized { .. } => &mut resized,
                Facet::Reshaped { .. } | Facet::Keypoints(_) => &mut reshaped,
                _ => continue,
            };
            if slot
                .as_ref()
                .is_none_or(|s| magnitude(s) < magnitude(&facet))
            {
                *slot = Some(facet);
            }
        }
        if attrs.is_none() {
            let changes = attribute_changes(&sa.attributes, &sb.attributes);
            if !changes.is_empty() {
                attrs = Some(Facet::Attributes(changes));
            }
        }
        if occluded.is_none() && sa.occluded != sb.occluded {
            occluded = Some(Facet::Occluded {
                from: sa.occluded,
                to: sb.occluded,
            });
        }
    }
    out.extend(moved);
    out.extend(resized);
    out.extend(reshaped);
    if la != lb {
        out.push(Facet::Relabelled { from: la, to: lb });
    }
    out.extend(attrs);
    out.extend(occluded);
    let frames_added: Vec<u64> = b.keys().filter(|f| !a.contains_key(f)).copied().collect();
    let frames_removed: Vec<u64> = a.keys().filter(|f| !b.contains_key(f)).copied().collect();
    if !frames_added.is_empty() || !frames_removed.is_empty() {
        out.push(Facet::Track {
            frames_added,
            frames_removed,
        });
    }
    out
}

/// The tolerance of a video's frames: that of its first image on each side.
fn frame_tolerance(ctx: &Ctx<'_>) -> f64 {
    let o = (!ctx.old.images.is_empty()).then_some(0);
    let n = (!ctx.new.images.is_empty()).then_some(0);
    ctx.tolerance(o, n)
}

fn magnitude(f: &Facet) -> f64 {
    match f {
        Facet::Moved { dx, dy } => dx.hypot(*dy),
        Facet::Resized { dw, dh } => dw.abs().max(dh.abs()),
        Facet::Reshaped { max_shift, .. } => *max_shift,
        Facet::Keypoints(k) => k.iter().filter_map(|c| c.distance).fold(0.0, f64::max),
        _ => 0.0,
    }
}
