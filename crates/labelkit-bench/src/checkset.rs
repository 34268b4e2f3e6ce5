//! The dataset the rule benchmark checks.
//!
//! A review on every commit runs over a dataset that is almost always clean,
//! so the check benchmark uses a clean one: the people of
//! `labelkit_testkit::people` (a body with its generation and gender
//! companions, a head with its direction, a face with its parts, hands and
//! feet, 17 named keypoints), three to an image, which the whole-body preset
//! finds nothing wrong with once the minimum label count is lowered to 1.
//! The cost measured is then the cost of the rules, not of rendering
//! hundreds of thousands of findings.

use labelkit_model::Dataset;
use labelkit_testkit::people;

/// People per image: 3 people of 19 annotations each stay within the
/// 60 objects per image of the generated datasets.
pub const PEOPLE_PER_IMAGE: usize = 3;

/// A clean person dataset of `images` 640x480 images.
#[must_use]
pub fn clean_dataset(images: usize, seed: u64) -> Dataset {
    let mut dataset = people::person_dataset(images, PEOPLE_PER_IMAGE, seed);
    for image in &mut dataset.images {
        let stem = std::path::Path::new(&image.file_name)
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        image.file_name = format!("images/train/{stem}.png");
        image.subset = Some("train".to_owned());
    }
    dataset
}

/// The `labelkit.toml` the clean dataset passes: the whole-body preset with
/// the minimum label count lowered to 1, built as a TOML table
/// ([`people::person_config_toml`]).
#[must_use]
pub fn clean_config() -> String {
    people::person_config_toml()
}

#[cfg(test)]
mod tests {
    use super::*;
    use labelkit::rules::{Checker, Config, Registry, Selection};

    #[test]
    fn the_check_set_is_clean_under_its_config() {
        let dataset = clean_dataset(12, 3);
        assert_eq!(dataset.images.len(), 12);
        assert!(dataset.images[0].file_name.starts_with("images/train/"));
        let config = Config::from_toml_str(&clean_config(), "labelkit.toml").unwrap();
        let registry = Registry::builtin();
        let checker = Checker::new(&registry, &config, Selection::from_config(&config));
        let findings = checker.check(&people::loaded(dataset));
        assert!(findings.is_empty(), "{findings:#?}");
    }
}
