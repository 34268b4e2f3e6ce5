//! Flat folders: `images/` and `labels/` (or `obj_<subset>_data/`) with an
//! `obj.names` or no class names at all, and no `data.yaml` or `obj.data`.

use std::path::Path;

use labelkit_diagnostics::{ByteSpan, Loaded, SourceFile, SourceSpan};

use super::build;
use super::darknet::{collect_darknet_dirs, darknet_dirs};
use super::discovery::{is_image, list_dir};
use super::entries::Collector;
use super::schema::Schema;
use super::ultralytics::collect_ultralytics;
use crate::data_yaml::{self, DataYaml};
use crate::guard::{self, Scope};
use crate::{Error, ReadOptions, MAX_CONFIG_BYTES};

/// `obj.names` with `images/` and `labels/` beside it (no `obj.data`).
pub(super) fn read_loose(
    root: &Path,
    names: Option<&Path>,
    options: &ReadOptions,
) -> Result<Loaded, Error> {
    let mut loaded = Loaded::default();
    let mut schema = Schema::default();
    let scope = Scope::new(root, options.allow_outside_root);
    if let Some(names) = names {
        // The names file was named by the user (or found beside the
        // dataset): it is not confined, but it must be a small regular file.
        let text = guard::read_capped(names, MAX_CONFIG_BYTES).map_err(|e| Error::io(names, e))?;
        let file = loaded
            .sources
            .add(SourceFile::with_text(names, text.clone()));
        loaded.spans.dataset_file = Some(file);
        schema.names =
            data_yaml::read_obj_names(&String::from_utf8_lossy(&text), file, &mut loaded.issues);
        schema.names_at = Some(SourceSpan {
            file,
            span: ByteSpan::at(0),
        });
    }
    if !darknet_dirs(root).is_empty() && !root.join("images").is_dir() {
        let mut c = Collector::new(&scope);
        collect_darknet_dirs(&mut c, root);
        loaded.issues.append(&mut c.walker.issues);
        return build(loaded, &schema, &c.entries, &scope, options);
    }
    let images = root.join("images");
    let mut yaml = DataYaml::default();
    let mut subdirs: Vec<String> = Vec::new();
    for e in list_dir(&images).into_iter().flatten().flatten() {
        if !e.path().is_dir() {
            continue;
        }
        match e.file_name().into_string() {
            Ok(name) => subdirs.push(name),
            Err(_) => {
                let p = e.path();
                loaded.issues.extend(guard::not_utf8(&p));
            }
        }
    }
    subdirs.sort();
    let loose_files = list_dir(&images)
        .map(|rd| rd.flatten().any(|e| is_image(&e.path())))
        .unwrap_or(false);
    if subdirs.is_empty() || loose_files {
        yaml.subsets
            .push((String::new(), vec!["images".to_owned()]));
    }
    for s in subdirs {
        yaml.subsets.push((s.clone(), vec![format!("images/{s}")]));
    }
    let (entries, issues) = collect_ultralytics(root, &yaml, &scope, None, options)?;
    loaded.issues.extend(issues);
    build(loaded, &schema, &entries, &scope, options)
}
