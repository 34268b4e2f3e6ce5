//! CVAT for video through the command line: every frame of the task
//! becomes an image, skeleton element attributes survive or are counted,
//! malformed tracks are read issues, and `check` checks track shapes.
//!
//! The fixtures in `video/` are small hand-written CVAT for video 1.1 files
//! (and one CVAT for images file) in the form CVAT's exporter writes.

use std::path::{Path, PathBuf};

use super::{labelkit, repo_root, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    repo_root()
        .join("crates/labelkit-cli/tests/video")
        .join(name)
}

/// Converts fixture `name` to `target` in a temporary folder; returns the
/// folder, the exit code and stderr.
fn convert(
    name: &str,
    target: &str,
    out: &str,
    extra: &[&str],
) -> (tempfile::TempDir, i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(name);
    let mut args = vec![
        "convert",
        "--color",
        "never",
        src.to_str().unwrap(),
        "--to",
        target,
        "-o",
        out,
    ];
    args.extend_from_slice(extra);
    let o = labelkit(&args, dir.path());
    (dir, o.status.code().unwrap_or(-1), stderr(&o))
}

fn coco_file_names(path: &Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file_name"].as_str().unwrap().to_owned())
        .collect()
}

fn frames(numbers: &[u32]) -> Vec<String> {
    numbers.iter().map(|n| format!("frame_{n:06}")).collect()
}

#[test]
fn every_frame_of_a_video_task_is_an_image_with_or_without_shapes() {
    // Task of 10 frames, one box track visible on frames 0-1 only.
    let (dir, code, said) = convert("box10.xml", "coco", "b.json", &[]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("wrote 10 images, 2 annotations"), "{said}");
    assert_eq!(
        coco_file_names(&dir.path().join("b.json")),
        frames(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    );
    let (dir, code, said) = convert("box10.xml", "cvat-images", "b.xml", &[]);
    assert_eq!(code, 0, "{said}");
    let xml = std::fs::read_to_string(dir.path().join("b.xml")).unwrap();
    assert_eq!(xml.matches("<image ").count(), 10, "{xml}");
    assert!(
        xml.contains(r#"name="frame_000009" width="100" height="80""#),
        "{xml}"
    );
    // frame_filter step=3: the task has frames 0, 3, 6, 9.
    let (dir, _, said) = convert("box_step3.xml", "coco", "b.json", &[]);
    assert!(said.contains("wrote 4 images, 1 annotations"), "{said}");
    assert_eq!(
        coco_file_names(&dir.path().join("b.json")),
        frames(&[0, 3, 6, 9])
    );
}

/// `labelkit check` of fixture `name` (named relative to the fixtures, as a
/// user in that folder would); returns the exit code and stdout.
fn check(args: &[&str]) -> (i32, String) {
    let mut all = vec!["check", "--color", "never"];
    all.extend_from_slice(args);
    let o = labelkit(&all, &fixture(""));
    (o.status.code().unwrap_or(-1), stdout(&o))
}

#[test]
fn a_track_with_two_shapes_on_one_frame_is_a_read_issue_and_keeps_the_first() {
    let (_, out) = check(&["track_dupframe.xml"]);
    assert!(
        out.contains(
            "track_dupframe.xml:10:5: F005 track 0 has a second shape on frame 0: \
             skipped (the first shape of the frame is kept)"
        ),
        "{out}"
    );
    let (dir, code, said) = convert("track_dupframe.xml", "cvat-images", "d.xml", &[]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("1 x input the reader had to skip"), "{said}");
    // Frames 0 and 1 hold the first box (10,10-20,20); the second is gone.
    let xml = std::fs::read_to_string(dir.path().join("d.xml")).unwrap();
    let boxes: Vec<&str> = xml.lines().filter(|l| l.contains("<box")).collect();
    assert_eq!(boxes.len(), 2, "{xml}");
    for b in boxes {
        assert!(b.contains(r#"xtl="10" ytl="10" xbr="20" ybr="20""#), "{b}");
    }
}

#[test]
fn an_element_point_off_its_skeletons_frame_is_reported_and_read_on_the_skeletons() {
    let (_, out) = check(&["skel_badframe.xml"]);
    assert!(
        out.contains(
            "skel_badframe.xml:78:7: F001 skeleton element `nose` has frame `5` inside the \
             skeleton of frame 4: read on frame 4"
        ),
        "{out}"
    );
    // Frame 4 of track 0 keeps its nose at 140,120.
    let (dir, _, said) = convert("skel_badframe.xml", "cvat-video", "o.xml", &[]);
    let xml = std::fs::read_to_string(dir.path().join("o.xml")).unwrap();
    assert!(
        xml.contains(r#"<points label="nose" frame="4" keyframe="1" outside="0" occluded="0" points="140,120""#),
        "{said}\n{xml}"
    );
    assert!(!xml.contains(r#"label="nose" frame="5""#), "{xml}");
}

#[test]
fn a_second_point_of_a_skeleton_element_is_a_read_issue_at_its_position() {
    let (_, out) = check(&["skel_dupelem.xml"]);
    assert!(
        out.contains(
            "skel_dupelem.xml:74:104: F011 skeleton element `right_eye` has a second point \
             on frame 0: skipped"
        ),
        "{out}"
    );
}

#[test]
fn check_checks_the_shapes_of_video_tracks_at_their_keyframes() {
    // A 1x1 px box track visible on frames 0 and 1: G001 on each frame,
    // at the keyframe `<box frame="0">` (9:5) both come from; also in the
    // hook's form.
    for args in [
        &["tiny_track.xml"][..],
        &["--skip-other-files", "tiny_track.xml"][..],
    ] {
        let (code, out) = check(args);
        assert_eq!(code, 1, "{out}");
        let g001 = "tiny_track.xml:9:5: G001 box `car` is 1x1 px, smaller than the minimum 3x3 px";
        assert_eq!(out.matches(g001).count(), 2, "{out}");
    }
    // Datumaro's CVAT for video asset: track 0 is a 7x1 px box on frame 10.
    let corpus = repo_root()
        .join("tests/corpus/datumaro-cvat-ai/tests/assets/cvat_dataset/for_video/annotations.xml");
    let (code, out) = check(&[corpus.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "annotations.xml:111:5: G001 box `II` is 7x1 px, smaller than the minimum 3x3 px"
        ),
        "{out}"
    );
}

/// The `vis` values of the `nose` points of each `<image>` of a CVAT for
/// images file, in file order.
fn nose_vis_by_image(xml: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_nose = false;
    for line in xml.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("<image ") {
            let name = rest.split('"').nth(3).unwrap().to_owned();
            out.push((name, Vec::new()));
        } else if line.starts_with("<points label=\"nose\"") {
            in_nose = true;
        } else if line.starts_with("</points>") {
            in_nose = false;
        } else if in_nose {
            if let Some(v) = line.strip_prefix("<attribute name=\"vis\">") {
                let v = v.trim_end_matches("</attribute>").to_owned();
                out.last_mut().unwrap().1.push(v);
            }
        }
    }
    out
}

#[test]
fn skeleton_element_attributes_are_kept_in_cvat_for_images_and_counted_elsewhere() {
    // Video -> images: each frame's nose carries the `vis` of its element's
    // last shape at or before the frame (track 0: true on 0, false from 4;
    // track 1: true from 2 until it leaves on 6).
    let (dir, code, said) = convert("skel_track.xml", "cvat-images", "ci.xml", &[]);
    assert_eq!(code, 0, "{said}");
    let xml = std::fs::read_to_string(dir.path().join("ci.xml")).unwrap();
    let t = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let expected: Vec<(String, Vec<String>)> = vec![
        ("frame_000000".into(), t(&["true"])),
        ("frame_000001".into(), t(&["true"])),
        ("frame_000002".into(), t(&["true", "true"])),
        ("frame_000003".into(), t(&["true", "true"])),
        ("frame_000004".into(), t(&["false", "true"])),
        ("frame_000005".into(), t(&["false", "true"])),
        ("frame_000006".into(), t(&["false"])),
        ("frame_000007".into(), t(&["false"])),
        ("frame_000008".into(), t(&[])),
        ("frame_000009".into(), t(&[])),
    ];
    assert_eq!(nose_vis_by_image(&xml), expected, "{xml}");
    assert!(!said.contains("skeleton element attributes"), "{said}");

    // Targets without a place for them count every value.
    let (_, code, said) = convert("skel_track.xml", "coco", "c.json", &[]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("12 x skeleton element attributes"), "{said}");
    let (_, code, said) = convert("skel_img_attr.xml", "yolo", "y", &["--strict"]);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains("strict conversion to yolo refused: 1 x skeleton element attributes"),
        "{said}"
    );
    let (_, code, said) = convert("skel_img_attr.xml", "cvat-video", "v.xml", &[]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("1 x skeleton element attributes"), "{said}");
    let (_, code, said) = convert("skel_img_attr.xml", "yolo", "y", &[]);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains(
            "wrote 1 images, 1 annotations; material losses:\n  1 x skeleton element attributes\n"
        ),
        "{said}"
    );
}
