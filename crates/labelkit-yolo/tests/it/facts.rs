//! The facts the reader leaves for the rules in `Loaded::facts`, beside
//! the dataset: `flip_idx`, missing label files, labels without images.

use std::fs;
use std::path::Path;

use labelkit_diagnostics::{ImageFacts, Loaded};
use labelkit_yolo::{read_label_file, read_path, write_path, ReadOptions, WriteOptions};

use crate::codes;

/// Whether image `pos` has no label file, and whether it has no image
/// file.
fn missing(l: &Loaded, pos: usize) -> (bool, bool) {
    let f = l.facts.image(pos);
    (f.no_label_file, f.no_image_file)
}

/// The stated `flip_idx`, and the text where it is said to be.
fn flip_idx(l: &Loaded) -> Option<(Vec<usize>, Option<String>)> {
    let stated = l.facts.flip_idx.as_ref()?;
    let at = stated.at.map(|at| {
        let text = l.sources.get(at.file).unwrap().text();
        let (start, end) = (at.span.start as usize, at.span.end as usize);
        String::from_utf8_lossy(&text[start..end]).into_owned()
    });
    Some((stated.indices.clone(), at))
}

/// A 16 x 8 GIF header: enough for the size reader.
fn gif(path: &Path) {
    fs::write(path, b"GIF89a\x10\x00\x08\x00\x00\x00").unwrap();
}

/// A pose dataset: `a` has labels, `b` an empty label file, `c` no label
/// file, and `d.txt` has no image.
fn pose_dataset(root: &Path) {
    fs::write(
        root.join("data.yaml"),
        "path: .\ntrain: images/train\nkpt_shape: [3, 3]\nflip_idx: [0, 2, 1]\nnames: [person]\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("images/train")).unwrap();
    fs::create_dir_all(root.join("labels/train")).unwrap();
    for name in ["a", "b", "c"] {
        gif(&root.join(format!("images/train/{name}.gif")));
    }
    let row = "0 0.5 0.5 0.5 0.5 0.25 0.25 2 0.75 0.25 2 0.5 0.5 1\n";
    fs::write(root.join("labels/train/a.txt"), row).unwrap();
    fs::write(root.join("labels/train/b.txt"), "").unwrap();
    fs::write(root.join("labels/train/d.txt"), row).unwrap();
}

#[test]
fn flip_idx_missing_label_files_and_labels_without_images_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    pose_dataset(dir.path());
    let l = read_path(dir.path(), &ReadOptions::default()).unwrap();
    let d = &l.dataset;
    assert_eq!(
        flip_idx(&l),
        Some((vec![0, 2, 1], Some("flip_idx".to_owned())))
    );
    let facts: Vec<(&str, (bool, bool))> = d
        .images
        .iter()
        .enumerate()
        .map(|(pos, i)| (i.file_name.as_str(), missing(&l, pos)))
        .collect();
    assert_eq!(
        facts,
        [
            ("images/train/a.gif", (false, false)),
            // An empty label file is a deliberate background image.
            ("images/train/b.gif", (false, false)),
            ("images/train/c.gif", (true, false)),
            ("images/train/d.jpg", (false, true)),
        ]
    );
    // Nothing of it is in the dataset, where a writer would see it.
    assert!(d.images.iter().all(|i| i.kept.is_empty()));
    assert!(l.facts.images.iter().all(|f| f.file_size.is_none()));
    // The labels of `d` are read all the same, with normalised coordinates;
    // its missing image is no read issue (D006 reports it in `check`).
    assert_eq!(d.annotations.len(), 4);
    assert!(l.issues.is_empty(), "{:?}", codes(&l.issues));
    assert!(d
        .labels
        .labels
        .iter()
        .all(|l| l.declared && l.kept.is_empty()));
}

#[test]
fn one_label_file_without_its_image_is_marked_and_keeps_flip_idx() {
    let dir = tempfile::tempdir().unwrap();
    pose_dataset(dir.path());
    let l = read_label_file(
        &dir.path().join("labels/train/d.txt"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        flip_idx(&l),
        Some((vec![0, 2, 1], Some("flip_idx".to_owned())))
    );
    assert_eq!(l.dataset.images.len(), 1);
    assert_eq!(missing(&l, 0), (false, true));
    let l = read_label_file(
        &dir.path().join("labels/train/a.txt"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(l.facts.image(0), ImageFacts::default());
}

#[test]
fn no_flip_idx_no_entry_and_a_class_beyond_names_is_only_a_read_issue() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("data.yaml"), "train: images\nnames: [a]\n").unwrap();
    fs::create_dir_all(root.join("images")).unwrap();
    fs::create_dir_all(root.join("labels")).unwrap();
    gif(&root.join("images/x.gif"));
    fs::write(root.join("labels/x.txt"), "3 0.5 0.5 0.5 0.5\n").unwrap();
    let l = read_path(root, &ReadOptions::default()).unwrap();
    assert_eq!(flip_idx(&l), None);
    assert_eq!(codes(&l.issues), ["F003"]);
    assert_eq!(l.dataset.labels.len(), 1);
    assert!(l.dataset.labels.labels[0].declared);
    assert!(l.dataset.annotations.is_empty());
    assert!(l.facts.is_empty());
}

#[test]
fn the_writer_does_not_carry_the_facts_and_writes_background_images_as_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    pose_dataset(dir.path());
    let l = read_path(dir.path(), &ReadOptions::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    write_path(&l.dataset, &target, &WriteOptions::default()).unwrap();
    let yaml = fs::read_to_string(target.join("data.yaml")).unwrap();
    assert!(
        !yaml.contains("yolo.") && !yaml.contains("labelkit."),
        "{yaml}"
    );
    assert!(yaml.contains("flip_idx: [0, 2, 1]"), "{yaml}");
    // `c` had no label file: it is written as an empty one.
    assert_eq!(
        fs::read_to_string(target.join("labels/train/c.txt")).unwrap(),
        ""
    );
    for entry in fs::read_dir(target.join("labels/train")).unwrap() {
        let text = fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains("missing"), "{text}");
    }
}

/// Fallback sizes are for images whose file gives none: a header that can
/// be read wins, a missing image takes its size by name or the one for
/// all, keeps its "missing" fact, and is no read issue.
#[test]
fn fallback_sizes_fill_only_what_the_files_do_not_give() {
    let dir = tempfile::tempdir().unwrap();
    pose_dataset(dir.path());
    let by_name = std::collections::HashMap::from([
        ("a.gif".to_owned(), (99, 99)),
        ("d".to_owned(), (200, 100)),
    ]);
    let l = read_path(
        dir.path(),
        &ReadOptions::default().with_fallback_sizes(by_name, Some((7, 7))),
    )
    .unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let sizes: Vec<(&str, u32, u32, bool)> = l
        .dataset
        .images
        .iter()
        .enumerate()
        .map(|(pos, i)| {
            (
                i.file_name.as_str(),
                i.width,
                i.height,
                l.facts.image(pos).no_image_file,
            )
        })
        .collect();
    assert_eq!(
        sizes,
        [
            ("images/train/a.gif", 16, 8, false),
            ("images/train/b.gif", 16, 8, false),
            ("images/train/c.gif", 16, 8, false),
            ("images/train/d.jpg", 200, 100, true),
        ]
    );
    // d's box (0.5 0.5 0.5 0.5) in pixels of 200 x 100.
    let d_id = l.dataset.images[3].id;
    let b = l
        .dataset
        .annotations
        .iter()
        .find_map(|a| match (&a.geometry, a.image == d_id) {
            (labelkit_model::Geometry::Box(b), true) => Some(*b),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (b.x_min, b.y_min, b.x_max, b.y_max),
        (50.0, 25.0, 150.0, 75.0)
    );
    // Without a size by name, the one for all.
    let l = read_path(
        dir.path(),
        &ReadOptions::default().with_fallback_sizes(std::collections::HashMap::new(), Some((7, 7))),
    )
    .unwrap();
    assert_eq!(
        (l.dataset.images[3].width, l.dataset.images[3].height),
        (7, 7)
    );
}

/// The decimals of each size as written, and the pixels they leave open,
/// per annotation; and why an image's size is unknown, per image.
#[test]
fn the_rounding_of_sizes_and_unknown_image_sizes_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("data.yaml"),
        "path: .\ntrain: images/train\nnames: [eye]\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("images/train")).unwrap();
    fs::create_dir_all(root.join("labels/train")).unwrap();
    gif(&root.join("images/train/a.gif")); // 16 x 8
    fs::write(root.join("images/train/c.gif"), b"GIF8").unwrap(); // unreadable
                                                                  // A box written at 6 significant digits, one at 6 decimals, a polygon.
    fs::write(
        root.join("labels/train/a.txt"),
        "0 0.5 0.5 0.00625 0.00833333\n0 0.5 0.5 0.006250 0.008333\n0 0.1 0.1 0.25 0.1 0.25 0.375\n",
    )
    .unwrap();
    fs::write(root.join("labels/train/b.txt"), "0 0.5 0.5 0.2 0.4\n").unwrap();
    fs::write(root.join("labels/train/c.txt"), "0 0.5 0.5 0.2 0.4\n").unwrap();
    let l = read_path(root, &ReadOptions::default()).unwrap();
    let m = &l.measurements;
    assert_eq!(m.annotations.len(), l.dataset.annotations.len());
    assert_eq!(m.images.len(), l.dataset.images.len());
    let r: Vec<Option<(u8, f64, f64)>> = m
        .annotations
        .iter()
        .map(|r| r.map(|r| (r.decimals, r.width, r.height)))
        .collect();
    let close = |a: f64, b: f64| (a - b).abs() < 1e-15;
    let (d0, w0, h0) = r[0].unwrap();
    assert_eq!(d0, 5);
    assert!(close(w0, 0.5e-5 * 16.0) && close(h0, 0.5e-8 * 8.0), "{r:?}");
    let (d1, w1, h1) = r[1].unwrap();
    assert_eq!(d1, 6);
    assert!(close(w1, 0.5e-6 * 16.0) && close(h1, 0.5e-6 * 8.0), "{r:?}");
    // The polygon's extent is the difference of two values: two halves of
    // the coarsest value on its axis (x: 0.1, 1 decimal; y: 0.1, 1).
    let (d2, w2, h2) = r[2].unwrap();
    assert_eq!(d2, 1);
    assert!(close(w2, 0.1 * 16.0) && close(h2, 0.1 * 8.0), "{r:?}");
    // Images b (missing) and c (unreadable) have no size: no rounding.
    assert_eq!(&r[3..], [None, None]);
    use labelkit_diagnostics::SizeUnknown;
    let names: Vec<&str> = l
        .dataset
        .images
        .iter()
        .map(|i| i.file_name.as_str())
        .collect();
    let why: Vec<Option<SizeUnknown>> = m.images.clone();
    let by_name: Vec<(&str, Option<SizeUnknown>)> = names.into_iter().zip(why).collect();
    assert!(
        by_name.contains(&("images/train/a.gif", None)),
        "{by_name:?}"
    );
    assert!(
        by_name
            .iter()
            .any(|(n, w)| n.ends_with("b.jpg") && *w == Some(SizeUnknown::ImageMissing)),
        "{by_name:?}"
    );
    assert!(
        by_name
            .iter()
            .any(|(n, w)| n.ends_with("c.gif") && *w == Some(SizeUnknown::ImageUnreadable)),
        "{by_name:?}"
    );
}
