//! The darknet layout (CVAT "YOLO 1.1"): `obj.data`, `obj.names`,
//! `train.txt`/`valid.txt` and `obj_<subset>_data/` folders with images and
//! label files side by side.

use std::path::{Path, PathBuf};

use labelkit_diagnostics::{ByteSpan, Loaded, ReadIssue, SourceFile, SourceSpan};

use super::build;
use super::discovery::{is_image, list_dir};
use super::entries::{list_lines, resolve_listed, Collector};
use super::schema::{read_description, refuse_at, Schema};
use crate::data_yaml::{self, key_span_with};
use crate::guard::Scope;
use crate::paths::clean;
use crate::{Error, ReadOptions, MAX_CONFIG_BYTES};

pub(super) fn read_darknet(obj_data: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    let root = clean(
        obj_data
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    );
    let mut loaded = Loaded::default();
    let (text, file) = read_description(&mut loaded, obj_data)?;
    let scope = Scope::new(&root, options.allow_outside_root);
    let obj = ObjData::new(obj_data, &text, &root, &scope);
    let mut schema = Schema::default();
    let names_path = obj.path_of("names")?;
    let names_path = names_path.unwrap_or_else(|| root.join("obj.names"));
    if let Some(loaded_names) = read_names(&mut loaded, &scope, &names_path)? {
        schema = loaded_names;
    } else {
        loaded.issues.push(ReadIssue::DanglingReference.at(
            file,
            key_span_with(&text, "names", '='),
            format!("class names file not found: {}", names_path.display()),
        ));
    }
    let mut c = Collector::new(&scope);
    for key in ["train", "valid", "test"] {
        let Some(list) = obj.path_of(key)? else {
            continue;
        };
        let key_at = SourceSpan {
            file,
            span: key_span_with(&text, key, '='),
        };
        let Some(list_text) = c.read_list(&list, Some(key_at)) else {
            continue;
        };
        let list_dir = list.parent().unwrap_or(&root).to_path_buf();
        for (line, listed) in list_lines(&list, list_text) {
            let image = resolve_listed(&root, &list_dir, &line);
            let subset = darknet_subset(&image).unwrap_or_else(|| key.to_owned());
            let label = image.with_extension("txt");
            c.push(&root, image, label, Some(&subset), Some(listed));
        }
    }
    collect_darknet_dirs(&mut c, &root);
    loaded.issues.append(&mut c.walker.issues);
    build(loaded, &schema, &c.entries, &scope, options)
}

/// The images and labels of the `obj_<subset>_data` folders of `root`.
pub(super) fn collect_darknet_dirs(c: &mut Collector<'_>, root: &Path) {
    for dir in darknet_dirs(root) {
        let subset = darknet_subset(&dir.join("x"));
        for image in c.walk(&dir, &is_image) {
            let label = image.with_extension("txt");
            c.push(root, image, label, subset.as_deref(), None);
        }
        c.orphans(root, &dir, subset.as_deref(), "labels", true);
    }
}

/// An `obj.data` file, for resolving the paths it names.
pub(super) struct ObjData<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
    pub(super) keys: Vec<(String, String)>,
    pub(super) root: &'a Path,
    pub(super) scope: &'a Scope,
}

impl<'a> ObjData<'a> {
    pub(super) fn new(path: &'a Path, text: &'a str, root: &'a Path, scope: &'a Scope) -> Self {
        Self {
            path,
            text,
            keys: data_yaml::parse_obj_data(text),
            root,
            scope,
        }
    }

    /// The path a key names, relative to the dataset folder (CVAT writes
    /// `data/obj.names` where `data/` is that folder); `None` when the key
    /// is absent.
    ///
    /// # Errors
    /// A path that resolves outside the dataset folder (`names =
    /// /etc/passwd`), unless allowed, at the line of its key.
    pub(super) fn path_of(&self, key: &str) -> Result<Option<PathBuf>, Error> {
        let Some((_, v)) = self.keys.iter().find(|(k, _)| k == key) else {
            return Ok(None);
        };
        let direct = self.root.join(v);
        let path = if direct.exists() {
            direct
        } else {
            match v.split_once('/') {
                Some((_, rest)) => self.root.join(rest),
                None => direct,
            }
        };
        self.scope.check(&path).map_err(|m| {
            refuse_at(
                self.path,
                self.text,
                key_span_with(self.text, key, '='),
                &format!("`{key}`: {m}"),
            )
        })?;
        Ok(Some(path))
    }
}

/// Reads a class names file (`obj.names`) into a schema and the source
/// map; `None` when it does not exist.
///
/// # Errors
/// A names file that is not a regular file, leads outside the dataset
/// folder or is larger than [`MAX_CONFIG_BYTES`].
pub(super) fn read_names(
    loaded: &mut Loaded,
    scope: &Scope,
    path: &Path,
) -> Result<Option<Schema>, Error> {
    let bytes = match scope.read(path, MAX_CONFIG_BYTES) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let file = loaded.sources.add(SourceFile::with_text(path, bytes));
    let names = data_yaml::read_obj_names(&text, file, &mut loaded.issues);
    Ok(Some(Schema {
        names,
        names_at: Some(SourceSpan {
            file,
            span: ByteSpan::at(0),
        }),
        ..Schema::default()
    }))
}

pub(super) fn darknet_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = list_dir(root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir() && darknet_subset(&p.join("x")).is_some())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// `obj_<subset>_data` of the folder holding `path`.
pub(super) fn darknet_subset(path: &Path) -> Option<String> {
    let dir = path.parent()?.file_name()?.to_str()?;
    dir.strip_prefix("obj_")?
        .strip_suffix("_data")
        .map(str::to_owned)
}
