//! Datasets from strangers: paths that lead out of the dataset, files that
//! are not regular files, YAML alias bombs, symlink loops, names that are
//! not UTF-8. Every read that could hang runs on a thread that the test
//! waits for at most a minute (a guard against a hang, not a timing
//! assertion).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use labelkit_diagnostics::Severity;
use labelkit_yolo::{read_label_file, read_path, Error, Loaded, ReadOptions};

/// Runs `f` on a thread and waits for it at most 60 s, so that a
/// regression that hangs fails instead of blocking the test run.
fn finishes<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the read did not finish within a minute (it hangs) or panicked")
}

fn read(path: &Path, options: ReadOptions) -> Result<Loaded, Error> {
    let path = path.to_path_buf();
    finishes(move || read_path(&path, &options))
}

fn read_one(path: &Path) -> Result<Loaded, Error> {
    let path = path.to_path_buf();
    finishes(move || read_label_file(&path, &ReadOptions::default()))
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn mkfifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: &Path) {
    fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    b
}

/// The `file_name` of every image.
fn image_names(l: &Loaded) -> Vec<&str> {
    l.dataset
        .images
        .iter()
        .map(|i| i.file_name.as_str())
        .collect()
}

/// `(code, message)` of every issue.
fn issues(l: &Loaded) -> Vec<(String, String)> {
    l.issues
        .iter()
        .map(|d| (d.code.clone(), d.message.clone()))
        .collect()
}

/// A darknet dataset whose `obj.data` says `names = <names>`, in `ds/` of
/// the returned folder.
fn darknet(names: &str) -> Darknet {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    let root = root.as_path();
    write(
        &root.join("obj.data"),
        format!("classes = 1\ntrain = data/train.txt\nnames = {names}\nbackup = backup/\n"),
    );
    write(&root.join("train.txt"), "data/obj_train_data/a.png\n");
    write(&root.join("obj_train_data/a.png"), png(10, 10));
    write(&root.join("obj_train_data/a.txt"), "0 0.5 0.5 0.2 0.2\n");
    Darknet {
        _tmp: dir,
        root: root.to_path_buf(),
    }
}

struct Darknet {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Darknet {
    fn path(&self) -> &Path {
        &self.root
    }
}

#[test]
fn darknet_names_outside_the_dataset_are_refused_at_their_line() {
    let dir = darknet("/etc/passwd");
    let e = read(&dir.path().join("obj.data"), ReadOptions::default())
        .unwrap_err()
        .to_string();
    let obj = dir.path().join("obj.data");
    assert!(
        e.starts_with(&format!(
            "{}:3:1: `names`: /etc/passwd resolves to /etc/passwd, outside the dataset folder",
            obj.display()
        )),
        "{e}"
    );
    assert!(
        e.ends_with("to read outside it, pass --allow-outside (ReadOptions::allow_outside_root)"),
        "{e}"
    );
    // The hook's single-file form reads the same obj.data.
    let e = read_one(&dir.path().join("obj_train_data/a.txt"))
        .unwrap_err()
        .to_string();
    assert!(e.contains(":3:1: `names`: /etc/passwd resolves to"), "{e}");

    // `..` is outside too.
    let dir = darknet("../obj.names");
    write(&dir.path().join("../obj.names"), "secret\n");
    let e = read(dir.path(), ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains(":3:1: `names`: "), "{e}");
    assert!(e.contains("outside the dataset folder"), "{e}");
}

#[cfg(unix)]
#[test]
fn darknet_names_that_are_devices_or_fifos_are_refused_without_blocking() {
    // Allowed outside, `/dev/zero` is still not read: it is not a regular
    // file (it would grow without end).
    let dir = darknet("/dev/zero");
    let e = read(dir.path(), ReadOptions::default().allow_outside_root(true))
        .unwrap_err()
        .to_string();
    assert_eq!(e, "/dev/zero: not a regular file (a device): not read");

    // A FIFO inside the dataset: opening it for reading would block until
    // a writer comes.
    let dir = darknet("obj.names");
    mkfifo(&dir.path().join("obj.names"));
    let e = read(dir.path(), ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "{}: not a regular file (a FIFO): not read",
            dir.path().join("obj.names").display()
        )
    );
    let e = read_one(&dir.path().join("obj_train_data/a.txt"))
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("obj.names: not a regular file (a FIFO): not read"),
        "{e}"
    );

    // A symlink to `/dev/zero` inside the dataset leads outside it.
    let dir = darknet("obj.names");
    symlink("/dev/zero", &dir.path().join("obj.names"));
    let e = read(dir.path(), ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("resolves to /dev/zero, outside the dataset folder"),
        "{e}"
    );
}

#[test]
fn a_names_file_beyond_the_cap_is_refused_with_its_name_and_the_cap() {
    let dir = darknet("obj.names");
    let names = dir.path().join("obj.names");
    let f = fs::File::create(&names).unwrap();
    // Sparse: 16 MiB and one byte, written in no time.
    f.set_len(labelkit_yolo::MAX_CONFIG_BYTES + 1).unwrap();
    let e = read(dir.path(), ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "{}: larger than the 16 MiB limit: not read",
            names.display()
        )
    );
    // Exactly at the cap is read.
    f.set_len(labelkit_yolo::MAX_CONFIG_BYTES).unwrap();
    let l = read(dir.path(), ReadOptions::default()).unwrap();
    assert_eq!(l.dataset.images.len(), 1);
}

#[test]
fn data_yaml_paths_outside_the_dataset_are_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path();
    write(&outer.join("elsewhere/images/train/a.png"), png(10, 20));
    write(
        &outer.join("elsewhere/labels/train/a.txt"),
        "0 0.5 0.5 0.2 0.2\n",
    );
    let ds = outer.join("ds");
    write(
        &ds.join("data.yaml"),
        "names: [a]\npath: ../elsewhere\ntrain: images/train\n",
    );
    let e = read(&ds, ReadOptions::default()).unwrap_err().to_string();
    let yaml = ds.join("data.yaml");
    assert!(
        e.starts_with(&format!("{}:2:1: `path`: ", yaml.display())),
        "{e}"
    );
    assert!(e.contains("outside the dataset folder"), "{e}");
    assert!(e.contains("pass --allow-outside"), "{e}");
    // Ultralytics' semantics, when asked for.
    let l = read(&ds, ReadOptions::default().allow_outside_root(true)).unwrap();
    assert_eq!(l.dataset.images.len(), 1);
    assert_eq!(
        (l.dataset.images[0].width, l.dataset.images[0].height),
        (10, 20)
    );
    assert_eq!(l.dataset.annotations.len(), 1);

    // An absolute `train:` folder.
    write(
        &ds.join("data.yaml"),
        format!(
            "names: [a]\ntrain: images/train\nval: {}\n",
            outer.join("elsewhere/images/train").display()
        ),
    );
    let e = read(&ds, ReadOptions::default()).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}:3:1: `val`: ", yaml.display())),
        "{e}"
    );
}

#[test]
fn images_listed_outside_the_dataset_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path();
    write(&outer.join("secret/images/x.png"), png(10, 10));
    write(&outer.join("secret/labels/x.txt"), "0 0.5 0.5 0.2 0.2\n");
    let ds = outer.join("ds");
    write(&ds.join("data.yaml"), "names: [a]\ntrain: train.txt\n");
    write(&ds.join("images/in.png"), png(4, 4));
    write(
        &ds.join("train.txt"),
        format!(
            "images/in.png\n{}\n../secret/images/x.png\n",
            outer.join("secret/images/x.png").display()
        ),
    );
    let l = read(&ds, ReadOptions::default()).unwrap();
    let names = image_names(&l);
    assert_eq!(names, ["images/in.png"]);
    let refused: Vec<_> = issues(&l)
        .into_iter()
        .filter(|(c, _)| c == "F011")
        .collect();
    // One report per folder outside: `secret/labels` holds the labels of
    // the listed images (both list entries name the same image).
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].1.contains("outside the dataset folder"),
        "{refused:?}"
    );
    assert!(
        refused[0].1.contains("its 1 listed files were not read"),
        "{refused:?}"
    );
    assert!(
        l.sources
            .iter()
            .all(|(_, s)| !s.path().starts_with(outer.join("secret"))),
        "a file outside the dataset was read"
    );
}

/// Where a diagnostic is placed: `file:line:col` relative to `root`, or
/// the path it names when it has no position.
fn placed(l: &Loaded, d: &labelkit_diagnostics::Diagnostic, root: &Path) -> String {
    match &d.primary {
        Some(p) => {
            let f = l.sources.get(p.file).unwrap();
            let lc = f.line_col(p.span.start);
            let path = f.path().strip_prefix(root).unwrap_or(f.path());
            format!("{}:{}:{}", path.display(), lc.line, lc.column)
        }
        None => d
            .path
            .as_deref()
            .unwrap_or(Path::new("?"))
            .display()
            .to_string(),
    }
}

#[test]
fn entries_of_an_image_list_outside_the_dataset_are_placed_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path();
    write(&outer.join("secret/images/x.png"), png(10, 10));
    write(&outer.join("secret/images/y.png"), png(10, 10));
    write(&outer.join("other/z.png"), png(10, 10));
    let ds = outer.join("ds");
    write(&ds.join("data.yaml"), "names: [a]\ntrain: list.txt\n");
    write(&ds.join("images/in.png"), png(4, 4));
    let secret = outer.join("secret/images");
    write(
        &ds.join("list.txt"),
        format!(
            "images/in.png\n  {}/x.png\n{}/y.png\n../other/z.png\n",
            secret.display(),
            secret.display()
        ),
    );
    let l = read(&ds, ReadOptions::default()).unwrap();
    assert_eq!(image_names(&l), ["images/in.png"]);
    let refused: Vec<_> = l
        .issues
        .iter()
        .filter(|d| d.message.contains("outside the dataset folder"))
        .collect();
    // One finding per folder outside, at the first line naming it (the
    // label folders are checked first: `secret/labels`, `other`).
    let got: Vec<String> = refused
        .iter()
        .map(|d| format!("{}: {} {}", placed(&l, d, &ds), d.code, d.severity))
        .collect();
    assert_eq!(
        got,
        ["list.txt:2:3: F011 error", "list.txt:4:1: F011 error"]
    );
    assert!(
        refused[0]
            .message
            .contains("its 2 listed files were not read"),
        "{}",
        refused[0].message
    );
    assert!(
        refused[1]
            .message
            .contains("its 1 listed files were not read"),
        "{}",
        refused[1].message
    );
}

#[cfg(unix)]
#[test]
fn label_files_and_folders_linking_out_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path();
    write(
        &outer.join("private.txt"),
        "root:x:0:0:root:/root:/bin/bash\n",
    );
    write(&outer.join("private/b.txt"), "secret rows\n");
    let ds = outer.join("ds");
    write(&ds.join("data.yaml"), "names: [a]\ntrain: images/train\n");
    write(&ds.join("images/train/a.png"), png(10, 10));
    symlink("../../../private.txt", &ds.join("labels/train/a.txt"));
    symlink("../../../private", &ds.join("images/train/more"));
    let l = read(&ds, ReadOptions::default()).unwrap();
    assert_eq!(l.dataset.images.len(), 1);
    assert_eq!(l.dataset.annotations.len(), 0);
    let got = issues(&l);
    let about = |what: &str| got.iter().filter(|(_, m)| m.contains(what)).count();
    assert_eq!(about("labels/train/a.txt resolves to"), 1, "{got:?}");
    assert_eq!(about("images/train/more resolves to"), 1, "{got:?}");
    assert!(got.iter().all(|(c, _)| c == "F011"), "{got:?}");
    assert!(l.issues.iter().all(|d| d.severity == Severity::Error));
    // No text of the private file reached the source map (diagnostics
    // quote it).
    for (_, s) in l.sources.iter() {
        assert!(!String::from_utf8_lossy(s.text()).contains("root:x"));
    }
    // The hook's form, given the symlinked label file itself.
    let l = read_one(&ds.join("labels/train/a.txt")).unwrap();
    assert_eq!(l.dataset.annotations.len(), 0);
    assert!(
        issues(&l)
            .iter()
            .any(|(c, m)| c == "F011" && m.contains("outside the dataset folder")),
        "{:?}",
        issues(&l)
    );
}

/// A billion-laughs `data.yaml`: nine levels of nine aliases to the level
/// below (9^9 = 387 million strings once expanded).
fn alias_bomb() -> String {
    let mut y = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let levels = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in levels.windows(2) {
        let (prev, this) = (w[0], w[1]);
        let refs = vec![format!("*{prev}"); 9].join(",");
        y.push_str(&format!("{this}: &{this} [{refs}]\n"));
    }
    y.push_str("names: *i\n");
    y
}

#[test]
fn a_yaml_alias_bomb_is_refused_before_expansion() {
    let bomb = alias_bomb();
    assert!(bomb.len() < 600, "{}", bomb.len());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("data.yaml"), &bomb);
    write(&root.join("images/train/a.png"), png(10, 10));
    write(&root.join("labels/train/a.txt"), "0 0.5 0.5 0.2 0.2\n");
    let yaml = root.join("data.yaml");
    let expected = format!(
        "{}:1:7: yaml an anchor (`&name`) is not supported in a dataset description: anchors and aliases can expand a small file into gigabytes; write the values out",
        yaml.display()
    );
    let e = read(root, ReadOptions::default()).unwrap_err().to_string();
    assert_eq!(e, expected);
    // The hook's single-file form finds data.yaml by walking up.
    let e = read_one(&root.join("labels/train/a.txt"))
        .unwrap_err()
        .to_string();
    assert_eq!(e, expected);
    // An alias without an anchor is refused too (at the alias).
    write(&yaml, "names: [a]\nval: *nothing\n");
    let e = read(root, ReadOptions::default()).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}:2:", yaml.display())), "{e}");
}

#[test]
fn a_byte_order_mark_keeps_the_class_names() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("data.yaml"),
        "\u{feff}names:\n  0: cat\n  1: dog\ntrain: images/train\n",
    );
    write(&root.join("images/train/a.png"), png(10, 10));
    write(&root.join("labels/train/a.txt"), "1 0.5 0.5 0.2 0.2\n");
    for l in [
        read(root, ReadOptions::default()).unwrap(),
        read_one(&root.join("labels/train/a.txt")).unwrap(),
    ] {
        let names: Vec<&str> = l
            .dataset
            .labels
            .iter()
            .map(|(_, x)| x.name.as_str())
            .collect();
        assert_eq!(names, ["cat", "dog"]);
        assert!(l.issues.is_empty(), "{:?}", issues(&l));
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_walked_once_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("data.yaml"), "names: [a]\ntrain: images/train\n");
    write(&root.join("images/train/a.png"), png(10, 10));
    write(&root.join("labels/train/a.txt"), "0 0.5 0.5 0.2 0.2\n");
    symlink(".", &root.join("images/train/loop"));
    let l = read(root, ReadOptions::default()).unwrap();
    let names = image_names(&l);
    assert_eq!(names, ["images/train/a.png"]);
    let loops: Vec<_> = issues(&l)
        .into_iter()
        .filter(|(_, m)| m.contains("a link to a folder already read"))
        .collect();
    assert_eq!(loops.len(), 1, "{:?}", issues(&l));
    assert_eq!(loops[0].0, "F011");
    assert!(loops[0].1.contains("images/train/loop"), "{loops:?}");

    // Two loops, which without a visited set branch exponentially and
    // never finish; one of them in labels/ too.
    symlink("..", &root.join("images/train/up"));
    symlink(".", &root.join("labels/train/loop"));
    symlink(".", &root.join("labels/train/again"));
    let l = read(root, ReadOptions::default()).unwrap();
    assert_eq!(l.dataset.images.len(), 1);
    assert_eq!(l.dataset.annotations.len(), 1);
    let loops = issues(&l)
        .into_iter()
        .filter(|(_, m)| m.contains("a link to a folder already read"))
        .count();
    // images/train/loop, images/train/up/train (the folder itself again),
    // labels/train/again, labels/train/loop.
    assert_eq!(loops, 4, "{:?}", issues(&l));
}

#[cfg(unix)]
#[test]
fn fifos_as_images_and_labels_are_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("data.yaml"), "names: [a]\ntrain: images/train\n");
    write(&root.join("images/train/a.png"), png(10, 10));
    write(&root.join("labels/train/a.txt"), "0 0.5 0.5 0.2 0.2\n");
    mkfifo(&root.join("images/train/f.jpg"));
    mkfifo(&root.join("labels/train/g.txt"));
    let l = read(root, ReadOptions::default()).unwrap();
    // The FIFO image is kept, without a size; the FIFO label file `g.txt`
    // gets an image entry of its own (its image is missing).
    let names = image_names(&l);
    assert_eq!(
        names,
        [
            "images/train/a.png",
            "images/train/f.jpg",
            "images/train/g.jpg"
        ]
    );
    assert_eq!(
        (l.dataset.images[1].width, l.dataset.images[1].height),
        (0, 0)
    );
    let got = issues(&l);
    let about = |p: &Path| {
        got.iter()
            .filter(|(_, m)| m.contains(&p.display().to_string()))
            .cloned()
            .collect::<Vec<_>>()
    };
    let fifo = root.join("images/train/f.jpg");
    assert_eq!(
        about(&fifo),
        [(
            "F008".to_owned(),
            format!(
                "{}: cannot read the image: not a regular file (a FIFO): not read; its size is unknown, so its 0 shapes keep normalised coordinates",
                fifo.display()
            )
        )],
    );
    let g = root.join("labels/train/g.txt");
    assert_eq!(
        about(&g),
        [(
            "F011".to_owned(),
            format!(
                "label file {}: not a regular file (a FIFO): not read",
                g.display()
            )
        )],
    );

    // The hook's form: the label's image is a FIFO (as `/dev/stdin` is in
    // a pipeline); its size is reported unreadable, nothing blocks.
    write(&root.join("labels/train/f.txt"), "0 0.5 0.5 0.2 0.2\n");
    let l = read_one(&root.join("labels/train/f.txt")).unwrap();
    assert_eq!(l.dataset.images.len(), 1);
    assert_eq!(l.dataset.images[0].file_name, "images/train/f.jpg");
    let got = issues(&l);
    assert!(
        got.iter().any(|(c, m)| c == "F008"
            && m.contains("not a regular file (a FIFO): not read; its size is unknown")),
        "{got:?}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn file_names_that_are_not_utf8_stay_distinct() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("data.yaml"), "names: [a]\ntrain: images/train\n");
    write(&root.join("images/train/ok.png"), png(10, 10));
    for b in [0xFFu8, 0xFE] {
        let bytes = [b'a', b, b'.', b'p', b'n', b'g'];
        let name = std::ffi::OsStr::from_bytes(&bytes);
        write(&root.join("images/train").join(name), png(10, 10));
    }
    let l = read(root, ReadOptions::default()).unwrap();
    let names = image_names(&l);
    assert_eq!(names, ["images/train/ok.png"]);
    let got = issues(&l);
    let msgs: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(
        msgs,
        [
            r#""images/train/a\xFE.png": the file name is not valid UTF-8; the file is not read"#,
            r#""images/train/a\xFF.png": the file name is not valid UTF-8; the file is not read"#,
        ]
    );
    assert!(got.iter().all(|(c, _)| c == "F011"));
}

#[test]
fn a_data_yaml_without_train_is_refused_and_loose_labels_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("data.yaml"), "nc: 2\nnames: [a, b]\n");
    write(&root.join("labels/train/a.txt"), "1 0.5 0.5 0.2 0.2\n");
    write(&root.join("labels/val/b.txt"), "0 0.5 0.5 0.2 0.2\n");
    // Ultralytics refuses a data.yaml without `train:`; so does labelkit,
    // rather than reading a dataset of nothing.
    let Err(Error::Parse(e)) = read(root, ReadOptions::default()) else {
        panic!("a data.yaml without `train:` was read");
    };
    assert_eq!(e.location.path, root.join("data.yaml"));
    assert_eq!((e.location.line, e.location.column), (1, 1));
    assert!(e.message.starts_with("`train:` key missing: "), "{e}");
    // An empty `train:` is refused at its key.
    write(&root.join("data.yaml"), "nc: 2\ntrain:\nnames: [a, b]\n");
    let Err(Error::Parse(e)) = read(root, ReadOptions::default()) else {
        panic!("a data.yaml with an empty `train:` was read");
    };
    assert_eq!((e.location.line, e.location.column), (2, 1));
    assert!(e.message.starts_with("`train:` is empty: "), "{e}");
    // Without a data.yaml (names from obj.names), label files without
    // images are still read.
    fs::remove_file(root.join("data.yaml")).unwrap();
    write(&root.join("obj.names"), "a\nb\n");
    let l = read(root, ReadOptions::default()).unwrap();
    let names = image_names(&l);
    assert_eq!(names, ["images/train/a.jpg", "images/val/b.jpg"]);
    assert_eq!(l.dataset.annotations.len(), 2);
}

/// The crafted `data.yaml` inputs above, as fuzz seeds (checked to be
/// committed as they are generated here).
#[test]
fn the_hostile_yaml_seeds_are_committed() {
    let seeds = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds"));
    assert_eq!(
        fs::read_to_string(seeds.join("yaml_alias_bomb.yaml")).unwrap(),
        alias_bomb()
    );
}

#[test]
fn label_file_names_that_are_not_utf8_are_refused_not_merged() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("data.yaml"), "names: [a]\ntrain: images/train\n");
    for b in [0xFFu8, 0xFE] {
        let bytes = [b'x', b, b'.', b't', b'x', b't'];
        let name = std::ffi::OsStr::from_bytes(&bytes);
        write(&root.join("labels/train").join(name), "0 0.5 0.5 0.2 0.2\n");
    }
    write(&root.join("labels/train/ok.txt"), "0 0.5 0.5 0.2 0.2\n");
    // Without images: neither label file becomes `x\u{FFFD}.jpg`.
    let l = read(root, ReadOptions::default()).unwrap();
    assert_eq!(image_names(&l), ["images/train/ok.jpg"]);
    assert_eq!(l.dataset.annotations.len(), 1);
    let refused = |l: &Loaded| -> Vec<(String, String)> {
        issues(l)
            .into_iter()
            .filter(|(_, m)| m.contains("not valid UTF-8"))
            .collect()
    };
    let expected = [
        r#""labels/train/x\xFE.txt": the file name is not valid UTF-8; the file is not read"#,
        r#""labels/train/x\xFF.txt": the file name is not valid UTF-8; the file is not read"#,
    ];
    let got = refused(&l);
    assert_eq!(
        got.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(),
        expected
    );
    assert!(got.iter().all(|(c, _)| c == "F011"));
    assert!(l
        .issues
        .iter()
        .filter(|d| d.message.contains("not valid UTF-8"))
        .all(|d| d.severity == Severity::Error));
    // Alone (the pre-commit form): refused the same way.
    let bytes = [b'x', 0xFF, b'.', b't', b'x', b't'];
    let one = root
        .join("labels/train")
        .join(std::ffi::OsStr::from_bytes(&bytes));
    let l = read_label_file(&one, &ReadOptions::default()).unwrap();
    assert!(image_names(&l).is_empty());
    assert_eq!(refused(&l), [("F011".to_owned(), expected[1].to_owned())]);
    // With images of the same (non-UTF-8) names: each file is refused on
    // its own, images and label files alike.
    for b in [0xFFu8, 0xFE] {
        let bytes = [b'x', b, b'.', b'p', b'n', b'g'];
        let name = std::ffi::OsStr::from_bytes(&bytes);
        write(&root.join("images/train").join(name), png(10, 10));
    }
    let l = read(root, ReadOptions::default()).unwrap();
    assert_eq!(image_names(&l), ["images/train/ok.jpg"]);
    let got = refused(&l);
    assert_eq!(
        got.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(),
        [
            r#""images/train/x\xFE.png": the file name is not valid UTF-8; the file is not read"#,
            r#""images/train/x\xFF.png": the file name is not valid UTF-8; the file is not read"#,
            expected[0],
            expected[1],
        ]
    );
}

#[cfg(unix)]
#[test]
fn an_image_list_that_is_a_fifo_or_a_device_is_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    write(
        &root.join("data.yaml"),
        "names: [a]\ntrain: list.txt\nval: zero.txt\n",
    );
    mkfifo(&root.join("list.txt"));
    // A link to a device inside the dataset folder.
    fs::create_dir_all(root.join("dev")).unwrap();
    let made = std::process::Command::new("mknod")
        .arg(root.join("dev/zero"))
        .args(["c", "1", "5"])
        .status()
        .is_ok_and(|s| s.success());
    if made {
        symlink("dev/zero", &root.join("zero.txt"));
    }
    let l = finishes(move || read(&root, ReadOptions::default()).unwrap());
    assert!(image_names(&l).is_empty());
    let got: Vec<(String, String)> = issues(&l)
        .into_iter()
        .filter(|(_, m)| m.starts_with("image list"))
        .collect();
    let list = dir.path().join("list.txt");
    let mut expected = vec![(
        "F011".to_owned(),
        format!(
            "image list {}: not a regular file (a FIFO): not read",
            list.display()
        ),
    )];
    if made {
        expected.push((
            "F011".to_owned(),
            format!(
                "image list {}: not a regular file (a device): not read",
                dir.path().join("zero.txt").display()
            ),
        ));
    }
    assert_eq!(got, expected);
    // Placed at the key naming the list.
    let at: Vec<String> = l
        .issues
        .iter()
        .filter(|d| d.message.starts_with("image list"))
        .map(|d| placed(&l, d, dir.path()))
        .collect();
    let keys = ["data.yaml:2:1", "data.yaml:3:1"];
    assert_eq!(at, keys[..expected.len()]);
}

#[cfg(unix)]
#[test]
fn a_darknet_image_list_that_is_a_fifo_is_reported_at_its_key() {
    let dir = darknet("obj.names");
    write(&dir.path().join("obj.names"), "a\n");
    fs::remove_file(dir.path().join("train.txt")).unwrap();
    mkfifo(&dir.path().join("train.txt"));
    let obj = dir.path().join("obj.data");
    let l = finishes(move || read(&obj, ReadOptions::default()).unwrap());
    let d = l
        .issues
        .iter()
        .find(|d| d.message.starts_with("image list"))
        .unwrap_or_else(|| panic!("{:?}", issues(&l)));
    assert_eq!(d.code, "F011");
    assert_eq!(
        d.message,
        format!(
            "image list {}: not a regular file (a FIFO): not read",
            dir.path().join("train.txt").display()
        )
    );
    assert_eq!(placed(&l, d, dir.path()), "obj.data:2:1");
}

#[test]
fn a_dot_dot_entry_is_refused_when_it_leads_out_and_read_inside_only_when_it_names_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path();
    let ds = outer.join("ds");
    write(
        &ds.join("data.yaml"),
        "names: [a]\ntrain: ../train/images\n",
    );
    write(&ds.join("train/images/in.png"), png(10, 20));
    write(&ds.join("train/labels/in.txt"), "0 0.5 0.5 0.2 0.2\n");
    // Nothing at ../train/images: read as train/images, inside, said in a
    // note at the key.
    let l = read(&ds, ReadOptions::default()).unwrap();
    assert_eq!(image_names(&l), ["train/images/in.png"]);
    let notes: Vec<_> = l
        .issues
        .iter()
        .map(|d| (d.code.as_str(), d.severity, d.message.as_str()))
        .collect();
    assert_eq!(
        notes,
        [(
            "F011",
            Severity::Info,
            format!(
                "`train: ../train/images` names nothing in the dataset root {}; read \
                 `train/images` instead (as Ultralytics does, the leading `../` was dropped; \
                 Ultralytics reads the same folder)",
                ds.display()
            )
            .as_str()
        )]
    );
    // A folder there, outside the dataset: refused at the key, as
    // Ultralytics would read it (not the one inside), unless allowed.
    write(&outer.join("train/images/out.png"), png(30, 40));
    write(&outer.join("train/labels/out.txt"), "0 0.5 0.5 0.2 0.2\n");
    let e = read(&ds, ReadOptions::default()).unwrap_err().to_string();
    let yaml = ds.join("data.yaml");
    assert!(
        e.starts_with(&format!("{}:2:1: `train`: ", yaml.display())),
        "{e}"
    );
    assert!(e.contains("pass --allow-outside"), "{e}");
    let l = read(&ds, ReadOptions::default().allow_outside_root(true)).unwrap();
    assert_eq!(l.dataset.images.len(), 1);
    assert_eq!(
        (l.dataset.images[0].width, l.dataset.images[0].height),
        (30, 40)
    );
    assert!(l.issues.is_empty(), "{:?}", l.issues);
}

#[test]
fn a_split_that_names_nothing_is_said_not_read_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path();
    write(
        &ds.join("data.yaml"),
        "names: [a]\ntrain: images/train\nval: images/val\ntest: images/train\n",
    );
    write(&ds.join("images/train/a.png"), png(10, 20));
    write(&ds.join("labels/train/a.txt"), "0 0.5 0.5 0.2 0.2\n");
    let l = read(ds, ReadOptions::default()).unwrap();
    assert_eq!(image_names(&l), ["images/train/a.png"]);
    let got: Vec<_> = l
        .issues
        .iter()
        .map(|d| {
            let at = d.primary.as_ref().unwrap().span.start;
            (d.code.as_str(), d.severity, at, d.message.as_str())
        })
        .collect();
    assert_eq!(
        got,
        [(
            "F004",
            Severity::Warning,
            // `val` on line 3.
            "names: [a]\ntrain: images/train\n".len() as u32,
            format!(
                "`val: images/val` names nothing in the dataset root {} and no label files were \
                 found for it: no images read for `val` (Ultralytics refuses a split whose images \
                 are not found)",
                ds.display()
            )
            .as_str()
        )]
    );
    // Label files without their images are found: nothing to say.
    write(&ds.join("labels/val/b.txt"), "0 0.5 0.5 0.2 0.2\n");
    let l = read(ds, ReadOptions::default()).unwrap();
    assert_eq!(image_names(&l), ["images/train/a.png", "images/val/b.jpg"]);
    assert!(!l.issues.iter().any(|d| d.code == "F004"), "{:?}", l.issues);
}
