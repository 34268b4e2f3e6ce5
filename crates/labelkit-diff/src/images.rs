//! Image matching: by stem, by path where a stem is ambiguous, by frame
//! number for two videos.

use std::collections::HashMap;

use labelkit_model::Dataset;

/// The pairs of image positions, in the order of the diff: the new side's
/// images (with their old counterpart, if any), then the old side's images
/// that have none.
pub(crate) struct ImagePairs {
    /// The key of each old image.
    pub(crate) old_keys: Vec<String>,
    /// The key of each new image.
    pub(crate) new_keys: Vec<String>,
    /// `(old position, new position)`.
    pub(crate) pairs: Vec<(Option<usize>, Option<usize>)>,
    pub(crate) notes: Vec<String>,
}

impl ImagePairs {
    /// The key of a pair: the new image's, else the old one's.
    pub(crate) fn key(&self, o: Option<usize>, n: Option<usize>) -> &str {
        n.and_then(|j| self.new_keys.get(j))
            .or_else(|| o.and_then(|i| self.old_keys.get(i)))
            .map_or("", String::as_str)
    }
}

/// Whether a dataset is the frames of a video: it states a video, or it
/// was read as CVAT for video.
fn is_video(d: &Dataset) -> bool {
    d.info.video.is_some() || d.info.source_format.as_deref() == Some("cvat-video")
}

/// `file_name` with `\` as `/`, without its last extension.
fn path_without_extension(file_name: &str) -> String {
    let path = file_name.replace('\\', "/");
    let name_start = path.rfind('/').map_or(0, |i| i + 1);
    match path[name_start..].rfind('.') {
        Some(dot) if dot > 0 => path[..name_start + dot].to_owned(),
        _ => path,
    }
}

/// The file name without folders and extension.
fn stem(file_name: &str) -> &str {
    let name = file_name
        .rfind(['/', '\\'])
        .map_or(file_name, |i| &file_name[i + 1..]);
    match name.rfind('.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    }
}

/// Matches the images of `old` and `new`.
pub(crate) fn match_images(old: &Dataset, new: &Dataset) -> ImagePairs {
    let mut notes = Vec::new();
    let (old_keys, new_keys) = if is_video(old) && is_video(new) {
        let frame_key = |d: &Dataset| -> Vec<String> {
            d.images
                .iter()
                .enumerate()
                .map(|(i, im)| match im.frame {
                    Some(f) => format!("frame {f}"),
                    None => format!("frame #{i}"),
                })
                .collect()
        };
        (frame_key(old), frame_key(new))
    } else {
        let old_stems: Vec<&str> = old.images.iter().map(|i| stem(&i.file_name)).collect();
        let new_stems: Vec<&str> = new.images.iter().map(|i| stem(&i.file_name)).collect();
        let mut count: HashMap<&str, (usize, usize)> =
            HashMap::with_capacity(old_stems.len().max(new_stems.len()));
        for s in &old_stems {
            count.entry(s).or_default().0 += 1;
        }
        for s in &new_stems {
            count.entry(s).or_default().1 += 1;
        }
        let mut ambiguous: Vec<(&str, usize)> = count
            .iter()
            .filter(|(_, &(o, n))| o > 1 || n > 1)
            .map(|(&s, &(o, n))| (s, o.max(n)))
            .collect();
        ambiguous.sort_unstable();
        for (s, n) in &ambiguous {
            notes.push(format!(
                "{n} images share the stem `{s}` on one side: matched by path"
            ));
        }
        let keys = |d: &Dataset, stems: &[&str]| -> Vec<String> {
            d.images
                .iter()
                .zip(stems)
                .map(|(im, &s)| {
                    let is_ambiguous = !ambiguous.is_empty()
                        && ambiguous.binary_search_by(|(a, _)| (*a).cmp(s)).is_ok();
                    if is_ambiguous {
                        path_without_extension(&im.file_name)
                    } else {
                        s.to_owned()
                    }
                })
                .collect()
        };
        (keys(old, &old_stems), keys(new, &new_stems))
    };
    let old_keys = unique(old_keys, "old", &mut notes);
    let new_keys = unique(new_keys, "new", &mut notes);
    let mut old_by_key: HashMap<&str, usize> = HashMap::with_capacity(old_keys.len());
    for (i, k) in old_keys.iter().enumerate() {
        old_by_key.insert(k, i);
    }
    let mut matched = vec![false; old_keys.len()];
    let mut pairs = Vec::with_capacity(new_keys.len().max(old_keys.len()));
    for (j, k) in new_keys.iter().enumerate() {
        let o = old_by_key.get(k.as_str()).copied();
        if let Some(o) = o {
            matched[o] = true;
        }
        pairs.push((o, Some(j)));
    }
    for (i, m) in matched.iter().enumerate() {
        if !m {
            pairs.push((Some(i), None));
        }
    }
    drop(old_by_key);
    ImagePairs {
        old_keys,
        new_keys,
        pairs,
        notes,
    }
}

/// Makes the keys of one side unique: a key seen before gets `#2`, `#3`...
/// in order (the same file listed twice), with a note.
fn unique(mut keys: Vec<String>, side: &str, notes: &mut Vec<String>) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
    let mut renamed: Vec<(usize, String)> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let n = seen.entry(k.as_str()).or_insert(0);
        *n += 1;
        if *n > 1 {
            renamed.push((i, format!("{k}#{n}")));
        }
    }
    drop(seen);
    if !renamed.is_empty() {
        notes.push(format!(
            "{} images of the {side} side repeat the path of an earlier one: matched in order as `PATH#2`, `PATH#3`...",
            renamed.len()
        ));
    }
    for (i, k) in renamed {
        keys[i] = k;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_ignore_folders_and_the_last_extension() {
        assert_eq!(stem("images/train/img1.jpg"), "img1");
        assert_eq!(stem("a\\b\\img1.tar.png"), "img1.tar");
        assert_eq!(stem(".hidden"), ".hidden");
        assert_eq!(path_without_extension("images/x.y/img"), "images/x.y/img");
        assert_eq!(path_without_extension("images/x/img.png"), "images/x/img");
    }
}
