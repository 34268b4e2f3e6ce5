//! Integration tests of labelkit-cvat: the conformance corpus, semantic round
//! trips, recoverable issues, fuzz seeds and the round-trip property.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use labelkit_cvat::{read_bytes, sniff, write_to, ReadOptions, Variant, WriteOptions};
use labelkit_diagnostics::Loaded;
use labelkit_model::{AttributeValue, Geometry, GeometryKind, Visibility};

mod property;

fn corpus(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus")).join(rel)
}

const FILES: [&str; 10] = [
    "cveta2/annotations.xml",
    "dagshub-annotation-converter/tests/cvat/res/pose_grouping.xml",
    "dagshub-annotation-converter/tests/cvat_video/res/sample_video.xml",
    "dagshub-annotation-converter/tests/fs_import/cvat/annotations.xml",
    "datumaro-cvat-ai/tests/assets/cvat_dataset/for_images/train.xml",
    "datumaro-cvat-ai/tests/assets/cvat_dataset/for_video/annotations.xml",
    "datumaro-openvino/tests/assets/cvat_dataset/for_images/export_project/annotations.xml",
    "review_object_detection_metrics/data/database/gts/cvat_format/annotations.xml",
    "training_extensions/tests/assets/cvat_dataset/action_classification/train/0/annotations.xml",
    "training_extensions/tests/assets/cvat_dataset/action_detection/train/0/annotations.xml",
];

fn load(rel: &str) -> (Vec<u8>, Loaded) {
    let path = corpus(rel);
    let bytes = std::fs::read(&path).unwrap();
    let loaded = read_bytes(&path, &bytes, &ReadOptions::default()).unwrap();
    (bytes, loaded)
}

fn kinds(l: &Loaded) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for a in &l.dataset.annotations {
        let k = match a.geometry.kind() {
            GeometryKind::Keypoints => "skeleton",
            k => k.as_str(),
        };
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

fn undeclared(l: &Loaded) -> Vec<String> {
    let mut v: Vec<String> = l
        .dataset
        .labels
        .labels
        .iter()
        .filter(|x| !x.declared)
        .map(|x| x.name.clone())
        .collect();
    v.sort();
    v
}

fn declared_top(l: &Loaded) -> Vec<(&str, Option<&str>)> {
    l.dataset
        .labels
        .labels
        .iter()
        .filter(|x| x.parent.is_none() && !undeclared(l).contains(&x.name))
        .map(|x| (x.name.as_str(), x.kind.as_deref()))
        .collect()
}

fn declared_count(l: &Loaded) -> usize {
    l.dataset.labels.len() - undeclared(l).len()
}

fn track_frames(l: &Loaded, i: usize) -> (Vec<u64>, Vec<bool>) {
    let t = &l.dataset.tracks[i];
    (
        t.shapes.iter().map(|s| s.frame).collect(),
        t.shapes.iter().map(|s| s.outside).collect(),
    )
}

#[test]
fn cveta2_project_export() {
    let (_, l) = load(FILES[0]);
    assert_eq!(declared_count(&l), 4);
    assert_eq!(
        declared_top(&l),
        vec![
            ("sdfxcvxcvxcv", Some("any")),
            ("sdfsdfvcxcvxcv", Some("any")),
            ("vvvvv", Some("any")),
            ("vsdxfddsf", Some("any"))
        ]
    );
    let names: Vec<&str> = l
        .dataset
        .images
        .iter()
        .map(|i| i.file_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "000000000009.avif",
            "000000000025.bmp",
            "000000000036.jpeg",
            "000000000042.jpg",
            "000000000009_1.avif",
            "000000000042_1.jpg"
        ]
    );
    let mut sizes: Vec<(u32, u32)> = l
        .dataset
        .images
        .iter()
        .map(|i| (i.width, i.height))
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    assert_eq!(sizes, [(481, 640), (640, 426), (640, 478), (640, 480)]);
    assert!(l.dataset.annotations.is_empty());
    assert_eq!(l.dataset.info.name.as_deref(), Some("sdfsdfsdfsdf"));
    assert!(l.issues.is_empty());
}

#[test]
fn pose_grouping_skeletons_and_undeclared_labels() {
    let (bytes, l) = load(FILES[1]);
    assert_eq!(declared_count(&l), 8);
    assert_eq!(
        declared_top(&l),
        vec![
            ("Pointy", Some("points")),
            ("Skelly", Some("skeleton")),
            ("Pointy_Box", Some("rectangle"))
        ]
    );
    let skelly = l.dataset.labels.find("Skelly").unwrap();
    let schema = l
        .dataset
        .labels
        .get(skelly)
        .unwrap()
        .keypoints
        .clone()
        .unwrap();
    assert_eq!(schema.names, ["1", "2", "3", "4", "5"]);
    assert!(schema.edges.is_empty());
    assert_eq!(l.dataset.images.len(), 1);
    assert_eq!(
        (l.dataset.images[0].width, l.dataset.images[0].height),
        (1920, 1200)
    );
    assert_eq!(
        kinds(&l),
        BTreeMap::from([("box", 5), ("points", 3), ("skeleton", 2)])
    );
    let elements: usize = l
        .dataset
        .annotations
        .iter()
        .map(|a| match &a.geometry {
            Geometry::Keypoints(k) => k.points.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(elements, 10);
    // 7 shapes and 5 skeleton elements carry a group_id.
    assert_eq!(
        l.dataset
            .annotations
            .iter()
            .filter(|a| a.group.is_some())
            .count(),
        7
    );
    assert_eq!(
        undeclared(&l),
        ["Pointy_1", "Pointy_2", "Pointy_3", "Pointy_misc"]
    );
    // One F003 per undeclared label, at its first use.
    let f003: Vec<_> = l.issues.iter().filter(|d| d.code == "F003").collect();
    assert_eq!(f003.len(), 4);
    let span = f003[0].primary.as_ref().unwrap().span;
    let text = std::str::from_utf8(&bytes[span.start as usize..span.end as usize]).unwrap();
    assert!(text.starts_with("<box label=\"Pointy_1\""), "{text}");
    assert!(text.ends_with("</box>"), "{text}");
    // Every shape's span is its element.
    for (i, s) in l.spans.annotations.iter().enumerate() {
        let s = s.unwrap().span;
        let t = &bytes[s.start as usize..s.end as usize];
        assert!(t.starts_with(b"<") && t.ends_with(b">"), "annotation {i}");
    }
    // Element details the keypoint cannot hold are kept.
    let skeleton = l
        .dataset
        .annotations
        .iter()
        .find(|a| matches!(a.geometry, Geometry::Keypoints(_)))
        .unwrap();
    let elements = &skeleton
        .kept
        .get::<labelkit_cvat::CvatShape>()
        .unwrap()
        .elements;
    assert!(
        elements
            .iter()
            .any(|e| e.attrs.contains(&("group_id".to_owned(), "3".to_owned()))),
        "{elements:?}"
    );
}

#[test]
fn sample_video_tracks() {
    let (_, l) = load(FILES[2]);
    assert_eq!(declared_count(&l), 0);
    assert!(l.dataset.images.is_empty());
    assert_eq!(l.dataset.tracks.len(), 2);
    assert_eq!(
        l.dataset.tracks.iter().map(|t| t.id.0).collect::<Vec<_>>(),
        [0, 1]
    );
    assert_eq!(l.dataset.labels.name(l.dataset.tracks[0].label), "person");
    assert_eq!(l.dataset.labels.name(l.dataset.tracks[1].label), "car");
    assert_eq!(track_frames(&l, 0), (vec![0, 1, 2, 3, 4], vec![false; 5]));
    assert_eq!(
        track_frames(&l, 1),
        (vec![0, 1, 2, 3, 4], vec![false, false, false, true, false])
    );
    let shapes: Vec<_> = l.dataset.tracks.iter().flat_map(|t| &t.shapes).collect();
    assert_eq!(shapes.len(), 10);
    assert!(shapes
        .iter()
        .all(|s| matches!(s.geometry, Geometry::Box(_))));
    assert_eq!(shapes.iter().filter(|s| s.keyframe).count(), 5);
    assert_eq!(shapes.iter().filter(|s| s.occluded).count(), 1);
    assert_eq!(undeclared(&l), ["car", "person"]);
    assert_eq!(l.dataset.info.source_format.as_deref(), Some("cvat-video"));
}

#[test]
fn fs_import_project() {
    let (_, l) = load(FILES[3]);
    assert_eq!(declared_count(&l), 12);
    assert_eq!(
        declared_top(&l),
        vec![
            ("Baby Yoda", Some("any")),
            ("Ship", Some("any")),
            ("Yoda", Some("skeleton")),
            ("Robot", Some("any")),
            ("Person", Some("any"))
        ]
    );
    let yoda = l.dataset.labels.find("Yoda").unwrap();
    let schema = l
        .dataset
        .labels
        .get(yoda)
        .unwrap()
        .keypoints
        .clone()
        .unwrap();
    assert_eq!(schema.names, ["1", "2", "3", "4", "5", "6", "7"]);
    assert_eq!(l.dataset.images.len(), 4);
    assert_eq!(
        kinds(&l),
        BTreeMap::from([("box", 4), ("points", 1), ("polygon", 4), ("skeleton", 1)])
    );
    let per_image: Vec<usize> = l
        .dataset
        .images
        .iter()
        .map(|i| {
            l.dataset
                .annotations
                .iter()
                .filter(|a| a.image == i.id)
                .count()
        })
        .collect();
    assert_eq!(per_image, [1, 6, 2, 1]);
    assert_eq!(
        l.dataset
            .annotations
            .iter()
            .filter(|a| a.z_order != 0)
            .count(),
        1
    );
    assert!(undeclared(&l).is_empty());
}

#[test]
fn datumaro_images_shapes_attributes_and_skeletons() {
    let (_, l) = load(FILES[4]);
    assert_eq!(declared_count(&l), 7);
    let label1 = l
        .dataset
        .labels
        .get(l.dataset.labels.find("label1").unwrap())
        .unwrap();
    let specs: Vec<&str> = label1.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(specs, ["a1", "a2", "a3", "a4"]);
    assert_eq!(label1.attributes[1].values, ["v1 v2 v3"]);
    assert_eq!(label1.attributes[3].default.as_deref(), Some("0"));
    assert_eq!(
        kinds(&l),
        BTreeMap::from([
            ("box", 1),
            ("points", 1),
            ("polygon", 1),
            ("polyline", 1),
            ("skeleton", 2)
        ])
    );
    let b = &l.dataset.annotations[0];
    assert!(b.occluded);
    assert_eq!(b.z_order, 1);
    assert_eq!(b.attributes.get("a1"), Some(&AttributeValue::Bool(true)));
    assert_eq!(
        b.attributes.get("a2"),
        Some(&AttributeValue::Text("v3".into()))
    );
    assert_eq!(
        b.attributes.get("a3"),
        Some(&AttributeValue::Text("0003".into()))
    );
    assert_eq!(b.attributes.get("a4"), Some(&AttributeValue::Number(2.4)));
    // Skeleton edges: svg node ids 3->2 and 1->4 are element positions.
    let sk = l.dataset.labels.find("skeleton").unwrap();
    let schema = l.dataset.labels.get(sk).unwrap().keypoints.clone().unwrap();
    assert_eq!(schema.names, ["1", "2", "3", "4"]);
    assert_eq!(schema.edges, [(2, 1), (0, 3)]);
    let outside: usize = l
        .dataset
        .annotations
        .iter()
        .map(|a| match &a.geometry {
            Geometry::Keypoints(k) => k
                .points
                .iter()
                .filter(|p| p.visibility == Visibility::Absent)
                .count(),
            _ => 0,
        })
        .sum();
    assert_eq!(outside, 2);
    assert_eq!(
        l.dataset
            .annotations
            .iter()
            .filter(|a| a.z_order != 0)
            .count(),
        3
    );
    assert_eq!(undeclared(&l), [""]);
    // Ids are assigned in document order.
    assert_eq!(
        l.dataset
            .annotations
            .iter()
            .map(|a| a.id.0)
            .collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
}

#[test]
fn datumaro_video_skeleton_tracks() {
    let (_, l) = load(FILES[5]);
    assert_eq!(declared_count(&l), 8);
    let top: Vec<&str> = declared_top(&l).iter().map(|x| x.0).collect();
    assert_eq!(top, ["klhg", "z U k", "II", "skeleton"]);
    let klhg = l
        .dataset
        .labels
        .get(l.dataset.labels.find("klhg").unwrap())
        .unwrap();
    assert_eq!(klhg.attributes[0].values, ["jk", "hgkf"]);
    assert!(klhg.attributes[0].mutable);
    assert_eq!(l.dataset.tracks.len(), 4);
    assert_eq!(
        track_frames(&l, 0),
        (vec![10, 13, 16], vec![false, true, true])
    );
    assert_eq!(track_frames(&l, 1), (vec![10, 13], vec![false, true]));
    assert_eq!(track_frames(&l, 2), (vec![13, 16], vec![false, true]));
    assert_eq!(track_frames(&l, 3), (vec![10, 13, 16], vec![false; 3]));
    let sk = &l.dataset.tracks[3];
    assert!(sk.shapes.iter().all(|s| s.geometry == Geometry::Tag));
    assert_eq!(sk.elements.len(), 4);
    let el3 = &sk.elements[2];
    assert_eq!(l.dataset.labels.name(el3.label), "3");
    assert_eq!(
        el3.shapes
            .iter()
            .map(|s| (s.frame, s.outside))
            .collect::<Vec<_>>(),
        [(10, false), (13, true)]
    );
    let nested: usize = sk.elements.iter().map(|e| e.shapes.len()).sum();
    assert_eq!(nested, 11);
    let top_shapes: Vec<_> = l.dataset.tracks.iter().flat_map(|t| &t.shapes).collect();
    assert_eq!(top_shapes.len(), 10);
    assert_eq!(top_shapes.iter().filter(|s| s.keyframe).count(), 8);
    assert_eq!(
        l.dataset.tracks[1].shapes[0].attributes.get("hgl"),
        Some(&AttributeValue::Text("hgkf".into()))
    );
    assert!(l.issues.is_empty(), "{:?}", l.issues);
}

#[test]
fn openvino_project_export_with_repeated_image_ids() {
    let (_, l) = load(FILES[6]);
    assert_eq!(declared_count(&l), 2);
    assert_eq!(l.dataset.images.len(), 6);
    assert_eq!(
        kinds(&l),
        BTreeMap::from([("box", 3), ("points", 3), ("polygon", 3), ("polyline", 3)])
    );
    assert_eq!(
        l.dataset.annotations.iter().filter(|a| a.occluded).count(),
        3
    );
    assert_eq!(
        l.dataset
            .annotations
            .iter()
            .filter(|a| !a.attributes.is_empty())
            .count(),
        3
    );
    assert_eq!(
        l.dataset
            .annotations
            .iter()
            .filter(|a| a.z_order != 0)
            .count(),
        9
    );
    // Image ids are unique in the model; the written ids are kept.
    let mut ids: Vec<u64> = l.dataset.images.iter().map(|i| i.id.0).collect();
    ids.dedup();
    assert_eq!(ids.len(), 6);
    let written: Vec<(u64, Option<u64>)> = l
        .dataset
        .images
        .iter()
        .map(|i| (i.id.0, i.repeated_id))
        .collect();
    assert_eq!(
        written,
        [
            (0, None),
            (1, None),
            (1 << 32, Some(0)),
            ((1 << 32) + 1, Some(1)),
            ((1 << 32) + 2, Some(0)),
            ((1 << 32) + 3, Some(1)),
        ]
    );
    assert!(l
        .dataset
        .images
        .iter()
        .all(|i| i.kept.is_empty() || i.kept.get::<labelkit_cvat::CvatImage>().is_some()));
    let subsets: Vec<&str> = l
        .dataset
        .images
        .iter()
        .filter_map(|i| i.subset.as_deref())
        .collect();
    assert_eq!(
        subsets,
        ["Test", "Test", "Train", "Train", "Validation", "Validation"]
    );
    let index = l.dataset.index();
    for pos in 0..6 {
        assert_eq!(index.annotations_of(pos).len(), 2);
    }
}

#[test]
fn review_metrics_boxes() {
    let (_, l) = load(FILES[7]);
    assert_eq!(declared_count(&l), 20);
    assert_eq!(l.dataset.images.len(), 100);
    assert_eq!(l.dataset.images[0].file_name, "2007_001585.jpg");
    assert_eq!(l.dataset.images[99].file_name, "2007_000027.jpg");
    let mut sizes: Vec<(u32, u32)> = l
        .dataset
        .images
        .iter()
        .map(|i| (i.width, i.height))
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    assert_eq!(sizes.len(), 34);
    assert_eq!(kinds(&l), BTreeMap::from([("box", 273)]));
}

#[test]
fn training_extensions_tags_and_tracks() {
    let (_, l) = load(FILES[8]);
    assert_eq!(declared_count(&l), 1);
    assert_eq!(l.dataset.images.len(), 10);
    assert_eq!(kinds(&l), BTreeMap::from([("tag", 10)]));
    let index = l.dataset.index();
    assert!((0..10).all(|i| index.annotations_of(i).len() == 1));

    let (_, l) = load(FILES[9]);
    assert_eq!(declared_count(&l), 2);
    assert!(l.dataset.images.is_empty());
    assert_eq!(l.dataset.tracks.len(), 10);
    assert!(l
        .dataset
        .tracks
        .iter()
        .all(|t| t.id.0 == 0 && t.shapes.len() == 1));
    assert_eq!(
        l.dataset
            .tracks
            .iter()
            .flat_map(|t| &t.shapes)
            .filter(|s| s.keyframe)
            .count(),
        0
    );
    assert!(l.issues.is_empty(), "{:?}", l.issues);
}

// ---------------------------------------------------------------------------
// Semantic comparison of XML trees.

#[derive(Debug)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<Node>,
}

fn tree(bytes: &[u8]) -> Node {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut stack: Vec<Node> = vec![Node {
        name: "#doc".into(),
        attrs: BTreeMap::new(),
        text: String::new(),
        children: vec![],
    }];
    let open = |e: &quick_xml::events::BytesStart<'_>| Node {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.unescape_value().unwrap().into_owned(),
                )
            })
            .collect(),
        text: String::new(),
        children: vec![],
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let n = open(&e);
                stack.last_mut().unwrap().children.push(n);
            }
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(n);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap();
                let c = match name.as_ref() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => r.resolve_char_ref().unwrap().unwrap(),
                };
                stack.last_mut().unwrap().text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().unwrap()
}

fn same_value(a: &str, b: &str) -> bool {
    let split = |s: &str| -> Vec<String> {
        s.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (ta, tb) = (split(a), split(b));
    ta.len() == tb.len()
        && ta.iter().zip(&tb).all(|(x, y)| {
            x == y || matches!((x.parse::<f64>(), y.parse::<f64>()), (Ok(p), Ok(q)) if p == q)
        })
}

/// CVAT reads a missing `occluded`, `outside`, `keyframe`, `z_order`,
/// `group_id` or `rotation` as 0.
fn normalized(attrs: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    attrs
        .iter()
        .filter(|(k, v)| {
            !(matches!(
                k.as_str(),
                "occluded" | "outside" | "keyframe" | "z_order" | "group_id" | "rotation"
            ) && v.trim().parse::<f64>() == Ok(0.0))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn compare(a: &Node, b: &Node, path: &str) {
    let here = format!("{path}/{}", a.name);
    assert_eq!(a.name, b.name, "element names differ at {here}");
    let (na, nb) = (normalized(&a.attrs), normalized(&b.attrs));
    assert_eq!(
        na.keys().collect::<Vec<_>>(),
        nb.keys().collect::<Vec<_>>(),
        "attribute names differ at {here}"
    );
    for (k, va) in &na {
        assert!(
            same_value(va, &nb[k]),
            "attribute {k} differs at {here}: {va:?} vs {:?}",
            nb[k]
        );
    }
    if a.children.is_empty() && b.children.is_empty() {
        assert!(
            same_value(a.text.trim(), b.text.trim()) || a.text.trim() == b.text.trim(),
            "text differs at {here}: {:?} vs {:?}",
            a.text,
            b.text
        );
    }
    assert_eq!(
        a.children.len(),
        b.children.len(),
        "child counts differ at {here}"
    );
    for (ca, cb) in a.children.iter().zip(&b.children) {
        compare(ca, cb, &here);
    }
}

fn count_nodes(n: &Node) -> usize {
    1 + n.children.iter().map(count_nodes).sum::<usize>()
}

#[test]
fn every_corpus_file_writes_back_semantically_identical() {
    for rel in FILES {
        let (bytes, l) = load(rel);
        let variant = if l.dataset.tracks.is_empty() {
            Variant::Images
        } else {
            Variant::Video
        };
        assert_eq!(sniff(&bytes), Some(variant), "{rel}");
        let mut out = Vec::new();
        let report = write_to(&l.dataset, &mut out, &WriteOptions::new().variant(variant)).unwrap();
        assert!(report.is_lossless(), "{rel}: {report}");
        let (a, b) = (tree(&bytes), tree(&out));
        assert!(count_nodes(&a) > 5);
        compare(&a, &b, rel);
        // And the model reads back identical.
        let again = read_bytes(Path::new("again.xml"), &out, &ReadOptions::default()).unwrap();
        assert_eq!(again.dataset, l.dataset, "{rel}");
    }
}

#[test]
fn the_semantic_comparison_notices_a_changed_value() {
    let (bytes, mut l) = load(FILES[4]);
    if let Geometry::Box(b) = &mut l.dataset.annotations[0].geometry {
        b.x_max += 0.5;
    }
    let mut out = Vec::new();
    write_to(&l.dataset, &mut out, &WriteOptions::default()).unwrap();
    let result = std::panic::catch_unwind(|| compare(&tree(&bytes), &tree(&out), ""));
    assert!(result.is_err());
}

#[test]
fn changed_labels_are_regenerated_inside_the_kept_meta() {
    let (_, mut l) = load(FILES[5]);
    let ii = l.dataset.labels.find("II").unwrap();
    l.dataset.labels.get_mut(ii).unwrap().name = "renamed".into();
    let mut out = Vec::new();
    write_to(
        &l.dataset,
        &mut out,
        &WriteOptions::new().variant(Variant::Video),
    )
    .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("<name>renamed</name>"));
    assert!(
        text.contains("<username>max</username>"),
        "the rest of <meta> is kept"
    );
    let again = read_bytes(Path::new("x.xml"), &out, &ReadOptions::default()).unwrap();
    assert_eq!(
        again.dataset.labels.name(again.dataset.tracks[0].label),
        "renamed"
    );
    assert!(again.issues.is_empty());
}

#[test]
fn two_decimals_and_keyframes_only() {
    let (_, l) = load(FILES[2]);
    let mut out = Vec::new();
    write_to(
        &l.dataset,
        &mut out,
        &WriteOptions::new()
            .variant(Variant::Video)
            .precision(labelkit_model::Precision::Decimals(2))
            .keyframes_only(true),
    )
    .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("xtl=\"100.00\""), "{text}");
    let again = read_bytes(Path::new("x.xml"), &out, &ReadOptions::default()).unwrap();
    let frames: Vec<Vec<u64>> = again
        .dataset
        .tracks
        .iter()
        .map(|t| t.shapes.iter().map(|s| s.frame).collect())
        .collect();
    assert_eq!(frames, [vec![0, 3], vec![0, 3, 4]]);
}

#[test]
fn images_become_two_frame_tracks_in_the_video_variant() {
    let (_, l) = load(FILES[3]);
    let mut out = Vec::new();
    let report = write_to(
        &l.dataset,
        &mut out,
        &WriteOptions::new().variant(Variant::Video),
    )
    .unwrap();
    assert_eq!(
        report.count("image list (CVAT for video lists no images)"),
        4
    );
    let again = read_bytes(Path::new("x.xml"), &out, &ReadOptions::default()).unwrap();
    assert_eq!(again.dataset.tracks.len(), 10);
    let t = &again.dataset.tracks[0];
    assert_eq!(
        t.shapes
            .iter()
            .map(|s| (s.frame, s.outside, s.keyframe))
            .collect::<Vec<_>>(),
        [(0, false, true), (1, true, true)]
    );
    let sk = again
        .dataset
        .tracks
        .iter()
        .find(|t| !t.elements.is_empty())
        .unwrap();
    assert_eq!(sk.elements.len(), 7);
    assert_eq!(sk.shapes[0].frame, 3);
}

#[test]
fn write_path_is_atomic_and_reads_back() {
    let (_, l) = load(FILES[4]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out/annotations.xml");
    labelkit_cvat::write_path(&l.dataset, &path, &WriteOptions::default()).unwrap();
    let again = labelkit_cvat::read_path(&path, &ReadOptions::default()).unwrap();
    assert_eq!(again.dataset, l.dataset);
    assert_eq!(
        std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
        1
    );
}

// ---------------------------------------------------------------------------
// Recoverable issues and fatal errors.

fn read_str(xml: &str) -> Result<Loaded, labelkit_cvat::Error> {
    read_bytes(Path::new("t.xml"), xml.as_bytes(), &ReadOptions::default())
}

#[test]
fn spans_start_at_the_tags_and_text_values_keep_their_whitespace() {
    let xml = "<annotations>\n  <image id=\"0\" name=\"a.jpg\" width=\"10\" height=\"8\">\n\t <box label=\"a\" xtl=\"1\" ytl=\"2\" xbr=\"3.5\" ybr=\"-4.25\" z_order=\"0\">\n      <attribute name=\"note\">  two  words\n</attribute>\n      <attribute name=\"e\"> &lt;&#65;<!-- c --> b </attribute>\n    </box>\n    <tag label=\"a\" source=\'auto\'/>\n  </image>\n</annotations>\n";
    let l = read_str(xml).unwrap();
    let text = |span: labelkit_diagnostics::SourceSpan| {
        &xml[span.span.start as usize..span.span.end as usize]
    };
    let image = text(l.spans.image(0).unwrap());
    assert!(
        image.starts_with("<image id=") && image.ends_with("</image>"),
        "{image}"
    );
    let first = text(l.spans.annotation(0).unwrap());
    assert!(
        first.starts_with("<box label=") && first.ends_with("</box>"),
        "{first}"
    );
    assert_eq!(
        text(l.spans.annotation(1).unwrap()),
        "<tag label=\"a\" source=\'auto\'/>"
    );
    let ann = &l.dataset.annotations[0];
    assert_eq!(
        ann.geometry,
        Geometry::Box(labelkit_model::BoxGeom {
            x_min: 1.0,
            y_min: 2.0,
            x_max: 3.5,
            y_max: -4.25,
            rotation: 0.0
        })
    );
    assert_eq!(
        ann.attributes.0,
        vec![
            (
                "note".into(),
                AttributeValue::Text("  two  words\n".to_owned())
            ),
            ("e".into(), AttributeValue::Text(" <A b ".to_owned())),
        ]
    );
    assert_eq!(l.dataset.annotations[1].source.as_deref(), Some("auto"));
}

fn issue_text<'a>(xml: &'a str, l: &Loaded, code: &str) -> &'a str {
    let d = l
        .issues
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", l.issues));
    let s = d.primary.as_ref().unwrap().span;
    &xml[s.start as usize..s.end as usize]
}

const META: &str = "<meta><task><labels><label><name>a</name><attributes><attribute><name>n</name><input_type>number</input_type><values>0\n10\n1</values></attribute></attributes></label></labels></task></meta>";

#[test]
fn malformed_points_are_reported_and_the_read_goes_on() {
    let xml = format!(
        "<annotations><version>1.1</version>{META}<image id=\"0\" name=\"a\" width=\"4\" height=\"4\">\n<polygon label=\"a\" points=\"1,2;3\"/>\n<box label=\"a\" xtl=\"1\" ytl=\"1\" xbr=\"3\" ybr=\"3\"><attribute name=\"n\">7</attribute></box></image></annotations>"
    );
    let l = read_str(&xml).unwrap();
    assert_eq!(l.dataset.annotations.len(), 1);
    assert_eq!(
        l.dataset.annotations[0].attributes.get("n"),
        Some(&AttributeValue::Number(7.0))
    );
    assert_eq!(
        issue_text(&xml, &l, "F001"),
        "<polygon label=\"a\" points=\"1,2;3\"/>"
    );
    assert!(
        l.issues[0].message.contains("`3` is not an `x,y` pair"),
        "{}",
        l.issues[0].message
    );
    assert_eq!(l.spans.annotations.len(), 1);
}

#[test]
fn a_mask_whose_runs_do_not_add_up_is_reported_and_kept() {
    let xml = format!(
        "<annotations>{META}<image id=\"0\" name=\"a\" width=\"9\" height=\"9\"><mask label=\"a\" source=\"manual\" occluded=\"0\" rle=\"1, 2, 3\" left=\"1\" top=\"2\" width=\"2\" height=\"2\" z_order=\"-3\"></mask></image></annotations>"
    );
    let l = read_str(&xml).unwrap();
    assert!(issue_text(&xml, &l, "F009").starts_with("<mask"));
    let a = &l.dataset.annotations[0];
    assert_eq!(a.z_order, -3);
    let Geometry::Mask(m) = &a.geometry else {
        panic!()
    };
    assert_eq!(
        m.encoding,
        labelkit_model::rle::MaskEncoding::Window {
            left: 1,
            top: 2,
            width: 2,
            height: 2,
            counts: vec![1, 2, 3]
        }
    );
    let mut out = Vec::new();
    write_to(&l.dataset, &mut out, &WriteOptions::default()).unwrap();
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("rle=\"1, 2, 3\" left=\"1\" top=\"2\" width=\"2\" height=\"2\""));
}

#[test]
fn every_shape_kind_reads_and_writes_back() {
    let xml = format!(
        "<annotations><version>1.1</version>{META}<image id=\"3\" name=\"a b.jpg\" width=\"90\" height=\"80\" subset=\"train\" task_id=\"7\">\
<box label=\"a\" occluded=\"1\" xtl=\"1\" ytl=\"2\" xbr=\"30\" ybr=\"40\" rotation=\"12.5\" z_order=\"-2\" group_id=\"4\" source=\"auto\"/>\
<ellipse label=\"a\" cx=\"5\" cy=\"6\" rx=\"2\" ry=\"1\" rotation=\"30\"/>\
<cuboid label=\"a\" xtl1=\"1\" ytl1=\"2\" xbl1=\"3\" ybl1=\"4\" xtr1=\"5\" ytr1=\"6\" xbr1=\"7\" ybr1=\"8\" xtl2=\"9\" ytl2=\"10\" xbl2=\"11\" ybl2=\"12\" xtr2=\"13\" ytr2=\"14\" xbr2=\"15\" ybr2=\"16\"/>\
<polyline label=\"a\" points=\"0,0;1,1\"/><tag label=\"a\" source=\"manual\"/></image></annotations>"
    );
    let l = read_str(&xml).unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let kinds: Vec<GeometryKind> = l
        .dataset
        .annotations
        .iter()
        .map(|a| a.geometry.kind())
        .collect();
    assert_eq!(
        kinds,
        [
            GeometryKind::Box,
            GeometryKind::Ellipse,
            GeometryKind::Cuboid,
            GeometryKind::Polyline,
            GeometryKind::Tag
        ]
    );
    let Geometry::Box(b) = &l.dataset.annotations[0].geometry else {
        panic!()
    };
    assert_eq!(
        (b.x_min, b.y_min, b.x_max, b.y_max, b.rotation),
        (1.0, 2.0, 30.0, 40.0, 12.5)
    );
    let Geometry::Cuboid(c) = &l.dataset.annotations[2].geometry else {
        panic!()
    };
    assert_eq!(c.coords[15], 16.0);
    let image = &l.dataset.images[0];
    assert_eq!((image.id.0, image.subset.as_deref()), (3, Some("train")));
    assert_eq!(
        image.kept.get::<labelkit_cvat::CvatImage>().unwrap().attrs,
        [("task_id".to_owned(), "7".to_owned())]
    );
    let mut out = Vec::new();
    write_to(&l.dataset, &mut out, &WriteOptions::default()).unwrap();
    compare(&tree(xml.as_bytes()), &tree(&out), "");
}

#[test]
fn malformed_xml_names_file_line_and_column() {
    let err = read_str("<annotations>\n  <image id=\"0\">\n  </imag>\n</annotations>").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("t.xml:3:"), "{text}");
    let labelkit_cvat::Error::Parse(p) = err else {
        panic!()
    };
    assert_eq!(p.location.line, 3);
    assert_eq!(p.location.column, 3);

    let err = read_str("<coco/>").unwrap_err().to_string();
    assert_eq!(
        err,
        "t.xml:1:1: expected the root element <annotations>, found <coco>"
    );
    let err = read_str("<annotations><image id=\"0\">")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not closed"), "{err}");
}

#[test]
fn entities_are_never_expanded() {
    let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\"><!ENTITY big \"aaaaaaaa\">]>\n<annotations><meta><task><name>&xxe;&big;</name></task></meta></annotations>";
    let err = read_str(xml).unwrap_err().to_string();
    assert!(
        err.contains("2:1: a document type declaration (DTD) is refused"),
        "{err}"
    );
    let err = read_str("<annotations><image id=\"0\" name=\"&xxe;\"/></annotations>").unwrap_err();
    assert!(err.to_string().contains("unknown entity"), "{err}");
}

#[test]
fn nesting_is_bounded() {
    let deep = format!(
        "<annotations>{}{}</annotations>",
        "<x>".repeat(100),
        "</x>".repeat(100)
    );
    let err = read_str(&deep).unwrap_err().to_string();
    assert!(err.contains("nest deeper than 64"), "{err}");
}

#[test]
fn fuzz_seeds_never_panic() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        labelkit_cvat::fuzz::fuzz_read(&data);
        // Truncations of each seed too.
        for cut in (0..data.len()).step_by(7) {
            labelkit_cvat::fuzz::fuzz_read(&data[..cut]);
        }
        n += 1;
    }
    assert!(n >= 5, "seeds: {n}");
    for rel in FILES {
        labelkit_cvat::fuzz::fuzz_read(&std::fs::read(corpus(rel)).unwrap());
    }
}

#[test]
fn coco_keypoints_become_a_declared_skeleton() {
    use labelkit_model::{
        Annotation, AnnotationId, BoxGeom, Dataset, Geometry, Image, ImageId, Keypoint,
        KeypointSchema, Keypoints, Label, Visibility,
    };
    let mut d = Dataset::new();
    let mut person = Label::new("person");
    person.keypoints = Some(KeypointSchema::coco_person());
    let person = d.labels.push(person);
    d.images.push(Image {
        id: ImageId(1),
        file_name: "a.jpg".to_owned(),
        width: 100,
        height: 100,
        ..Image::default()
    });
    let points = (0..17)
        .map(|i| Keypoint {
            name: None,
            x: f64::from(i) * 2.0,
            y: 50.0,
            visibility: if i == 3 {
                Visibility::Absent
            } else {
                Visibility::Visible
            },
        })
        .collect();
    d.annotations.push(Annotation::new(
        AnnotationId(1),
        ImageId(1),
        person,
        Geometry::Box(BoxGeom::from_xyxy(0.0, 0.0, 40.0, 90.0)),
    ));
    d.annotations.push(Annotation::new(
        AnnotationId(2),
        ImageId(1),
        person,
        Geometry::Keypoints(Keypoints { points }),
    ));
    let mut out = Vec::new();
    labelkit_cvat::write_to(&d, &mut out, &labelkit_cvat::WriteOptions::default()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("<type>skeleton</type>"), "{text}");
    assert!(text.contains("<name>left_shoulder</name>"), "{text}");
    assert!(text.contains("<parent>person</parent>"), "{text}");
    let back = labelkit_cvat::read_bytes(
        std::path::Path::new("kp.xml"),
        text.as_bytes(),
        &labelkit_cvat::ReadOptions::default(),
    )
    .unwrap();
    // Every element label is declared: nothing unknown.
    assert!(back.issues.is_empty(), "{:#?}", back.issues);
    let schema = back.dataset.labels.labels[0].keypoints.clone().unwrap();
    assert_eq!(schema.names, KeypointSchema::coco_person().names);
    assert_eq!(schema.edges, KeypointSchema::coco_person().edges);
    assert_eq!(back.dataset, labelkit_cvat::project(&d));
}

/// 160,000 declared labels (the 5.5 MB file that took over two minutes):
/// 80,000 plain labels and 40,000 skeletons of one element each. Label
/// look-ups by name (shapes, `<parent>`, skeleton elements, schemas) go
/// through indices, so this reads in seconds in a debug build.
#[test]
fn one_hundred_sixty_thousand_labels_read_in_linear_time() {
    use std::fmt::Write as _;
    let mut xml = String::from("<annotations><version>1.1</version><meta><task><labels>\n");
    for i in 0..80_000 {
        writeln!(xml, "<label><name>l{i}</name><attributes/></label>").unwrap();
    }
    for i in 0..40_000 {
        writeln!(
            xml,
            "<label><name>s{i}</name><type>skeleton</type></label>\
             <label><name>p</name><type>points</type><parent>s{i}</parent></label>"
        )
        .unwrap();
    }
    xml.push_str(
        "</labels></task></meta>\n<image id=\"0\" name=\"a.jpg\" width=\"10\" height=\"10\">\n",
    );
    for i in 0..1_000 {
        writeln!(
            xml,
            "<box label=\"l{}\" xtl=\"1\" ytl=\"1\" xbr=\"2\" ybr=\"2\"/>\
             <skeleton label=\"s{}\"><points label=\"p\" points=\"3,4\"/></skeleton>",
            i * 80,
            i * 40 + 39
        )
        .unwrap();
    }
    xml.push_str("</image></annotations>\n");
    let loaded = read_bytes(
        Path::new("many.xml"),
        xml.as_bytes(),
        &ReadOptions::default(),
    )
    .expect("reads");
    let labels = &loaded.dataset.labels;
    assert_eq!(labels.len(), 160_000);
    assert_eq!(
        labels.iter().filter(|(_, l)| l.parent.is_some()).count(),
        40_000
    );
    assert_eq!(loaded.issues, Vec::new());
    assert_eq!(loaded.dataset.annotations.len(), 2_000);
    let last = labels.find("s39999").expect("skeleton");
    let children: Vec<&str> = labels
        .children(last)
        .map(|(_, l)| l.name.as_str())
        .collect();
    assert_eq!(children, ["p"]);
    assert_eq!(
        labels
            .get(last)
            .and_then(|l| l.keypoints.as_ref())
            .map(|k| k.names.clone()),
        Some(vec!["p".to_owned()])
    );
    let skeleton = &loaded.dataset.annotations[1];
    assert_eq!(labels.name(skeleton.label), "s39");
    match &skeleton.geometry {
        Geometry::Keypoints(k) => assert_eq!((k.points[0].x, k.points[0].y), (3.0, 4.0)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        labels.name(loaded.dataset.annotations[1998].label),
        "l79920"
    );
}

/// Characters XML 1.0 cannot hold (C0 controls but tab, newline and
/// carriage return; U+FFFE, U+FFFF) are written as U+FFFD and counted;
/// carriage returns, newlines and tabs in attribute values are character
/// references, so they survive attribute-value normalisation. The output
/// reads back with labelkit's own reader.
#[test]
fn control_characters_are_replaced_and_line_breaks_survive() {
    use labelkit_model::{Annotation, AnnotationId, BoxGeom, Dataset, Image, ImageId, Label};
    let mut ds = Dataset::new();
    let label = ds.labels.push(Label::new("a\u{1}b\u{ffff}"));
    ds.images.push(Image {
        id: ImageId(0),
        file_name: "p\r\nq\tr\u{1b}.jpg".to_owned(),
        width: 10,
        height: 10,
        ..Image::default()
    });
    let mut a = Annotation::new(
        AnnotationId(1),
        ImageId(0),
        label,
        Geometry::Box(BoxGeom::from_xyxy(1.0, 1.0, 2.0, 2.0)),
    );
    a.attributes
        .set("note", AttributeValue::Text("x\u{1}\r\ny\tz".to_owned()));
    ds.annotations.push(a);
    for variant in [Variant::Images, Variant::Video] {
        let mut out = Vec::new();
        let report = write_to(&ds, &mut out, &WriteOptions::new().variant(variant)).unwrap();
        assert!(
            out.iter()
                .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r')),
            "{}",
            String::from_utf8_lossy(&out)
        );
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(!text.contains('\u{ffff}'));
        assert_eq!(
            report.count(
                "characters XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF; written as U+FFFD)"
            ),
            // Characters written: the label name twice (<meta>, the shape or
            // track), then the image name and the attribute value (images),
            // or the attribute value on the track's two boxes (video).
            6,
            "{variant:?}: {report}"
        );
        let back = read_bytes(Path::new("out.xml"), &out, &ReadOptions::default())
            .expect("labelkit reads its own output");
        assert_eq!(
            back.dataset.labels.name(labelkit_model::LabelId(0)),
            "a\u{fffd}b\u{fffd}"
        );
        if variant == Variant::Images {
            let ann = &back.dataset.annotations[0];
            assert_eq!(
                ann.attributes.get("note"),
                Some(&AttributeValue::Text("x\u{fffd}\r\ny\tz".to_owned()))
            );
            assert_eq!(back.dataset.images[0].file_name, "p\r\nq\tr\u{fffd}.jpg");
        } else {
            assert_eq!(back.dataset.tracks.len(), 1);
        }
    }
}

/// Numbers out of their type's range are errors at the value, naming the
/// range: `width="4294967296"` no longer becomes 0 silently, ids, z_order,
/// group ids and `<meta>` frames neither wrap nor saturate. (The seed's
/// escape characters, `&#x1b;`, are findings too.)
#[test]
fn out_of_range_numbers_are_reported_at_the_value_with_the_range() {
    let xml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fuzz_seeds/out_of_range_numbers.xml"
    ))
    .unwrap();
    let l = read_str(&xml).unwrap();
    let file = l.sources.get(labelkit_diagnostics::FileId(0)).unwrap();
    let found: Vec<String> = l
        .issues
        .iter()
        .map(|d| {
            let span = d.primary.as_ref().unwrap().span;
            let lc = file.line_col(span.start);
            format!("{}:{}: {} {}", lc.line, lc.column, d.code, d.message)
        })
        .collect();
    // <meta> values at their element, attributes at their value; an
    // image's own issues follow those of its shapes.
    let expected = [
        "3:15: F001 <meta> start_frame `18446744073709551616` is out of range: expected an integer from 0 to 18446744073709551615: ignored",
        "3:62: F001 <meta> stop_frame `-1` is out of range: expected an integer from 0 to 18446744073709551615: ignored",
        "3:89: F001 <meta> frame_filter step `0` is out of range: expected an integer from 1 to 18446744073709551615: ignored",
        "3:139: F010 <meta> original_size width `4294967296` is out of range: expected an integer from 1 to 4294967295: ignored",
        "3:164: F010 <meta> original_size height `x` is not an integer: expected an integer from 1 to 4294967295: ignored",
        "4:27: F001 character reference `&#x1b;` is to U+001B, a character XML 1.0 cannot hold: read as U+FFFD",
        "4:111: F001 character reference `&#x1b;` is to U+001B, a character XML 1.0 cannot hold: read as U+FFFD",
        "6:18: F001 character reference `&#x1b;` is to U+001B, a character XML 1.0 cannot hold: read as U+FFFD",
        "6:71: F001 `z_order` `2147483648` is out of range: expected an integer from -2147483648 to 2147483647: read as 0",
        "6:93: F001 `group_id` `99999999999999999999` is out of range: expected an integer from 0 to 18446744073709551615: ignored",
        "7:61: F001 `z_order` `-2147483649` is out of range: expected an integer from -2147483648 to 2147483647: read as 0",
        "5:14: F001 image id `18446744073709551616` is out of range: expected an integer from 0 to 18446744073709551615",
        "5:56: F010 image width `4294967296` is out of range: expected an integer from 1 to 4294967295",
        "5:76: F010 image height `-1` is out of range: expected an integer from 1 to 4294967295",
    ];
    assert_eq!(found, expected);
    assert_eq!(l.dataset.images[0].width, 0);
    assert_eq!(l.dataset.images[1].width, u32::MAX);
    assert_eq!(l.dataset.images[1].file_name, "b\nc.jpg");
    assert_eq!(l.dataset.annotations[0].z_order, 0);
    assert_eq!(l.dataset.annotations[0].group, None);
}

/// A kept `<meta>` (set through the API: [`labelkit_cvat::CvatDocument`])
/// is written back only when it is exactly one `<meta>` element: anything
/// after it would be written into the output raw, such as an `<image>`
/// naming /etc/passwd.
#[test]
fn a_carried_meta_cannot_inject_elements() {
    let coco_key = |meta: &str| {
        let mut ds = labelkit_model::Dataset::new();
        ds.info.name = Some("task".to_owned());
        ds.info.kept.set(labelkit_cvat::CvatDocument {
            version: None,
            meta: Some(meta.to_owned()),
        });
        let mut out = Vec::new();
        write_to(&ds, &mut out, &WriteOptions::new()).unwrap();
        String::from_utf8(out).unwrap()
    };
    for evil in [
        "<meta><task><name>n</name></task></meta><image id=\"5\" name=\"/etc/passwd\" width=\"1\" height=\"1\"/>",
        "<meta/><image id=\"5\" name=\"x\" width=\"1\" height=\"1\"/>",
        "<image id=\"5\" name=\"x\" width=\"1\" height=\"1\"/>",
        "<meta><task></task></meta>\u{1}",
        "<meta><task></meta>",
    ] {
        let out = coco_key(evil);
        assert!(!out.contains("<image"), "{evil}: {out}");
        assert!(out.contains("<name>task</name>"), "{evil}: {out}");
        let back = read_bytes(Path::new("o.xml"), out.as_bytes(), &ReadOptions::default()).unwrap();
        assert!(back.dataset.images.is_empty());
    }
    // A real <meta> (with comments and surrounding whitespace) is kept.
    let kept = coco_key("\n  <meta><!-- c --><task><name>kept</name></task></meta>\n");
    assert!(kept.contains("<name>kept</name>"), "{kept}");
}

/// Shapes written to CVAT for video become two-frame tracks: on the last
/// frame a u64 holds there is no next frame for the `outside` state, and
/// past the last track id there is no id; both used to overflow.
#[test]
fn shapes_as_tracks_on_the_last_frame_and_past_the_last_track_id() {
    use labelkit_model::{
        Annotation, AnnotationId, BoxGeom, Dataset, Image, ImageId, Track, TrackId, TrackShape,
    };
    let mut d = Dataset::new();
    let label = d.labels.find_or_insert("a");
    d.images.push(Image {
        id: ImageId(0),
        file_name: "a.jpg".into(),
        width: 10,
        height: 10,
        frame: Some(u64::MAX),
        ..Image::default()
    });
    let b = Geometry::Box(BoxGeom::from_xyxy(1.0, 1.0, 4.0, 4.0));
    d.annotations.push(Annotation::new(
        AnnotationId(1),
        ImageId(0),
        label,
        b.clone(),
    ));
    let mut out = Vec::new();
    let options = WriteOptions::new().variant(Variant::Video);
    write_to(&d, &mut out, &options).unwrap();
    let back = read_bytes(Path::new("v.xml"), &out, &ReadOptions::default()).unwrap();
    let [track] = back.dataset.tracks.as_slice() else {
        panic!("{:?}", back.dataset.tracks);
    };
    assert_eq!(track.id, TrackId(0));
    let frames: Vec<(u64, bool)> = track.shapes.iter().map(|s| (s.frame, s.outside)).collect();
    assert_eq!(frames, [(u64::MAX, false)]);

    // With a track already holding the last id, the shape has none left.
    d.tracks.push(Track {
        id: TrackId(u64::MAX),
        label,
        group: None,
        source: None,
        crowd: false,
        shapes: vec![TrackShape {
            frame: 0,
            keyframe: true,
            outside: false,
            occluded: false,
            z_order: 0,
            geometry: b,
            attributes: labelkit_model::Attributes::new(),
        }],
        elements: Vec::new(),
        kept: labelkit_model::Kept::default(),
    });
    let mut out = Vec::new();
    let report = write_to(&d, &mut out, &options).unwrap();
    assert_eq!(
        report.count("shapes without a free track id (ids past 2^64 - 1)"),
        1
    );
}

/// A label declaring 20,000 attributes and shapes carrying all of them:
/// each shape's attributes are typed by a look-up in the label's
/// declarations, not a scan of them (which made reading quadratic in the
/// file's size). The types are the declared ones.
#[test]
fn twenty_thousand_declared_attributes_type_each_shape_by_look_up() {
    use std::fmt::Write as _;
    const N: usize = 20_000;
    let mut xml = String::from(
        "<annotations><version>1.1</version><meta><task><labels>\n<label><name>p</name><attributes>\n",
    );
    for i in 0..N {
        let kind = if i % 2 == 0 { "checkbox" } else { "text" };
        writeln!(
            xml,
            "<attribute><name>a{i}</name><mutable>False</mutable><input_type>{kind}</input_type>\
             <default_value>false</default_value><values>false</values></attribute>"
        )
        .unwrap();
    }
    xml.push_str(
        "</attributes></label></labels></task></meta>\n\
         <image id=\"0\" name=\"a.jpg\" width=\"10\" height=\"10\">\n",
    );
    for _ in 0..3 {
        xml.push_str("<box label=\"p\" xtl=\"1\" ytl=\"1\" xbr=\"2\" ybr=\"2\">");
        for i in (0..N).rev() {
            write!(xml, "<attribute name=\"a{i}\">true</attribute>").unwrap();
        }
        xml.push_str("</box>\n");
    }
    xml.push_str("</image></annotations>\n");
    let loaded = read_bytes(
        Path::new("attrs.xml"),
        xml.as_bytes(),
        &ReadOptions::default(),
    )
    .expect("reads");
    assert_eq!(loaded.issues, Vec::new());
    assert_eq!(loaded.dataset.annotations.len(), 3);
    for a in &loaded.dataset.annotations {
        assert_eq!(a.attributes.len(), N);
        assert_eq!(a.attributes.get("a0"), Some(&AttributeValue::Bool(true)));
        assert_eq!(
            a.attributes.get("a19999"),
            Some(&AttributeValue::Text("true".into()))
        );
    }
}

/// An `<image>` start tag with `n` attributes `a0="1"` … after its usual
/// ones, on line 2; `comment` goes before the root element.
fn many_attributes(n: usize, comment: &[u8]) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut xml = b"<?xml version=\"1.0\"?>".to_vec();
    xml.extend_from_slice(comment);
    let mut tag =
        String::from("\n<annotations><image id=\"0\" name=\"a.png\" width=\"10\" height=\"10\"");
    for i in 0..n {
        write!(tag, " a{i}=\"1\"").unwrap();
    }
    tag.push_str(
        "><box label=\"p\" xtl=\"1\" ytl=\"1\" xbr=\"2\" ybr=\"2\"/></image></annotations>\n",
    );
    xml.extend_from_slice(tag.as_bytes());
    xml
}

/// A start tag with more than 1,024 attributes is refused at the first one
/// too many, by the fast reader and by the quick-xml path (taken when the
/// input is not valid UTF-8 as a whole), so 200,000 attributes (2.5 MB)
/// cost no quadratic repeated-name check. 1,024 are still read.
#[test]
fn elements_with_more_than_1024_attributes_are_refused() {
    // The 1,025th attribute, `a1020`, starts after the 4 usual ones and
    // 1,020 ` aI="1"`.
    let col = 1
        + "<annotations><image id=\"0\" name=\"a.png\" width=\"10\" height=\"10\"".len()
        + (0..1020)
            .map(|i: usize| format!(" a{i}=\"1\"").len())
            .sum::<usize>()
        + 1;
    for comment in [&b""[..], b"<!-- \xff -->"] {
        for n in [1025, 200_000] {
            let xml = many_attributes(n, comment);
            let err = read_bytes(Path::new("ma.xml"), &xml, &ReadOptions::default())
                .expect_err("refused")
                .to_string();
            assert_eq!(
                err,
                format!(
                    "ma.xml:2:{col}: malformed element: more than 1024 attributes: \
                     expected at most 1024 (a CVAT element has about 20)"
                ),
                "{n} attributes"
            );
        }
        // 4 + 1,020 = 1,024 attributes: read.
        let xml = many_attributes(1020, comment);
        let loaded = read_bytes(Path::new("ma.xml"), &xml, &ReadOptions::default()).unwrap();
        assert_eq!(loaded.dataset.images.len(), 1);
        assert_eq!(loaded.dataset.annotations.len(), 1);
    }
}

/// Whether Python's `xml.etree.ElementTree` parses `xml` (`None` without
/// python3).
fn python_parses(xml: &[u8]) -> Option<Result<(), String>> {
    use std::io::Write as _;
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; E.fromstring(sys.stdin.buffer.read())",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(xml).ok()?;
    let out = child.wait_with_output().ok()?;
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// Character references to characters XML 1.0 cannot hold (`&#27;`,
/// `&#x1;`) are read as U+FFFD with an F001 at each reference, in text and
/// in attribute values; a carried `<meta>` holding one is not written back
/// verbatim (a generated one replaces it), so the output parses with any
/// XML parser and reads back with no finding and the same label.
#[test]
fn references_to_characters_xml_cannot_hold_are_reported_and_never_written() {
    let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
        <annotations><version>1.1</version><meta><task><name>t&#x1;</name><labels><label><name>bad&#27;[31mred&#x1;</name></label></labels></task></meta>\n\
        <image id=\"0\" name=\"img0.png\" width=\"128\" height=\"128\"><box label=\"bad&#27;[31mred&#x1;\" occluded=\"0\" xtl=\"1\" ytl=\"1\" xbr=\"20\" ybr=\"20\"/></image>\n\
        </annotations>\n";
    let l = read_str(xml).unwrap();
    let found: Vec<(&str, &str, &str)> = l
        .issues
        .iter()
        .map(|d| {
            let s = d.primary.as_ref().unwrap().span;
            (
                d.code.as_str(),
                &xml[s.start as usize..s.end as usize],
                d.message.as_str(),
            )
        })
        .collect();
    let finding = |r: &'static str, u: &str| {
        (
            "F001",
            r,
            format!(
                "character reference `{r}` is to U+{u}, a character XML 1.0 cannot hold: read as U+FFFD"
            ),
        )
    };
    let expected = [
        finding("&#x1;", "0001"),
        finding("&#27;", "001B"),
        finding("&#x1;", "0001"),
        finding("&#27;", "001B"),
        finding("&#x1;", "0001"),
    ];
    assert_eq!(found.len(), expected.len(), "{found:?}");
    for (f, e) in found.iter().zip(&expected) {
        assert_eq!((f.0, f.1, f.2), (e.0, e.1, e.2.as_str()));
    }
    let name = "bad\u{FFFD}[31mred\u{FFFD}";
    assert_eq!(l.dataset.labels.labels.len(), 1);
    assert_eq!(l.dataset.labels.labels[0].name, name);
    assert_eq!(l.dataset.labels.name(l.dataset.annotations[0].label), name);

    let mut out = Vec::new();
    write_to(&l.dataset, &mut out, &WriteOptions::default()).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(!text.contains("&#"), "{text}");
    assert!(text.contains(&format!("<name>{name}</name>")), "{text}");
    match python_parses(&out) {
        Some(parsed) => parsed.expect("Python's ElementTree parses the output"),
        None => eprintln!("note: python3 not found, ElementTree check skipped"),
    }
    let again = read_bytes(Path::new("again.xml"), &out, &ReadOptions::default()).unwrap();
    assert_eq!(again.issues, Vec::new());
    assert_eq!(again.dataset.labels.labels.len(), 1);
    assert_eq!(
        again
            .dataset
            .labels
            .name(again.dataset.annotations[0].label),
        name
    );
}

/// A coordinate that overflows (COCO's `bbox` of `1e308`s: `x + w` is
/// infinite) is never written as `inf`, which no reader reads back: the
/// shape, or the track holding it, is left out and counted in the report.
#[test]
fn shapes_with_coordinates_that_are_not_finite_are_left_out_and_counted() {
    use labelkit_model::{
        Annotation, AnnotationId, BoxGeom, Dataset, Image, ImageId, Points, Track, TrackId,
        TrackShape,
    };
    let mut d = Dataset::new();
    let label = d.labels.find_or_insert("p");
    d.images.push(Image {
        id: ImageId(0),
        file_name: "a.png".into(),
        width: 128,
        height: 128,
        ..Image::default()
    });
    let huge = BoxGeom::from_xyxy(1e308, 1e308, 1e308 + 1e308, 1e308 + 1e308);
    assert!(huge.x_max.is_infinite());
    let shapes = [
        Geometry::Box(huge),
        Geometry::Box(BoxGeom::from_xyxy(1.0, 2.0, 20.0, 30.0)),
        Geometry::Points(Points {
            points: vec![labelkit_model::Point::new(f64::NAN, 1.0)],
        }),
    ];
    for (i, g) in shapes.iter().enumerate() {
        d.annotations.push(Annotation::new(
            AnnotationId(i as u64 + 1),
            ImageId(0),
            label,
            g.clone(),
        ));
    }
    let lost = "shapes with coordinates that overflow (not finite)";
    let mut out = Vec::new();
    let report = write_to(&d, &mut out, &WriteOptions::default()).unwrap();
    assert_eq!(report.count(lost), 2, "{report}");
    assert_eq!(report.annotations_written, 1);
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
    let back = read_bytes(Path::new("o.xml"), &out, &ReadOptions::default()).unwrap();
    assert_eq!(back.issues, Vec::new());
    let boxes: Vec<&Geometry> = back
        .dataset
        .annotations
        .iter()
        .map(|a| &a.geometry)
        .collect();
    assert_eq!(boxes, [&shapes[1]]);

    // CVAT for video: the shapes become tracks, and real tracks holding
    // such a shape are left out whole.
    let track = |id: u64, g: Geometry| Track {
        id: TrackId(id),
        label,
        group: None,
        source: None,
        crowd: false,
        shapes: vec![TrackShape {
            frame: 0,
            keyframe: true,
            outside: false,
            occluded: false,
            z_order: 0,
            geometry: g,
            attributes: labelkit_model::Attributes::new(),
        }],
        elements: Vec::new(),
        kept: labelkit_model::Kept::default(),
    };
    d.tracks.push(track(100, shapes[0].clone()));
    d.tracks.push(track(101, shapes[1].clone()));
    let mut out = Vec::new();
    let options = WriteOptions::new().variant(Variant::Video);
    let report = write_to(&d, &mut out, &options).unwrap();
    assert_eq!(report.count(lost), 2, "{report}");
    assert_eq!(
        report.count("tracks with coordinates that overflow (not finite)"),
        1,
        "{report}"
    );
    assert_eq!(report.annotations_written, 2);
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
    let back = read_bytes(Path::new("v.xml"), &out, &ReadOptions::default()).unwrap();
    assert_eq!(back.issues, Vec::new());
    assert_eq!(back.dataset.tracks.len(), 2);
    for t in &back.dataset.tracks {
        assert_eq!(t.shapes[0].geometry, shapes[1]);
    }
}

/// `project` (what a CVAT file holds of a dataset) types attributes by a
/// look-up and orders labels by a look-up, so 20,000 attribute specs or
/// 20,000 labels cost linear time; it still equals what reading the
/// written file gives.
#[test]
fn project_of_many_attributes_and_labels_equals_the_read_back() {
    use labelkit_model::{
        Annotation, AnnotationId, AttributeSpec, Attributes, BoxGeom, Dataset, Image, ImageId,
        InputType, LabelId,
    };
    const N: usize = 20_000;
    let mut d = Dataset::new();
    d.images.push(Image {
        id: ImageId(0),
        file_name: "a.png".into(),
        width: 100,
        height: 100,
        ..Image::default()
    });
    let p = d.labels.find_or_insert("p");
    let spec = |name: String, input_type| AttributeSpec {
        name,
        input_type,
        mutable: false,
        default: Some("false".into()),
        values: vec!["false".into()],
    };
    let label = d.labels.get_mut(p).unwrap();
    for i in 0..N {
        label
            .attributes
            .push(spec(format!("a{i}"), InputType::Checkbox));
    }
    let mut attributes = Attributes::new();
    for i in (0..N).rev() {
        attributes
            .0
            .push((format!("a{i}").into(), AttributeValue::Text("true".into())));
    }
    let mut a = Annotation::new(
        AnnotationId(1),
        ImageId(0),
        p,
        Geometry::Box(BoxGeom::from_xyxy(1.0, 1.0, 2.0, 2.0)),
    );
    a.attributes = attributes;
    d.annotations.push(a);
    // Labels used in the reverse of their order, none declared but `p`.
    for i in 0..N {
        let l = d.labels.find_or_insert(&format!("l{i}"));
        d.labels.get_mut(l).unwrap().declared = false;
    }
    for i in (0..N).rev() {
        d.annotations.push(Annotation::new(
            AnnotationId(i as u64 + 2),
            ImageId(0),
            LabelId(i as u32 + 1),
            Geometry::Box(BoxGeom::from_xyxy(1.0, 1.0, 2.0, 2.0)),
        ));
    }
    let projected = labelkit_cvat::project(&d);
    let first = &projected.annotations[0];
    assert_eq!(first.attributes.len(), N);
    assert!(first
        .attributes
        .iter()
        .all(|(_, v)| v == &AttributeValue::Bool(true)));
    assert_eq!(projected.labels.labels.len(), N + 1);
    assert_eq!(
        projected.labels.name(projected.annotations[1].label),
        "l19999"
    );
    assert_eq!(projected.annotations[1].label, LabelId(1));
    assert_eq!(projected.annotations[N].label, LabelId(N as u32));
    assert_eq!(projected.labels.name(LabelId(N as u32)), "l0");

    let mut out = Vec::new();
    write_to(&d, &mut out, &WriteOptions::default()).unwrap();
    let back = read_bytes(Path::new("p.xml"), &out, &ReadOptions::default()).unwrap();
    assert_eq!(back.dataset, projected);
}

/// A CVAT file as CVAT writes one after importing COCO: the attribute
/// `is_crowd` marks crowd regions. It reads as the crowd flag (a yes or no
/// value only), writes back as the same attribute, and the round trip is
/// the projection.
#[test]
fn is_crowd_attributes_are_crowd_flags() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fuzz_seeds/crowd_attributes.xml"
    ));
    let bytes = std::fs::read(path).unwrap();
    let loaded = read_bytes(path, &bytes, &ReadOptions::default()).unwrap();
    let d = &loaded.dataset;
    let crowd: Vec<bool> = d.annotations.iter().map(|a| a.crowd).collect();
    assert_eq!(crowd, [true, false, true, false, true]);
    let left: Vec<Vec<(&str, String)>> = d
        .annotations
        .iter()
        .map(|a| {
            a.attributes
                .iter()
                .map(|(n, v)| (n, v.to_string()))
                .collect()
        })
        .collect();
    // Only the value that is no yes or no stays an attribute.
    assert_eq!(
        left,
        [
            vec![],
            vec![],
            vec![],
            vec![("is_crowd", "maybe".to_owned())],
            vec![]
        ]
    );

    let mut out = Vec::new();
    let report = write_to(d, &mut out, &WriteOptions::default()).unwrap();
    assert_eq!(report.count("crowd flags"), 0);
    let text = String::from_utf8(out).unwrap();
    let values: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<attribute name=\"is_crowd\">"))
        .collect();
    assert_eq!(
        values,
        [
            "true</attribute>",
            "false</attribute>",
            "true</attribute>",
            "maybe</attribute>",
            "true</attribute>"
        ]
    );
    let back = read_str(&text).unwrap().dataset;
    assert_eq!(back, labelkit_cvat::project(d));
}

/// A skeleton track as CVAT's exporter writes it (CVAT's XML format
/// documentation, "Interpolation"): every `<skeleton>` holds one
/// `<points label=..>` per element, with the element's own frame, keyframe,
/// outside and occluded flags and attributes. Element "nose" is outside on
/// frame 2, both elements on frame 5.
const SKELETON_TRACK: &str = "video_skeleton_elements.xml";

fn load_seed(name: &str) -> (Vec<u8>, Loaded) {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds")).join(name);
    let bytes = std::fs::read(&path).unwrap();
    let loaded = read_bytes(&path, &bytes, &ReadOptions::default()).unwrap();
    (bytes, loaded)
}

/// One element track's states: frame, keyframe, outside, occluded, point,
/// value of the `color` attribute.
type ElementStates = Vec<(u64, bool, bool, bool, (f64, f64), Option<String>)>;

fn element_states(l: &Loaded, name: &str) -> ElementStates {
    let d = &l.dataset;
    let track = &d.tracks[0];
    let element = track
        .elements
        .iter()
        .find(|e| d.labels.name(e.label) == name)
        .unwrap_or_else(|| panic!("no element track `{name}`"));
    assert_eq!(
        d.labels.get(element.label).unwrap().parent,
        Some(track.label),
        "`{name}` is an element of the skeleton"
    );
    element
        .shapes
        .iter()
        .map(|s| {
            let Geometry::Points(p) = &s.geometry else {
                panic!("{name} at {}: {:?}", s.frame, s.geometry)
            };
            assert_eq!(p.points.len(), 1);
            let color = s.attributes.get("color").map(|v| match v {
                AttributeValue::Text(t) => t.clone(),
                other => panic!("{other:?}"),
            });
            (
                s.frame,
                s.keyframe,
                s.outside,
                s.occluded,
                (p.points[0].x, p.points[0].y),
                color,
            )
        })
        .collect()
}

#[test]
fn skeleton_track_element_points_are_read_and_written_back_as_cvat_exports_them() {
    let (bytes, l) = load_seed(SKELETON_TRACK);
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let d = &l.dataset;
    assert_eq!(d.tracks.len(), 1);
    let track = &d.tracks[0];
    assert_eq!(d.labels.name(track.label), "skel");
    assert_eq!(track.source.as_deref(), Some("manual"));
    // The skeleton's own states.
    let own: Vec<(u64, bool, bool)> = track
        .shapes
        .iter()
        .map(|s| (s.frame, s.keyframe, s.outside))
        .collect();
    assert_eq!(
        own,
        [
            (0, true, false),
            (2, false, false),
            (4, true, false),
            (5, true, true)
        ]
    );
    // One element track per element label, with every state.
    assert_eq!(track.elements.len(), 2);
    let blue = Some("blue".to_owned());
    let red = Some("red".to_owned());
    assert_eq!(
        element_states(&l, "nose"),
        [
            (0, true, false, false, (10.0, 20.0), None),
            (2, true, true, false, (14.0, 24.0), None),
            (4, true, false, false, (20.0, 30.0), None),
            (5, true, true, false, (20.0, 30.0), None),
        ]
    );
    assert_eq!(
        element_states(&l, "tail"),
        [
            (0, true, false, true, (30.0, 40.0), blue.clone()),
            (2, false, false, false, (40.0, 50.0), blue),
            (4, true, false, false, (50.0, 60.0), red.clone()),
            (5, true, true, false, (50.0, 60.0), red),
        ]
    );

    // Written back in the same form: element by element, every attribute
    // and child of the source (missing flags read as 0, `10.00` as `10`).
    let mut out = Vec::new();
    let report = write_to(d, &mut out, &WriteOptions::new().variant(Variant::Video)).unwrap();
    assert!(report.is_lossless(), "{report}");
    compare(&tree(&bytes), &tree(&out), SKELETON_TRACK);
    let text = String::from_utf8(out.clone()).unwrap();
    assert_eq!(text.matches("<track ").count(), 1, "{text}");
    assert_eq!(text.matches("<skeleton ").count(), 4, "{text}");
    assert_eq!(text.matches("<points label=\"nose\"").count(), 4, "{text}");
    let again = read_bytes(Path::new("again.xml"), &out, &ReadOptions::default()).unwrap();
    assert!(again.issues.is_empty(), "{:?}", again.issues);
    assert_eq!(again.dataset, l.dataset);
}

/// An element `<points>` without `frame` takes its skeleton's; one without
/// `label` is reported (F-code, with its position) and the others are kept.
#[test]
fn skeleton_track_element_without_frame_or_label() {
    let (bytes, _) = load_seed(SKELETON_TRACK);
    let text = String::from_utf8(bytes).unwrap();
    let text = text
        .replacen(
            r#"<points label="nose" frame="2" "#,
            r#"<points label="nose" "#,
            1,
        )
        .replacen(r#"<points label="nose" frame="4" "#, r#"<points "#, 1);
    let l = read_bytes(Path::new("x.xml"), text.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(l.issues.len(), 1, "{:?}", l.issues);
    assert!(
        l.issues[0].message.contains("without a `label`"),
        "{:?}",
        l.issues
    );
    let frames: Vec<u64> = element_states(&l, "nose").iter().map(|s| s.0).collect();
    assert_eq!(frames, [0, 2, 5]);
}

/// A second `<points>` of the same element in one `<skeleton>` is reported
/// and skipped; the first is kept.
#[test]
fn skeleton_track_element_twice_on_a_frame_is_reported() {
    let (bytes, _) = load_seed(SKELETON_TRACK);
    let text = String::from_utf8(bytes).unwrap().replacen(
        r#"<points label="nose" frame="4" keyframe="1" outside="0" occluded="0" points="20.00,30.00"/>"#,
        r#"<points label="nose" frame="4" keyframe="1" outside="0" occluded="0" points="20.00,30.00"/>
      <points label="nose" frame="4" keyframe="1" outside="0" occluded="0" points="99,99"/>"#,
        1,
    );
    let l = read_bytes(Path::new("x.xml"), text.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(l.issues.len(), 1, "{:?}", l.issues);
    assert!(
        l.issues[0]
            .message
            .contains("skeleton element `nose` has a second point on frame 4"),
        "{:?}",
        l.issues
    );
    let nose = element_states(&l, "nose");
    assert_eq!(nose[2].4, (20.0, 30.0));
    assert_eq!(nose.len(), 4);
}

/// A skeleton track with element tracks but no states of its own (as
/// another format may give) is written with a `<skeleton>` on each element
/// frame, outside where every element is; the elements come back unchanged.
#[test]
fn skeleton_track_without_own_states_is_written_from_its_elements() {
    let (_, mut l) = load_seed(SKELETON_TRACK);
    l.dataset.tracks[0].shapes.clear();
    let mut out = Vec::new();
    write_to(
        &l.dataset,
        &mut out,
        &WriteOptions::new().variant(Variant::Video),
    )
    .unwrap();
    let again = read_bytes(Path::new("again.xml"), &out, &ReadOptions::default()).unwrap();
    assert!(again.issues.is_empty(), "{:?}", again.issues);
    let own: Vec<(u64, bool, bool)> = again.dataset.tracks[0]
        .shapes
        .iter()
        .map(|s| (s.frame, s.keyframe, s.outside))
        .collect();
    assert_eq!(
        own,
        [
            (0, false, false),
            (2, false, false),
            (4, false, false),
            (5, false, true)
        ]
    );
    assert_eq!(
        again.dataset.tracks[0].elements,
        l.dataset.tracks[0].elements
    );
}

/// CVAT for video has one frame size, `<original_size>`: a video written
/// from CVAT for images (whose `<meta>` has none) or from another format
/// states it, so its frames read back with their size; a frame of another
/// size is counted, not silently resized.
#[test]
fn video_written_from_images_states_its_frame_size() {
    let xml = br#"<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <mode>annotation</mode>
      <labels>
        <label><name>car</name><attributes/></label>
      </labels>
    </task>
  </meta>
  <image id="0" name="a.jpg" width="640" height="480">
    <box label="car" occluded="0" xtl="10" ytl="20" xbr="110" ybr="220"/>
  </image>
  <image id="1" name="b.jpg" width="640" height="480"/>
  <image id="2" name="c.jpg" width="320" height="240"/>
</annotations>
"#;
    let path = Path::new("images.xml");
    let l = read_bytes(path, xml, &ReadOptions::default()).unwrap();
    let mut out = Vec::new();
    let report = write_to(
        &l.dataset,
        &mut out,
        &WriteOptions::new().variant(Variant::Video),
    )
    .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(
        text.contains("<original_size>\n        <width>640</width>\n        <height>480</height>\n      </original_size>"),
        "{text}"
    );
    let lost: Vec<(String, u64)> = report.losses().map(|(k, n)| (k.to_owned(), n)).collect();
    assert!(
        lost.contains(&(
            "frames of another size than the video's first (CVAT for video has one frame size)"
                .to_owned(),
            1
        )),
        "{lost:?}"
    );
    // Read back, the video reads clean and keeps its track: the frames get
    // their size from `<original_size>` when the tracks are expanded
    // (tests/e2e/fidelity.rs goes through COCO, which needs every size).
    let back = read_bytes(Path::new("video.xml"), &out, &ReadOptions::default()).unwrap();
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    assert_eq!(back.dataset.tracks.len(), 1);
}

/// Images with subsets, from a source without a CVAT `<meta>`, are written
/// in CVAT's project form: a `<project>` whose tasks name the subsets, so
/// that CVAT and Datumaro (which reads only the images of the file's own
/// subset from a `<task>`) keep every image with its subset.
#[test]
fn subsets_from_another_format_are_written_as_a_project() {
    use labelkit_model::{BoxGeom, Dataset, Image, ImageId, Label};
    let mut d = Dataset::new();
    let car = d.labels.push(Label::new("car"));
    for (i, subset) in ["train", "val", "train"].into_iter().enumerate() {
        let id = ImageId(i as u64 + 1);
        d.images.push(Image {
            id,
            file_name: format!("{i}.jpg"),
            width: 10,
            height: 10,
            subset: Some(subset.to_owned()),
            ..Image::default()
        });
        d.annotations.push(labelkit_model::Annotation::new(
            labelkit_model::AnnotationId(i as u64 + 1),
            id,
            car,
            Geometry::Box(BoxGeom::from_xyxy(1.0, 1.0, 5.0, 5.0)),
        ));
    }
    let mut out = Vec::new();
    write_to(&d, &mut out, &WriteOptions::default()).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("<meta>\n    <project>\n"), "{text}");
    assert_eq!(text.matches("<subset>").count(), 2, "{text}");
    assert!(
        text.contains("<subset>train</subset>") && text.contains("<subset>val</subset>"),
        "{text}"
    );
    assert!(text.contains("<subsets>train\nval</subsets>"), "{text}");
    let back = read_bytes(Path::new("p.xml"), &out, &ReadOptions::default()).unwrap();
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    let subsets: Vec<Option<&str>> = back
        .dataset
        .images
        .iter()
        .map(|i| i.subset.as_deref())
        .collect();
    assert_eq!(subsets, [Some("train"), Some("val"), Some("train")]);
}

/// The `<meta>` element of a CVAT file, as written.
fn meta_text(xml: &str) -> &str {
    let start = xml.find("<meta>").unwrap();
    let end = xml.find("</meta>").unwrap() + "</meta>".len();
    &xml[start..end]
}

/// `<meta>`'s video and task facts are typed fields of the dataset
/// information, read from the elements of the task itself: not from a
/// project's nested tasks, a segment's `<id>` or a comment.
#[test]
fn video_and_task_facts_are_typed_fields_of_the_information() {
    use labelkit_model::{TaskInfo, VideoInfo};
    let (_, l) = load(FILES[5]);
    let info = &l.dataset.info;
    assert_eq!(
        info.video,
        Some(VideoInfo {
            start_frame: Some(10),
            stop_frame: Some(19),
            frame_step: Some(3),
            frame_size: Some((25, 20)),
        })
    );
    assert_eq!(
        info.task,
        Some(TaskInfo {
            scope: Some("task".to_owned()),
            id: Some(5),
            mode: Some("interpolation".to_owned()),
            subset: None,
            size: Some(4),
        })
    );
    assert_eq!(info.name.as_deref(), Some("v1"));
    let document = info.kept.get::<labelkit_cvat::CvatDocument>().unwrap();
    assert_eq!(document.version, None);
    assert!(document.meta.as_deref().unwrap().contains("<segments>"));

    // A project export: the project's own id, none of its tasks' frames.
    let (_, p) = load(FILES[6]);
    let task = p.dataset.info.task.as_ref().unwrap();
    assert_eq!((task.scope.as_deref(), task.id), (Some("project"), Some(3)));
    assert_eq!(p.dataset.info.video, None);

    let xml = r#"<annotations><version>1.1</version><meta><task>
      <!-- <stop_frame>99</stop_frame><original_size><width>7</width><height>7</height></original_size> -->
      <segments><segment><id>3</id><start>0</start><stop>3</stop></segment></segments>
      <stop_frame>5</stop_frame>
      <original_size><width>0</width><height>9</height></original_size>
    </task></meta></annotations>"#;
    let l = read_bytes(Path::new("c.xml"), xml.as_bytes(), &ReadOptions::default()).unwrap();
    // A width of 0 is reported (F010) and gives no frame size.
    assert_eq!(
        l.dataset.info.video,
        Some(VideoInfo {
            stop_frame: Some(5),
            ..VideoInfo::default()
        })
    );
    assert_eq!(l.issues.len(), 1, "{:?}", l.issues);
    assert_eq!(l.issues[0].code, "F010");
    assert_eq!(l.dataset.info.task.as_ref().unwrap().id, None);
}

/// The CVAT writer writes the typed video and task facts into the kept
/// `<meta>`: over the texts it states for them where they differ, after the
/// task's start tag where it states none; the rest stays as written, and the
/// facts read back.
#[test]
fn typed_video_and_task_facts_are_written_into_the_kept_meta() {
    let (bytes, l) = load(FILES[5]);
    let source = String::from_utf8(bytes).unwrap();
    let mut d = l.dataset.clone();
    let write = |d: &labelkit_model::Dataset| {
        let mut out = Vec::new();
        let options = WriteOptions::new().variant(Variant::Video);
        write_to(d, &mut out, &options).unwrap();
        String::from_utf8(out).unwrap()
    };
    // Unchanged facts: the meta as written.
    assert_eq!(meta_text(&write(&d)), meta_text(&source));

    let video = d.info.video.as_mut().unwrap();
    video.stop_frame = Some(30);
    video.frame_step = Some(2);
    video.frame_size = Some((50, 40));
    d.info.task.as_mut().unwrap().subset = Some("a&b".to_owned());
    let out = write(&d);
    let expected = meta_text(&source)
        .replace("<task>\n", "<task>\n      <subset>a&amp;b</subset>\n")
        .replace("<stop_frame>19<", "<stop_frame>30<")
        .replace("step=3", "step=2")
        .replace("<width>25<", "<width>50<")
        .replace("<height>20<", "<height>40<");
    assert_eq!(meta_text(&out), expected);
    let back = read_bytes(Path::new("o.xml"), out.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(back.dataset.info.video, d.info.video);
    assert_eq!(back.dataset.info.task, d.info.task);
    assert_eq!(back.dataset.info, labelkit_cvat::project(&d).info);

    // A dataset of another format: the facts go into the fresh <meta>.
    let mut fresh = labelkit_model::Dataset::new();
    fresh.info.video = Some(labelkit_model::VideoInfo {
        start_frame: Some(2),
        stop_frame: Some(8),
        frame_step: None,
        frame_size: Some((64, 48)),
    });
    let out = write(&fresh);
    assert!(
        out.contains(
            "<task>\n      <start_frame>2</start_frame>\n      <stop_frame>8</stop_frame>\n"
        ),
        "{out}"
    );
    let back = read_bytes(Path::new("f.xml"), out.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(back.dataset.info.video, fresh.info.video);
}

/// CVAT's round-trip fields are typed structs in the `kept` slots, and
/// `project` keeps CVAT's only: another format's struct does not survive a
/// write to CVAT.
#[test]
fn round_trip_fields_are_typed_and_project_keeps_cvat_s_only() {
    use labelkit_cvat::{CvatLabel, CvatShape, CvatTrack};
    let (_, l) = load(FILES[5]);
    let d = &l.dataset;
    let skeleton = d.labels.find("skeleton").unwrap();
    let svg = d.labels.get(skeleton).unwrap().kept.get::<CvatLabel>();
    assert!(svg
        .and_then(|k| k.svg.as_deref())
        .unwrap()
        .starts_with("<line"));
    // Datumaro's form of a skeleton track: nested element <track>s.
    let track = d.tracks.iter().find(|t| t.label == skeleton).unwrap();
    assert_eq!(
        track.kept.get::<CvatTrack>(),
        Some(&CvatTrack {
            attrs: Vec::new(),
            shape_label: false,
            element_tracks: true,
        })
    );

    #[derive(Debug, Clone, PartialEq, Default)]
    struct Other(u8);
    impl labelkit_model::KeptValue for Other {}
    let mut mixed = d.clone();
    mixed.labels.labels[0].kept.set(Other(1));
    mixed.tracks[0].kept.set(Other(2));
    let p = labelkit_cvat::project(&mixed);
    assert!(p
        .labels
        .labels
        .iter()
        .all(|l| l.kept.get::<Other>().is_none()));
    assert!(p.tracks.iter().all(|t| t.kept.get::<Other>().is_none()));

    // An annotation keeps the XML attributes the model has no field for.
    let xml = r#"<annotations><version>1.1</version>
      <image id="0" name="a.jpg" width="10" height="8">
        <box label="p" occluded="0" xtl="1" ytl="2" xbr="4" ybr="5" z_order="0" note="x &amp; y"/>
      </image></annotations>"#;
    let l = read_bytes(Path::new("a.xml"), xml.as_bytes(), &ReadOptions::default()).unwrap();
    let a = &l.dataset.annotations[0];
    assert_eq!(
        a.kept.get::<CvatShape>().unwrap().attrs,
        [("note".into(), "x & y".to_owned())]
    );
    let mut out = Vec::new();
    write_to(&l.dataset, &mut out, &WriteOptions::new()).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains(r#" z_order="0" note="x &amp; y">"#), "{out}");
}

/// The names every shape repeats (skeleton points, attribute names,
/// `source`) are shared between the shapes, one allocation per distinct
/// name: on Datumaro's CVAT file the two skeletons hold the same point
/// names.
#[test]
fn names_repeated_on_every_shape_are_shared() {
    use std::sync::Arc;
    let (_, l) = load(FILES[4]);
    let points: Vec<&Vec<labelkit_model::Keypoint>> = l
        .dataset
        .annotations
        .iter()
        .filter_map(|a| match &a.geometry {
            Geometry::Keypoints(k) => Some(&k.points),
            _ => None,
        })
        .collect();
    assert_eq!(points.len(), 2);
    let first = points[0][0].name.clone().unwrap();
    let again = points[1]
        .iter()
        .find_map(|p| p.name.clone().filter(|n| *n == first))
        .unwrap();
    assert_eq!(&*first, "1");
    assert!(Arc::ptr_eq(&first, &again));

    let xml = br#"<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <image id="0" name="a.jpg" width="10" height="10">
    <box label="car" source="manual" occluded="0" xtl="1" ytl="1" xbr="3" ybr="3" z_order="0">
      <attribute name="color">red</attribute>
    </box>
    <box label="car" source="manual" occluded="0" xtl="4" ytl="4" xbr="6" ybr="6" z_order="0">
      <attribute name="color">blue</attribute>
    </box>
  </image>
</annotations>"#;
    let l = read_bytes(Path::new("shared.xml"), xml, &ReadOptions::default()).unwrap();
    let [a, b] = &l.dataset.annotations[..] else {
        panic!("{:?}", l.dataset.annotations);
    };
    assert_eq!(a.source.as_deref(), Some("manual"));
    assert!(Arc::ptr_eq(
        a.source.as_ref().unwrap(),
        b.source.as_ref().unwrap()
    ));
    assert_eq!(&*a.attributes.0[0].0, "color");
    assert!(Arc::ptr_eq(&a.attributes.0[0].0, &b.attributes.0[0].0));
    assert_eq!(
        b.attributes.get("color"),
        Some(&AttributeValue::Text("blue".into()))
    );
}

/// `read_path` reads a file of several pieces (3 MiB, pieces of about
/// 1 MiB) as `read_bytes` reads its bytes: same dataset, spans and issues,
/// an issue of the last piece at its line and column in the file; a file
/// that breaks past the first piece is an error at its line and column.
#[test]
fn read_path_streams_a_file_of_several_pieces() {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n  <meta><task><labels><label><name>car</name><type>rectangle</type><attributes/></label></labels></task></meta>\n",
    );
    let images = 20_000;
    for i in 0..images {
        let label = if i + 1 == images { "bus" } else { "car" };
        xml.push_str(&format!(
            "  <image id=\"{i}\" name=\"{i}.jpg\" width=\"640\" height=\"480\">\n    <box label=\"{label}\" source=\"manual\" occluded=\"0\" xtl=\"1.5\" ytl=\"2\" xbr=\"30.25\" ybr=\"40\" z_order=\"0\"/>\n  </image>\n"
        ));
    }
    xml.push_str("</annotations>\n");
    assert!(xml.len() > 3 << 20, "{}", xml.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xml");
    std::fs::write(&path, &xml).unwrap();
    let streamed = labelkit_cvat::read_path(&path, &ReadOptions::default()).unwrap();
    let whole = read_bytes(&path, xml.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(streamed.dataset, whole.dataset);
    assert_eq!(streamed.spans, whole.spans);
    assert_eq!(streamed.issues, whole.issues);
    assert_eq!(streamed.dataset.images.len(), images);
    assert_eq!(streamed.dataset.annotations.len(), images);
    let last = streamed.dataset.annotations.last().unwrap();
    assert_eq!(last.image, labelkit_model::ImageId(19_999));
    // The undeclared label of the last box, at its line and column.
    assert_eq!(streamed.issues.len(), 1);
    let issue = &streamed.issues[0];
    assert_eq!(issue.code, "F003");
    assert_eq!(issue.message, "label `bus` is not declared in <meta>");
    let file = streamed
        .sources
        .get(labelkit_diagnostics::FileId(0))
        .unwrap();
    let lc = file.line_col(issue.primary.as_ref().unwrap().span.start);
    assert_eq!((lc.line, lc.column), (4 + 3 * images as u32 - 1, 5));
    // The span of the last image starts at its `<` in the file.
    let span = streamed.spans.image(images - 1).unwrap().span;
    let at = xml.find("<image id=\"19999\"").unwrap();
    assert_eq!(span.start as usize, at);

    // Broken past the first piece: an error at its line and column.
    let broken = xml.replacen(
        "<image id=\"15000\" name=\"15000.jpg\"",
        "<image id=\"15000\" name=\"15000.jpg\" name=\"x\"",
        1,
    );
    std::fs::write(&path, &broken).unwrap();
    let err = labelkit_cvat::read_path(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    let line = 4 + 3 * 15_000 + 1;
    assert_eq!(
        err,
        format!(
            "{}:{line}:38: malformed attribute: `name` is repeated",
            path.display()
        )
    );
}
