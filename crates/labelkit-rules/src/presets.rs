//! Built-in configurations for `labelkit init --preset NAME`.

/// The names of the presets.
pub const PRESET_NAMES: [&str; 2] = ["coco-person", "whole-body"];

const COCO_PERSON: &str = r#"# labelkit.toml: COCO person keypoints (17 points).
# Rule selection: every stable rule; narrow with `select`, `ignore`.
# select = ["F", "G", "A", "K", "D"]
# ignore = []

# The 17 COCO person keypoints, in COCO's order, with COCO's skeleton and
# left/right pairs.
[keypoints.person]
preset = "coco-person"

[rules.box-too-small]
min-width = 3.0
min-height = 3.0

[rules.too-few-labels]
min-count = 3000
"#;

const WHOLE_BODY: &str = r#"# labelkit.toml: whole-body person classes.
# Classes: body, adult, child, male, female, body_with_wheelchair,
# body_with_crutches, head, the eight head directions (front, right-front,
# right-side, right-back, back, left-back, left-side, left-front), face,
# eye, nose, mouth, ear, hand, hand_left, hand_right, foot, shoulder, elbow,
# knee.
# select = ["F", "G", "A", "K", "D"]
# ignore = []

[schema]
# Pixels a part may stick out of its parent.
part-tolerance = 2.0
# IoU at which a companion box labels the same object...
companion-iou = 0.9
# ...or the pixels within which each of its edges lies (tiny boxes).
companion-edge-tolerance = 1.5

# Parts live inside their parents: eye in face in head in body.
[schema.parts]
eye = "face"
nose = "face"
mouth = "face"
ear = ["face", "head"]
face = "head"
head = ["body", "body_with_wheelchair", "body_with_crutches"]
hand = ["body", "body_with_wheelchair", "body_with_crutches"]
hand_left = ["body", "body_with_wheelchair", "body_with_crutches"]
hand_right = ["body", "body_with_wheelchair", "body_with_crutches"]
foot = ["body", "body_with_wheelchair", "body_with_crutches"]
shoulder = ["body", "body_with_wheelchair", "body_with_crutches"]
elbow = ["body", "body_with_wheelchair", "body_with_crutches"]
knee = ["body", "body_with_wheelchair", "body_with_crutches"]

# The most parts of a label inside one parent.
[schema.max-parts]
face = { eye = 2, nose = 1, mouth = 1 }
head = { ear = 2, face = 1 }
body = { head = 1, hand = 2, foot = 2, shoulder = 2, elbow = 2, knee = 2 }
body_with_wheelchair = { head = 1, hand = 2, foot = 2, shoulder = 2, elbow = 2, knee = 2 }
body_with_crutches = { head = 1, hand = 2, foot = 2, shoulder = 2, elbow = 2, knee = 2 }

# A body carries at most one generation and at most one gender: only what
# a person can tell is labelled, and age and gender often cannot be told,
# so a body without them is fine (two of one group stay an error). Set
# `required = "info"` to list the bodies still without one.
[[schema.companions]]
object = "body"
one-of = ["adult", "child"]
required = false

[[schema.companions]]
object = "body"
one-of = ["male", "female"]
required = false

# Every head carries exactly one of the eight directions.
[[schema.companions]]
object = "head"
one-of = ["front", "right-front", "right-side", "right-back", "back", "left-back", "left-side", "left-front"]

# Every hand is a left or a right hand.
[[schema.companions]]
object = "hand"
one-of = ["hand_left", "hand_right"]

[rules.box-too-small]
min-width = 3.0
min-height = 3.0

[rules.still-ambiguous]
attributes = ["ambiguous"]
min-confidence = 0.5

[rules.too-few-labels]
min-count = 3000
"#;

/// The text of a built-in `labelkit.toml`: `coco-person` or `whole-body`.
#[must_use]
pub fn preset_toml(name: &str) -> Option<&'static str> {
    match name {
        "coco-person" => Some(COCO_PERSON),
        "whole-body" => Some(WHOLE_BODY),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    #[test]
    fn presets_parse() {
        for name in PRESET_NAMES {
            let text = preset_toml(name).unwrap();
            let config = Config::from_toml_str(text, "labelkit.toml").unwrap();
            if name == "whole-body" {
                assert_eq!(config.schema.companions.len(), 4);
                assert_eq!(config.schema.companions[2].one_of.len(), 8);
                assert_eq!(config.schema.parts.len(), 13);
                assert_eq!(config.schema.companions[0].required, None);
                assert_eq!(config.schema.companions[1].required, None);
                assert!(config.schema.companions[2].required.is_some());
                assert_eq!(config.schema.max_parts.len(), 5 + 18);
            } else {
                assert_eq!(config.keypoints[0].1.len(), 17);
            }
        }
        assert!(preset_toml("nope").is_none());
    }
}
