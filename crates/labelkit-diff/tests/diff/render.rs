//! The concise and JSON renderings of the every-kind pair.

use labelkit_diff::{diff, to_json, write_json, JSON_VERSION};

use super::kinds::{options, pair};
use super::util::concise;

#[test]
fn concise_lists_each_changed_image_then_the_summary() {
    let (old, new) = pair();
    let d = diff(&old, &new, &options());
    let text = concise(&d, false);
    let expected = "\
img1: ~ head moved 3.61 px (+3, -2); + eye box at (312, 40) 8x6 px; ~ body resized (+10, 0) px; \
~ hand reshaped (a vertex 5 px); ~ dog relabelled dog -> cat; \
~ car attributes color: red -> blue, truncated: (none) -> false, occluded; ~ body gained male; \
~ body gained male, lost female; ~ person keypoints p1 5 px, p2 0 px visible -> occluded; \
- eye box at (200, 200) 10x6 px
img3 (added): + dog box at (1, 1) 49x49 px
img2 (removed): - eye box at (1, 1) 4x4 px; - eye box at (10, 1) 5x4 px
body: +0 -0 ~1 resized ~2 companions
car: +0 -0 ~1 attributes
cat: +0 -0 ~1 relabelled
dog: +1 -0
eye: +1 -3
hand: +0 -0 ~1 reshaped
head: +0 -0 ~1 moved
person: +0 -0 ~1 keypoints
total: +2 -3 ~1 moved ~1 resized ~1 reshaped ~1 relabelled ~1 attributes ~2 companions ~1 keypoints
images: 1 added, 1 removed, 1 changed, 1 unchanged
objects: 14 old, 14 new, 2 unchanged
";
    assert_eq!(text, expected);
    let quiet = concise(&d, true);
    assert_eq!(quiet, expected[expected.find("body:").unwrap()..]);
}

#[test]
fn json_has_a_version_the_summary_and_every_facet() {
    let (old, new) = pair();
    let d = diff(&old, &new, &options());
    let mut out = Vec::new();
    write_json(&d, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v, to_json(&d));
    assert_eq!(v["version"], JSON_VERSION);
    assert_eq!(v["equal"], false);
    let s = &v["summary"];
    assert_eq!(s["images_added"], 1);
    assert_eq!(s["images_unchanged"], 1);
    assert_eq!(s["objects_unchanged"], 2);
    assert_eq!(s["per_kind"]["companions"], 2);
    assert_eq!(s["per_label"]["eye"]["removed"], 3);
    let img1 = &v["images"][0];
    assert_eq!(img1["key"], "img1");
    assert_eq!(img1["old"]["file_name"], "a/img1.jpg");
    assert_eq!(img1["new"]["file_name"], "b/img1.png");
    assert_eq!(img1["new"]["width"], 640);
    let moved = &img1["changes"][0];
    assert_eq!(moved["kinds"], serde_json::json!(["moved"]));
    assert_eq!(moved["label"], "head");
    assert_eq!(moved["old"]["index"], 1);
    assert_eq!(moved["old"]["shape"], "box");
    assert_eq!(moved["old"]["track"], false);
    assert_eq!(
        moved["old"]["bbox"],
        serde_json::json!([100.0, 100.0, 40.0, 40.0])
    );
    assert_eq!(
        moved["facets"],
        serde_json::json!([{"kind": "moved", "dx": 3.0, "dy": -2.0}])
    );
    let added = &img1["changes"][1];
    assert_eq!(added["kinds"], serde_json::json!(["added"]));
    assert_eq!(added["old"], serde_json::Value::Null);
    let attrs = &img1["changes"][5]["facets"];
    assert_eq!(
        attrs,
        &serde_json::json!([
            {"kind": "attributes", "attributes": [
                {"name": "color", "old": "red", "new": "blue"},
                {"name": "truncated", "old": null, "new": "false"}]},
            {"kind": "attributes", "attributes": [
                {"name": "occluded", "old": "false", "new": "true"}]}
        ])
    );
    let keypoints = &img1["changes"][8]["facets"][0];
    assert_eq!(keypoints["kind"], "keypoints");
    assert_eq!(
        keypoints["keypoints"][1],
        serde_json::json!({"index": 2, "name": "p2", "distance": 0.0, "old": "visible", "new": "occluded"})
    );
    let companions = &img1["changes"][7]["facets"][0];
    assert_eq!(
        companions,
        &serde_json::json!({"kind": "companions", "gained": ["male"], "lost": ["female"]})
    );
}

#[test]
fn an_empty_diff_renders_as_equal() {
    let (old, _) = pair();
    let d = diff(&old, &old, &options());
    assert!(d.is_empty());
    assert_eq!(to_json(&d)["equal"], true);
    assert_eq!(to_json(&d)["images"], serde_json::json!([]));
    assert!(concise(&d, false)
        .starts_with("total: +0 -0\nimages: 0 added, 0 removed, 0 changed, 3 unchanged\n"));
}
