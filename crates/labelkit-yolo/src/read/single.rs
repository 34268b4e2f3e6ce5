//! One label file read alone (the pre-commit form), and LabelImg's
//! `classes.txt`.

use std::path::{Path, PathBuf};

use labelkit_diagnostics::{ByteSpan, Loaded, ReadIssue, SourceFile, SourceSpan};

use super::darknet::{darknet_subset, read_names, ObjData};
use super::discovery::{
    find_config, find_config_in, find_image, guessed_image, has_ext, is_class_list,
    label_image_stem,
};
use super::entries::Entry;
use super::schema::{read_text, Schema};
use super::ultralytics::{open_data_yaml, resolve_entry};
use super::{build, read_path};
use crate::data_yaml;
use crate::guard::{self, Scope};
use crate::paths::{clean, rel_name};
use crate::{Error, ReadOptions, MAX_CONFIG_BYTES};

/// Reads LabelImg's `classes.txt` as a class list (names declared twice are
/// reported at their line): with the dataset whose description lies above
/// it, whose label files are read against that description's classes, or
/// as the only class list when there is none.
///
/// # Errors
/// As [`read_path`] for the dataset's description; [`Error::Io`] for an
/// unreadable `classes.txt`.
pub(super) fn read_class_list(path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    let mut loaded = match find_config(path) {
        Some(cfg) => read_path(&cfg, options)?,
        None => Loaded::default(),
    };
    let bytes = guard::read_capped(path, MAX_CONFIG_BYTES).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let file = loaded.sources.add(SourceFile::with_text(path, bytes));
    let names = data_yaml::read_obj_names(&text, file, &mut loaded.issues);
    if loaded.spans.dataset_file.is_none() {
        loaded.spans.dataset_file = Some(file);
        let scope = Scope::new(
            path.parent().unwrap_or(Path::new(".")),
            options.allow_outside_root,
        );
        let schema = Schema {
            names,
            names_at: Some(SourceSpan {
                file,
                span: ByteSpan::at(0),
            }),
            ..Schema::default()
        };
        return build(loaded, &schema, &[], &scope, options);
    }
    Ok(loaded)
}

/// Reads ONE label file of a dataset, for pre-commit checks: walks up from
/// the file to the dataset's `data.yaml` (or `obj.data` / `obj.names`),
/// finds the matching image by trying image extensions, reads its size from
/// its header, and returns a dataset with just that image and its rows.
///
/// The description is found as [`find_config`] finds it: by probing fixed
/// names in each folder on the way up, listing only small folders that are
/// neither the label's own folder nor a `labels`/`images` folder; the image
/// is found by probing its stem with each image extension (`jpg`, `JPG`,
/// `jpeg`, `png`, ...). No folder of the dataset's files is ever listed, so
/// this takes milliseconds even in a dataset of a hundred thousand files.
///
/// # Errors
/// [`Error::Io`] when the label file cannot be read, [`Error::Parse`] for a
/// `data.yaml` with a syntax error.
pub fn read_label_file(label_path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    if is_class_list(label_path) && label_path.is_file() {
        return read_class_list(label_path, options);
    }
    // A FIFO, device or link to one is read like in a whole dataset: the
    // read refuses it and reports it (F011), never blocking.
    if std::fs::metadata(label_path).map_or(true, |m| m.is_dir()) {
        return Err(Error::io(
            label_path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "label file not found"),
        ));
    }
    let ld = options.labels_dir().to_owned();
    let label_dir = label_path.parent().unwrap_or(Path::new("."));
    let config = find_config_in(label_path, &ld);
    let mut loaded = Loaded::default();
    let mut schema = Schema::default();
    let darknet_like = darknet_subset(label_path).is_some();
    let stem = if darknet_like {
        label_path.with_extension("")
    } else {
        label_image_stem(label_path, &ld)
    };
    let image = find_image(&stem).unwrap_or_else(|| guessed_image(&stem));
    let mut root = clean(label_dir);
    let mut subset = darknet_subset(label_path);
    let scope = match &config {
        Some(cfg) if has_ext(cfg, "yaml") || has_ext(cfg, "yml") => {
            let y = open_data_yaml(&mut loaded, cfg, options)?;
            root = y.root;
            let image_c = clean(&image);
            for (name, entries) in &y.yaml.subsets {
                for e in entries {
                    let dir = resolve_entry(&root, e).path;
                    if image_c.starts_with(&dir) && !has_ext(&dir, "txt") {
                        subset.get_or_insert_with(|| name.clone());
                    }
                }
            }
            schema = y.schema;
            y.scope
        }
        Some(cfg) => {
            let cfg_dir = clean(cfg.parent().unwrap_or(Path::new(".")));
            root = cfg_dir.clone();
            let scope = Scope::new(&cfg_dir, options.allow_outside_root);
            let names_path = if has_ext(cfg, "data") {
                let text = read_text(cfg)?;
                let obj = ObjData::new(cfg, &text, &cfg_dir, &scope);
                obj.path_of("names")?
                    .unwrap_or_else(|| cfg_dir.join("obj.names"))
            } else {
                cfg.clone()
            };
            if let Some(names) = read_names(&mut loaded, &scope, &names_path)? {
                loaded.spans.dataset_file = names.names_at.map(|at| at.file);
                schema = names;
            }
            if subset.is_none() {
                // images/<subset>/x.jpg
                let rel = rel_name(&root, &image);
                let parts: Vec<&str> = rel.split('/').collect();
                if parts.len() > 2 && parts[0] == "images" {
                    subset = Some(parts[1].to_owned());
                }
            }
            scope
        }
        None => {
            loaded.issues.push(ReadIssue::Unsupported.in_file(
                label_path,
                "no data.yaml, obj.data or obj.names found above the label file: classes are named by their ids",
            ));
            // The dataset folder is the one holding `labels/`.
            let parts: Vec<_> = root.components().collect();
            let top = match parts.iter().rposition(|c| c.as_os_str() == ld.as_str()) {
                Some(i) if !darknet_like => parts.iter().take(i).collect::<PathBuf>(),
                _ => root.clone(),
            };
            let top = if top.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                top
            };
            Scope::new(&top, options.allow_outside_root)
        }
    };
    // As in a whole dataset: a name that is not UTF-8 is refused.
    let rel = label_path.strip_prefix(&root).unwrap_or(label_path);
    if let Some(d) = guard::not_utf8(rel) {
        loaded.issues.push(d.with_path(label_path.to_path_buf()));
        return build(loaded, &schema, &[], &scope, options);
    }
    let entry = Entry {
        file_name: rel_name(&root, &clean(&image)),
        image,
        label: label_path.to_path_buf(),
        subset,
        listed: None,
    };
    build(loaded, &schema, &[entry], &scope, options)
}
