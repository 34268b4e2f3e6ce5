//! Mutation test: a clean generated dataset gets no finding; each injected
//! mistake is reported with the right code at the right image and
//! annotation, and nothing else is.

use labelkit_diagnostics::{ByteSpan, FileId, Loaded, ReadIssue, ReaderFacts, StatedFlipIdx};
use labelkit_model::{
    Annotation, AnnotationId, AttributeValue, BoxGeom, Dataset, Geometry, ImageId, Label,
    Visibility,
};
use labelkit_rules::Config;
use labelkit_testkit::people;

use crate::support::{check, summary};

const PER_PERSON: u64 = 19;

fn config() -> Config {
    let text = labelkit_rules::preset_toml("whole-body")
        .unwrap()
        .replace("min-count = 3000", "min-count = 2");
    Config::from_toml_str(&text, "labelkit.toml").unwrap()
}

/// The id of annotation `offset` of person `p`.
fn id(p: u64, offset: u64) -> u64 {
    p * PER_PERSON + offset + 1
}

/// The image of person `p` (3 per image).
fn image(p: u64) -> u64 {
    p / 3 + 1
}

fn ann(d: &mut Dataset, id: u64) -> &mut Annotation {
    d.annotations
        .iter_mut()
        .find(|a| a.id.0 == id)
        .expect("annotation")
}

fn bx(d: &mut Dataset, id: u64) -> &mut BoxGeom {
    match &mut ann(d, id).geometry {
        Geometry::Box(b) => b,
        _ => panic!("not a box"),
    }
}

fn keypoints(d: &mut Dataset, id: u64) -> &mut Vec<labelkit_model::Keypoint> {
    match &mut ann(d, id).geometry {
        Geometry::Keypoints(k) => &mut k.points,
        _ => panic!("not keypoints"),
    }
}

fn push(d: &mut Dataset, image: u64, label: &str, geometry: Geometry) -> u64 {
    let id = d.annotations.iter().map(|a| a.id.0).max().unwrap_or(0) + 1;
    let label = d.labels.find(label).expect("label");
    d.annotations.push(Annotation::new(
        AnnotationId(id),
        ImageId(image),
        label,
        geometry,
    ));
    id
}

type Expected = Vec<(String, Option<u64>, Option<u64>)>;

/// `d` as read, with the facts a reader found out about its files.
fn with_facts(d: Dataset, facts: &ReaderFacts) -> Loaded {
    let mut loaded = people::loaded(d);
    loaded.facts = facts.clone();
    loaded
}

#[allow(clippy::too_many_lines)]
fn inject(d: &mut Dataset, facts: &mut ReaderFacts) -> Expected {
    let mut e: Expected = Vec::new();
    let mut expect = |code: &str, image: Option<u64>, ann: Option<u64>| {
        e.push((code.to_owned(), image, ann));
    };
    // G001: an eye 2.99 px wide.
    let b = bx(d, id(0, 6));
    b.x_max = b.x_min + 2.99;
    expect("G001", Some(image(0)), Some(id(0, 6)));
    // G002: a foot dragged past the bottom edge (and so out of its body).
    bx(d, id(1, 16)).y_max = 481.0;
    expect("G002", Some(image(1)), Some(id(1, 16)));
    expect("A004", Some(image(1)), Some(id(1, 16)));
    // G003: a nose of zero width.
    let b = bx(d, id(3, 8));
    b.x_max = b.x_min;
    expect("G003", Some(image(3)), Some(id(3, 8)));
    // G004: a mouth left at the template size.
    let b = bx(d, id(4, 9));
    b.x_max = b.x_min + 3.0;
    b.y_max = b.y_min + 3.0;
    expect("G004", Some(image(4)), Some(id(4, 9)));
    // A001: a head labelled twice.
    let mut dup = *bx(d, id(5, 3));
    dup.x_min += 1.0;
    let dup_id = push(d, image(5), "head", Geometry::Box(dup));
    expect("A001", Some(image(5)), Some(dup_id));
    // ... and so its body holds two heads.
    expect("A007", Some(image(5)), Some(id(5, 0)));
    // A002: a body that is both adult and child (person 6 is a child).
    let body = *bx(d, id(6, 0));
    push(d, image(6), "adult", Geometry::Box(body));
    expect("A002", Some(image(6)), Some(id(6, 0)));
    // A003: a head whose direction box is lost (removed below, with the
    // body's gender box, which is optional: no finding).
    expect("A003", Some(image(7)), Some(id(7, 3)));
    // A004: an eye that slipped out of its face.
    let b = bx(d, id(8, 7));
    b.y_min += 150.0;
    b.y_max += 150.0;
    expect("A004", Some(image(8)), Some(id(8, 7)));
    // A005: a head still marked ambiguous, a hand of low confidence.
    ann(d, id(9, 3))
        .attributes
        .set("ambiguous", AttributeValue::Bool(true));
    expect("A005", Some(image(9)), Some(id(9, 3)));
    ann(d, id(10, 12)).score = Some(0.3);
    expect("A005", Some(image(10)), Some(id(10, 12)));
    // A006: an `adult` box drawn on a head.
    let head = *bx(d, id(11, 3));
    let stray = push(d, image(11), "adult", Geometry::Box(head));
    expect("A006", Some(image(11)), Some(stray));
    // K001: a skeleton missing its last point.
    keypoints(d, id(12, 18)).pop();
    expect("K001", Some(image(12)), Some(id(12, 18)));
    // K002: eyes written in the wrong order.
    keypoints(d, id(13, 18)).swap(1, 2);
    expect("K002", Some(image(13)), Some(id(13, 18)));
    // K003: a point marked absent that kept its coordinates.
    keypoints(d, id(14, 18))[16].visibility = Visibility::Absent;
    expect("K003", Some(image(14)), Some(id(14, 18)));
    // K004: shoulders swapped.
    let k = keypoints(d, id(15, 18));
    let (l, r) = (k[5].x, k[6].x);
    k[5].x = r;
    k[6].x = l;
    expect("K004", Some(image(15)), Some(id(15, 18)));
    // K005: a wrist outside its body box.
    let right_edge = bx(d, id(16, 0)).x_max;
    keypoints(d, id(16, 18))[9].x = right_edge + 5.0;
    expect("K005", Some(image(16)), Some(id(16, 18)));
    // K006: a flip_idx that does not swap the eyes.
    facts.flip_idx = Some(StatedFlipIdx {
        indices: vec![0, 1, 2, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15],
        at: None,
    });
    expect("K006", None, None);
    // D001: a rare class (1 label, minimum 2).
    d.labels.push(Label::new("body_with_wheelchair"));
    let body = *bx(d, id(17, 0));
    push(d, image(17), "body_with_wheelchair", Geometry::Box(body));
    expect("D001", None, None);
    // D002: a class never used.
    d.labels.push(Label::new("body_with_crutches"));
    expect("D002", None, None);
    // D003: a class used but never declared, twice.
    let mut undeclared = Label::new("hnad");
    undeclared.declared = false;
    d.labels.push(undeclared);
    for offset in [12, 14] {
        let hand = *bx(d, id(18, offset));
        ann(d, id(18, offset)).label = d.labels.find("hnad").unwrap();
        let _ = hand;
    }
    // The hands became `hnad`: their sides now label no hand.
    expect("D003", None, None);
    expect("A006", Some(image(18)), Some(id(18, 13)));
    expect("A006", Some(image(18)), Some(id(18, 15)));
    // D004: two feet sharing an id.
    ann(d, id(19, 17)).id = AnnotationId(id(19, 16));
    expect("D004", Some(image(19)), Some(id(19, 16)));
    // D005: an image whose label file is missing.
    facts.image_mut(14).no_label_file = true;
    expect("D005", Some(15), None);
    // D006: an annotation of an image that does not exist.
    let orphan = push(
        d,
        999,
        "body",
        Geometry::Box(BoxGeom::from_xyxy(1.0, 1.0, 50.0, 50.0)),
    );
    expect("D006", Some(999), Some(orphan));
    // D007: an image file of another size.
    facts.image_mut(15).file_size = Some((320, 240));
    expect("D007", Some(16), None);
    // A007: a face with a third eye (person 20), inside it alone.
    let face = *bx(d, id(20, 5));
    let eye = *bx(d, id(20, 6));
    let mut third = eye;
    third.y_min = face.y_max - (eye.y_max - eye.y_min) - 1.0;
    third.y_max = face.y_max - 1.0;
    push(d, image(20), "eye", Geometry::Box(third));
    expect("A007", Some(image(20)), Some(id(20, 5)));
    // A003, continued: remove person 7's direction and gender boxes.
    let gone = [id(7, 4), id(7, 2)];
    d.annotations.retain(|a| !gone.contains(&a.id.0));
    e.sort();
    e
}

#[test]
fn clean_dataset_has_no_findings() {
    let loaded = people::loaded(people::person_dataset(16, 3, 5));
    let found = check(&loaded, &config());
    assert_eq!(summary(&found, &loaded.sources), Vec::<String>::new());
}

#[test]
fn every_injected_mistake_is_found_where_it_was_made() {
    let mut d = people::person_dataset(16, 3, 5);
    let mut facts = ReaderFacts::new();
    let expected = inject(&mut d, &mut facts);
    let mut loaded = with_facts(d, &facts);
    loaded.issues.push(ReadIssue::UnknownClass.at(
        FileId(0),
        ByteSpan::new(0, 10),
        "class 7 is not declared",
    ));
    let mut expected = expected;
    expected.push(("F003".to_owned(), None, None));
    expected.sort();
    let found = check(&loaded, &config());
    let mut got: Expected = found
        .iter()
        .map(|d| (d.code.clone(), d.image, d.annotation))
        .collect();
    got.sort();
    assert_eq!(got, expected, "{:#?}", summary(&found, &loaded.sources));
    // Every finding about an annotation points at that annotation's line.
    let text = loaded.sources.get(FileId(0)).unwrap().text();
    for d in found
        .iter()
        .filter(|d| d.annotation.is_some() && d.code != "D004")
    {
        let span = d.primary.as_ref().expect("positioned").span;
        let line = std::str::from_utf8(&text[span.start as usize..span.end as usize]).unwrap();
        let id = d.annotation.unwrap().to_string();
        assert_eq!(
            line.split(' ').next(),
            Some(id.as_str()),
            "{} at `{line}`",
            d.code
        );
    }
}

#[test]
fn findings_do_not_depend_on_annotation_order() {
    let mut d = people::person_dataset(16, 3, 5);
    let mut facts = ReaderFacts::new();
    inject(&mut d, &mut facts);
    let forward = check(&with_facts(d.clone(), &facts), &config());
    d.annotations.reverse();
    let backward = check(&with_facts(d, &facts), &config());
    let key = |v: &[labelkit_diagnostics::Diagnostic]| {
        let mut k: Vec<_> = v
            .iter()
            .map(|d| (d.code.clone(), d.image, d.annotation, d.message.clone()))
            .collect();
        k.sort();
        k
    };
    assert_eq!(key(&forward), key(&backward));
}

/// The spellings public whole-body datasets use (`Body`, `Hand_Left`,
/// `Right-Front`): every class of the generated set, capitalised, with
/// `-` and `_` swapped.
fn respell(d: &mut Dataset) {
    for l in &mut d.labels.labels {
        let mut name: String = l
            .name
            .split(['_', '-'])
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("_");
        if l.name.contains('-') {
            name = name.replace('_', "-");
        }
        l.name = name;
    }
}

#[test]
fn capitalised_class_names_resolve_and_their_mistakes_are_found() {
    let mut d = people::person_dataset(16, 3, 5);
    respell(&mut d);
    assert!(d.labels.find("Hand_Left").is_some());
    assert!(d.labels.find("Right-Front").is_some());
    let clean = check(&people::loaded(d.clone()), &config());
    assert_eq!(
        summary(&clean, &people::loaded(d.clone()).sources),
        Vec::<String>::new()
    );
    // A stray eye, out of its face, and a third eye in another face.
    let b = bx(&mut d, id(8, 7));
    b.y_min += 150.0;
    b.y_max += 150.0;
    let face = *bx(&mut d, id(20, 5));
    let eye = *bx(&mut d, id(20, 6));
    let mut third = eye;
    third.y_min = face.y_max - (eye.y_max - eye.y_min) - 1.0;
    third.y_max = face.y_max - 1.0;
    push(&mut d, image(20), "Eye", Geometry::Box(third));
    let loaded = people::loaded(d);
    let found = check(&loaded, &config());
    let got: Vec<String> = summary(&found, &loaded.sources);
    assert_eq!(
        got,
        [
            format!("people.txt:{}:3: A004 error [image Some(3) annotation Some(160)] `Eye` lies inside no `Face`", line_of(&loaded, 160)),
            format!("people.txt:{}:3: A007 error [image Some(7) annotation Some(386)] `Face` holds 3 `Eye` parts, at most 2 allowed", line_of(&loaded, 386)),
        ],
        "{got:#?}"
    );
}

/// The line of annotation `id` in the generated source.
fn line_of(loaded: &labelkit_diagnostics::Loaded, id: u64) -> u32 {
    let pos = loaded
        .dataset
        .annotations
        .iter()
        .position(|a| a.id.0 == id)
        .unwrap();
    let span = loaded.spans.annotation(pos).unwrap();
    loaded
        .sources
        .get(span.file)
        .unwrap()
        .line_col(span.span.start)
        .line
}

/// A 3 px tall eye exported to YOLO at 6 significant digits on a 360 px
/// tall image reads back as 2.9999988 px, known to 1.8e-6 px: with the
/// rounding the reader records, the clean set stays clean; without it the
/// eye would be a G001 error.
#[test]
fn an_exported_3px_eye_keeps_the_clean_set_clean() {
    let mut d = people::person_dataset(16, 3, 5);
    let b = bx(&mut d, id(2, 6));
    b.x_max = b.x_min + 4.0;
    b.y_max = b.y_min + 0.008_333_33 * 360.0;
    let pos = d
        .annotations
        .iter()
        .position(|a| a.id.0 == id(2, 6))
        .unwrap();
    let mut loaded = people::loaded(d);
    let before = check(&loaded, &config());
    assert_eq!(
        summary(&before, &loaded.sources)
            .iter()
            .map(|s| s.split(' ').nth(1).unwrap_or("").to_owned())
            .collect::<Vec<_>>(),
        ["G001"]
    );
    loaded.measurements.annotations = vec![None; loaded.dataset.annotations.len()];
    loaded.measurements.annotations[pos] = Some(labelkit_diagnostics::Rounding {
        decimals: 8,
        width: 0.5e-6 * 640.0,
        height: 0.5e-8 * 360.0,
    });
    let found = check(&loaded, &config());
    assert_eq!(summary(&found, &loaded.sources), Vec::<String>::new());
}
