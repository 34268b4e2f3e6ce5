//! Label maps: rename, merge, drop and reorder the labels of a dataset on
//! its way to another format.
//!
//! A label map is a text file of `old = new` lines:
//!
//! ```text
//! # comments and blank lines are ignored
//! person     = person     # keep, and put first
//! pedestrian = person     # rename; two labels with one new name merge
//! car        = vehicle
//! truck      = vehicle
//! dontcare   = -          # drop the label and its annotations
//! ```
//!
//! The labels come out in the order their new names first appear in the
//! file, followed by the labels the file does not mention, in their own
//! order; for YOLO that order is the class ids. A name in the file that the
//! dataset does not have is an error: a typo must not silently do nothing.
//! Dropped annotations and tracks are counted in the conversion's report.

use std::collections::HashMap;
use std::path::Path;

use labelkit_diagnostics::ParseError;
use labelkit_model::{Dataset, LabelId, LabelSet, WriteReport};

/// What the report calls annotations dropped by a label map.
pub const DROPPED_BY_LABEL_MAP: &str = "annotations dropped by the label map";

/// A parsed label map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMap {
    /// The file it was read from, for messages.
    path: std::path::PathBuf,
    /// `(old, new)` pairs in file order; `new == None` drops the label.
    entries: Vec<(String, Option<String>)>,
    /// The 1-based line of each entry, for messages.
    lines: Vec<u32>,
}

impl LabelMap {
    /// Parses a label map; `path` names the file in error messages.
    ///
    /// # Errors
    /// A line that is not `old = new` or `old = -`, or a label mapped twice,
    /// with its line and column.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ParseError> {
        let mut map = Self {
            path: path.to_path_buf(),
            ..Self::default()
        };
        for (n, raw) in text.lines().enumerate() {
            // Past 2^32 - 1 lines the line is unknown (0), not a wrong one.
            let line = u32::try_from(n + 1).unwrap_or(0);
            let content = raw.split('#').next().unwrap_or_default();
            if content.trim().is_empty() {
                continue;
            }
            let Some((old, new)) = content.split_once('=') else {
                let column = column_of(raw, content.trim());
                return Err(ParseError::at_line_col(
                    path,
                    line,
                    column,
                    format!(
                        "expected `old = new` or `old = -`, found {:?}",
                        content.trim()
                    ),
                ));
            };
            let (old, new) = (old.trim(), new.trim());
            if old.is_empty() || new.is_empty() {
                return Err(ParseError::at_line_col(
                    path,
                    line,
                    1,
                    "expected a label name on each side of `=`",
                ));
            }
            if map.entries.iter().any(|(o, _)| o == old) {
                return Err(ParseError::at_line_col(
                    path,
                    line,
                    column_of(raw, old),
                    format!("label `{old}` is mapped twice"),
                ));
            }
            let new = (new != "-").then(|| new.to_owned());
            map.entries.push((old.to_owned(), new));
            map.lines.push(line);
        }
        Ok(map)
    }

    /// The file the map was read from.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies the map to `dataset`: the new dataset, with dropped
    /// annotations and tracks counted in `report`.
    ///
    /// # Errors
    /// [`crate::Error::UnknownLabel`] for the first name of the map that is
    /// no top-level label of the dataset.
    pub fn apply(
        &self,
        dataset: &Dataset,
        report: &mut WriteReport,
    ) -> Result<Dataset, crate::Error> {
        let labels = &dataset.labels;
        for ((old, _), &line) in self.entries.iter().zip(&self.lines) {
            if labels.find(old).is_none() {
                return Err(crate::Error::UnknownLabel {
                    path: self.path.clone(),
                    line,
                    name: old.clone(),
                });
            }
        }
        let target: HashMap<&str, Option<&str>> = self
            .entries
            .iter()
            .map(|(o, n)| (o.as_str(), n.as_deref()))
            .collect();
        // New names, in the order of the file, then the unmentioned labels.
        let mut order: Vec<String> = Vec::new();
        for (_, new) in &self.entries {
            if let Some(new) = new {
                if !order.contains(new) {
                    order.push(new.clone());
                }
            }
        }
        for (_, label) in labels.iter().filter(|(_, l)| l.parent.is_none()) {
            if !target.contains_key(label.name.as_str()) && !order.contains(&label.name) {
                order.push(label.name.clone());
            }
        }
        let new_name = |id: LabelId| -> Option<String> {
            let label = labels.get(id)?;
            match target.get(label.name.as_str()) {
                Some(Some(new)) => Some((*new).to_owned()),
                Some(None) => None,
                None => Some(label.name.clone()),
            }
        };
        let mut out_labels = LabelSet::new();
        let mut remap: HashMap<LabelId, LabelId> = HashMap::new();
        for name in &order {
            // The first label that becomes `name` gives its declaration.
            let sources: Vec<LabelId> = labels
                .iter()
                .filter(|(id, l)| l.parent.is_none() && new_name(*id).as_deref() == Some(name))
                .map(|(id, _)| id)
                .collect();
            let Some(&first) = sources.first() else {
                continue;
            };
            let mut label = labels.get(first).cloned().unwrap_or_default();
            label.name.clone_from(name);
            let new_id = out_labels.push(label);
            for id in sources {
                remap.insert(id, new_id);
            }
        }
        // Skeleton elements follow their parent.
        for (id, label) in labels.iter() {
            let Some(parent) = label.parent else { continue };
            if let Some(&new_parent) = remap.get(&parent) {
                if out_labels.find_child(new_parent, &label.name).is_none() {
                    let mut element = label.clone();
                    element.parent = Some(new_parent);
                    let new_id = out_labels.push(element);
                    remap.insert(id, new_id);
                } else if let Some(existing) = out_labels.find_child(new_parent, &label.name) {
                    remap.insert(id, existing);
                }
            }
        }
        let mut out = Dataset {
            info: dataset.info.clone(),
            labels: out_labels,
            images: dataset.images.clone(),
            annotations: Vec::with_capacity(dataset.annotations.len()),
            tracks: Vec::new(),
        };
        let mut dropped = 0u64;
        for ann in &dataset.annotations {
            match remap.get(&ann.label) {
                Some(&label) => {
                    let mut ann = ann.clone();
                    ann.label = label;
                    out.annotations.push(ann);
                }
                None => dropped += 1,
            }
        }
        for track in &dataset.tracks {
            match remap.get(&track.label) {
                Some(&label) => {
                    let mut track = track.clone();
                    track.label = label;
                    for element in &mut track.elements {
                        if let Some(&l) = remap.get(&element.label) {
                            element.label = l;
                        }
                    }
                    out.tracks.push(track);
                }
                None => report.lose("tracks dropped by the label map", 1),
            }
        }
        report.lose(DROPPED_BY_LABEL_MAP, dropped);
        Ok(out)
    }
}

/// The 1-based character column of `part` inside `line`.
fn column_of(line: &str, part: &str) -> u32 {
    let byte = line.find(part).unwrap_or(0);
    // Past 2^32 - 1 characters the column is unknown (0), not a wrong one.
    u32::try_from(line[..byte].chars().count() + 1).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use labelkit_model::{Annotation, AnnotationId, BoxGeom, Geometry, ImageId, Label};

    fn dataset() -> Dataset {
        let mut d = Dataset::new();
        for name in ["car", "pedestrian", "truck", "person", "dontcare", "sign"] {
            d.labels.push(Label::new(name));
        }
        for (i, label) in [0u32, 1, 2, 3, 4, 5, 4].into_iter().enumerate() {
            d.annotations.push(Annotation::new(
                AnnotationId(i as u64 + 1),
                ImageId(1),
                LabelId(label),
                Geometry::Box(BoxGeom::from_xyxy(0.0, 0.0, 5.0, 5.0)),
            ));
        }
        d
    }

    #[test]
    fn renames_merges_drops_and_orders() {
        let text = "# people first\nperson = person\npedestrian = person\ncar = vehicle\ntruck = vehicle  # merged\ndontcare = -\n";
        let map = LabelMap::parse(text, Path::new("map.txt")).unwrap();
        let mut report = WriteReport::new();
        let out = map.apply(&dataset(), &mut report).unwrap();
        let names: Vec<&str> = out.labels.labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["person", "vehicle", "sign"]);
        let labels: Vec<(u64, u32)> = out
            .annotations
            .iter()
            .map(|a| (a.id.0, a.label.0))
            .collect();
        // car -> vehicle (1), pedestrian -> person (0), truck -> vehicle,
        // person -> person, dontcare dropped twice, sign stays (2).
        assert_eq!(labels, [(1, 1), (2, 0), (3, 1), (4, 0), (6, 2)]);
        assert_eq!(report.count(DROPPED_BY_LABEL_MAP), 2);
    }

    #[test]
    fn mistakes_are_named_with_their_line() {
        let err = LabelMap::parse("car = vehicle\n  bus\n", Path::new("map.txt")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "map.txt:2:3: expected `old = new` or `old = -`, found \"bus\""
        );
        let err = LabelMap::parse("car = a\n car = b\n", Path::new("map.txt")).unwrap_err();
        assert_eq!(err.to_string(), "map.txt:2:2: label `car` is mapped twice");
        let map = LabelMap::parse("\n\nbicycle = vehicle\n", Path::new("map.txt")).unwrap();
        let err = map.apply(&dataset(), &mut WriteReport::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "map.txt:3: the label map names `bicycle`, which the dataset does not declare"
        );
    }
}
