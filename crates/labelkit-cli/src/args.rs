//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  no finding at error severity (convert: written)
  1  findings at error severity (convert --strict: a material loss; --strict=all: any loss)
  2  usage, configuration or I/O failure";

const STATS_EXIT_CODES: &str = "\
Exit codes:
  0  the statistics written
  2  usage, configuration, read or I/O failure";

/// Convert and check computer-vision annotation datasets (CVAT, COCO, YOLO).
#[derive(Debug, Parser)]
#[command(name = "labelkit", version, about, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    /// Print nothing but findings and errors (no notes, no progress).
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// When stdout is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Convert a dataset between CVAT, COCO and YOLO; what the target cannot
    /// hold is reported on stderr.
    #[command(after_help = EXIT_CODES)]
    Convert(ConvertArgs),
    /// Check datasets or single label files against the annotation rules.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// List the rules: code, name, family, severity, status (plugins
    /// included).
    Rules(RegistryArgs),
    /// Print the documentation of one rule (a plugin's too).
    Rule {
        /// The rule's code (e.g. G001) or name (e.g. box-too-small).
        code: String,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Show what each format can hold.
    Formats,
    /// Write a labelkit.toml from a preset (refuses to overwrite one).
    Init {
        /// The preset (e.g. whole-body, coco-person).
        #[arg(long)]
        preset: String,
        /// Where to write it.
        #[arg(long, default_value = "labelkit.toml")]
        output: PathBuf,
    },
    /// Trust a labelkit.toml: let the plugins (native code) it names be
    /// loaded when it is found by walking up. Records its path and SHA-256,
    /// and its libraries'; a changed file needs trusting again.
    Trust(TrustArgs),
    /// Show what changed between two versions of a dataset, object by
    /// object: two datasets or annotation files in any format, or git
    /// revisions of a path (read through git, nothing checked out).
    #[command(after_help = DIFF_HELP)]
    Diff(DiffArgs),
    /// Dataset statistics: objects per label against the target count,
    /// sizes, objects per image, companion passes, attributes, keypoints,
    /// split balance.
    #[command(after_help = STATS_EXIT_CODES)]
    Stats(StatsArgs),
}

/// `labelkit stats`.
#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    /// The dataset: a CVAT or COCO file, a YOLO folder, data.yaml or obj.data.
    pub(crate) path: PathBuf,
    /// How to write the statistics.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub(crate) output_format: StatsFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub(crate) output: Option<PathBuf>,
    /// A second dataset to set beside the first (objects per label, a -> b).
    #[arg(long, value_name = "OTHER")]
    pub(crate) compare: Option<PathBuf>,
    /// Source format; recognised from the content when omitted.
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// The configuration file (default: labelkit.toml found by walking up):
    /// the target count is too-few-labels' min-count, the minimum size
    /// box-too-small's, the companion groups the schema's.
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
}

/// How `labelkit stats` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatsFormat {
    /// Text tables.
    Table,
    /// One JSON document (schema in docs/stats.md).
    Json,
    /// One self-contained HTML page with SVG plots, offline.
    Html,
}

const DIFF_HELP: &str = "\
Sides:
  labelkit diff OLD NEW          two datasets or annotation files (any formats)
  labelkit diff REV [PATH]       PATH (default .) in REV against the working tree
  labelkit diff PATH             HEAD's PATH against the working tree's
  labelkit diff A..B [PATH]      PATH in revision A against PATH in revision B
  labelkit diff REV:PATH NEW     a side may be REV:PATH
An existing path is a path; anything else must be a git revision.

Git (see docs/diff.md):
  git config diff.labelkit.command 'labelkit diff --git-external'
  git config diff.labelkit.textconv 'labelkit diff --textconv'
  .gitattributes: **/labels/**/*.txt diff=labelkit

Exit codes:
  0  no change
  1  changes
  2  usage, read, git or I/O failure (--git-external and --textconv: 0 unless a failure)";

/// `labelkit diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// OLD NEW, REV [PATH], A..B [PATH] or PATH; with --git-external the
    /// seven (or nine) arguments git passes.
    #[arg(value_name = "SIDE")]
    pub(crate) sides: Vec<String>,
    /// Format of both sides; recognised from the content when omitted.
    #[arg(long, value_name = "FORMAT")]
    pub(crate) from: Option<String>,
    /// Format of the old side.
    #[arg(long, value_name = "FORMAT", conflicts_with = "from")]
    pub(crate) old_format: Option<String>,
    /// Format of the new side.
    #[arg(long, value_name = "FORMAT", conflicts_with = "from")]
    pub(crate) new_format: Option<String>,
    /// How to print the changes.
    #[arg(long, value_enum, default_value_t = DiffFormatArg::Concise)]
    pub(crate) output_format: DiffFormatArg,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// HTML: embed downscaled thumbnails of the images instead of linking
    /// the image files.
    #[arg(long)]
    pub(crate) embed_images: bool,
    /// The least IoU of two shapes of one label to be one object (0.5).
    #[arg(long, value_name = "IOU", allow_hyphen_values = true)]
    pub(crate) iou: Option<f64>,
    /// Coordinates closer than this are equal: `auto` (the precision the
    /// two sides' formats hold) or pixels (e.g. 0.5).
    #[arg(long, value_name = "PX|auto", allow_hyphen_values = true)]
    pub(crate) tolerance: Option<String>,
    /// The configuration giving the companion groups (default:
    /// labelkit.toml found by walking up from the new side).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Run as git's external diff driver: PATH OLD-FILE OLD-HEX OLD-MODE
    /// NEW-FILE NEW-HEX NEW-MODE; prints one line per changed file.
    #[arg(long, conflicts_with = "textconv")]
    pub(crate) git_external: bool,
    /// Run as git's textconv filter: print one line per object of FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) textconv: Option<PathBuf>,
    /// YOLO input: read files outside the dataset folder that the dataset
    /// names (as `convert --allow-outside`).
    #[arg(long)]
    pub(crate) allow_outside: bool,
}

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormatArg {
    /// One line per changed image and a summary.
    Concise,
    /// The JSON document described in docs/diff.md.
    Json,
    /// A self-contained review page (give -o FILE).
    Html,
}

/// `labelkit trust`.
#[derive(Debug, Args)]
pub(crate) struct TrustArgs {
    /// A labelkit.toml, or a folder holding one (default: the current
    /// folder). Read it and the libraries it names first.
    pub(crate) path: Option<PathBuf>,
    /// List the trusted configurations and whether each is unchanged.
    #[arg(long, conflicts_with_all = ["path", "revoke"])]
    pub(crate) list: bool,
    /// Remove PATH from the trust list.
    #[arg(long, visible_alias = "untrust")]
    pub(crate) revoke: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    /// The dataset to read: a CVAT or COCO file, a YOLO folder, data.yaml or obj.data.
    pub(crate) input: PathBuf,
    /// Target format: cvat, cvat-images, cvat-video, coco, yolo, ultralytics, darknet.
    #[arg(long)]
    pub(crate) to: String,
    /// Where to write: a file (CVAT, COCO) or a folder (YOLO).
    #[arg(long, short)]
    pub(crate) output: PathBuf,
    /// Source format; recognised from the content when omitted.
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// How coordinates are printed: clean (the default: the shortest decimal
    /// within 1e-9 relative, no arithmetic noise; YOLO from a YOLO source
    /// whose values all have N decimals, with N), shortest (exact), Ng (N
    /// significant digits, e.g. 6g as Ultralytics), Nd (N decimals, e.g. 2d
    /// as CVAT).
    #[arg(long)]
    pub(crate) precision: Option<String>,
    /// Fail, writing nothing, on a material loss (geometry, labels,
    /// attributes, keypoints, tracks, images, anything the reader skipped);
    /// `--strict=all` also on bookkeeping (source ids, supercategories,
    /// renumbered ids, format-specific fields).
    #[arg(
        long,
        value_name = "WHAT",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "material",
        value_parser = ["material", "all"]
    )]
    pub(crate) strict: Option<String>,
    /// YOLO output: how images are brought in. link (the default): a
    /// symlink, or a hard link or a copy where links cannot be made (said
    /// so); images not found are left out and counted, their labels
    /// written. reference: labels only. copy, hardlink, symlink: exactly
    /// that, and a missing image fails the conversion.
    #[arg(long, value_parser = ["link", "reference", "copy", "hardlink", "symlink"])]
    pub(crate) images: Option<String>,
    /// The folder the input's image names are relative to, trusted as the
    /// boundary images must resolve inside. Without it, images are looked
    /// for where the common layouts put them: beside the annotation file
    /// and in its images/ (CVAT, Datumaro), and for a file in annotations/
    /// in ../images/<subset>/, ../<subset>/, ../<subset>2017/ and ../images/
    /// (COCO), inside the dataset's folder.
    #[arg(long, value_name = "DIR")]
    pub(crate) image_root: Option<PathBuf>,
    /// YOLO input: the size of every image whose file gives none (not
    /// found, unreadable), as WIDTHxHEIGHT (e.g. 640x480). Writing COCO or
    /// CVAT needs each image's size.
    #[arg(long, value_name = "WxH")]
    pub(crate) image_size: Option<String>,
    /// YOLO input: a COCO or CVAT file of the same images (e.g. the CVAT
    /// task the export came from) whose declared sizes are used for the
    /// images whose file gives none, matched by path, file name or stem;
    /// --image-size covers those it does not name.
    #[arg(long, value_name = "FILE")]
    pub(crate) image_sizes: Option<PathBuf>,
    /// CVAT for video output: write only the key frames of tracks.
    #[arg(long)]
    pub(crate) keyframes_only: bool,
    /// YOLO output: the task of the rows (inferred from the shapes when
    /// omitted: keypoints pose, rotated boxes obb, polygons segment).
    #[arg(long, value_enum)]
    pub(crate) task: Option<YoloTaskArg>,
    /// YOLO output: a file of class names, one per line in id order (as
    /// obj.names); labels are matched by name, never renumbered silently,
    /// and a label missing from it is left out and reported.
    #[arg(long, value_name = "FILE")]
    pub(crate) classes: Option<PathBuf>,
    /// YOLO output (Ultralytics layout): the `path:` written into data.yaml.
    /// By default none is written, and Ultralytics takes data.yaml's own
    /// folder as the dataset root from any working folder; a relative
    /// `path:` is resolved by Ultralytics against the working folder (or
    /// its datasets folder), so give an absolute one.
    #[arg(long, value_name = "PATH")]
    pub(crate) yaml_path: Option<String>,
    /// Rename, merge, drop and reorder labels with a file of `old = new`
    /// lines (`old = -` drops); see `labelkit::label_map`.
    #[arg(long, value_name = "FILE")]
    pub(crate) label_map: Option<PathBuf>,
    /// YOLO input: read files outside the dataset folder that the dataset
    /// names. By default (a downloaded dataset could name private files)
    /// the paths in data.yaml (`path:`, `train:`, ...) and obj.data, image
    /// lists and the images they name, and label files and folders
    /// (symlinks followed) must lie inside the dataset folder; this flag
    /// allows them outside (Ultralytics' meaning of an absolute or `..`
    /// `path:`). Image files found in the dataset's folders may be
    /// symlinks to anywhere, with or without this flag (datasets link a
    /// shared image store): only their header is read, for their size.
    /// `--images` still refuses to bring in images that resolve outside
    /// their image folder.
    #[arg(long)]
    pub(crate) allow_outside: bool,
}

/// The rows of a YOLO output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum YoloTaskArg {
    /// `class cx cy w h`: one box per object.
    Detect,
    /// `class x1 y1 ... xn yn`: one polygon per object.
    Segment,
    /// `class cx cy w h` and the keypoints.
    Pose,
    /// `class x1 y1 ... x4 y4`: one rotated box per object.
    Obb,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormatArg {
    /// Source snippets with carets (default on a terminal).
    Full,
    /// `path:line:col: CODE message` (default otherwise).
    Concise,
    /// A JSON array.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub workflow commands.
    Github,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Datasets, annotation files or YOLO label files (default: the current
    /// folder). A label file is checked with its dataset's classes, found by
    /// walking up. A named file that is not an annotation file is an error
    /// (exit 2), unless `--skip-other-files` is given.
    pub(crate) paths: Vec<PathBuf>,
    /// Skip, with a one-line note, named files that are not annotation
    /// files (a README.txt, a package.json) instead of failing: for
    /// pre-commit, which passes every changed .json, .xml and .txt.
    #[arg(long)]
    pub(crate) skip_other_files: bool,
    /// How to print findings.
    #[arg(long, value_enum)]
    pub(crate) output_format: Option<OutputFormatArg>,
    /// Rule codes or prefixes to run (replaces the configuration's select).
    #[arg(long, value_delimiter = ',')]
    pub(crate) select: Vec<String>,
    /// Rule codes or prefixes not to run.
    #[arg(long, value_delimiter = ',')]
    pub(crate) ignore: Vec<String>,
    /// Rule codes or prefixes to run in addition to the selection.
    #[arg(long, value_delimiter = ',')]
    pub(crate) extend_select: Vec<String>,
    /// The configuration file (default: labelkit.toml found by walking up).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Findings recorded in this file are accepted and not reported.
    #[arg(long)]
    pub(crate) baseline: Option<PathBuf>,
    /// Record every current finding in this file and exit 0.
    #[arg(long)]
    pub(crate) write_baseline: Option<PathBuf>,
    /// A rule plugin (shared library) to load; may be repeated.
    #[arg(long)]
    pub(crate) plugin: Vec<PathBuf>,
    /// Print a count per rule instead of the findings.
    #[arg(long)]
    pub(crate) statistics: bool,
    /// Format of the paths; recognised from the content when omitted.
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// YOLO input: read files outside the dataset folder that the dataset
    /// names. By default (a downloaded dataset could name private files)
    /// the paths in data.yaml (`path:`, `train:`, ...) and obj.data, image
    /// lists and the images they name, and label files and folders
    /// (symlinks followed) must lie inside the dataset folder; this flag
    /// allows them outside (Ultralytics' meaning of an absolute or `..`
    /// `path:`). Image files found in the dataset's folders may be
    /// symlinks to anywhere, with or without this flag (datasets link a
    /// shared image store): only their header is read, for their size.
    #[arg(long)]
    pub(crate) allow_outside: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn check_parses_comma_lists() {
        let cli = Cli::parse_from([
            "labelkit",
            "check",
            "a",
            "b",
            "--select",
            "G,A001",
            "--ignore",
            "D",
            "--output-format",
            "json",
        ]);
        let Command::Check(args) = cli.command else {
            panic!("not check");
        };
        assert_eq!(args.paths, [PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(args.select, ["G", "A001"]);
        assert_eq!(args.ignore, ["D"]);
        assert_eq!(args.output_format, Some(OutputFormatArg::Json));
    }
}

/// Where the rules come from: the built-in ones, and the plugins named in the
/// configuration or on the command line.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RegistryArgs {
    /// The configuration file naming plugins (default: labelkit.toml found by
    /// walking up from the current folder).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// A rule plugin (shared library) to load; may be repeated.
    #[arg(long)]
    pub(crate) plugin: Vec<PathBuf>,
}
