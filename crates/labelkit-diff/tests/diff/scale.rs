//! Large images: 100,000 shapes of one label on one image are matched
//! correctly (and, by the grid, in about linear time: no timing is
//! asserted, the test would not finish on a quadratic matcher).

use labelkit_diff::{diff, ChangeKind, DiffOptions, Facet, Tolerance, CANDIDATE_CAP};

use super::util::{bx, changes, dataset, image, shape};

const N: usize = 100_000;

/// A 316 x 317 lattice of 10 x 10 px boxes, 20 px apart; the new side has
/// every box moved by 0.001 px (within the tolerance, but not identical, so
/// that every box goes through the grid), every 20th moved by 3 px, every
/// 50th removed, and 1000 new boxes between them.
#[test]
fn an_image_of_100000_boxes_of_one_label() {
    let mut old = dataset(&["eye"]);
    let mut new = dataset(&["eye"]);
    let o = image(&mut old, "big.jpg", 7000, 7000);
    let n = image(&mut new, "big.jpg", 7000, 7000);
    let at = |i: usize| ((i % 316) as f64 * 20.0, (i / 316) as f64 * 20.0);
    let (mut moved, mut removed) = (0, 0);
    for i in 0..N {
        let (x, y) = at(i);
        shape(&mut old, o, "eye", bx(x, y, x + 10.0, y + 10.0));
        if i % 50 == 0 {
            removed += 1;
            continue;
        }
        let dx = if i % 20 == 0 {
            moved += 1;
            3.0
        } else {
            0.001
        };
        shape(&mut new, n, "eye", bx(x + dx, y, x + dx + 10.0, y + 10.0));
    }
    for i in 0..1000 {
        let (x, y) = at(i * 7);
        shape(
            &mut new,
            n,
            "eye",
            bx(x + 12.0, y + 12.0, x + 18.0, y + 18.0),
        );
    }
    let d = diff(
        &old,
        &new,
        &DiffOptions::new().tolerance(Tolerance::Px(0.01)),
    );
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    let k = &d.summary.per_kind;
    assert_eq!(k.get(ChangeKind::Added), 1000);
    assert_eq!(k.get(ChangeKind::Removed), removed);
    assert_eq!(k.get(ChangeKind::Moved), moved);
    assert_eq!(k.total(), 1000 + removed + moved);
    assert_eq!(d.summary.objects_unchanged, N - removed - moved);
    assert!(changes(&d)
        .iter()
        .filter(|c| c.kinds() == [ChangeKind::Moved])
        .all(|c| c.facets == [Facet::Moved { dx: 3.0, dy: 0.0 }]));
}

/// A crafted pile: 100,000 boxes of one label almost on top of each other
/// on both sides, every one overlapping every other. Each search stops at
/// the candidate cap, and the searches start at different places in the
/// pile, so the greedy pairing still pairs every box.
#[test]
fn a_pile_of_100000_overlapping_boxes_is_paired_within_the_cap() {
    let mut old = dataset(&["eye"]);
    let mut new = dataset(&["eye"]);
    let o = image(&mut old, "pile.jpg", 1000, 1000);
    let n = image(&mut new, "pile.jpg", 1000, 1000);
    for i in 0..N {
        let e = i as f64 * 1e-6;
        shape(&mut old, o, "eye", bx(100.0 + e, 100.0, 200.0 + e, 200.0));
        shape(&mut new, n, "eye", bx(100.0, 100.0 + e, 200.0, 200.0 + e));
    }
    let d = diff(
        &old,
        &new,
        &DiffOptions::new().tolerance(Tolerance::Px(0.5)),
    );
    assert!(d.is_empty(), "{:?} {:?}", d.summary.per_kind, d.notes);
    assert_eq!(d.summary.objects_unchanged, N);
    const { assert!(CANDIDATE_CAP < N) };
}

/// train2017 scale: 120,000 images of 7 or 8 boxes (857,000 in all) of 80
/// labels, 5% of them changed (moved, removed, relabelled) and 2,000
/// added. Prints the time of the diff (`cargo test --release -p
/// labelkit-diff --test diff train2017 -- --ignored --nocapture`); asserts
/// the counts only.
#[test]
#[ignore = "a measurement: run with --release --ignored"]
fn train2017_scale_pair() {
    let labels: Vec<String> = (0..80).map(|i| format!("class{i}")).collect();
    let names: Vec<&str> = labels.iter().map(String::as_str).collect();
    let mut old = dataset(&names);
    let mut new = dataset(&names);
    let (mut moved, mut removed, mut relabelled, mut total) = (0, 0, 0, 0);
    for i in 0..120_000usize {
        let name = format!("{i:012}.jpg");
        let o = image(&mut old, &name, 640, 480);
        let n = image(&mut new, &name, 640, 480);
        let count = if i % 7 < 1 { 8 } else { 7 };
        for k in 0..count {
            total += 1;
            let (x, y) = ((k % 4) as f64 * 150.0 + 5.0, (k / 4) as f64 * 200.0 + 5.0);
            let label = names[(i + k) % 80];
            shape(&mut old, o, label, bx(x, y, x + 100.0, y + 120.0));
            match total % 60 {
                0 => {
                    moved += 1;
                    shape(&mut new, n, label, bx(x + 4.0, y, x + 104.0, y + 120.0));
                }
                20 => removed += 1,
                40 => {
                    relabelled += 1;
                    shape(
                        &mut new,
                        n,
                        names[(i + k + 1) % 80],
                        bx(x, y, x + 100.0, y + 120.0),
                    );
                }
                _ => {
                    shape(&mut new, n, label, bx(x, y, x + 100.0, y + 120.0));
                }
            }
        }
        if i % 60 == 0 {
            shape(&mut new, n, names[0], bx(600.0, 440.0, 630.0, 470.0));
        }
    }
    let start = std::time::Instant::now();
    let d = diff(&old, &new, &DiffOptions::new());
    let took = start.elapsed();
    println!(
        "diff of {} + {} shapes on 120,000 images: {took:?}",
        old.annotations.len(),
        new.annotations.len()
    );
    let k = &d.summary.per_kind;
    assert_eq!(k.get(ChangeKind::Moved), moved);
    assert_eq!(k.get(ChangeKind::Removed), removed);
    assert_eq!(k.get(ChangeKind::Relabelled), relabelled);
    assert_eq!(k.get(ChangeKind::Added), 2000);
    assert_eq!(total, old.annotations.len());
}
