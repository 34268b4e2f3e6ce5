//! Which targets the paths of a check are: datasets, YOLO label files
//! grouped by dataset, descriptions, and files that are not annotations.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::CheckError;
#[cfg(doc)]
use super::CheckRequest;
use crate::{Error, Format};

/// What one path of a check turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A whole dataset.
    Dataset {
        /// The folder or annotation file.
        path: PathBuf,
        /// Its format.
        format: Format,
    },
    /// YOLO label files of one dataset, each read and checked alone with
    /// the dataset's classes; dataset-wide rules (`D`, but D008) are left
    /// out.
    LabelFiles {
        /// The dataset's folder (see [`plan`]).
        root: PathBuf,
        /// The dataset's format.
        format: Format,
        /// The label files, sorted, each once.
        files: Vec<PathBuf>,
    },
    /// A YOLO dataset description checked on its own (`data.yaml`,
    /// `obj.data`, `obj.names`, LabelImg's `classes.txt`).
    Description {
        /// The description.
        path: PathBuf,
        /// Its dataset's format.
        format: Format,
    },
    /// Not an annotation file (with [`CheckRequest::skip_other_files`]).
    Skip {
        /// The file.
        path: PathBuf,
        /// Why it is not an annotation file, in lower case.
        reason: String,
    },
}

/// Sorts paths into targets, grouping label files by dataset (the folder
/// of the description found above a label file, or its own folder, as
/// absolute paths). `format` forces the format of every path instead of
/// recognising it ([`crate::detect`]). A file that is not an annotation
/// file is [`CheckError::NotAnnotation`], or a [`Target::Skip`] with
/// `skip_other_files` (the pre-commit hook's choice).
///
/// The targets come in the order of `paths`, but label files, which follow
/// as one [`Target::LabelFiles`] per dataset and format.
///
/// # Errors
/// A path that cannot be looked at, whose format cannot be recognised.
pub fn plan(
    paths: &[PathBuf],
    format: Option<Format>,
    skip_other_files: bool,
) -> Result<Vec<Target>, CheckError> {
    let mut targets = Vec::new();
    let mut groups: BTreeMap<(PathBuf, Format), Vec<PathBuf>> = BTreeMap::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            let format = match format {
                Some(f) => f,
                None => crate::detect(path)?,
            };
            targets.push(Target::Dataset {
                path: path.clone(),
                format,
            });
            continue;
        }
        let format = match format {
            Some(f) => f,
            None => match crate::detect(path) {
                Ok(f) => f,
                Err(Error::Undetected { reason, .. }) if skip_other_files => {
                    targets.push(Target::Skip {
                        path: path.clone(),
                        reason,
                    });
                    continue;
                }
                Err(e @ Error::Undetected { .. }) => return Err(CheckError::NotAnnotation(e)),
                Err(e) => return Err(e.into()),
            },
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let is_yolo = matches!(format, Format::YoloUltralytics | Format::YoloDarknet);
        let description = name == "obj.names"
            || ext == "yaml"
            || ext == "yml"
            || ext == "data"
            || is_class_list(path);
        if is_yolo && description {
            targets.push(Target::Description {
                path: path.clone(),
                format,
            });
        } else if is_yolo && ext == "txt" {
            // Absolute, so that the description is looked for above the
            // current folder too.
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let root = crate::io::yolo_root(&absolute);
            groups.entry((root, format)).or_default().push(path.clone());
        } else {
            targets.push(Target::Dataset {
                path: path.clone(),
                format,
            });
        }
    }
    for ((root, format), mut files) in groups {
        files.sort();
        files.dedup();
        targets.push(Target::LabelFiles {
            root,
            format,
            files,
        });
    }
    Ok(targets)
}

/// Whether `path` is LabelImg's `classes.txt`.
pub(super) fn is_class_list(path: &Path) -> bool {
    #[cfg(feature = "yolo")]
    return labelkit_yolo::is_class_list(path);
    #[cfg(not(feature = "yolo"))]
    {
        let _ = path;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_groups_label_files_and_skips_prose() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("labels/train")).unwrap();
        std::fs::write(root.join("data.yaml"), "names: [person]\n").unwrap();
        std::fs::write(root.join("labels/train/a.txt"), "0 0.5 0.5 0.2 0.2\n").unwrap();
        std::fs::write(root.join("labels/train/b.txt"), "").unwrap();
        std::fs::write(root.join("README.txt"), "This is a dataset.\n").unwrap();
        let paths = [
            root.join("labels/train/b.txt"),
            root.join("README.txt"),
            root.join("data.yaml"),
            root.join("labels/train/a.txt"),
        ];
        let targets = plan(&paths, None, true).unwrap();
        assert_eq!(targets.len(), 3, "{targets:?}");
        assert!(matches!(&targets[0], Target::Skip { path, .. } if path.ends_with("README.txt")));
        assert!(matches!(
            &targets[1],
            Target::Description {
                format: Format::YoloUltralytics,
                ..
            }
        ));
        let Target::LabelFiles { root: r, files, .. } = &targets[2] else {
            panic!("{targets:?}");
        };
        assert_eq!(r, &std::path::absolute(root).unwrap());
        assert_eq!(
            files,
            &[
                root.join("labels/train/a.txt"),
                root.join("labels/train/b.txt")
            ]
        );
        // Without skipping, the README is an error naming why.
        let err = plan(&paths, None, false).unwrap_err();
        assert!(matches!(err, CheckError::NotAnnotation(_)), "{err:?}");
    }
}
