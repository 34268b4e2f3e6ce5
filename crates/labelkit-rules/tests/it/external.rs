//! External rules (plugins) through the registry and the checker.

use std::sync::Mutex;

use labelkit_diagnostics::Severity;
use labelkit_model::{Annotation, AnnotationId, Dataset, Image, ImageId};
use labelkit_rules::{
    Checker, Config, ExternalFinding, ExternalRules, Registry, RegistryError, RuleMeta, RuleStatus,
    Selection,
};
use labelkit_testkit::people;

use crate::support::{concise, full, summary};

struct Plugin {
    prefix: &'static str,
    codes: Vec<(&'static str, &'static str)>,
    fail: bool,
    seen_option: Mutex<Option<String>>,
}

impl Plugin {
    fn new(prefix: &'static str, codes: &[(&'static str, &'static str)]) -> Self {
        Self {
            prefix,
            codes: codes.to_vec(),
            fail: false,
            seen_option: Mutex::new(None),
        }
    }
}

impl ExternalRules for Plugin {
    fn name(&self) -> String {
        "noise".to_owned()
    }
    fn prefix(&self) -> String {
        self.prefix.to_owned()
    }
    fn metas(&self) -> Vec<RuleMeta> {
        self.codes
            .iter()
            .map(|(code, name)| {
                RuleMeta::new(
                    *code,
                    *name,
                    "noise",
                    Severity::Warning,
                    RuleStatus::Stable,
                    "# doc",
                )
            })
            .collect()
    }
    fn begin(&self, _dataset: &Dataset, options: &toml::Value) -> Result<(), String> {
        if self.fail {
            return Err("option `pairs` must be a table".to_owned());
        }
        let mode = options
            .get("mode")
            .and_then(toml::Value::as_str)
            .map(str::to_owned);
        *self.seen_option.lock().unwrap() = mode;
        Ok(())
    }
    fn check_image(
        &self,
        _dataset: &Dataset,
        image: &Image,
        annotations: &[&Annotation],
    ) -> Vec<ExternalFinding> {
        if image.id.0 != 2 {
            return Vec::new();
        }
        let first = annotations[0];
        vec![
            ExternalFinding {
                annotation: Some(first.id),
                image: Some(image.id),
                help: Some("copy the labels of the original".to_owned()),
                ..ExternalFinding::new("X001", "copy differs from its original")
            },
            ExternalFinding {
                severity: Some(Severity::Error),
                image: Some(image.id),
                ..ExternalFinding::new("X002", "copy has no original")
            },
        ]
    }
    fn finish(&self, _dataset: &Dataset) -> Vec<ExternalFinding> {
        vec![
            ExternalFinding {
                image: Some(ImageId(77)),
                annotation: Some(AnnotationId(888)),
                ..ExternalFinding::new("X001", "about ids that do not exist")
            },
            ExternalFinding::new("X9", "undeclared code"),
        ]
    }
}

#[test]
fn plugin_findings_are_mapped_to_positions() {
    let mut registry = Registry::builtin();
    registry
        .add_external(Box::new(Plugin::new(
            "X",
            &[("X001", "copy-differs"), ("X002", "copy-orphan")],
        )))
        .unwrap();
    assert_eq!(registry.get("X001").unwrap().name, "copy-differs");
    assert_eq!(registry.external_names().collect::<Vec<_>>(), ["noise"]);
    let loaded = people::loaded(people::person_dataset(8, 1, 3));
    let config = Config::from_toml_str(
        "select = [\"X\", \"L\"]\n[plugins.noise]\nmode = \"strict\"\n",
        "labelkit.toml",
    )
    .unwrap();
    let found = Checker::new(&registry, &config, Selection::from_config(&config)).check(&loaded);
    let s = summary(&found, &loaded.sources);
    assert_eq!(s.len(), 4, "{s:#?}");
    // Sorted by file position: the dataset-level ones (no position) first.
    assert_eq!(
        s,
        [
            "people.txt: L001 error [image None annotation None] plugin `noise` reported code `X9`, which it did not declare: undeclared code",
            "people.txt: X001 warning [image Some(77) annotation Some(888)] about ids that do not exist",
            "people.txt:45:1: X002 error [image Some(2) annotation None] copy has no original",
            "people.txt:46:3: X001 warning [image Some(2) annotation Some(20)] copy differs from its original",
        ]
    );
    insta::assert_snapshot!(
        "X001",
        format!(
            "{}\n--- concise ---\n{}\n--- full ---\n{}",
            s.join("\n"),
            concise(&found, &loaded.sources),
            full(&found, &loaded.sources)
        )
    );
}

#[test]
fn a_failing_plugin_becomes_l001_and_the_rest_runs() {
    let mut registry = Registry::builtin();
    let mut plugin = Plugin::new("X", &[("X001", "copy-differs")]);
    plugin.fail = true;
    registry.add_external(Box::new(plugin)).unwrap();
    let mut d = people::person_dataset(8, 1, 3);
    if let labelkit_model::Geometry::Box(b) = &mut d.annotations[6].geometry {
        b.x_max = b.x_min + 2.5;
    }
    let loaded = people::loaded(d);
    let config =
        Config::from_toml_str("select = [\"X\", \"L\", \"G001\"]", "labelkit.toml").unwrap();
    let found = Checker::new(&registry, &config, Selection::from_config(&config)).check(&loaded);
    let s = summary(&found, &loaded.sources);
    assert_eq!(s.len(), 2, "{s:#?}");
    assert_eq!(s[0], "people.txt: L001 error [image None annotation None] plugin `noise` failed to start: option `pairs` must be a table");
    assert!(
        s[1].contains("G001 error [image Some(1) annotation Some(7)]"),
        "{}",
        s[1]
    );
    insta::assert_snapshot!(
        "L001",
        format!(
            "{}\n--- concise ---\n{}\n--- full ---\n{}",
            s.join("\n"),
            concise(&found, &loaded.sources),
            full(&found, &loaded.sources)
        )
    );
}

#[test]
fn unselected_plugins_do_not_run() {
    let mut registry = Registry::builtin();
    let mut plugin = Plugin::new("X", &[("X001", "copy-differs")]);
    plugin.fail = true;
    registry.add_external(Box::new(plugin)).unwrap();
    let loaded = people::loaded(people::person_dataset(8, 1, 3));
    let config = Config::from_toml_str("select = [\"G\"]", "labelkit.toml").unwrap();
    let found = Checker::new(&registry, &config, Selection::from_config(&config)).check(&loaded);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn registry_refuses_bad_prefixes_codes_and_names() {
    let mut registry = Registry::builtin();
    let err = registry
        .add_external(Box::new(Plugin::new("AUG", &[("AUG001", "a")])))
        .unwrap_err();
    assert!(matches!(err, RegistryError::InvalidPrefix { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "plugin `noise`: code prefix `AUG` is invalid: codes starting with F, G, A, K, D or L are reserved for built-in rules"
    );
    for prefix in ["", "x", "X1"] {
        let err = registry
            .add_external(Box::new(Plugin::new(prefix, &[])))
            .unwrap_err();
        assert!(matches!(err, RegistryError::InvalidPrefix { .. }), "{err}");
    }
    let err = registry
        .add_external(Box::new(Plugin::new("X", &[("Y001", "a")])))
        .unwrap_err();
    assert!(matches!(err, RegistryError::InvalidCode { .. }), "{err}");
    let err = registry
        .add_external(Box::new(Plugin::new("X", &[("X1", "a"), ("X1", "b")])))
        .unwrap_err();
    assert!(matches!(err, RegistryError::InvalidCode { .. }), "{err}");
    let err = registry
        .add_external(Box::new(Plugin::new("X", &[("X1", "box-too-small")])))
        .unwrap_err();
    assert!(matches!(err, RegistryError::InvalidName { .. }), "{err}");
    let err = registry
        .add_external(Box::new(Plugin::new("X", &[("X1", "Not_Kebab")])))
        .unwrap_err();
    assert!(matches!(err, RegistryError::InvalidName { .. }), "{err}");
    registry
        .add_external(Box::new(Plugin::new("X", &[("X1", "fine")])))
        .unwrap();
    let err = registry
        .add_external(Box::new(Plugin::new("XY", &[("XY1", "other")])))
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::PrefixCollision { .. }),
        "{err}"
    );
    assert_eq!(
        registry.rules().filter(|m| m.code.starts_with('X')).count(),
        1
    );
}
