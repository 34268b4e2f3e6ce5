//! Configuration discovery, per-file ignores, baselines and speed.

use std::path::PathBuf;

use labelkit_diagnostics::{ByteSpan, FileId, ReadIssue, Severity};
use labelkit_model::Geometry;
use labelkit_rules::{Baseline, Checker, Config, Registry, Selection, SelectionOverrides};
use labelkit_testkit::people;

use crate::support::check;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("labelkit-rules-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A generated dataset with two too-small eyes (annotations 7 and 26).
fn with_small_eyes() -> labelkit_diagnostics::Loaded {
    let mut d = people::person_dataset(8, 1, 3);
    for pos in [6, 25] {
        if let Geometry::Box(b) = &mut d.annotations[pos].geometry {
            b.x_max = b.x_min + 2.0;
        }
    }
    people::loaded(d)
}

#[test]
fn config_is_found_by_walking_up() {
    let root = temp_dir("discover");
    let nested = root.join("data/labels/train");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(root.join("labelkit.toml"), "select = [\"G\"]\n").unwrap();
    std::fs::write(nested.join("a.txt"), "0 0.5 0.5 0.1 0.1\n").unwrap();
    let (path, config) = Config::discover(&nested.join("a.txt"))
        .unwrap()
        .expect("found");
    assert_eq!(
        path,
        std::path::absolute(root.join("labelkit.toml")).unwrap()
    );
    assert_eq!(config.select, Some(vec!["G".to_owned()]));
    std::fs::write(root.join("labelkit.toml"), "select = 3\n").unwrap();
    let err = Config::discover(&nested).unwrap_err();
    assert!(err.to_string().contains("labelkit.toml:1:10"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn per_file_ignores_and_severity_overrides_apply() {
    let loaded = with_small_eyes();
    let config = Config::from_toml_str(
        "select = [\"G001\"]\n[per-file-ignores]\n\"people.txt\" = [\"G\"]\n",
        "labelkit.toml",
    )
    .unwrap();
    assert!(check(&loaded, &config).is_empty());
    let config = Config::from_toml_str(
        "select = [\"G001\"]\n[per-file-ignores]\n\"other/*.txt\" = [\"G\"]\n[severity]\nG = \"info\"\n",
        "labelkit.toml",
    )
    .unwrap();
    let found = check(&loaded, &config);
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|d| d.severity == Severity::Info));
    let overrides = SelectionOverrides {
        severity: vec![("G001".to_owned(), Severity::Warning)],
        ..SelectionOverrides::default()
    };
    let registry = Registry::builtin();
    let found = Checker::new(
        &registry,
        &config,
        Selection::with_overrides(&config, &overrides),
    )
    .check(&loaded);
    assert!(found.iter().all(|d| d.severity == Severity::Warning));
}

#[test]
fn baseline_accepts_known_findings_and_keeps_new_ones() {
    let mut loaded = with_small_eyes();
    loaded
        .issues
        .push(ReadIssue::WrongValueCount.at(FileId(0), ByteSpan::new(0, 3), "short row"));
    let config = Config::from_toml_str("select = [\"G001\", \"F\"]", "labelkit.toml").unwrap();
    let found = check(&loaded, &config);
    assert_eq!(found.len(), 3);
    let baseline = Baseline::from_diagnostics(&found, &loaded.sources);
    let json = baseline.to_json();
    assert!(json.contains("\"code\": \"G001\""), "{json}");
    assert!(json.contains("\"annotation\": 7"), "{json}");
    assert!(json.contains("\"fingerprint\""), "{json}");
    let dir = temp_dir("baseline");
    let path = dir.join("labelkit-baseline.json");
    baseline.save(&path).unwrap();
    let back = Baseline::load(&path).unwrap();
    assert_eq!(back, baseline);
    assert!(back.filter(found.clone(), &loaded.sources).is_empty());
    // A new mistake is still reported; the old ones stay accepted.
    let mut d = loaded.dataset.clone();
    if let Geometry::Box(b) = &mut d.annotations[44].geometry {
        b.y_max = b.y_min + 1.0;
    }
    let mut again = people::loaded(d);
    again.issues = loaded.issues.clone();
    let now = back.filter(check(&again, &config), &again.sources);
    assert_eq!(now.len(), 1, "{now:#?}");
    assert_eq!(now[0].annotation, Some(45));
    let err = Baseline::from_json("{\"version\": 9, \"findings\": []}", &path).unwrap_err();
    assert!(
        err.to_string().contains("version 9 is not supported"),
        "{err}"
    );
    let err = Baseline::from_json("{\"version\": 1,\n \"findings\": [{}]}", &path).unwrap_err();
    assert!(err.to_string().contains(":2:"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn output_is_deterministic() {
    let loaded = with_small_eyes();
    let config = people::person_config();
    let first = check(&loaded, &config);
    for _ in 0..5 {
        assert_eq!(check(&loaded, &config), first);
    }
}
