//! The images of a dataset paired with their label files: the entries the
//! layouts collect (from folders and image lists) and [`super::build`] reads.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use labelkit_diagnostics::{ByteSpan, SourceSpan};

use super::discovery::{find_image, guessed_image, has_ext, is_class_list};
use crate::guard::{self, Scope, Walker};
use crate::paths::{clean, label2img_stem, rel_name};
use crate::MAX_LABEL_BYTES;

/// One image of the dataset and where its label file is.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) image: PathBuf,
    pub(super) label: PathBuf,
    pub(super) file_name: String,
    pub(super) subset: Option<String>,
    /// The line of the image list that named the image, if one did.
    pub(super) listed: Option<Listed>,
}

/// A line of an image list (`train.txt`), for the positions of findings
/// about what it names.
#[derive(Debug, Clone)]
pub(super) struct Listed {
    pub(super) list: Arc<ListFile>,
    pub(super) span: ByteSpan,
}

/// An image list and its bytes.
#[derive(Debug)]
pub(super) struct ListFile {
    pub(super) path: PathBuf,
    pub(super) text: Arc<[u8]>,
}

/// The non-empty lines of an image list, trimmed, each with where it is.
pub(super) fn list_lines(path: &Path, text: Vec<u8>) -> Vec<(String, Listed)> {
    let list = Arc::new(ListFile {
        path: path.to_path_buf(),
        text: text.into(),
    });
    let mut out = Vec::new();
    let mut offset = 0usize;
    for raw in list.text.split_inclusive(|&b| b == b'\n') {
        let start = offset + raw.iter().take_while(|b| b.is_ascii_whitespace()).count();
        offset += raw.len();
        let line = String::from_utf8_lossy(raw);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let end = offset
            - raw
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        out.push((
            line.to_owned(),
            Listed {
                list: Arc::clone(&list),
                span: ByteSpan::new(start, end.max(start)),
            },
        ));
    }
    out
}

/// A path listed in a `.txt` image list.
pub(super) fn resolve_listed(root: &Path, list_dir: &Path, line: &str) -> PathBuf {
    let p = Path::new(line);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    let mut candidates = Vec::new();
    if let Some(rest) = line.strip_prefix("./") {
        candidates.push(list_dir.join(rest));
    }
    candidates.push(root.join(line));
    candidates.push(list_dir.join(line));
    // CVAT exports list `data/<...>` where `data/` is the dataset root.
    if let Some((_, rest)) = line.split_once('/') {
        candidates.push(root.join(rest));
    }
    for c in &candidates {
        if c.is_file() {
            return clean(c);
        }
    }
    // Missing: the first candidate whose folder exists.
    candidates
        .iter()
        .find(|c| c.parent().is_some_and(Path::is_dir))
        .map_or_else(|| clean(&candidates[0]), |c| clean(c))
}

pub(super) struct Collector<'s> {
    pub(super) entries: Vec<Entry>,
    pub(super) seen: HashSet<PathBuf>,
    pub(super) walker: Walker<'s>,
}

impl<'s> Collector<'s> {
    pub(super) fn new(scope: &'s Scope) -> Self {
        Self {
            entries: Vec::new(),
            seen: HashSet::new(),
            walker: Walker::new(scope),
        }
    }

    /// The bytes of an image list (`train.txt`): `None` when it does not
    /// exist, or when it is refused (not a regular file, outside the
    /// dataset, larger than [`MAX_LABEL_BYTES`]), which is reported at
    /// `key_at` (the key of the description naming it) when given.
    pub(super) fn read_list(&mut self, path: &Path, key_at: Option<SourceSpan>) -> Option<Vec<u8>> {
        match self.walker.scope().read(path, MAX_LABEL_BYTES) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                let mut d = guard::refused(path, format!("image list {}: {e}", path.display()));
                if let Some(at) = key_at {
                    d = d.at(at.file, at.span);
                }
                self.walker.issues.push(d);
                None
            }
        }
    }

    /// Files under `dir` accepted by `keep` ([`Walker::walk`]).
    pub(super) fn walk(&mut self, dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
        self.walker.walk(dir, keep)
    }

    pub(super) fn push(
        &mut self,
        root: &Path,
        image: PathBuf,
        label: PathBuf,
        subset: Option<&str>,
        listed: Option<Listed>,
    ) {
        let rel = image.strip_prefix(root).unwrap_or(&image);
        if let Some(d) = guard::not_utf8(rel) {
            if self.seen.insert(image.clone()) {
                self.walker.issues.push(d.with_path(image));
            }
            return;
        }
        if self.seen.insert(image.clone()) {
            self.entries.push(Entry {
                file_name: rel_name(root, &image),
                image,
                label,
                subset: subset.map(str::to_owned),
                listed,
            });
        }
    }

    /// Adds every label file under `labels` that no listed image claimed,
    /// so that labels without images are read (and reported) rather than
    /// ignored.
    pub(super) fn orphans(
        &mut self,
        root: &Path,
        labels: &Path,
        subset: Option<&str>,
        labels_dir: &str,
        darknet: bool,
    ) {
        let claimed: HashSet<PathBuf> = self.entries.iter().map(|e| e.label.clone()).collect();
        // LabelImg's `classes.txt` beside the label files is their class
        // list, not the labels of an image `classes.jpg`.
        for label in self.walk(labels, &|p| has_ext(p, "txt") && !is_class_list(p)) {
            if claimed.contains(&label) {
                continue;
            }
            // A label file whose name is not UTF-8 is refused on its own:
            // its image name would be made lossy, and two such files would
            // become one image.
            if let Some(d) = guard::not_utf8(label.strip_prefix(root).unwrap_or(&label)) {
                if self.seen.insert(label.clone()) {
                    self.walker.issues.push(d.with_path(label));
                }
                continue;
            }
            let stem = if darknet {
                label.with_extension("")
            } else {
                label2img_stem(&label, labels_dir)
            };
            let image = find_image(&stem).unwrap_or_else(|| guessed_image(&stem));
            self.push(root, image, label, subset, None);
        }
    }
}
