//! The formats labelkit reads and writes, their names, and what each can hold.

use std::fmt;
use std::str::FromStr;

/// An annotation format.
///
/// Names and aliases accepted by [`FromStr`] (case-insensitive):
/// `cvat` and `cvat-images` (CVAT for images 1.1), `cvat-video` (CVAT for
/// video 1.1), `coco`, `yolo` and `ultralytics` (Ultralytics YOLO with a
/// `data.yaml`), `darknet` (CVAT's "YOLO 1.1": `obj.data`, `obj.names`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// CVAT for images 1.1: one XML file, shapes per `<image>`.
    CvatImages,
    /// CVAT for video 1.1: one XML file, `<track>`s over frames.
    CvatVideo,
    /// COCO JSON (instances, person keypoints, or a results list).
    Coco,
    /// Ultralytics YOLO: `data.yaml`, `images/` and `labels/` folders.
    YoloUltralytics,
    /// Darknet YOLO as CVAT exports it ("YOLO 1.1"): `obj.data`, `obj.names`.
    YoloDarknet,
}

impl Format {
    /// Every format, in display order.
    pub const ALL: [Format; 5] = [
        Self::CvatImages,
        Self::CvatVideo,
        Self::Coco,
        Self::YoloUltralytics,
        Self::YoloDarknet,
    ];

    /// The canonical name (`cvat-images`, `cvat-video`, `coco`, `yolo`,
    /// `darknet`), accepted back by [`FromStr`].
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::CvatImages => "cvat-images",
            Self::CvatVideo => "cvat-video",
            Self::Coco => "coco",
            Self::YoloUltralytics => "yolo",
            Self::YoloDarknet => "darknet",
        }
    }

    /// Other names accepted for this format.
    #[must_use]
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::CvatImages => &["cvat"],
            Self::CvatVideo => &[],
            Self::Coco => &[],
            Self::YoloUltralytics => &["ultralytics"],
            Self::YoloDarknet => &[],
        }
    }

    /// A one-line description.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Self::CvatImages => "CVAT for images 1.1 (one XML file)",
            Self::CvatVideo => "CVAT for video 1.1 (one XML file with tracks)",
            Self::Coco => "COCO JSON (instances, keypoints, results)",
            Self::YoloUltralytics => "Ultralytics YOLO (data.yaml, images/, labels/)",
            Self::YoloDarknet => "Darknet YOLO 1.1 (obj.data, obj.names, obj_<subset>_data/)",
        }
    }

    /// Whether the output of this format is a folder (YOLO) rather than a
    /// single file (CVAT, COCO).
    #[must_use]
    pub fn writes_folder(self) -> bool {
        matches!(self, Self::YoloUltralytics | Self::YoloDarknet)
    }

    /// Whether the format can hold video tracks.
    #[must_use]
    pub fn holds_tracks(self) -> bool {
        matches!(self, Self::CvatVideo)
    }

    /// Whether support for this format was compiled in (cargo features
    /// `coco`, `cvat`, `yolo`).
    #[must_use]
    pub fn is_enabled(self) -> bool {
        match self {
            Self::CvatImages | Self::CvatVideo => cfg!(feature = "cvat"),
            Self::Coco => cfg!(feature = "coco"),
            Self::YoloUltralytics | Self::YoloDarknet => cfg!(feature = "yolo"),
        }
    }

    /// What the format can hold, one row per feature of the model.
    #[must_use]
    pub fn capabilities(self) -> &'static [Capability] {
        match self {
            Self::CvatImages => CVAT_IMAGES,
            Self::CvatVideo => CVAT_VIDEO,
            Self::Coco => COCO,
            Self::YoloUltralytics => YOLO,
            Self::YoloDarknet => DARKNET,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format {0:?}: expected one of cvat, cvat-images, cvat-video, coco, yolo, ultralytics, darknet")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        Format::ALL
            .into_iter()
            .find(|f| f.name() == wanted || f.aliases().contains(&wanted.as_str()))
            .ok_or_else(|| UnknownFormat(text.to_owned()))
    }
}

/// How well a format holds one feature of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Support {
    /// Kept exactly.
    Yes,
    /// Kept with a limit, explained in the note.
    Partly,
    /// Not kept: a conversion into this format reports it as lost.
    No,
}

impl Support {
    /// `yes`, `partly` or `no`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::Partly => "partly",
            Self::No => "no",
        }
    }
}

impl fmt::Display for Support {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of a format's capability table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capability {
    /// The feature of the model (`boxes`, `rotated boxes`, `tracks`...).
    pub feature: &'static str,
    /// How the format holds it.
    pub support: Support,
    /// What "partly" means, or how the feature is stored.
    pub note: &'static str,
}

const fn cap(feature: &'static str, support: Support, note: &'static str) -> Capability {
    Capability {
        feature,
        support,
        note,
    }
}

/// The features listed for every format, in table order.
pub const FEATURES: [&str; 17] = [
    "boxes",
    "rotated boxes",
    "polygons",
    "polygons with holes or parts",
    "polylines",
    "points",
    "keypoints",
    "masks",
    "ellipses",
    "cuboids",
    "image tags",
    "attributes",
    "occluded flag",
    "z-order",
    "groups",
    "scores",
    "tracks",
];

use Support::{No, Partly, Yes};

const CVAT_IMAGES: &[Capability] = &[
    cap("boxes", Yes, "<box>"),
    cap("rotated boxes", Yes, "rotation attribute"),
    cap("polygons", Yes, "<polygon>"),
    cap(
        "polygons with holes or parts",
        Partly,
        "one <polygon> per ring, linked by group_id",
    ),
    cap("polylines", Yes, "<polyline>"),
    cap("points", Yes, "<points>"),
    cap("keypoints", Yes, "<skeleton> with one <points> per element"),
    cap("masks", Yes, "<mask rle> over a bounding window"),
    cap("ellipses", Yes, "<ellipse>"),
    cap("cuboids", Yes, "<cuboid>"),
    cap("image tags", Yes, "<tag>"),
    cap(
        "attributes",
        Yes,
        "<attribute> children, declared in <meta>",
    ),
    cap("occluded flag", Yes, "occluded"),
    cap("z-order", Yes, "z_order"),
    cap("groups", Yes, "group_id"),
    cap("scores", No, ""),
    cap("tracks", Partly, "split into per-frame shapes"),
];

const CVAT_VIDEO: &[Capability] = &[
    cap("boxes", Yes, "<box> in a <track>"),
    cap("rotated boxes", Yes, "rotation attribute"),
    cap("polygons", Yes, "<polygon> in a <track>"),
    cap(
        "polygons with holes or parts",
        Partly,
        "one track per ring, linked by group_id",
    ),
    cap("polylines", Yes, "<polyline> in a <track>"),
    cap("points", Yes, "<points> in a <track>"),
    cap("keypoints", Yes, "skeleton tracks with element tracks"),
    cap("masks", Yes, "<mask rle> in a <track>"),
    cap("ellipses", Yes, "<ellipse> in a <track>"),
    cap("cuboids", Yes, "<cuboid> in a <track>"),
    cap("image tags", Partly, "tags on frames"),
    cap("attributes", Yes, "repeated on every frame's shape"),
    cap("occluded flag", Yes, "occluded"),
    cap("z-order", Yes, "z_order"),
    cap("groups", Yes, "group_id"),
    cap("scores", No, ""),
    cap("tracks", Yes, "<track> with keyframe/outside states"),
];

const COCO: &[Capability] = &[
    cap("boxes", Yes, "bbox [x, y, w, h]"),
    cap("rotated boxes", No, "only axis-aligned bbox"),
    cap("polygons", Yes, "segmentation polygon list"),
    cap(
        "polygons with holes or parts",
        Partly,
        "several parts; holes only as RLE",
    ),
    cap("polylines", No, ""),
    cap("points", No, ""),
    cap(
        "keypoints",
        Yes,
        "keypoints [x, y, v]*, names and skeleton in categories",
    ),
    cap("masks", Yes, "RLE, compressed or not (iscrowd)"),
    cap("ellipses", No, ""),
    cap("cuboids", No, ""),
    cap("image tags", No, ""),
    cap("attributes", Partly, "non-standard \"attributes\" object"),
    cap(
        "occluded flag",
        Partly,
        "non-standard \"attributes\".occluded",
    ),
    cap("z-order", No, ""),
    cap(
        "groups",
        Yes,
        "one annotation holds bbox, segmentation and keypoints",
    ),
    cap("scores", Yes, "score (results files)"),
    cap("tracks", No, "expanded into per-frame annotations"),
];

const YOLO: &[Capability] = &[
    cap("boxes", Yes, "class cx cy w h, normalised (detect)"),
    cap("rotated boxes", Yes, "four corners (obb task)"),
    cap("polygons", Yes, "one ring per row (segment task)"),
    cap("polygons with holes or parts", No, "one ring per row"),
    cap("polylines", No, ""),
    cap("points", No, ""),
    cap(
        "keypoints",
        Partly,
        "one schema per dataset: kpt_shape, flip_idx (pose task)",
    ),
    cap("masks", No, ""),
    cap("ellipses", No, ""),
    cap("cuboids", No, ""),
    cap("image tags", No, ""),
    cap("attributes", No, ""),
    cap("occluded flag", No, ""),
    cap("z-order", No, ""),
    cap("groups", No, ""),
    cap("scores", No, ""),
    cap("tracks", No, "expanded into per-frame labels"),
];

const DARKNET: &[Capability] = &[
    cap("boxes", Yes, "class cx cy w h, normalised"),
    cap("rotated boxes", No, ""),
    cap("polygons", No, ""),
    cap("polygons with holes or parts", No, ""),
    cap("polylines", No, ""),
    cap("points", No, ""),
    cap("keypoints", No, ""),
    cap("masks", No, ""),
    cap("ellipses", No, ""),
    cap("cuboids", No, ""),
    cap("image tags", No, ""),
    cap("attributes", No, ""),
    cap("occluded flag", No, ""),
    cap("z-order", No, ""),
    cap("groups", No, ""),
    cap("scores", No, ""),
    cap("tracks", No, "expanded into per-frame labels"),
];

/// A description of one format, for `labelkit formats`.
#[derive(Debug, Clone, Copy)]
pub struct FormatInfo {
    /// The format.
    pub format: Format,
    /// Canonical name.
    pub name: &'static str,
    /// Other accepted names.
    pub aliases: &'static [&'static str],
    /// One line.
    pub description: &'static str,
    /// Whether support was compiled in.
    pub enabled: bool,
    /// What it holds, in the order of [`FEATURES`].
    pub capabilities: &'static [Capability],
}

/// The table of formats and what each can hold.
#[must_use]
pub fn formats() -> Vec<FormatInfo> {
    Format::ALL
        .into_iter()
        .map(|format| FormatInfo {
            format,
            name: format.name(),
            aliases: format.aliases(),
            description: format.description(),
            enabled: format.is_enabled(),
            capabilities: format.capabilities(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_parse() {
        let cases = [
            ("cvat", Format::CvatImages),
            ("cvat-images", Format::CvatImages),
            ("CVAT_Video", Format::CvatVideo),
            ("coco", Format::Coco),
            ("yolo", Format::YoloUltralytics),
            ("ultralytics", Format::YoloUltralytics),
            ("darknet", Format::YoloDarknet),
        ];
        for (text, format) in cases {
            assert_eq!(text.parse::<Format>(), Ok(format), "{text}");
        }
        for format in Format::ALL {
            assert_eq!(format.to_string().parse::<Format>(), Ok(format));
        }
        let err = "voc".parse::<Format>().unwrap_err();
        assert!(err.to_string().starts_with("unknown format \"voc\""));
    }

    #[test]
    fn every_format_lists_every_feature_in_order() {
        for info in formats() {
            let features: Vec<&str> = info.capabilities.iter().map(|c| c.feature).collect();
            assert_eq!(features, FEATURES, "{}", info.name);
        }
        let coco = Format::Coco.capabilities();
        assert_eq!(coco[1].support, Support::No, "coco cannot rotate boxes");
        assert_eq!(Format::CvatVideo.capabilities()[16].support, Support::Yes);
        assert!(Format::YoloDarknet.writes_folder());
        assert!(!Format::Coco.writes_folder());
    }
}
