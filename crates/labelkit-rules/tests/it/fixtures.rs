//! Fixtures at the boundaries of every rule, with snapshots of the
//! rendered output. Each fixture selects only the code it tests.

use labelkit_diagnostics::{ByteSpan, Diagnostic, FileId, Loaded, SourceSpan, StatedFlipIdx};
use labelkit_model::{
    Annotation, AnnotationId, AttributeValue, BoxGeom, Dataset, Geometry, GroupId, Image, ImageId,
    Keypoint, KeypointSchema, Keypoints, Label, Point, Polygon, Visibility,
};
use labelkit_rules::Config;
use labelkit_testkit::people;

use crate::support::{check, concise, full, summary};

/// A one-image dataset under construction.
pub(crate) struct Fx {
    pub(crate) d: Dataset,
}

impl Fx {
    /// Labels declared in order; one image, id 1, 100x80.
    pub(crate) fn new(labels: &[&str]) -> Self {
        let mut d = Dataset::new();
        for l in labels {
            let mut label = Label::new(*l);
            if *l == "person" {
                label.keypoints = Some(KeypointSchema::coco_person());
            }
            d.labels.push(label);
        }
        d.images.push(Image {
            id: ImageId(1),
            file_name: "img.jpg".to_owned(),
            width: 100,
            height: 80,
            ..Image::default()
        });
        Self { d }
    }

    /// Adds an annotation on image 1; returns its id.
    pub(crate) fn add(&mut self, label: &str, geometry: Geometry) -> u64 {
        let id = self.d.annotations.len() as u64 + 1;
        let label = self.d.labels.find(label).expect("declared label");
        self.d.annotations.push(Annotation::new(
            AnnotationId(id),
            ImageId(1),
            label,
            geometry,
        ));
        id
    }

    /// Adds a box.
    pub(crate) fn bx(&mut self, label: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> u64 {
        self.add(label, Geometry::Box(BoxGeom::from_xyxy(x0, y0, x1, y1)))
    }

    /// The annotation with id `id`.
    pub(crate) fn ann(&mut self, id: u64) -> &mut Annotation {
        // Ids are positions + 1 (see `add`), so no scan: the scale tests
        // build tens of thousands.
        let at = usize::try_from(id).expect("id") - 1;
        let ann = self.d.annotations.get_mut(at).expect("annotation");
        assert_eq!(ann.id.0, id);
        ann
    }

    pub(crate) fn loaded(self) -> Loaded {
        let (spans, sources) = people::source_for(&self.d, "fixture.txt");
        Loaded {
            dataset: self.d,
            spans,
            sources,
            issues: Vec::new(),
            ..Loaded::default()
        }
    }
}

/// COCO person keypoints seen from the front, centred at `cx`, named.
pub(crate) fn front_person(cx: f64) -> Vec<Keypoint> {
    let schema = KeypointSchema::coco_person();
    let rows = [0.0, 4.0, 6.0, 10.0, 14.0, 16.0, 8.0, 8.0, 8.0];
    schema
        .names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let row = k.div_ceil(2);
            let side = if k == 0 {
                0.0
            } else if k % 2 == 1 {
                1.0
            } else {
                -1.0
            };
            Keypoint {
                name: Some(name.as_str().into()),
                x: cx + side * rows[row],
                y: 10.0 + 6.0 * row as f64,
                visibility: Visibility::Visible,
            }
        })
        .collect()
}

/// Runs the check with `select = [code]` plus `toml`, snapshots the
/// rendered output under the code's name, and returns the summary.
fn run(code: &str, loaded: &Loaded, toml: &str) -> Vec<String> {
    let found = run_only(code, loaded, toml);
    snapshot(code, &found, loaded);
    summary(&found, &loaded.sources)
}

/// The findings of the check with `select = [code]` plus `toml`.
fn run_only(code: &str, loaded: &Loaded, toml: &str) -> Vec<Diagnostic> {
    let text = format!("select = [\"{code}\"]\n{toml}");
    let config = Config::from_toml_str(&text, "labelkit.toml").expect("fixture config");
    let found = check(loaded, &config);
    assert!(
        found.iter().all(|d| d.code == code),
        "only {code}: {found:?}"
    );
    found
}

/// [`run`] without a snapshot, for a second fixture of one code.
fn run_unsnapshotted(code: &str, loaded: &Loaded) -> Vec<String> {
    summary(&run_only(code, loaded, ""), &loaded.sources)
}

fn snapshot(code: &str, found: &[Diagnostic], loaded: &Loaded) {
    let text = format!(
        "{}\n--- concise ---\n{}\n--- full ---\n{}",
        summary(found, &loaded.sources).join("\n"),
        concise(found, &loaded.sources),
        full(found, &loaded.sources)
    );
    insta::assert_snapshot!(code, text);
}

#[test]
fn g001_box_too_small_boundaries() {
    let mut fx = Fx::new(&["eye"]);
    fx.bx("eye", 10.0, 10.0, 13.0, 13.0); // exactly 3x3: passes
    fx.bx("eye", 20.0, 10.0, 22.99, 13.0); // 2.99 wide: fails
    fx.bx("eye", 30.0, 10.0, 33.0, 12.99); // 2.99 high: fails
    fx.bx("eye", 40.0, 10.0, 50.0, 20.0);
    let s = run("G001", &fx.loaded(), "");
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(s[0].contains("[image Some(1) annotation Some(2)] box `eye` is 2.99x3 px, smaller than the minimum 3x3 px"), "{}", s[0]);
    assert!(
        s[1].contains("annotation Some(3)] box `eye` is 3x2.99 px"),
        "{}",
        s[1]
    );
    assert!(s[0].starts_with("fixture.txt:4:3: G001 error"), "{}", s[0]);
}

#[test]
fn g001_min_size_option() {
    let mut fx = Fx::new(&["eye"]);
    fx.bx("eye", 10.0, 10.0, 13.0, 13.0);
    fx.bx("eye", 20.0, 10.0, 25.0, 15.0);
    let config = Config::from_toml_str(
        "select = [\"G001\"]\n[rules.box-too-small]\nmin-width = 5\nmin-height = 5\n",
        "labelkit.toml",
    )
    .unwrap();
    let loaded = fx.loaded();
    let found = check(&loaded, &config);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].annotation, Some(1));
}

#[test]
fn g002_shape_outside_image_boundaries() {
    let mut fx = Fx::new(&["body"]);
    fx.bx("body", 0.0, 0.0, 100.0, 80.0); // the whole image: passes
    fx.bx("body", -0.005, 0.0, 50.0, 80.0); // within tolerance: passes
    fx.bx("body", 50.0, 10.0, 100.02, 20.0); // 0.02 past the right edge
    fx.add(
        "body",
        Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(10.0, -1.0),
                Point::new(20.0, 5.0),
                Point::new(5.0, 90.0),
            ]],
        }),
    );
    let s = run("G002", &fx.loaded(), "");
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(s[0].contains("annotation Some(3)] box `body` extends outside the 100x80 image: x_max 100.02 > width 100"), "{}", s[0]);
    assert!(s[1].contains("annotation Some(4)] polygon `body` extends outside the 100x80 image: y_min -1 < 0, y_max 90 > height 80"), "{}", s[1]);
}

#[test]
fn g003_degenerate_shape() {
    let mut fx = Fx::new(&["head"]);
    fx.bx("head", 10.0, 10.0, 10.0, 40.0); // zero width
    fx.bx("head", 10.0, 10.0, f64::NAN, 40.0);
    fx.add(
        "head",
        Geometry::Polygon(Polygon {
            rings: vec![vec![Point::new(1.0, 1.0), Point::new(5.0, 5.0)]],
        }),
    );
    fx.add(
        "head",
        Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(1.0, 1.0),
                Point::new(2.0, 2.0),
                Point::new(3.0, 3.0),
            ]],
        }),
    );
    fx.bx("head", 10.0, 10.0, 10.5, 10.5); // tiny but not degenerate
    let s = run("G003", &fx.loaded(), "");
    assert_eq!(s.len(), 4, "{s:#?}");
    assert!(s[0].contains("annotation Some(1)] box `head` has zero area (0 x 30)"));
    assert!(s[1].contains("annotation Some(2)] box `head` has a non-finite coordinate"));
    assert!(
        s[2].contains("annotation Some(3)] polygon `head` has a ring of 2 point(s), fewer than 3")
    );
    assert!(s[3].contains("annotation Some(4)] polygon `head` has zero area"));
}

#[test]
fn g004_template_box() {
    let mut fx = Fx::new(&["eye"]);
    fx.bx("eye", 10.0, 10.0, 13.0, 13.0); // exactly the minimum: warned
    fx.bx("eye", 20.0, 10.0, 23.5, 13.0);
    fx.bx("eye", 30.0, 10.0, 33.0, 13.001);
    let s = run("G004", &fx.loaded(), "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(
        s[0].contains(
            "G004 warning [image Some(1) annotation Some(1)] box `eye` is exactly 3x3 px"
        ),
        "{}",
        s[0]
    );
}

#[test]
fn a001_near_duplicate() {
    let mut fx = Fx::new(&["head", "face"]);
    fx.bx("head", 10.0, 10.0, 50.0, 60.0);
    fx.bx("head", 11.0, 10.0, 50.0, 60.0); // IoU 0.975: duplicate of 1
    fx.bx("head", 60.0, 10.0, 90.0, 40.0);
    fx.bx("head", 60.0, 10.0, 90.0, 44.0); // IoU 30/34 = 0.882: passes
    fx.bx("face", 10.0, 10.0, 50.0, 60.0); // another label: passes
    let s = run("A001", &fx.loaded(), "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(
        s[0].contains("annotation Some(2)] `head` 2 duplicates annotation 1 (IoU 0.975)"),
        "{}",
        s[0]
    );
}

#[test]
fn a001_does_not_depend_on_annotation_order() {
    let build = |reverse: bool| {
        let mut fx = Fx::new(&["head"]);
        fx.bx("head", 10.0, 10.0, 50.0, 60.0);
        fx.bx("head", 11.0, 10.0, 50.0, 60.0);
        if reverse {
            fx.d.annotations.reverse();
        }
        fx.loaded()
    };
    let config = Config::from_toml_str("select = [\"A001\"]", "labelkit.toml").unwrap();
    let a = check(&build(false), &config);
    let b = check(&build(true), &config);
    assert_eq!(a.len(), 1);
    assert_eq!((a[0].annotation, b[0].annotation), (Some(2), Some(2)));
    assert_eq!(a[0].message, b[0].message);
}

const COMPANIONS: &str =
    "[[schema.companions]]\nobject = \"body\"\none-of = [\"adult\", \"child\"]\n";

#[test]
fn a002_exclusive_companions() {
    let mut fx = Fx::new(&["body", "adult", "child"]);
    fx.bx("body", 10.0, 10.0, 40.0, 70.0);
    fx.bx("adult", 10.0, 10.0, 40.0, 70.0);
    fx.bx("child", 10.0, 11.0, 40.0, 70.0);
    fx.bx("body", 50.0, 10.0, 80.0, 70.0);
    fx.bx("adult", 50.0, 10.0, 80.0, 70.0);
    let s = run("A002", &fx.loaded(), COMPANIONS);
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(
        s[0].contains(
            "annotation Some(1)] `body` carries mutually exclusive companions `adult` and `child`"
        ),
        "{}",
        s[0]
    );
}

#[test]
fn a003_missing_companion_at_the_iou_boundary() {
    let mut fx = Fx::new(&["body", "adult", "child"]);
    // IoU exactly 0.9: 90x10 inside 100x10.
    fx.bx("body", 0.0, 0.0, 100.0, 10.0);
    fx.bx("adult", 0.0, 0.0, 90.0, 10.0);
    // IoU 0.89: missing.
    fx.bx("body", 0.0, 20.0, 100.0, 30.0);
    fx.bx("child", 0.0, 20.0, 89.0, 30.0);
    // No companion at all.
    fx.bx("body", 0.0, 40.0, 50.0, 60.0);
    let s = run("A003", &fx.loaded(), COMPANIONS);
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(
        s[0].contains("annotation Some(3)] `body` has none of `adult`, `child`"),
        "{}",
        s[0]
    );
    assert!(s[1].contains("annotation Some(5)]"), "{}", s[1]);
}

#[test]
fn a003_optional_groups_do_not_require() {
    let mut fx = Fx::new(&["body", "adult", "child"]);
    fx.bx("body", 0.0, 40.0, 50.0, 60.0);
    let loaded = fx.loaded();
    let config = Config::from_toml_str(
        &format!("select = [\"A003\"]\n{COMPANIONS}required = false\n"),
        "labelkit.toml",
    )
    .unwrap();
    assert!(check(&loaded, &config).is_empty());
}

#[test]
fn a004_part_outside_parent_with_tolerance() {
    let mut fx = Fx::new(&["face", "eye", "head"]);
    fx.bx("face", 10.0, 10.0, 40.0, 40.0);
    fx.bx("eye", 20.0, 20.0, 25.0, 24.0); // inside
    fx.bx("eye", 36.0, 20.0, 41.9, 24.0); // 1.9 out: within the 2 px tolerance
    fx.bx("eye", 36.0, 20.0, 42.5, 24.0); // 2.5 out
    fx.bx("eye", 60.0, 20.0, 65.0, 24.0); // in no face
    let s = run(
        "A004",
        &fx.loaded(),
        "[schema.parts]\neye = \"face\"\nface = \"head\"\n",
    );
    assert_eq!(s.len(), 3, "{s:#?}");
    assert!(
        s[0].contains("annotation Some(1)] `face` has no parent: the image has no `head`"),
        "{}",
        s[0]
    );
    assert!(
        s[1].contains("annotation Some(4)] `eye` lies inside no `face`"),
        "{}",
        s[1]
    );
    assert!(
        s[2].contains("annotation Some(5)] `eye` lies inside no `face`"),
        "{}",
        s[2]
    );
}

#[test]
fn a005_still_ambiguous() {
    let mut fx = Fx::new(&["child"]);
    let a = fx.bx("child", 10.0, 10.0, 20.0, 20.0);
    fx.ann(a)
        .attributes
        .set("ambiguous", AttributeValue::Bool(true));
    let b = fx.bx("child", 30.0, 10.0, 40.0, 20.0);
    fx.ann(b)
        .attributes
        .set("ambiguous", AttributeValue::Text("false".to_owned()));
    let c = fx.bx("child", 50.0, 10.0, 60.0, 20.0);
    fx.ann(c).score = Some(0.49);
    let d = fx.bx("child", 70.0, 10.0, 80.0, 20.0);
    fx.ann(d).score = Some(0.5);
    let s = run("A005", &fx.loaded(), "");
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(
        s[0].contains("annotation Some(1)] `child` is still marked `ambiguous`"),
        "{}",
        s[0]
    );
    assert!(
        s[1].contains("annotation Some(3)] `child` has confidence 0.49, below 0.5"),
        "{}",
        s[1]
    );
}

#[test]
fn a006_orphan_companion() {
    let mut fx = Fx::new(&["body", "adult", "child"]);
    fx.bx("body", 10.0, 10.0, 40.0, 70.0);
    fx.bx("adult", 10.0, 10.0, 40.0, 70.0);
    fx.bx("child", 60.0, 10.0, 90.0, 70.0);
    let s = run("A006", &fx.loaded(), COMPANIONS);
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(
        s[0].contains("annotation Some(3)] `child` labels no `body`"),
        "{}",
        s[0]
    );
}

pub(crate) fn keypoints(points: Vec<Keypoint>) -> Geometry {
    Geometry::Keypoints(Keypoints { points })
}

#[test]
fn k001_keypoint_count_and_names() {
    let mut fx = Fx::new(&["person"]);
    fx.add("person", keypoints(front_person(50.0)));
    let mut short = front_person(50.0);
    short.pop();
    fx.add("person", keypoints(short));
    let mut renamed = front_person(50.0);
    renamed[3].name = Some("left_horn".into());
    fx.add("person", keypoints(renamed));
    let s = run("K001", &fx.loaded(), "");
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(s[0].contains("annotation Some(2)] keypoints of `person` has 16 points, the schema of `person` has 17"), "{}", s[0]);
    assert!(
        s[1].contains(
            "annotation Some(3)] keypoints of `person` point `left_horn` is not in the schema"
        ),
        "{}",
        s[1]
    );
}

#[test]
fn k001_config_schema_wins() {
    let mut fx = Fx::new(&["face"]);
    let p = |name: &str, x: f64| Keypoint {
        name: Some(name.into()),
        x,
        y: 10.0,
        visibility: Visibility::Visible,
    };
    fx.add(
        "face",
        keypoints(vec![p("left_eye", 30.0), p("right_eye", 20.0)]),
    );
    let loaded = fx.loaded();
    let config = Config::from_toml_str(
        "select = [\"K001\"]\n[keypoints.face]\nnames = [\"left_eye\", \"right_eye\", \"nose\"]\n",
        "labelkit.toml",
    )
    .unwrap();
    let found = check(&loaded, &config);
    assert_eq!(found.len(), 1);
    assert!(found[0]
        .message
        .contains("has 2 points, the schema of `face` has 3"));
}

#[test]
fn k002_keypoint_order() {
    let fixture = || {
        let mut fx = Fx::new(&["person"]);
        fx.add("person", keypoints(front_person(50.0)));
        let mut swapped = front_person(50.0);
        swapped.swap(5, 6);
        fx.add("person", keypoints(swapped));
        fx.loaded()
    };
    let s = run("K002", &fixture(), "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(s[0].contains("annotation Some(2)] keypoints of `person` are out of order: `left_shoulder` comes after `right_shoulder`"), "{}", s[0]);
    // CVAT names each skeleton point and writes them in any order: the
    // same points read from CVAT are not out of order.
    for format in ["cvat-images", "cvat-video"] {
        let mut cvat = fixture();
        cvat.dataset.info.source_format = Some(format.to_owned());
        assert!(run_unsnapshotted("K002", &cvat).is_empty(), "{format}");
    }
}

#[test]
fn k003_absent_point_with_coordinates() {
    let mut fx = Fx::new(&["person"]);
    let mut ok = front_person(50.0);
    ok[15] = Keypoint {
        name: ok[15].name.clone(),
        x: 0.0,
        y: 0.0,
        visibility: Visibility::Absent,
    };
    fx.add("person", keypoints(ok));
    let mut bad = front_person(50.0);
    bad[16].visibility = Visibility::Absent;
    fx.add("person", keypoints(bad));
    let loaded = fx.loaded();
    let s = run("K003", &loaded, "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(s[0].contains("K003 warning [image Some(1) annotation Some(2)] keypoints of `person` marked absent have coordinates: `right_ankle` at (42, 58)"), "{}", s[0]);
    let mut loaded = loaded;
    loaded.dataset.info.source_format = Some("cvat-images".to_owned());
    let config = Config::from_toml_str(
        "select = [\"K003\"]\n[rules.absent-point-with-coordinates]\nignore-formats = [\"cvat-images\"]\n",
        "labelkit.toml",
    )
    .unwrap();
    assert!(check(&loaded, &config).is_empty());
}

#[test]
fn k004_left_right_swap() {
    let mut fx = Fx::new(&["person"]);
    fx.add("person", keypoints(front_person(50.0)));
    // One pair swapped: flagged.
    let mut one = front_person(50.0);
    let (l, r) = (one[5].x, one[6].x);
    one[5].x = r;
    one[6].x = l;
    fx.add("person", keypoints(one));
    // Seen from the back: every pair reversed, consistent.
    let mut back = front_person(50.0);
    for p in &mut back {
        p.x = 100.0 - p.x;
    }
    fx.add("person", keypoints(back));
    // Two pairs reversed: ambiguous pose, nothing said.
    let mut two = front_person(50.0);
    for (a, b) in [(7, 8), (9, 10)] {
        let (l, r) = (two[a].x, two[b].x);
        two[a].x = r;
        two[b].x = l;
    }
    fx.add("person", keypoints(two));
    let s = run("K004", &fx.loaded(), "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(s[0].contains("annotation Some(2)] keypoints of `person`: `left_shoulder` and `right_shoulder` look swapped, their sides disagree with the other 7 left/right pairs"), "{}", s[0]);
}

#[test]
fn k005_keypoint_outside_box_or_image() {
    let mut fx = Fx::new(&["person", "body"]);
    let body = fx.bx("body", 30.0, 5.0, 70.0, 70.0);
    fx.ann(body).group = Some(GroupId(1));
    let inside = fx.add("person", keypoints(front_person(50.0)));
    fx.ann(inside).group = Some(GroupId(1));
    let mut wide = front_person(50.0);
    wide[9].x = 75.0; // left wrist outside the box
    let mut gone = wide[10].clone();
    gone.x = -5.0;
    gone.visibility = Visibility::Absent; // absent: not checked
    wide[10] = gone;
    let outside = fx.add("person", keypoints(wide));
    fx.ann(outside).group = Some(GroupId(1));
    let mut off = front_person(50.0);
    off[0].y = 81.0;
    fx.add("person", keypoints(off)); // no group: image only
    let s = run("K005", &fx.loaded(), "");
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(s[0].contains("annotation Some(3)] keypoints of `person` outside their object's box: `left_wrist` (75, 40)"), "{}", s[0]);
    assert!(
        s[1].contains(
            "annotation Some(4)] keypoints of `person` outside the 100x80 image: `nose` (50, 81)"
        ),
        "{}",
        s[1]
    );
}

/// The box of a grouped polygon is the object's box: the `bbox` its
/// source states (a segmented COCO annotation), else its bounds (a CVAT
/// polygon grouped with a skeleton).
#[test]
fn k005_takes_the_box_of_a_grouped_polygon() {
    let square = |x0: f64, y0: f64, x1: f64, y1: f64| {
        Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(x0, y0),
                Point::new(x1, y0),
                Point::new(x1, y1),
                Point::new(x0, y1),
            ]],
        })
    };
    let mut fx = Fx::new(&["person"]);
    // COCO: the polygon is narrower than the stated box, which holds the
    // wrist at x 75.
    let coco = fx.add("person", square(32.0, 5.0, 68.0, 70.0));
    fx.ann(coco).bbox = Some(Box::new(BoxGeom::from_xyxy(30.0, 5.0, 76.0, 70.0)));
    fx.ann(coco).group = Some(GroupId(1));
    let mut wide = front_person(50.0);
    wide[9].x = 75.0;
    let kp = fx.add("person", keypoints(wide.clone()));
    fx.ann(kp).group = Some(GroupId(1));
    // CVAT: no stated box, the polygon's bounds end at x 70.
    let cvat = fx.add("person", square(30.0, 5.0, 70.0, 70.0));
    fx.ann(cvat).group = Some(GroupId(2));
    let kp = fx.add("person", keypoints(wide));
    fx.ann(kp).group = Some(GroupId(2));
    let s = run_unsnapshotted("K005", &fx.loaded());
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(
        s[0].contains(
            "annotation Some(4)] keypoints of `person` outside their object's box: `left_wrist` (75, 40)"
        ),
        "{}",
        s[0]
    );
}

/// A box and a polygon of one group are one object; two boxes of one group
/// are still compared; a polygon's stated box is its bounds.
#[test]
fn a001_never_pairs_shapes_of_different_kinds_in_one_group() {
    let mut fx = Fx::new(&["head"]);
    let b = fx.bx("head", 10.0, 10.0, 50.0, 60.0);
    fx.ann(b).group = Some(GroupId(1));
    let p = fx.add(
        "head",
        Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(10.0, 10.0),
                Point::new(50.0, 10.0),
                Point::new(50.0, 60.0),
            ]],
        }),
    );
    fx.ann(p).group = Some(GroupId(1));
    // A third shape of the group, a box again: the duplicate of the first.
    let again = fx.bx("head", 11.0, 10.0, 50.0, 60.0);
    fx.ann(again).group = Some(GroupId(1));
    // A polygon with a stated box equal to a box of another object.
    fx.bx("head", 100.0, 10.0, 140.0, 60.0);
    let q = fx.add(
        "head",
        Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(120.0, 20.0),
                Point::new(130.0, 20.0),
                Point::new(130.0, 30.0),
            ]],
        }),
    );
    fx.ann(q).bbox = Some(Box::new(BoxGeom::from_xyxy(100.0, 10.0, 140.0, 60.0)));
    let s = run_unsnapshotted("A001", &fx.loaded());
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(
        s[0].contains("annotation Some(3)] `head` 3 duplicates annotation 1 (IoU 0.975)"),
        "{}",
        s[0]
    );
    assert!(
        s[1].contains("annotation Some(5)] `head` 5 duplicates annotation 4 (IoU 1.000)"),
        "{}",
        s[1]
    );
}

#[test]
fn k006_flip_idx_mismatch() {
    let with = |flip: &[usize]| {
        let mut fx = Fx::new(&["person"]);
        fx.add("person", keypoints(front_person(50.0)));
        let mut loaded = fx.loaded();
        loaded.facts.flip_idx = Some(StatedFlipIdx {
            indices: flip.to_vec(),
            at: None,
        });
        loaded
    };
    let good = KeypointSchema::coco_person().flip_idx();
    let config = Config::from_toml_str("select = [\"K006\"]", "labelkit.toml").unwrap();
    assert!(check(&with(&good), &config).is_empty());
    let short = check(&with(&[0, 2, 1]), &config);
    assert_eq!(
        short[0].message,
        "flip_idx has 3 entries, the keypoint schema has 17 points"
    );
    let wrong = [0, 1, 2, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15];
    let s = run("K006", &with(&wrong), "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(
        s[0].contains("flip_idx entry 1 (`left_eye`) is 1, the schema's left/right pairs give 2"),
        "{}",
        s[0]
    );
    // Where the reader found no place for it: at the label.
    assert!(s[0].starts_with("fixture.txt:1:1: K006"), "{}", s[0]);
    // Where it found one: there.
    let mut placed = with(&wrong);
    let second_line = placed.sources.get(FileId(0)).unwrap().text();
    let start = second_line.iter().position(|&b| b == b'\n').unwrap() + 1;
    placed.facts.flip_idx.as_mut().unwrap().at = Some(SourceSpan {
        file: FileId(0),
        span: ByteSpan::new(start, start + 1),
    });
    let s = run_unsnapshotted("K006", &placed);
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(s[0].starts_with("fixture.txt:2:1: K006"), "{}", s[0]);
}

#[test]
fn d001_too_few_labels() {
    let mut fx = Fx::new(&["body", "head"]);
    fx.bx("body", 1.0, 1.0, 10.0, 10.0);
    fx.bx("body", 11.0, 1.0, 20.0, 10.0);
    for i in 0..3 {
        let x = 30.0 + 10.0 * f64::from(i);
        fx.bx("head", x, 1.0, x + 5.0, 6.0);
    }
    let s = run(
        "D001",
        &fx.loaded(),
        "[rules.too-few-labels]\nmin-count = 3\n",
    );
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(s[0].starts_with("fixture.txt:1:1: D001 warning [image None annotation None] class `body` has 2 labels, fewer than 3"), "{}", s[0]);
}

#[test]
fn d002_unused_class() {
    let mut fx = Fx::new(&["body", "wheelchair"]);
    fx.bx("body", 1.0, 1.0, 10.0, 10.0);
    let s = run("D002", &fx.loaded(), "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(s[0].starts_with("fixture.txt:2:1: D002 warning [image None annotation None] class `wheelchair` is declared but never used"), "{}", s[0]);
}

#[test]
fn d003_undeclared_class() {
    let mut fx = Fx::new(&["body", "bodyy"]);
    fx.bx("body", 1.0, 1.0, 10.0, 10.0);
    fx.bx("bodyy", 1.0, 1.0, 10.0, 10.0);
    fx.d.labels.labels[1].declared = false;
    let s = run("D003", &fx.loaded(), "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(
        s[0].contains("class `bodyy` is used 1 time(s) but not declared"),
        "{}",
        s[0]
    );
}

#[test]
fn d004_duplicate_ids() {
    let mut fx = Fx::new(&["body"]);
    fx.bx("body", 1.0, 1.0, 10.0, 10.0);
    fx.bx("body", 11.0, 1.0, 20.0, 10.0);
    fx.bx("body", 21.0, 1.0, 30.0, 10.0);
    fx.ann(3).id = AnnotationId(1);
    let mut second = fx.d.images[0].clone();
    second.file_name = "other.jpg".to_owned();
    fx.d.images.push(second);
    let s = run("D004", &fx.loaded(), "");
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(
        s.iter().any(|l| l
            .contains("annotation Some(1)] annotation id 1 is used by an earlier annotation too")),
        "{s:#?}"
    );
    assert!(
        s.iter().any(|l| l.contains(
            "[image Some(1) annotation None] image id 1 is used by an earlier image too"
        )),
        "{s:#?}"
    );
}

#[test]
fn d005_missing_label_file() {
    let mut fx = Fx::new(&["body"]);
    let mut second = fx.d.images[0].clone();
    second.id = ImageId(2);
    fx.d.images.push(second);
    fx.bx("body", 1.0, 1.0, 10.0, 10.0);
    let mut loaded = fx.loaded();
    loaded.facts.image_mut(0).no_label_file = true;
    let s = run("D005", &loaded, "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(
        s[0].contains(
            "D005 warning [image Some(1) annotation None] image `img.jpg` has no label file"
        ),
        "{}",
        s[0]
    );
}

#[test]
fn d006_labels_without_image() {
    let mut fx = Fx::new(&["body"]);
    // A second image whose file is there: only some images are missing,
    // each is an error.
    let mut present = fx.d.images[0].clone();
    present.id = ImageId(2);
    present.file_name = "present.jpg".to_owned();
    fx.d.images.push(present);
    fx.bx("body", 1.0, 1.0, 10.0, 10.0);
    let orphan = fx.bx("body", 1.0, 1.0, 10.0, 10.0);
    fx.ann(orphan).image = ImageId(9);
    let mut loaded = fx.loaded();
    loaded.facts.image_mut(0).no_image_file = true;
    let s = run("D006", &loaded, "");
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(s[0].contains("[image Some(1) annotation None] labels of `img.jpg` (1 annotation(s)) have no image file"), "{}", s[0]);
    assert!(s[1].contains("[image Some(9) annotation Some(2)] annotation 2 of `body` refers to image 9, which does not exist"), "{}", s[1]);
}

/// No image of the dataset exists (a labels-only export): one warning for
/// the dataset, none per image.
#[test]
fn d006_labels_only_export_is_one_warning() {
    let mut fx = Fx::new(&["body"]);
    let mut second = fx.d.images[0].clone();
    second.id = ImageId(2);
    second.file_name = "second.jpg".to_owned();
    fx.d.images.push(second);
    fx.bx("body", 1.0, 1.0, 10.0, 10.0);
    let mut loaded = fx.loaded();
    for pos in 0..loaded.dataset.images.len() {
        loaded.facts.image_mut(pos).no_image_file = true;
    }
    let s = run_unsnapshotted("D006", &loaded);
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(
        s[0].contains(
            "D006 warning [image None annotation None] none of the 2 label files has its image \
             (a labels-only export?): the labels were checked, nothing was measured in pixels"
        ),
        "{s:#?}"
    );
}

#[test]
fn d007_image_size_mismatch() {
    let mut fx = Fx::new(&["body"]);
    let mut same = fx.d.images[0].clone();
    same.id = ImageId(2);
    fx.d.images.push(same);
    fx.bx("body", 1.0, 1.0, 10.0, 10.0);
    let mut loaded = fx.loaded();
    loaded.facts.image_mut(0).file_size = Some((80, 100));
    loaded.facts.image_mut(1).file_size = Some((100, 80));
    let s = run("D007", &loaded, "");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert!(s[0].contains("[image Some(1) annotation None] image `img.jpg` is declared 100x80 but the file is 80x100"), "{}", s[0]);
}
/// `loaded` with the rounding a YOLO reader records for annotation `pos`:
/// its width and height written with `decimals` decimals on an image of
/// `w` x `h` pixels.
fn with_rounding(mut loaded: Loaded, pos: usize, decimals: u8, (w, h): (f64, f64)) -> Loaded {
    let half = labelkit_diagnostics::Rounding::half_unit(decimals);
    loaded.measurements.annotations = vec![None; loaded.dataset.annotations.len()];
    loaded.measurements.annotations[pos] = Some(labelkit_diagnostics::Rounding {
        decimals,
        width: half * w,
        height: half * h,
    });
    loaded
}

#[test]
fn g001_and_g004_allow_the_rounding_the_file_carries() {
    // A 3x3 box exported at 6 decimals on a 480x360 image: 0.008333 of
    // 360 px is 2.99988 px, known to 1.8e-4 px.
    let mut fx = Fx::new(&["eye"]);
    fx.bx("eye", 10.0, 10.0, 13.0, 10.0 + 0.008_333 * 360.0);
    // A 2.9 px box written the same way stays an error.
    fx.bx("eye", 20.0, 10.0, 23.0, 10.0 + 0.008_056 * 360.0);
    let plain = Fx { d: fx.d.clone() }.loaded();
    let mut loaded = with_rounding(fx.loaded(), 0, 6, (480.0, 360.0));
    let r = loaded.measurements.annotations[0];
    loaded.measurements.annotations[1] = r;
    let config = Config::from_toml_str("select = [\"G001\", \"G004\"]", "labelkit.toml").unwrap();
    let s = summary(&check(&loaded, &config), &loaded.sources);
    assert_eq!(
        s,
        [
            "fixture.txt:3:3: G004 warning [image Some(1) annotation Some(1)] box `eye` is exactly 3x3 px, the template size: it was probably never stretched",
            "fixture.txt:4:3: G001 error [image Some(1) annotation Some(2)] box `eye` is 3x2.9 px, smaller than the minimum 3x3 px",
        ],
        "{s:#?}"
    );
    // Without the rounding, the exported box is 2.99988 px: an error.
    let config = Config::from_toml_str("select = [\"G001\"]", "labelkit.toml").unwrap();
    let s = summary(&check(&plain, &config), &plain.sources);
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(s[0].contains("3x2.9999 px"), "{}", s[0]);
}

#[test]
fn g005_unmeasured_images_are_counted_once() {
    let mut fx = Fx::new(&["eye"]);
    // Normalised coordinates on images of unknown size: not pixels.
    fx.d.images[0].width = 0;
    fx.d.images[0].height = 0;
    fx.bx("eye", 0.2, 0.2, 0.4, 0.6);
    for id in 2..=3u64 {
        fx.d.images.push(Image {
            id: ImageId(id),
            file_name: format!("img{id}.jpg"),
            ..Image::default()
        });
    }
    let mut loaded = fx.loaded();
    loaded.measurements.images = vec![
        Some(labelkit_diagnostics::SizeUnknown::ImageMissing),
        Some(labelkit_diagnostics::SizeUnknown::ImageMissing),
        Some(labelkit_diagnostics::SizeUnknown::ImageUnreadable),
    ];
    let s = run("G005", &loaded, "");
    assert_eq!(
        s,
        ["fixture.txt: G005 warning [image None annotation None] 3 images of unknown size were not measured in pixels (image file missing: 2, image header unreadable: 1): G001, G004, A004, A007, K004 and K005 skipped them"],
    );
    // And G001, G004 skip them.
    let config =
        Config::from_toml_str("select = [\"G001\", \"G004\", \"A004\"]", "labelkit.toml").unwrap();
    assert!(check(&loaded, &config).is_empty());
}

#[test]
fn a003_required_carries_a_severity() {
    let mut fx = Fx::new(&["body", "adult", "child"]);
    fx.bx("body", 0.0, 40.0, 50.0, 60.0);
    let loaded = fx.loaded();
    for (required, want) in [
        ("\"warning\"", Some("warning")),
        ("\"info\"", Some("info")),
        ("\"off\"", None),
        ("true", Some("error")),
    ] {
        let config = Config::from_toml_str(
            &format!("select = [\"A003\"]\n{COMPANIONS}required = {required}\n"),
            "labelkit.toml",
        )
        .unwrap();
        let found = check(&loaded, &config);
        assert_eq!(
            found.first().map(|d| d.severity.to_string()).as_deref(),
            want,
            "{required}"
        );
        assert!(found.len() <= 1);
    }
}

#[test]
fn companions_match_tiny_boxes_by_their_edges() {
    let heads = "[[schema.companions]]\nobject = \"head\"\none-of = [\"front\", \"back\"]\n";
    let mut fx = Fx::new(&["head", "front", "back"]);
    // A 4x4 head and its direction 1 px to the right: IoU 0.6, edges
    // within 1.5 px: its companion.
    fx.bx("head", 10.0, 10.0, 14.0, 14.0);
    fx.bx("front", 11.0, 10.0, 15.0, 14.0);
    // 2 px off: no companion of it.
    fx.bx("head", 30.0, 10.0, 34.0, 14.0);
    fx.bx("back", 32.0, 10.0, 36.0, 14.0);
    let loaded = fx.loaded();
    let config = Config::from_toml_str(
        &format!("select = [\"A002\", \"A003\", \"A006\"]\n{heads}"),
        "labelkit.toml",
    )
    .unwrap();
    let s = summary(&check(&loaded, &config), &loaded.sources);
    assert_eq!(
        s,
        [
            "fixture.txt:7:3: A003 error [image Some(1) annotation Some(3)] `head` has none of `front`, `back`",
            "fixture.txt:8:3: A006 error [image Some(1) annotation Some(4)] `back` labels no `head`: no `head` box has IoU >= 0.9 with it or every edge within 1.5 px",
        ],
        "{s:#?}"
    );
    // A tolerance of 2 px takes the second pair too; 0.5 px neither.
    let config = Config::from_toml_str(
        &format!(
            "select = [\"A003\", \"A006\"]\n[schema]\ncompanion-edge-tolerance = 2.0\n{heads}"
        ),
        "labelkit.toml",
    )
    .unwrap();
    assert!(check(&loaded, &config).is_empty());
    let config = Config::from_toml_str(
        &format!("select = [\"A003\"]\n{heads}edge-tolerance = 0.5\n"),
        "labelkit.toml",
    )
    .unwrap();
    assert_eq!(check(&loaded, &config).len(), 2);
}

#[test]
fn a007_too_many_parts_at_the_limit() {
    let mut fx = Fx::new(&["face", "eye", "nose"]);
    // Two eyes and one nose: at the limit.
    fx.bx("face", 0.0, 0.0, 30.0, 30.0);
    fx.bx("eye", 5.0, 5.0, 10.0, 9.0);
    fx.bx("eye", 20.0, 5.0, 25.0, 9.0);
    fx.bx("nose", 12.0, 12.0, 18.0, 18.0);
    // Three eyes: one over.
    fx.bx("face", 40.0, 0.0, 70.0, 30.0);
    fx.bx("eye", 45.0, 5.0, 50.0, 9.0);
    fx.bx("eye", 60.0, 5.0, 65.0, 9.0);
    fx.bx("eye", 52.0, 20.0, 57.0, 24.0);
    // Two overlapping faces sharing a third eye: it could be either's.
    fx.bx("face", 0.0, 40.0, 30.0, 70.0);
    fx.bx("face", 10.0, 40.0, 40.0, 70.0);
    fx.bx("eye", 2.0, 45.0, 7.0, 49.0);
    fx.bx("eye", 33.0, 45.0, 38.0, 49.0);
    fx.bx("eye", 15.0, 45.0, 20.0, 49.0);
    fx.bx("eye", 22.0, 45.0, 27.0, 49.0);
    // Two noses: one over.
    fx.bx("face", 60.0, 40.0, 90.0, 70.0); // 15
    fx.bx("nose", 65.0, 50.0, 70.0, 55.0);
    fx.bx("nose", 75.0, 50.0, 80.0, 55.0);
    let toml = "[schema.max-parts]\nface = { eye = 2, nose = 1 }\n";
    let s = run("A007", &fx.loaded(), toml);
    assert_eq!(
        s,
        [
            "fixture.txt:9:3: A007 error [image Some(1) annotation Some(5)] `face` holds 3 `eye` parts, at most 2 allowed",
            "fixture.txt:19:3: A007 error [image Some(1) annotation Some(15)] `face` holds 2 `nose` parts, at most 1 allowed",
        ],
        "{s:#?}"
    );
}

#[test]
fn d008_config_names_match_across_spellings() {
    let mut fx = Fx::new(&["Face", "Eyes", "Hand_Left", "hand-left", "Mouth"]);
    fx.bx("Face", 0.0, 0.0, 30.0, 30.0);
    fx.bx("Eyes", 50.0, 50.0, 55.0, 55.0);
    fx.bx("Mouth", 60.0, 50.0, 65.0, 55.0);
    let toml = "[schema.parts]\neye = \"face\"\nmouth = \"FACE\"\nhand_right = \"body\"\n[[schema.companions]]\nobject = \"hand\"\none-of = [\"Hand Left\"]\n";
    let loaded = fx.loaded();
    let s = run("D008", &loaded, toml);
    assert_eq!(
        s,
        [
            "fixture.txt: D008 error [image None annotation None] configuration name `Hand Left` matches 2 classes of the dataset: `Hand_Left`, `hand-left`; it is used for none",
            "fixture.txt: D008 warning [image None annotation None] configuration name `eye` matches no class of the dataset; closest: `Eyes`",
        ],
        "{s:#?}"
    );
    // `mouth` resolved to `Mouth` and `face` to `Face`: the mouth outside
    // its face is found.
    let config =
        Config::from_toml_str(&format!("select = [\"A004\"]\n{toml}"), "labelkit.toml").unwrap();
    let found = check(&loaded, &config);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].message, "`Mouth` lies inside no `Face`");
}

#[test]
fn d008_a_configuration_that_matches_nothing() {
    let mut fx = Fx::new(&["person", "car"]);
    fx.bx("person", 0.0, 0.0, 30.0, 30.0);
    let loaded = fx.loaded();
    let config = Config::from_toml_str(
        "select = [\"D008\"]\n[schema.parts]\neye = \"face\"\n",
        "labelkit.toml",
    )
    .unwrap();
    assert_eq!(
        summary(&check(&loaded, &config), &loaded.sources),
        ["fixture.txt: D008 warning [image None annotation None] none of the 2 label names of the configuration matches a class of the dataset (its classes include `person`, `car`)"],
    );
}
