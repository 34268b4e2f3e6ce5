//! The changed side of the diff benchmark, written in every format and
//! read back by labelkit's readers, differs from the old side by exactly
//! the changes `expected.json` lists, for every pair the benchmark diffs.

use std::path::Path;

use labelkit::diff::{companion_groups, diff, ChangeKind, DiffOptions};
use labelkit::rules::Config;
use labelkit_bench::change::{change, ChangeOptions};
use labelkit_bench::diffbench::{compare, counts_of_diff, PAIRS};
use labelkit_bench::write::{write_all_as, write_all_with, Images};
use labelkit_bench::{generate, Scale};
use labelkit_model::GeometryKind;

fn read(path: &Path) -> labelkit_model::Dataset {
    labelkit::read(path, None, &labelkit::ReadOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .dataset
}

#[test]
fn every_pair_finds_exactly_the_changes_made() {
    let dir = tempfile::tempdir().unwrap();
    let (old_root, new_root) = (dir.path().join("old"), dir.path().join("new"));
    let preset = labelkit::rules::preset_toml("whole-body").unwrap();
    write_all_with(
        &generate(Scale {
            images: 400,
            seed: 7,
        }),
        &old_root,
        preset,
    )
    .unwrap();
    // As `labelkit-bench change` does: the old side read from its CVAT file.
    let old = read(&old_root.join("cvat/annotations.xml"));
    let changed = change(&old, &ChangeOptions::default());
    write_all_as(
        &changed.dataset,
        &new_root,
        preset,
        Images::LinkFrom(&old_root.join("yolo/images/train")),
    )
    .unwrap();
    let e = &changed.expected;
    assert_eq!((e.objects, e.changes), (3055, 153), "{e:?}");
    for kind in labelkit_bench::change::KINDS {
        assert!(e.made[kind.as_str()] > 0, "{e:?}");
    }

    let config = Config::from_toml_str(preset, "labelkit.toml").unwrap();
    let opts = DiffOptions::new().companions(companion_groups(&config));
    let mut wrong = String::new();
    for pair in &PAIRS {
        // CVAT against a YOLO tree is the whole CVAT file against it: the
        // diff compares what both formats hold (boxes, no attributes).
        let a = read(&old_root.join(pair.old));
        let b = read(&new_root.join(pair.new));
        let d = diff(&a, &b, &opts);
        let found = counts_of_diff(&d);
        let want = &e.pairs[pair.expected];
        let c = compare(&found, want);
        if !c.is_empty() {
            wrong.push_str(&format!("{}:\n{c}", pair.name));
        }
        assert_eq!(d.summary.per_kind.get(ChangeKind::Track), 0);
    }
    assert!(wrong.is_empty(), "{wrong}");

    // The old CVAT file against its own YOLO detect export: no change,
    // and the notes say what YOLO cannot hold and so was not compared.
    let cvat = read(&old_root.join("cvat/annotations.xml"));
    let yolo = read(&old_root.join("yolo"));
    let d = diff(&cvat, &yolo, &opts);
    assert!(d.is_empty(), "{:?}", d.summary);
    let count = |k: GeometryKind| {
        cvat.annotations
            .iter()
            .filter(|a| a.geometry.kind() == k)
            .count()
    };
    let (polygons, keypoints) = (count(GeometryKind::Polygon), count(GeometryKind::Keypoints));
    assert_eq!((polygons, keypoints), (1029, 507));
    assert_eq!(
        d.notes,
        [
            "1,029 polygons and 507 keypoint sets of the old side not compared: the new side's format (YOLO detect) holds no polygons or keypoints".to_owned(),
            "attributes not compared: the new side's format (YOLO) holds none".to_owned(),
            "occlusion not compared: the new side's format (YOLO) holds none".to_owned(),
        ]
    );
    assert_eq!(d.summary.objects_unchanged, yolo.annotations.len());

    // Unchanged, each format against itself is equal.
    for pair in PAIRS.iter().filter(|p| p.old == p.new) {
        let a = read(&old_root.join(pair.old));
        assert!(diff(&a, &a.clone(), &opts).is_empty(), "{}", pair.name);
    }
}
