//! The generated clean dataset gets no finding at all.

use labelkit_testkit::people;

use crate::support::{check, summary};

#[test]
fn clean_generated_people_have_no_findings() {
    let loaded = people::loaded(people::person_dataset(12, 3, 42));
    assert_eq!(loaded.dataset.annotations.len(), 12 * 3 * 19);
    let found = check(&loaded, &people::person_config());
    assert_eq!(summary(&found, &loaded.sources), Vec::<String>::new());
}

#[test]
fn clean_for_every_layout_and_seed() {
    let config = people::person_config();
    for persons in 1..=4 {
        for seed in [0, 7, 99] {
            let loaded = people::loaded(people::person_dataset(9, persons, seed));
            let found = check(&loaded, &config);
            assert_eq!(
                summary(&found, &loaded.sources),
                Vec::<String>::new(),
                "{persons} persons, seed {seed}"
            );
        }
    }
}
