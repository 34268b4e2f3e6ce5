//! `convert`, `rules`, `rule`, `formats` and `init`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context as _};
use labelkit::check::LoadedConfig;
use labelkit::rules::Registry;
use labelkit::{
    ConvertOptions, Format, ImageMode, ImageSizes, OutputFormat, Precision, ReadOptions,
    RenderOptions, WriteOptions,
};

use crate::args::{ConvertArgs, RegistryArgs, YoloTaskArg};
use crate::out::Ui;

/// `labelkit convert`.
pub(crate) fn convert(ui: &Ui, args: &ConvertArgs) -> anyhow::Result<u8> {
    let to: Format = args.to.parse()?;
    let from = args.from.as_deref().map(str::parse::<Format>).transpose()?;
    let mut write = WriteOptions::new().keyframes_only(args.keyframes_only);
    if let Some(p) = &args.precision {
        let precision = Precision::parse(p).ok_or_else(|| {
            anyhow!(
                "invalid --precision {p:?}: expected clean, shortest, Ng (e.g. 6g) or Nd (e.g. 2d)"
            )
        })?;
        write = write.precision(precision);
    }
    if let Some(images) = &args.images {
        write = write.images(images.parse::<ImageMode>().map_err(|e| anyhow!(e))?);
    }
    if let Some(root) = &args.image_root {
        if !root.is_dir() {
            bail!("--image-root {}: not a folder", root.display());
        }
        write = write.image_root(root.clone());
    }
    let mut sizes = match &args.image_sizes {
        Some(file) => ImageSizes::read(file)
            .with_context(|| format!("reading the image sizes of {}", file.display()))?,
        None => ImageSizes::new(),
    };
    if let Some(size) = &args.image_size {
        sizes = sizes.all(ImageSizes::parse_size(size).map_err(|e| anyhow!("--image-size: {e}"))?);
    }
    if !sizes.is_empty() {
        let input_format = match from {
            Some(f) => f,
            None => labelkit::detect(&args.input)?,
        };
        if !matches!(input_format, Format::YoloUltralytics | Format::YoloDarknet) {
            bail!(
                "--image-size and --image-sizes apply to YOLO input only ({} is {input_format}, \
                 whose image sizes can only come from the file itself: the width and height of \
                 its images)",
                args.input.display()
            );
        }
    }
    if args.keyframes_only && to != Format::CvatVideo {
        bail!("--keyframes-only applies to --to cvat-video only");
    }
    if let Some(task) = args.task {
        if !matches!(to, Format::YoloUltralytics | Format::YoloDarknet) {
            bail!("--task applies to YOLO output only (--to yolo, ultralytics or darknet)");
        }
        write = write.yolo_task(match task {
            YoloTaskArg::Detect => labelkit::yolo::Task::Detect,
            YoloTaskArg::Segment => labelkit::yolo::Task::Segment,
            YoloTaskArg::Pose => labelkit::yolo::Task::Pose,
            YoloTaskArg::Obb => labelkit::yolo::Task::Obb,
        });
    }
    if let Some(file) = &args.classes {
        if !matches!(to, Format::YoloUltralytics | Format::YoloDarknet) {
            bail!("--classes applies to YOLO output only (--to yolo, ultralytics or darknet)");
        }
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading the class names {}", file.display()))?;
        let names: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if names.is_empty() {
            bail!(
                "{}: no class names (one per line, in id order)",
                file.display()
            );
        }
        write = write.yolo_classes(names);
    }
    if let Some(path) = &args.yaml_path {
        if to != Format::YoloUltralytics {
            bail!("--yaml-path applies to Ultralytics YOLO output only (--to yolo or ultralytics)");
        }
        write = write.yolo_yaml_path(path.clone());
    }
    let strictness = match args.strict.as_deref() {
        None => labelkit::Strictness::Off,
        Some("all") => labelkit::Strictness::All,
        Some(_) => labelkit::Strictness::Material,
    };
    let read = ReadOptions::new()
        .yolo(labelkit::yolo::ReadOptions::new().allow_outside_root(args.allow_outside))
        .image_sizes(sizes);
    let mut options = ConvertOptions::new()
        .strictness(strictness)
        .read(read)
        .write(write);
    if let Some(file) = &args.label_map {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading the label map {}", file.display()))?;
        options = options.label_map(labelkit::label_map::LabelMap::parse(&text, file)?);
    }
    let progress = ui.progress();
    progress.phase(&format!("converting {}", args.input.display()));
    let result = labelkit::convert(&args.input, &args.output, from, to, &options);
    progress.finish();
    let print_issues = |issues: &[labelkit::Diagnostic], sources: &labelkit::SourceMap| {
        if !issues.is_empty() {
            let mut options = RenderOptions::default();
            options.color = false;
            eprint!(
                "{}",
                labelkit::render(OutputFormat::Concise, issues, sources, &options)
            );
        }
    };
    let report = match result {
        Ok(report) => report,
        Err(err @ labelkit::Error::Lossy { .. }) => {
            // The read issues the refusal refers to ("see the read issues").
            if let labelkit::Error::Lossy { issues, .. } = &err {
                print_issues(&issues.0, &issues.1);
            }
            eprintln!("labelkit: {err}");
            return Ok(1);
        }
        Err(err) => return Err(err.into()),
    };
    print_issues(&report.read_issues, &report.sources);
    // `-q`: nothing but findings (the read issues above) and errors; the
    // report's losses are refused with `--strict`.
    if !ui.quiet {
        eprintln!(
            "{} -> {} ({} -> {}): {}",
            args.input.display(),
            args.output.display(),
            report.from,
            report.to,
            report.write
        );
    }
    Ok(0)
}

/// The built-in rules and those of the plugins named by `args` or by the
/// configuration found from the current folder.
fn registry(args: &RegistryArgs) -> anyhow::Result<Registry> {
    let loaded = LoadedConfig::load(args.config.as_deref(), Path::new("."))?;
    Ok(loaded.registry(&args.plugin, &crate::trust::UserTrust)?)
}

/// `labelkit rules`: one row per rule.
pub(crate) fn rules(ui: &Ui, args: &RegistryArgs) -> anyhow::Result<u8> {
    let registry = registry(args)?;
    let text = rules_table(&registry);
    ui.print(&text).context("writing the rule table")?;
    Ok(0)
}

fn rules_table(registry: &Registry) -> String {
    let rows: Vec<[String; 5]> = registry
        .rules()
        .map(|m| {
            [
                m.code.clone(),
                m.name.clone(),
                m.family.clone(),
                m.default_severity.as_str().to_owned(),
                m.status.as_str().to_owned(),
            ]
        })
        .collect();
    table(&["CODE", "NAME", "FAMILY", "SEVERITY", "STATUS"], &rows)
}

/// Left-aligned columns separated by two spaces.
fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// `labelkit rule CODE`: the rule's documentation.
pub(crate) fn rule(ui: &Ui, code: &str, args: &RegistryArgs) -> anyhow::Result<u8> {
    let registry = registry(args)?;
    let wanted = code.trim();
    let meta = registry
        .get(wanted)
        .or_else(|| registry.get(&wanted.to_ascii_uppercase()))
        .ok_or_else(|| anyhow!("unknown rule {code:?}: `labelkit rules` lists them"))?;
    let mut text = format!(
        "{} {} ({}, {}, {})\n\n",
        meta.code,
        meta.name,
        meta.family,
        meta.default_severity,
        meta.status.as_str()
    );
    text.push_str(meta.doc.trim_end());
    text.push('\n');
    ui.print(&text).context("writing the rule documentation")?;
    Ok(0)
}

/// `labelkit formats`: a table of what each format can hold.
pub(crate) fn formats(ui: &Ui) -> anyhow::Result<u8> {
    ui.print(&formats_text())
        .context("writing the format table")?;
    Ok(0)
}

fn formats_text() -> String {
    let infos = labelkit::formats();
    let mut out = String::new();
    let rows: Vec<[String; 3]> = infos
        .iter()
        .map(|i| {
            let mut names = i.name.to_owned();
            for a in i.aliases {
                let _ = write!(names, ", {a}");
            }
            let description = if i.enabled {
                i.description.to_owned()
            } else {
                format!("{} (not compiled in)", i.description)
            };
            [i.name.to_owned(), names, description]
        })
        .collect();
    out.push_str(&table(&["FORMAT", "NAMES", "DESCRIPTION"], &rows));
    out.push('\n');
    let feature_width = labelkit::FEATURES
        .iter()
        .map(|f| f.len())
        .max()
        .unwrap_or(0);
    let _ = write!(out, "{:<feature_width$}", "CAN HOLD");
    for i in &infos {
        let _ = write!(out, "  {:<11}", i.name);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    for (row, feature) in labelkit::FEATURES.iter().enumerate() {
        let mut line = format!("{feature:<feature_width$}");
        for i in &infos {
            let support = i.capabilities.get(row).map_or("?", |c| c.support.as_str());
            let _ = write!(line, "  {support:<11}");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("\nNotes:\n");
    for i in &infos {
        for c in i.capabilities {
            if c.support != labelkit::Support::No && !c.note.is_empty() {
                let _ = writeln!(out, "  {}: {}: {}", i.name, c.feature, c.note);
            }
        }
    }
    out
}

/// `labelkit init --preset NAME`.
pub(crate) fn init(ui: &Ui, preset: &str, output: &Path) -> anyhow::Result<u8> {
    let text = labelkit::rules::preset_toml(preset).ok_or_else(|| {
        anyhow!(
            "unknown preset {preset:?}: expected one of {}",
            labelkit::rules::PRESET_NAMES.join(", ")
        )
    })?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(output)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow!(
                    "{} already exists: refusing to overwrite it",
                    output.display()
                )
            } else {
                anyhow!("{}: {e}", output.display())
            }
        })?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", output.display()))?;
    ui.note(&format!("wrote {} (preset {preset})", output.display()));
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let rows = [
            [
                "G001".to_owned(),
                "box-too-small".to_owned(),
                "error".to_owned(),
            ],
            ["A1".to_owned(), "x".to_owned(), "warning".to_owned()],
        ];
        let t = table(&["CODE", "NAME", "SEVERITY"], &rows);
        assert_eq!(
            t,
            "CODE  NAME           SEVERITY\nG001  box-too-small  error\nA1    x              warning\n"
        );
    }

    #[test]
    fn formats_matrix_has_a_row_per_feature() {
        let text = formats_text();
        assert!(text.contains("cvat-images  cvat-images, cvat "), "{text}");
        let line = text
            .lines()
            .find(|l| l.starts_with("rotated boxes "))
            .unwrap();
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells, ["rotated", "boxes", "yes", "yes", "no", "yes", "no"]);
        let tracks = text.lines().find(|l| l.starts_with("tracks ")).unwrap();
        assert_eq!(
            tracks.split_whitespace().collect::<Vec<_>>(),
            ["tracks", "partly", "yes", "no", "no", "no"]
        );
    }
}
