//! `labelkit diff`: what changed between two versions of a dataset, as
//! text, JSON or an HTML review page; and the git external diff driver
//! (`--git-external`) and textconv filter (`--textconv`) modes.
//!
//! The sides are read through [`labelkit::diff`] (paths, git revisions, a
//! label file's bytes in its place), both at once; here are only the
//! arguments, the output and the exit code: 0 equal, 1 different, 2 a
//! failure (`--git-external` and `--textconv` exit 0 unless they fail,
//! since git stops at a driver's non-zero exit).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use labelkit::diff::html::{write_html, HtmlOptions, ImageLocator};
use labelkit::diff::{
    change_words, object_words, read_sides, DatasetDiff, DiffOptions, ObjectSide, ReadSide, Side,
    SideOptions, Sides, Tolerance, Units,
};
use labelkit::{Format, OutputFormat, ReadOptions, RenderOptions};

use crate::args::{DiffArgs, DiffFormatArg};
use crate::out::{start_output, Ui};

/// `labelkit diff`.
pub(crate) fn run(ui: &Ui, args: &DiffArgs) -> anyhow::Result<u8> {
    if args.git_external {
        return git_external(ui, args);
    }
    if let Some(file) = &args.textconv {
        if !args.sides.is_empty() {
            bail!("--textconv takes one FILE and no other side");
        }
        return textconv(ui, args, file);
    }
    let (first, second) = match args.sides.as_slice() {
        [a] => (a.as_str(), None),
        [a, b] => (a.as_str(), Some(b.as_str())),
        [] => bail!("nothing to compare: give OLD NEW, REV [PATH], A..B [PATH] or PATH"),
        _ => bail!(
            "too many sides ({}): give OLD NEW, REV [PATH], A..B [PATH] or PATH",
            args.sides.len()
        ),
    };
    if args.embed_images && args.output_format != DiffFormatArg::Html {
        bail!("--embed-images applies to --output-format html");
    }
    let sides = Sides::from_args(first, second)?;
    let (old_options, new_options) = side_options(args)?;
    // The output is refused before any work when it would replace an
    // input, and started (its folder made, which the page's relative image
    // paths start from) before the page is made.
    let output = match &args.output {
        Some(file) => Some(start_output(
            file,
            [&sides.old, &sides.new]
                .into_iter()
                .filter_map(|s| match s {
                    Side::Path(p) => Some(p.as_path()),
                    _ => None,
                }),
        )?),
        None => None,
    };
    let progress = ui.progress();
    progress.phase(&format!(
        "reading {} and {}",
        sides.old.name(),
        sides.new.name()
    ));
    let (old, new) = read_sides(&sides.old, &sides.new, &old_options, &new_options);
    progress.finish();
    let (old, new) = (old?, new?);
    if !ui.quiet {
        for side in [&old, &new] {
            report_reading(side);
        }
    }
    let options = diff_options(args, &sides)?;
    let mut diff = labelkit::diff::diff(&old.loaded.dataset, &new.loaded.dataset, &options);
    if args.output_format == DiffFormatArg::Json {
        // How the sides were read (left out of a revision, images without
        // a size) belongs with the changes it qualifies.
        diff.notes
            .extend(old.notes.iter().chain(&new.notes).cloned());
    }
    let text = render(args, &diff, &old, &new, ui.quiet)?;
    match (output, &args.output) {
        (Some(mut out), Some(file)) => {
            out.write_all(&text)
                .with_context(|| format!("writing {}", file.display()))?;
            out.commit()?;
            ui.note(&format!(
                "labelkit: wrote {} ({} changed images)",
                file.display(),
                diff.images.len()
            ));
        }
        _ => ui
            .print(&String::from_utf8_lossy(&text))
            .context("writing the changes")?,
    }
    Ok(u8::from(!diff.is_empty()))
}

/// The read options of each side: `--from`, `--old-format`,
/// `--new-format`, `--allow-outside`.
fn side_options(args: &DiffArgs) -> anyhow::Result<(SideOptions, SideOptions)> {
    let parse = |f: &Option<String>| f.as_deref().map(str::parse::<Format>).transpose();
    let from = parse(&args.from)?;
    let old = parse(&args.old_format)?.or(from);
    let new = parse(&args.new_format)?.or(from);
    let read = ReadOptions::new()
        .yolo(labelkit::yolo::ReadOptions::new().allow_outside_root(args.allow_outside));
    Ok((
        SideOptions::new().format(old).read(read.clone()),
        SideOptions::new().format(new).read(read),
    ))
}

/// `--iou`, `--tolerance`, and the companion groups of the configuration
/// (`--config`, else labelkit.toml found by walking up from the new side,
/// as `labelkit check` finds it).
fn diff_options(args: &DiffArgs, sides: &Sides) -> anyhow::Result<DiffOptions> {
    let mut options = DiffOptions::new();
    if let Some(iou) = args.iou {
        if !(iou > 0.0 && iou <= 1.0) {
            bail!("invalid --iou {iou}: expected a number above 0 and at most 1");
        }
        options = options.iou(iou);
    }
    if let Some(t) = &args.tolerance {
        let tolerance = if t.eq_ignore_ascii_case("auto") {
            Tolerance::Auto
        } else {
            match t.trim_end_matches("px").parse::<f64>() {
                Ok(px) if px.is_finite() && px >= 0.0 => Tolerance::Px(px),
                _ => bail!("invalid --tolerance {t:?}: expected auto or pixels (e.g. 0.5)"),
            }
        };
        options = options.tolerance(tolerance);
    }
    let start = [&sides.new, &sides.old]
        .into_iter()
        .find_map(|s| match s {
            Side::Path(p) | Side::Revision { path: p, .. } | Side::Placed { place: p, .. } => {
                Some(p.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| PathBuf::from("."));
    let start = existing_ancestor(&start);
    let config = labelkit::check::LoadedConfig::load(args.config.as_deref(), &start)?;
    let groups = labelkit::diff::companion_groups(&config.config);
    if !groups.is_empty() {
        options = options.companions(groups);
    }
    Ok(options)
}

/// `path`, or its deepest existing ancestor, `.` when none.
fn existing_ancestor(path: &Path) -> PathBuf {
    path.ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.exists())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The read issues of a side, `path:line:col: CODE message` lines.
fn issues_text(side: &ReadSide) -> String {
    if side.loaded.issues.is_empty() {
        return String::new();
    }
    let mut options = RenderOptions::default();
    options.color = false;
    labelkit::render(
        OutputFormat::Concise,
        &side.loaded.issues,
        &side.loaded.sources,
        &options,
    )
}

/// The read issues of a side (on stderr) and its notes.
fn report_reading(side: &ReadSide) {
    eprint!("{}", issues_text(side));
    for note in &side.notes {
        eprintln!(
            "labelkit: note: {}",
            labelkit::diagnostics::terminal_safe(note)
        );
    }
}

/// The output in the chosen format. The HTML page links the images from
/// the folder of `-o FILE` (or the current folder), or embeds them.
fn render(
    args: &DiffArgs,
    diff: &DatasetDiff,
    old: &ReadSide,
    new: &ReadSide,
    quiet: bool,
) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    match args.output_format {
        DiffFormatArg::Concise => labelkit::diff::write_concise(diff, &mut out, quiet)?,
        DiffFormatArg::Json => labelkit::diff::write_json(diff, &mut out)?,
        DiffFormatArg::Html => {
            let page_dir = args
                .output
                .as_deref()
                .and_then(Path::parent)
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            let images = ImageLocator::new()
                .page_dir(page_dir)
                .old_roots(old.image_roots.clone())
                .new_roots(new.image_roots.clone());
            let title = format!("labelkit diff {} {}", old.name, new.name);
            let options = HtmlOptions::new()
                .embed_images(args.embed_images)
                .title(title);
            write_html(
                diff,
                &old.loaded.dataset,
                &new.loaded.dataset,
                &images,
                &options,
                &mut out,
            )?;
        }
    }
    Ok(out)
}

/// The side of one file of git's external diff protocol: `/dev/null` is
/// no file.
fn git_side(file: &str, place: &str) -> Side {
    if file == "/dev/null" {
        Side::Empty
    } else {
        Side::Placed {
            file: PathBuf::from(file),
            place: PathBuf::from(place),
        }
    }
}

/// `labelkit diff --git-external PATH OLD-FILE OLD-HEX OLD-MODE NEW-FILE
/// NEW-HEX NEW-MODE [NEW-PATH XFRM]`: one line per changed image of the
/// file, `PATH: + eye box at (312, 40) 8x6 px; ~ head moved 3 px (+3, 0)`.
fn git_external(ui: &Ui, args: &DiffArgs) -> anyhow::Result<u8> {
    let a = &args.sides;
    let (path, old_file, new_file, new_path) = match a.as_slice() {
        [path, old, _, _, new, _, _] => (path, old, new, path),
        [path, old, _, _, new, _, _, new_path, _] => (path, old, new, new_path),
        _ => bail!(
            "--git-external expects the 7 (or 9) arguments git passes: PATH OLD-FILE OLD-HEX \
             OLD-MODE NEW-FILE NEW-HEX NEW-MODE, got {}",
            a.len()
        ),
    };
    // A renamed file is read in its new place on both sides: the same
    // image under its new name, whose old labels are compared with its new.
    let old = git_side(old_file, new_path);
    let new = git_side(new_file, new_path);
    let (old_options, new_options) = side_options(args)?;
    let (old_read, new_read) = read_sides(&old, &new, &old_options, &new_options);
    let (old_read, new_read) = (old_read?, new_read?);
    let sides = Sides { old, new };
    let options = diff_options(args, &sides)?;
    let diff = labelkit::diff::diff(&old_read.loaded.dataset, &new_read.loaded.dataset, &options);
    let name = if path == new_path {
        path.clone()
    } else {
        format!("{path} -> {new_path}")
    };
    let name = labelkit::diagnostics::terminal_safe(&name).into_owned();
    let mut text = String::new();
    let single = old_read.loaded.dataset.images.len() <= 1
        && new_read.loaded.dataset.images.len() <= 1
        && [&old_read, &new_read].iter().all(|s| {
            s.format
                .is_none_or(|f| matches!(f, Format::YoloUltralytics | Format::YoloDarknet))
        });
    if diff.is_empty() {
        let _ = writeln!(text, "{name}: no change in the labels");
    }
    for image in &diff.images {
        let state = match (&image.old, &image.new) {
            (None, Some(_)) => " (added)",
            (Some(_), None) => " (removed)",
            _ => "",
        };
        let units = units(image.new.as_ref().or(image.old.as_ref()).map(|i| i.width));
        let changes: Vec<String> = image
            .changes
            .iter()
            .map(|c| change_words(c, units))
            .collect();
        let head = if single {
            format!("{name}{state}")
        } else {
            format!("{name}: {}{state}", image.key)
        };
        let line = if changes.is_empty() {
            head
        } else {
            format!("{head}: {}", changes.join("; "))
        };
        text.push_str(&labelkit::diagnostics::terminal_safe(&line));
        text.push('\n');
    }
    for (which, side) in [("old", &old_read), ("new", &new_read)] {
        for line in issues_text(side).lines() {
            let _ = writeln!(text, "  {which}: {line}");
        }
    }
    ui.print(&text).context("writing the changes")?;
    Ok(0)
}

/// Pixels, or fractions for an image of unknown size.
fn units(width: Option<u32>) -> Units {
    if width.is_some_and(|w| w > 0) {
        Units::Pixels
    } else {
        Units::Fractions
    }
}

/// `labelkit diff --textconv FILE`: one line per object, a pure
/// function of the file's content (git hands the filter a temporary copy
/// for one side and the working tree's file for the other, and both must
/// render alike).
///
/// A CVAT or COCO file (`.xml`, `.json`) is a whole dataset: `IMAGE:
/// person box at (30, 10) 40x80 px; occluded; pose=standing` (the image's
/// name when the file has several), in file order, with the occlusion and
/// attributes. Any other file is read as YOLO rows, each as it stands:
/// `0 box at (0.3, 0.1) 0.4x0.8` (class id, normalised corner and size),
/// other rows as their values (`0 values 0.1 0.2 0.3 0.2 0.2 0.4`); a row that is not a YOLO row is printed as
/// `! unreadable row N: TEXT`, and a file with no YOLO row at all (a note
/// beside the labels) is printed as it is.
fn textconv(ui: &Ui, args: &DiffArgs, file: &Path) -> anyhow::Result<u8> {
    let is_dataset_file = file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xml") || e.eq_ignore_ascii_case("json"));
    let text = if is_dataset_file {
        dataset_textconv(args, file)?
    } else {
        let bytes = read_bounded(file, labelkit::yolo::MAX_LABEL_BYTES)?;
        rows_textconv(&String::from_utf8_lossy(&bytes))
    };
    ui.print(&text).context("writing the objects")?;
    Ok(0)
}

/// At most `limit` bytes of `file`, or an error naming it.
fn read_bounded(file: &Path, limit: u64) -> anyhow::Result<Vec<u8>> {
    use std::io::Read as _;
    let f = std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut bytes = Vec::new();
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", file.display()))?;
    if u64::try_from(bytes.len()).map_or(true, |n| n > limit) {
        bail!("{}: larger than {limit} bytes", file.display());
    }
    Ok(bytes)
}

/// The textconv lines of YOLO rows, from their text alone.
fn rows_textconv(content: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut any_row = false;
    for (n, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match yolo_row_words(line) {
            Some(words) => {
                any_row = true;
                lines.push(words);
            }
            None => lines.push(format!("! unreadable row {}: {line}", n.saturating_add(1))),
        }
    }
    if !any_row {
        // Not a label file: shown as it is.
        lines = content.lines().map(str::to_owned).collect();
    }
    let mut text = String::new();
    for line in lines {
        text.push_str(&labelkit::diagnostics::terminal_safe(&line));
        text.push('\n');
    }
    text
}

/// One YOLO row in words, or `None` when it is not one: a class id and
/// finite values. Four values are a box (`0 box at (0.3, 0.1) 0.4x0.8`,
/// its top-left corner and size); any other count is printed as the
/// values (`0 values 0.1 0.2 ...`), since only the dataset description
/// tells a polygon from keypoints.
fn yolo_row_words(line: &str) -> Option<String> {
    let mut tokens = line.split_whitespace();
    let class: u32 = tokens.next()?.parse().ok()?;
    let values: Vec<f64> = tokens
        .map(|t| t.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect::<Option<_>>()?;
    match values.as_slice() {
        [cx, cy, w, h] => {
            let object = ObjectSide {
                annotation: 0,
                track: false,
                label: class.to_string(),
                kind: labelkit::model::GeometryKind::Box,
                bbox: Some([cx - w / 2.0, cy - h / 2.0, *w, *h]),
            };
            Some(object_words(&object, Units::Fractions))
        }
        [] => None,
        _ => {
            // Exact values, shortest form: `0.500000` prints as `0.5`.
            let values: Vec<String> = values.iter().map(f64::to_string).collect();
            Some(format!("{class} values {}", values.join(" ")))
        }
    }
}

/// The textconv lines of a CVAT or COCO file, read alone: every object
/// with its image's name (when the file has several), occlusion and
/// attributes.
fn dataset_textconv(args: &DiffArgs, file: &Path) -> anyhow::Result<String> {
    let side = Side::Placed {
        file: file.to_path_buf(),
        place: file.to_path_buf(),
    };
    let (options, _) = side_options(args)?;
    let read = labelkit::diff::read_side(&side, &options)?;
    let dataset = &read.loaded.dataset;
    let several = dataset.images.len() > 1;
    let mut text = String::new();
    let image_index: std::collections::HashMap<_, _> = dataset
        .images
        .iter()
        .enumerate()
        .map(|(i, im)| (im.id, i))
        .collect();
    for a in &dataset.annotations {
        let image = image_index
            .get(&a.image)
            .and_then(|&i| dataset.images.get(i));
        let object = ObjectSide {
            annotation: 0,
            track: false,
            label: dataset
                .labels
                .get(a.label)
                .map_or_else(String::new, |l| l.name.clone()),
            kind: a.geometry.kind(),
            bbox: a
                .geometry
                .bounds()
                .map(|b| [b.x_min, b.y_min, b.x_max - b.x_min, b.y_max - b.y_min]),
        };
        let mut line = object_words(&object, units(image.map(|i| i.width)));
        if a.occluded {
            line.push_str("; occluded");
        }
        for (name, value) in &a.attributes.0 {
            let _ = write!(line, "; {name}={value}");
        }
        let line = match image {
            Some(im) if several => format!("{}: {line}", im.file_name),
            _ => line,
        };
        text.push_str(&labelkit::diagnostics::terminal_safe(&line));
        text.push('\n');
    }
    Ok(text)
}
