//! Checks an annotator can trust, through the real readers and the
//! binary: sizes allow the rounding of the file they were read from,
//! images of unknown size are not measured in the wrong unit, the
//! whole-body preset matches the spellings public datasets use, tiny
//! companions match by their edges, and parts are counted.

use std::path::Path;

use super::{labelkit, png, stderr, stdout};

/// A CVAT for images file of one 480x360 image with the given shapes.
fn cvat(labels: &[&str], shapes: &str) -> String {
    let labels: String = labels
        .iter()
        .map(|l| format!("<label><name>{l}</name></label>"))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n<version>1.1</version>\n<meta><task><labels>{labels}</labels></task></meta>\n<image id=\"0\" name=\"a.png\" width=\"480\" height=\"360\">\n{shapes}</image>\n</annotations>\n"
    )
}

fn cvat_box(label: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!("<box label=\"{label}\" occluded=\"0\" source=\"manual\" xtl=\"{x0}\" ytl=\"{y0}\" xbr=\"{x1}\" ybr=\"{y1}\" z_order=\"0\"/>\n")
}

/// The concise lines of a check, with the exit code.
fn check(args: &[&str], cwd: &Path) -> (Option<i32>, Vec<String>) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--output-format", "concise"]);
    let o = labelkit(&all, cwd);
    assert!(
        stderr(&o).lines().all(|l| !l.contains("panicked")),
        "{}",
        stderr(&o)
    );
    (
        o.status.code(),
        stdout(&o).lines().map(str::to_owned).collect(),
    )
}

#[test]
fn a_3x3_box_exported_to_yolo_is_still_3x3() {
    let dir = tempfile::tempdir().unwrap();
    let shapes = cvat_box("eye", 100.33, 100.33, 103.33, 103.33)
        + &cvat_box("eye", 200.0, 200.0, 203.0, 202.9);
    std::fs::write(dir.path().join("a.xml"), cvat(&["eye"], &shapes)).unwrap();
    // The CVAT file itself: a 3x3 box (a template) and a 3x2.9 one.
    let (code, lines) = check(&["a.xml", "--select", "G"], dir.path());
    assert_eq!(
        lines,
        [
            "a.xml:6:1: G004 box `eye` is exactly 3x3 px, the template size: it was probably never stretched",
            "a.xml:7:1: G001 box `eye` is 3x2.9 px, smaller than the minimum 3x3 px",
        ]
    );
    assert_eq!(code, Some(1));
    // Exported at Ultralytics' precision (6 significant digits: the 3 px
    // height is 0.00833333, 2.9999988 px) and CVAT's (6 decimals:
    // 0.008333, 2.99988 px), it reads back as the same findings.
    for (precision, row1) in [
        ("6g", "0 0.212146 0.282861 0.00625 0.00833333"),
        ("6d", "0 0.212146 0.282861 0.006250 0.008333"),
    ] {
        let out = format!("yolo{precision}");
        let o = labelkit(
            &[
                "convert",
                "a.xml",
                "--to",
                "yolo",
                "-o",
                &out,
                "--precision",
                precision,
            ],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let rows =
            std::fs::read_to_string(dir.path().join(&out).join("labels/train/a.txt")).unwrap();
        assert_eq!(rows.lines().next(), Some(row1));
        std::fs::create_dir_all(dir.path().join(&out).join("images/train")).unwrap();
        std::fs::write(
            dir.path().join(&out).join("images/train/a.png"),
            png(480, 360),
        )
        .unwrap();
        let (code, lines) = check(&[&out, "--select", "G"], dir.path());
        assert_eq!(
            lines,
            [
                format!("{out}/labels/train/a.txt:1:1: G004 box `eye` is exactly 3x3 px, the template size: it was probably never stretched"),
                format!("{out}/labels/train/a.txt:2:1: G001 box `eye` is 3x2.9 px, smaller than the minimum 3x3 px"),
            ],
            "{precision}"
        );
        assert_eq!(code, Some(1));
        // The same through the single-file path the hook takes.
        let label = format!("{out}/labels/train/a.txt");
        let (_, lines) = check(&[&label, "--select", "G001"], dir.path());
        assert_eq!(
            lines,
            [format!(
                "{label}:2:1: G001 box `eye` is 3x2.9 px, smaller than the minimum 3x3 px"
            )]
        );
    }
}

#[test]
fn labels_of_missing_images_are_not_measured_in_the_wrong_unit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("labels/train")).unwrap();
    std::fs::create_dir_all(dir.path().join("images/train")).unwrap();
    std::fs::write(
        dir.path().join("data.yaml"),
        "path: .\ntrain: images/train\nnames:\n  0: eye\n",
    )
    .unwrap();
    for name in ["a", "b"] {
        std::fs::write(
            dir.path().join(format!("labels/train/{name}.txt")),
            "0 0.5 0.5 0.2 0.4\n",
        )
        .unwrap();
    }
    // One image is there: its tiny box is measured in pixels.
    std::fs::write(
        dir.path().join("labels/train/c.txt"),
        "0 0.5 0.5 0.01 0.4\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("images/train/c.png"), png(100, 100)).unwrap();
    let (_, lines) = check(&[".", "--select", "G"], dir.path());
    assert_eq!(
        lines,
        [
            "./data.yaml: G005 2 images of unknown size were not measured in pixels (image file missing: 2): G001, G004, A004, A007, K004 and K005 skipped them",
            "labels/train/c.txt:1:1: G001 box `eye` is 1x40 px, smaller than the minimum 3x3 px",
        ]
    );
    assert!(lines.iter().all(|l| !l.contains("0.2x0.4")));
}

/// A YOLO dataset of one 640x480 image spelling the whole-body classes as
/// public datasets do, checked with the whole-body preset.
fn whole_body(dir: &Path, rows: &str) {
    std::fs::create_dir_all(dir.join("images/train")).unwrap();
    std::fs::create_dir_all(dir.join("labels/train")).unwrap();
    std::fs::write(
        dir.join("data.yaml"),
        "path: .\ntrain: images/train\nnames:\n  0: Body\n  1: Adult\n  2: Male\n  3: Head\n  4: Front\n  5: Right-Front\n  6: Face\n  7: Eye\n  8: Hand\n  9: Hand_Left\n",
    )
    .unwrap();
    std::fs::write(dir.join("images/train/a.png"), png(640, 480)).unwrap();
    std::fs::write(dir.join("labels/train/a.txt"), rows).unwrap();
    let o = labelkit(&["init", "--preset", "whole-body"], dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// `class cx cy w h` in pixels of a 640x480 image, normalised.
fn row(class: u32, x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!(
        "{class} {} {} {} {}\n",
        (x0 + x1) / 2.0 / 640.0,
        (y0 + y1) / 2.0 / 480.0,
        (x1 - x0) / 640.0,
        (y1 - y0) / 480.0
    )
}

#[test]
fn whole_body_preset_matches_public_spellings_and_counts_parts() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = String::new();
    // A body with a generation but no gender (fine), a head facing
    // right-front, a face with three eyes, a hand with its side.
    rows += &row(0, 100.0, 100.0, 300.0, 460.0); // 1
    rows += &row(1, 100.0, 100.0, 300.0, 460.0); // 2
    rows += &row(3, 160.0, 110.0, 240.0, 200.0); // 3
    rows += &row(5, 160.0, 110.0, 240.0, 200.0); // 4
    rows += &row(6, 170.0, 130.0, 230.0, 195.0); // 5
    rows += &row(7, 180.0, 145.0, 190.0, 150.0); // 6
    rows += &row(7, 210.0, 145.0, 220.0, 150.0); // 7
    rows += &row(7, 195.0, 180.0, 205.0, 185.0); // 8: a third eye
    rows += &row(8, 110.0, 300.0, 140.0, 330.0); // 9
    rows += &row(9, 110.0, 300.0, 140.0, 330.0); // 10
                                                 // An eye outside every face.
    rows += &row(7, 400.0, 50.0, 410.0, 55.0); // 11
    whole_body(dir.path(), &rows);
    let expected = [
        "labels/train/a.txt:5:1: A007 `Face` holds 3 `Eye` parts, at most 2 allowed",
        "labels/train/a.txt:11:1: A004 `Eye` lies inside no `Face`",
    ];
    let (code, lines) = check(&[".", "--select", "A,D008"], dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(lines, expected);
    // The same through the single-file path the hook takes.
    let (code, lines) = check(&["labels/train/a.txt", "--select", "A,D008"], dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(lines, expected);
}

#[test]
fn a_misspelt_configuration_name_is_reported_with_the_closest_classes() {
    let dir = tempfile::tempdir().unwrap();
    whole_body(dir.path(), &row(0, 100.0, 100.0, 300.0, 460.0));
    // `face` spelt `faces` throughout the configuration.
    let text = std::fs::read_to_string(dir.path().join("labelkit.toml")).unwrap();
    let text: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                l.to_owned()
            } else {
                l.replace("\"face\"", "\"faces\"")
                    .replace("face =", "faces =")
            }
        })
        .collect();
    std::fs::write(dir.path().join("labelkit.toml"), text.join("\n")).unwrap();
    let (_, lines) = check(&[".", "--select", "D008"], dir.path());
    assert_eq!(
        lines,
        ["labelkit.toml:20:7: D008 configuration name `faces` matches no class of the dataset; closest: `Face`"]
    );
    // The place is the name's first use in the configuration.
    let text = std::fs::read_to_string(dir.path().join("labelkit.toml")).unwrap();
    let first = text.find("faces").unwrap();
    let line = text[..first].matches('\n').count() + 1;
    let column = first - text[..first].rfind('\n').map_or(0, |i| i + 1) + 1;
    assert_eq!((line, column), (20, 8), "{text}");
}

#[test]
fn a_tiny_head_and_its_direction_match_by_their_edges() {
    let dir = tempfile::tempdir().unwrap();
    let shapes = cvat_box("head", 10.0, 10.0, 14.0, 14.0)
        + &cvat_box("front", 11.0, 10.0, 15.0, 14.0)
        + &cvat_box("head", 30.0, 10.0, 34.0, 14.0)
        + &cvat_box("front", 32.0, 10.0, 36.0, 14.0);
    std::fs::write(
        dir.path().join("a.xml"),
        cvat(&["head", "front", "back"], &shapes),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("labelkit.toml"),
        "[[schema.companions]]\nobject = \"head\"\none-of = [\"front\", \"back\"]\n",
    )
    .unwrap();
    let (_, lines) = check(&["a.xml", "--select", "A"], dir.path());
    assert_eq!(
        lines,
        [
            "a.xml:8:1: A003 `head` has none of `front`, `back`",
            "a.xml:9:1: A006 `front` labels no `head`: no `head` box has IoU >= 0.9 with it or every edge within 1.5 px",
        ]
    );
}

#[test]
fn coco_gender_is_at_most_one_in_the_whole_body_preset() {
    let dir = tempfile::tempdir().unwrap();
    let coco = r#"{"images":[{"id":1,"file_name":"a.jpg","width":640,"height":480}],
"categories":[{"id":1,"name":"body"},{"id":2,"name":"male"},{"id":3,"name":"female"}],
"annotations":[
{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,100,300],"area":30000,"iscrowd":0},
{"id":2,"image_id":1,"category_id":1,"bbox":[200,10,100,300],"area":30000,"iscrowd":0},
{"id":3,"image_id":1,"category_id":2,"bbox":[200,10,100,300],"area":30000,"iscrowd":0},
{"id":4,"image_id":1,"category_id":3,"bbox":[200,10,100,300],"area":30000,"iscrowd":0}
]}"#;
    std::fs::write(dir.path().join("a.json"), coco).unwrap();
    let o = labelkit(&["init", "--preset", "whole-body"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (code, lines) = check(&["a.json", "--select", "A"], dir.path());
    // Body 1 has no gender: fine. Body 2 has two: an error.
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "a.json:5:1: A002 `body` carries mutually exclusive companions `male` and `female`"
        ),
        "{lines:#?}"
    );
    assert_eq!(code, Some(1));
    // `required = "warning"` brings the missing gender back, as a warning.
    let text = std::fs::read_to_string(dir.path().join("labelkit.toml")).unwrap();
    let text = text.replace(
        "one-of = [\"male\", \"female\"]\nrequired = false",
        "one-of = [\"male\", \"female\"]\nrequired = \"warning\"",
    );
    std::fs::write(dir.path().join("labelkit.toml"), text).unwrap();
    let o = labelkit(
        &[
            "check",
            "a.json",
            "--select",
            "A003",
            "--output-format",
            "json",
        ],
        dir.path(),
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("\"severity\":\"warning\"") || out.contains("\"severity\": \"warning\""),
        "{out}"
    );
    assert!(out.contains("`body` has none of `male`, `female`"), "{out}");
}
