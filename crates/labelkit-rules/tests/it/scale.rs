//! Rules that pair shapes on one image stay near-linear: tens of thousands
//! of shapes on one image are checked in seconds (debug build), with the
//! same findings the pairwise check gave. No timing is asserted; a
//! quadratic rule would make these tests run for minutes.

use labelkit_model::{BoxGeom, GroupId, Visibility};
use labelkit_rules::Config;

use crate::fixtures::{front_person, keypoints, Fx};
use crate::support::check;

fn config(toml: &str) -> Config {
    Config::from_toml_str(toml, "labelkit.toml").expect("config")
}

/// 80,000 boxes on one image (the 6 MB COCO file that took 82 s): a
/// lattice of touching 10x10 boxes (touching is no overlap) with a
/// shifted copy of every 100th, IoU 9.75/10.25 = 0.951.
#[test]
fn a001_eighty_thousand_boxes_on_one_image() {
    let mut fx = Fx::new(&["head"]);
    let mut copies = 0;
    for i in 0..79_207u32 {
        let (x, y) = (f64::from(i % 400) * 10.0, f64::from(i / 400) * 10.0);
        fx.bx("head", x, y, x + 10.0, y + 10.0);
        if i % 100 == 0 {
            fx.bx("head", x + 0.25, y, x + 10.25, y + 10.0);
            copies += 1;
        }
    }
    assert_eq!(fx.d.annotations.len(), 80_000);
    let found = check(&fx.loaded(), &config("select = [\"A001\"]"));
    assert_eq!(found.len(), copies);
    assert!(found.iter().all(|d| d.code == "A001"));
    assert_eq!(
        found[0].message,
        "`head` 2 duplicates annotation 1 (IoU 0.951)"
    );
    assert_eq!(found[0].annotation, Some(2));
}

/// A pile of 80,000 identical boxes: every box but the first duplicates
/// the first.
#[test]
fn a001_pile_of_identical_boxes_points_at_the_first() {
    let mut fx = Fx::new(&["head"]);
    for _ in 0..80_000 {
        fx.bx("head", 10.0, 10.0, 50.0, 60.0);
    }
    let found = check(&fx.loaded(), &config("select = [\"A001\"]"));
    assert_eq!(found.len(), 79_999);
    assert!(found
        .iter()
        .all(|d| d.message.ends_with("duplicates annotation 1 (IoU 1.000)")));
}

/// 40,000 objects and 40,000 companions: each object's companion is found
/// among all of them (A003 silent), and one orphan companion is reported.
#[test]
fn companions_of_forty_thousand_objects() {
    let mut fx = Fx::new(&["body", "adult"]);
    for i in 0..40_000u32 {
        let (x, y) = (f64::from(i % 200) * 10.0, f64::from(i / 200) * 10.0);
        fx.bx("body", x, y, x + 10.0, y + 10.0);
        fx.bx("adult", x, y, x + 10.0, y + 10.0);
    }
    let orphan = fx.bx("adult", 5000.0, 5000.0, 5010.0, 5010.0);
    let groups = "[[schema.companions]]\nobject = \"body\"\none-of = [\"adult\"]\n";
    let found = check(
        &fx.loaded(),
        &config(&format!(
            "select = [\"A002\", \"A003\", \"A006\"]\n{groups}"
        )),
    );
    assert_eq!(found.len(), 1, "{:?}", found.first());
    assert_eq!(found[0].code, "A006");
    assert_eq!(found[0].annotation, Some(orphan));
}

/// 40,000 skeletons, each grouped with its own box: the group's boxes are
/// gathered once per image, not once per skeleton.
#[test]
fn k005_forty_thousand_grouped_skeletons() {
    let mut fx = Fx::new(&["person", "body"]);
    for g in 0..40_000u64 {
        let body = fx.bx("body", 30.0, 5.0, 70.0, 70.0);
        fx.ann(body).group = Some(GroupId(g + 1));
        let mut points = front_person(50.0);
        if g == 7 {
            points[9].x = 75.0;
            points[9].visibility = Visibility::Visible;
        }
        let p = fx.add("person", keypoints(points));
        fx.ann(p).group = Some(GroupId(g + 1));
    }
    let found = check(&fx.loaded(), &config("select = [\"K005\"]"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].annotation, Some(16));
    assert!(found[0]
        .message
        .contains("outside their object's box: `left_wrist` (75, 40)"));
}

/// 40,000 eyes and 40,000 faces on one image, laid out as a staircase so
/// that no face holds an eye (each eye pokes out of the left edge of the
/// faces after it and out of the bottom edge of the faces before it): the
/// pairwise check compared all 1.6 billion pairs. Every 1,000th eye is
/// lowered into the two faces nearest it, and is not reported.
#[test]
fn a004_forty_thousand_parts_in_no_parent() {
    let mut fx = Fx::new(&["face", "eye"]);
    for j in 0..40_000u32 {
        let f = 4.0 * f64::from(j);
        fx.bx("face", f, 0.0, 200_000.0, 1000.0 + f);
    }
    let mut inside = 0;
    for i in 0..40_000u32 {
        let f = 4.0 * f64::from(i);
        let lowered = if i % 1000 == 0 && i + 1 < 40_000 {
            inside += 1;
            8.0
        } else {
            0.0
        };
        fx.bx("eye", f + 3.0, 10.0, f + 100.0, 1007.0 + f - lowered);
    }
    let found = check(
        &fx.loaded(),
        &config("select = [\"A004\"]\n[schema.parts]\neye = \"face\"\n"),
    );
    assert_eq!(inside, 40);
    assert_eq!(found.len(), 40_000 - inside);
    assert!(found
        .iter()
        .all(|d| d.code == "A004" && d.message == "`eye` lies inside no `face`"));
    // Eyes are annotations 40,001 on; the first is lowered into a face.
    assert_eq!(found[0].annotation, Some(40_002));
    assert!(found.iter().all(|d| d.annotation != Some(41_001)));
}

/// One group of 40,000 boxes and 40,000 skeletons (a file's group ids are
/// the file's to choose): each skeleton's nose lies right of the boxes
/// before it and below the boxes after it, so in none of them; every
/// 1,000th nose is raised into its own box. Findings name the first 16 of
/// the group's boxes, not all 40,000 each.
#[test]
fn k005_one_group_of_forty_thousand_boxes_and_skeletons() {
    let mut fx = Fx::new(&["person", "body"]);
    fx.d.images[0].width = 200_000;
    fx.d.images[0].height = 200_000;
    for j in 0..40_000u32 {
        let f = 4.0 * f64::from(j);
        let body = fx.bx("body", f, 0.0, 200_000.0, 1000.0 + f);
        fx.ann(body).group = Some(GroupId(1));
    }
    let mut inside = 0;
    for i in 0..40_000u32 {
        let f = 4.0 * f64::from(i);
        let mut points = front_person(0.0);
        for p in &mut points[1..] {
            p.visibility = Visibility::Absent;
        }
        points[0].x = f + 3.0;
        points[0].y = if i % 1000 == 0 {
            inside += 1;
            f + 900.0
        } else {
            f + 1003.0
        };
        let p = fx.add("person", keypoints(points));
        fx.ann(p).group = Some(GroupId(1));
    }
    let found = check(&fx.loaded(), &config("select = [\"K005\"]"));
    assert_eq!(found.len(), 40_000 - inside);
    assert_eq!(found[0].annotation, Some(40_002));
    assert_eq!(
        found[0].message,
        "keypoints of `person` outside their object's box: `nose` (7, 1007)"
    );
    assert!(found.iter().all(|d| d.secondary.len() == 16
        && d.help.as_deref()
            == Some("move the points onto their object, or enlarge its box (the group has 40000 boxes; the first 16 are shown)")));
}

/// The pairwise oracle of A001 on one run of boxes (ids `1..=n` in
/// order): for each box, the first earlier box with IoU >= 0.9. Box `j`
/// is checked against `j - 1` first (enough in these crowds); only when
/// that misses is the full scan made.
fn expected_duplicates(boxes: &[BoxGeom]) -> usize {
    let valid = |b: &BoxGeom| b.width() > 0.0 && b.height() > 0.0;
    (1..boxes.len())
        .filter(|&j| {
            valid(&boxes[j])
                && (boxes[j - 1].iou(&boxes[j]) >= 0.9
                    || boxes[..j]
                        .iter()
                        .any(|b| valid(b) && b.iou(&boxes[j]) >= 0.9))
        })
        .count()
}

/// Checks the run `boxes` (label `head`, ids `1..=n`) with A001 and
/// compares with the oracle: the count, and for every 997th box the id it
/// points at (a full scan from the first box).
fn a001_matches_the_oracle(boxes: &[BoxGeom]) -> usize {
    let mut fx = Fx::new(&["head"]);
    for b in boxes {
        fx.bx("head", b.x_min, b.y_min, b.x_max, b.y_max);
    }
    let found = check(&fx.loaded(), &config("select = [\"A001\"]"));
    assert_eq!(found.len(), expected_duplicates(boxes));
    let mut pointed = std::collections::HashMap::new();
    for d in &found {
        assert_eq!(d.code, "A001");
        let (_, rest) = d
            .message
            .split_once(" duplicates annotation ")
            .expect("message");
        let first: u64 = rest.split(' ').next().expect("id").parse().expect("id");
        pointed.insert(d.annotation.expect("annotation"), first);
    }
    for j in (1..boxes.len()).step_by(997) {
        let want = boxes[..j]
            .iter()
            .position(|b| b.width() > 0.0 && b.height() > 0.0 && b.iou(&boxes[j]) >= 0.9)
            .filter(|_| boxes[j].width() > 0.0 && boxes[j].height() > 0.0)
            .map(|i| i as u64 + 1);
        assert_eq!(pointed.get(&(j as u64 + 1)).copied(), want, "box {}", j + 1);
    }
    found.len()
}

/// 120,000 concentric boxes each a hair wider than the one before (the
/// YOLO rows `0 0.5 0.5 (0.5 + i * 1e-6) 0.5` on a 100x80 image): every
/// box but the first duplicates an earlier one, most of them one far
/// back, past a crowd of near misses.
#[test]
fn a001_boxes_growing_by_a_hair() {
    let boxes: Vec<BoxGeom> = (0..120_000)
        .map(|i| BoxGeom::from_center(50.0, 40.0, 100.0 * (0.5 + f64::from(i) * 1e-6), 40.0, 0.0))
        .collect();
    assert_eq!(a001_matches_the_oracle(&boxes), 119_999);
}

/// 40,000 nested boxes `[4j, 0, 200000 - 4j, 1000 + 4j]`: from j = 25,000
/// on they are inverted (no area) and never match.
#[test]
fn a001_forty_thousand_nested_boxes() {
    let boxes: Vec<BoxGeom> = (0..40_000)
        .map(|j| {
            let j = f64::from(j);
            BoxGeom::from_xyxy(4.0 * j, 0.0, 200_000.0 - 4.0 * j, 1000.0 + 4.0 * j)
        })
        .collect();
    let n = a001_matches_the_oracle(&boxes);
    assert!(n > 24_900 && n < 25_000, "{n}");
}

/// 25,600 same-sized 10x10 boxes on a lattice 0.6 apart (no two are
/// duplicates: IoU at most 9.4/10.6), in a scrambled order so no
/// block of the index can be skipped: the check stops at its budget and
/// says so in one finding.
#[test]
fn a001_stops_at_its_budget_and_says_so() {
    let mut fx = Fx::new(&["head"]);
    for k in 0..25_600u32 {
        let p = (k * 7_919) % 25_600;
        let (x, y) = (0.6 * f64::from(p % 160), 0.6 * f64::from(p / 160));
        fx.bx("head", x, y, x + 10.0, y + 10.0);
    }
    let found = check(&fx.loaded(), &config("select = [\"A001\"]"));
    assert_eq!(found.len(), 1, "{found:?}");
    let d = &found[0];
    assert_eq!(d.code, "A001");
    assert!(
        d.message.starts_with(
            "near-duplicate check stopped after 25120000 comparisons on this image: \
             its 25600 shapes overlap too densely; `head` "
        ),
        "{}",
        d.message
    );
    assert!(d
        .message
        .ends_with(" and the shapes after it (by label, then id) were not checked"));
    // The budget is 20,000,000 + 200 * 25,600. Each box costs about one
    // comparison per earlier box in the cells around it (checking them
    // all would take 38 million): the budget runs out near box 20,800.
    let id: u64 = d.message["near-duplicate check stopped after 25120000 comparisons on this image: its 25600 shapes overlap too densely; `head` ".len()..]
        .split(' ')
        .next()
        .expect("id")
        .parse()
        .expect("id");
    assert!((12_000..25_600).contains(&id), "{id}");
}

/// 20,000 tiny heads in a pile and 20,000 direction boxes in a pile 1.6 px
/// to the right: near misses of the edge test (1.5 px) and of the IoU
/// test, every one. The edge index answers each query without comparing
/// the pile (a grid of cells would compare all 400 million pairs).
#[test]
fn companions_near_misses_of_tiny_boxes_in_a_pile() {
    let mut fx = Fx::new(&["head", "front"]);
    for _ in 0..20_000 {
        fx.bx("head", 10.0, 10.0, 14.0, 14.0);
        fx.bx("front", 11.6, 10.0, 15.6, 14.0);
    }
    // One pair 1 px apart: companions by their edges.
    let head = fx.bx("head", 100.0, 10.0, 104.0, 14.0);
    fx.bx("front", 101.0, 10.0, 105.0, 14.0);
    let groups = "[[schema.companions]]\nobject = \"head\"\none-of = [\"front\"]\n";
    let found = check(
        &fx.loaded(),
        &config(&format!("select = [\"A003\", \"A006\"]\n{groups}")),
    );
    let count = |code: &str| found.iter().filter(|d| d.code == code).count();
    assert_eq!((count("A003"), count("A006")), (20_000, 20_000));
    assert!(found.iter().all(|d| d.annotation != Some(head)));
}

/// The A004 staircase with part limits: 40,000 faces and 40,000 eyes, no
/// eye inside a face but the lowered ones, each inside two faces (so
/// counted for neither): no finding, near-linear.
#[test]
fn a007_forty_thousand_parts_in_a_staircase() {
    let mut fx = Fx::new(&["face", "eye"]);
    for j in 0..40_000u32 {
        let f = 4.0 * f64::from(j);
        fx.bx("face", f, 0.0, 200_000.0, 1000.0 + f);
    }
    for i in 0..40_000u32 {
        let f = 4.0 * f64::from(i);
        let lowered = if i % 1000 == 0 { 8.0 } else { 0.0 };
        fx.bx("eye", f + 3.0, 10.0, f + 100.0, 1007.0 + f - lowered);
    }
    // Three eyes in a face of their own, far away.
    fx.bx("face", 300_000.0, 0.0, 300_100.0, 100.0);
    for k in 0..3u32 {
        let x = 300_010.0 + 20.0 * f64::from(k);
        fx.bx("eye", x, 10.0, x + 10.0, 20.0);
    }
    let found = check(
        &fx.loaded(),
        &config("select = [\"A007\"]\n[schema.max-parts]\nface = { eye = 2 }\n"),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].message,
        "`face` holds 3 `eye` parts, at most 2 allowed"
    );
    assert_eq!(found[0].annotation, Some(80_001));
}
