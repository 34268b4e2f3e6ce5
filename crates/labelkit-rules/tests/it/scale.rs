//! Rules that pair shapes on one image stay near-linear: tens of thousands
//! of shapes on one image are checked in seconds (debug build), with the
//! same findings the pairwise check gave. No timing is asserted; a
//! quadratic rule would make these tests run for minutes.

use labelkit_model::{GroupId, Visibility};
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
