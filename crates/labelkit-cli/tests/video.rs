//! CVAT for video through the command line: every frame of the task
//! becomes an image, skeleton element attributes survive or are counted,
//! malformed tracks are read issues, and `check` checks track shapes.
//!
//! The fixtures in `video/` are small hand-written CVAT for video 1.1 files
//! (and one CVAT for images file) in the form CVAT's exporter writes.

use std::path::{Path, PathBuf};

use super::{labelkit, repo_root, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    repo_root().join("crates/labelkit-cli/tests/video").join(name)
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
