//! What a dataset description (`data.yaml`, `obj.data`, `obj.names`)
//! declares about its classes, keypoints and task, and how its text is read.

use std::path::Path;

use labelkit_diagnostics::{
    ByteSpan, Diagnostic, FileId, Loaded, ParseError, ReadIssue, SourceFile, SourceSpan,
};
use labelkit_model::KeypointSchema;

use crate::data_yaml::{self, key_span, DataYaml};
use crate::guard::{self, ALLOW_HINT};
use crate::{Error, Task, MAX_CONFIG_BYTES};

/// What the dataset declares about its classes and rows.
#[derive(Debug, Default)]
pub(super) struct Schema {
    pub(super) names: Vec<(u32, String)>,
    pub(super) kpt: Option<(usize, usize)>,
    pub(super) flip_idx: Option<Vec<usize>>,
    pub(super) kpt_names: Option<Vec<String>>,
    pub(super) task: Option<Task>,
    /// The file that declared the names, and the span of the declaration.
    pub(super) names_at: Option<SourceSpan>,
    /// Where `flip_idx` was declared.
    pub(super) flip_idx_at: Option<SourceSpan>,
}

/// A dataset description (`data.yaml`, `obj.data`, `obj.names`): a regular
/// file of at most [`MAX_CONFIG_BYTES`], without its UTF-8 byte order mark.
pub(super) fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = guard::read_capped(path, MAX_CONFIG_BYTES).map_err(|e| Error::io(path, e))?;
    let text = data_yaml::strip_bom(&String::from_utf8_lossy(&bytes)).to_owned();
    if let Some(conflict) = ParseError::conflict_marker(path, text.as_bytes()) {
        return Err(Error::Parse(conflict));
    }
    Ok(text)
}

/// Reads a dataset description ([`read_text`]) into `loaded`'s source map
/// as the dataset's file; its text and id.
pub(super) fn read_description(
    loaded: &mut Loaded,
    path: &Path,
) -> Result<(String, FileId), Error> {
    let text = read_text(path)?;
    let file = loaded
        .sources
        .add(SourceFile::with_text(path, text.as_bytes().to_vec()));
    loaded.spans.dataset_file = Some(file);
    Ok((text, file))
}

/// A fatal refusal of a path named by a dataset description, at the line
/// of its key.
pub(super) fn refuse_at(cfg: &Path, text: &str, span: ByteSpan, message: &str) -> Error {
    Error::Parse(ParseError::at_offset(
        cfg,
        text.as_bytes(),
        span.start as usize,
        format!("{message}; {ALLOW_HINT}"),
    ))
}

pub(super) fn schema_from_yaml(yaml: &DataYaml, names_at: Option<SourceSpan>) -> Schema {
    Schema {
        names: yaml.names.clone(),
        kpt: yaml.kpt_shape,
        flip_idx: yaml.flip_idx.clone(),
        kpt_names: yaml.kpt_names.clone(),
        task: yaml.task,
        names_at,
        flip_idx_at: None,
    }
}

/// Records where `flip_idx` is declared in `text` (for findings about it)
/// and reports one that is no permutation of the keypoints.
pub(super) fn place_flip_idx(
    schema: &mut Schema,
    file: FileId,
    text: &str,
    issues: &mut Vec<Diagnostic>,
) {
    if schema.flip_idx.is_some() {
        schema.flip_idx_at = Some(SourceSpan {
            file,
            span: key_span(text, "flip_idx"),
        });
    }
    if let (Some(flip), Some((n, _))) = (&schema.flip_idx, schema.kpt) {
        let is_perm = flip.len() == n && {
            let mut seen = vec![false; n];
            flip.iter()
                .all(|&i| i < n && !std::mem::replace(&mut seen[i], true))
        };
        if !is_perm {
            issues.push(ReadIssue::MalformedValue.at(
                file,
                key_span(text, "flip_idx"),
                format!("`flip_idx` is not a permutation of the {n} keypoints of `kpt_shape`"),
            ));
        }
    }
}

pub(super) fn keypoint_schema(schema: &Schema) -> Option<KeypointSchema> {
    let (n, _) = schema.kpt?;
    let names: Vec<String> = match &schema.kpt_names {
        Some(k) if k.len() == n => k.clone(),
        _ => (0..n).map(|i| i.to_string()).collect(),
    };
    let mut ks = KeypointSchema {
        names,
        edges: Vec::new(),
        flip_pairs: Vec::new(),
    };
    match &schema.flip_idx {
        Some(flip) if flip.len() == n => {
            for (i, &j) in flip.iter().enumerate() {
                if i < j && flip.get(j) == Some(&i) {
                    ks.flip_pairs.push((i, j));
                }
            }
        }
        _ => ks.flip_pairs = ks.infer_flip_pairs(),
    }
    Some(ks)
}
