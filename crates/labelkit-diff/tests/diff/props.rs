//! Properties: a dataset against itself is equal; the diff of `b` against
//! `a` mirrors that of `a` against `b`.

use labelkit::model::{Dataset, Geometry};
use labelkit_diff::{diff, ChangeKind, DiffOptions, Facet};
use proptest::prelude::*;

use super::util::{bx, changes, dataset, image, shape};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(48),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Any generated dataset (every shape kind, tracks, masks, attributes,
    /// repeated file names) against itself.
    #[test]
    fn a_dataset_against_itself_is_equal(d in labelkit_testkit::arb_dataset()) {
        let r = diff(&d, &d, &DiffOptions::new());
        prop_assert!(r.is_empty(), "{:#?}", r.images.first());
        prop_assert_eq!(r.summary.per_kind.total(), 0);
        prop_assert_eq!(r.summary.objects_unchanged + orphans(&d), d.annotations.len() + d.tracks.len());
    }

    #[test]
    fn the_diff_back_mirrors_the_diff_forth((a, b) in pair()) {
        let forth = diff(&a, &b, &DiffOptions::new());
        let back = diff(&b, &a, &DiffOptions::new());
        let (f, k) = (&forth.summary.per_kind, &back.summary.per_kind);
        prop_assert_eq!(f.get(ChangeKind::Added), k.get(ChangeKind::Removed));
        prop_assert_eq!(f.get(ChangeKind::Removed), k.get(ChangeKind::Added));
        for kind in &ChangeKind::ALL[2..] {
            prop_assert_eq!(f.get(*kind), k.get(*kind), "{:?}", kind);
        }
        prop_assert_eq!(forth.summary.objects_unchanged, back.summary.objects_unchanged);
        let mut shifts_forth = shifts(&forth);
        let mut shifts_back: Vec<(i64, i64)> = shifts(&back).into_iter().map(|(x, y)| (-x, -y)).collect();
        shifts_forth.sort_unstable();
        shifts_back.sort_unstable();
        prop_assert_eq!(shifts_forth, shifts_back);
        let relabels = |d: &labelkit_diff::DatasetDiff, back: bool| {
            let mut v: Vec<(String, String)> = changes(d).iter().flat_map(|c| c.facets.iter()).filter_map(|f| match f {
                Facet::Relabelled { from, to } if back => Some((to.clone(), from.clone())),
                Facet::Relabelled { from, to } => Some((from.clone(), to.clone())),
                _ => None,
            }).collect();
            v.sort();
            v
        };
        prop_assert_eq!(relabels(&forth, false), relabels(&back, true));
    }
}

fn orphans(d: &Dataset) -> usize {
    d.index().orphans().len()
}

/// Centre shifts of the moved objects, in 1/1000 px.
fn shifts(d: &labelkit_diff::DatasetDiff) -> Vec<(i64, i64)> {
    changes(d)
        .iter()
        .flat_map(|c| c.facets.iter())
        .filter_map(|f| match f {
            #[allow(clippy::cast_possible_truncation)]
            Facet::Moved { dx, dy } => {
                Some(((dx * 1000.0).round() as i64, (dy * 1000.0).round() as i64))
            }
            _ => None,
        })
        .collect()
}

/// What happens to one box of the old side.
#[derive(Debug, Clone, Copy)]
enum Edit {
    Keep,
    Move(i8, i8),
    Grow(i8),
    Relabel,
    Remove,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => Just(Edit::Keep),
        2 => (-6i8..=6, -6i8..=6).prop_map(|(x, y)| Edit::Move(x, y)),
        1 => (1i8..=6).prop_map(Edit::Grow),
        1 => Just(Edit::Relabel),
        1 => Just(Edit::Remove),
    ]
}

/// Two versions of two images of boxes on a lattice (40 px apart, 20 px
/// wide: no two boxes of a side overlap, so the matching is unambiguous),
/// the second side edited box by box, with some boxes added.
fn pair() -> impl Strategy<Value = (Dataset, Dataset)> {
    (
        proptest::collection::vec((0usize..2, 0usize..64, 0usize..2, edit()), 0..40),
        proptest::collection::vec((0usize..2, 0usize..64), 0..6),
    )
        .prop_map(|(boxes, added)| {
            let labels = ["eye", "nose"];
            let mut a = dataset(&labels);
            let mut b = dataset(&labels);
            for name in ["x.jpg", "y.jpg"] {
                image(&mut a, name, 400, 400);
                image(&mut b, name, 400, 400);
            }
            let ids: Vec<_> = a.images.iter().map(|i| i.id).collect();
            let mut used = std::collections::HashSet::new();
            let at = |cell: usize| ((cell % 8) as f64 * 40.0, (cell / 8) as f64 * 40.0);
            for (img, cell, label, e) in boxes {
                if !used.insert((img, cell)) {
                    continue;
                }
                let (x, y) = at(cell);
                shape(
                    &mut a,
                    ids[img],
                    labels[label],
                    bx(x, y, x + 20.0, y + 20.0),
                );
                let (g, l): (Geometry, &str) = match e {
                    Edit::Keep => (bx(x, y, x + 20.0, y + 20.0), labels[label]),
                    Edit::Move(dx, dy) => {
                        let (dx, dy) = (f64::from(dx), f64::from(dy));
                        (
                            bx(x + dx, y + dy, x + dx + 20.0, y + dy + 20.0),
                            labels[label],
                        )
                    }
                    Edit::Grow(g) => (bx(x, y, x + 20.0 + f64::from(g), y + 20.0), labels[label]),
                    Edit::Relabel => (bx(x, y, x + 20.0, y + 20.0), labels[1 - label]),
                    Edit::Remove => continue,
                };
                shape(&mut b, ids[img], l, g);
            }
            for (img, cell) in added {
                if used.insert((img, cell)) {
                    let (x, y) = at(cell);
                    shape(&mut b, ids[img], "eye", bx(x, y, x + 20.0, y + 20.0));
                }
            }
            (a, b)
        })
}
