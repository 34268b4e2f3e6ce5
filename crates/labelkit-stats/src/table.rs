//! The plain-text rendering, for a terminal.

use std::io::{self, Write};

use crate::{fmt_share, Comparison, SplitStats, Stats, SIZE_BUCKET_NAMES};

/// Writes `stats` as text tables: the whole dataset, each split, the
/// split differences that matter.
///
/// # Errors
/// Writing to `out` fails.
pub fn write_table(stats: &Stats, out: &mut dyn Write) -> io::Result<()> {
    let (w, h) = stats.min_size;
    writeln!(
        out,
        "target {} objects per label; minimum size {w}x{h} px",
        stats.target_count
    )?;
    write_split(out, "all images", &stats.overall, stats.min_size)?;
    // One split is the whole dataset again: not repeated.
    for (name, split) in stats.splits.iter().filter(|_| stats.splits.len() > 1) {
        write_split(out, &format!("split {name}"), split, stats.min_size)?;
    }
    if stats.splits.len() > 1 {
        writeln!(
            out,
            "\nsplit balance (differences above {}):",
            fmt_share(stats.balance_threshold)
        )?;
        if stats.balance.is_empty() {
            writeln!(out, "  none")?;
        }
        for n in &stats.balance {
            let shares: Vec<String> = n
                .shares
                .iter()
                .map(|(k, v)| format!("{k} {}", fmt_share(*v)))
                .collect();
            writeln!(
                out,
                "  {}: {} (difference {})",
                n.what,
                shares.join(", "),
                fmt_share(n.difference)
            )?;
        }
    }
    if stats.orphan_shapes > 0 {
        writeln!(
            out,
            "\n{} shapes name an image the dataset lacks: counted nowhere",
            stats.orphan_shapes
        )?;
    }
    if stats.tracks > 0 {
        writeln!(
            out,
            "\n{} video tracks were not expanded: their shapes are counted nowhere",
            stats.tracks
        )?;
    }
    Ok(())
}

fn write_split(
    out: &mut dyn Write,
    title: &str,
    s: &SplitStats,
    (min_w, min_h): (f64, f64),
) -> io::Result<()> {
    writeln!(
        out,
        "\n{title}: {} images ({} empty), {} objects in {} shapes",
        s.images, s.empty_images, s.objects, s.shapes
    )?;
    if s.unmeasured_images > 0 {
        writeln!(
            out,
            "  {} images of unknown size: their objects have no size in pixels",
            s.unmeasured_images
        )?;
    }
    let width = name_width(s.labels.iter().map(|l| l.name.as_str()));
    writeln!(
        out,
        "  {:<width$} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>9}",
        "label",
        "objects",
        "images",
        "target",
        SIZE_BUCKET_NAMES[0],
        SIZE_BUCKET_NAMES[1],
        SIZE_BUCKET_NAMES[2],
        SIZE_BUCKET_NAMES[3],
        "occluded",
        format!("<{}x{}", 2.0 * min_w, 2.0 * min_h),
    )?;
    // Skeleton elements are counted with the keypoints below.
    for l in s.labels.iter().filter(|l| l.parent.is_none()) {
        writeln!(
            out,
            "  {:<width$} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>9}",
            l.name,
            l.objects,
            l.images,
            fmt_share(l.share_of_target),
            l.size_buckets[0],
            l.size_buckets[1],
            l.size_buckets[2],
            l.size_buckets[3],
            l.occluded,
            l.below_twice_min,
        )?;
    }
    let per_image: Vec<String> = s
        .objects_per_image
        .edges
        .iter()
        .zip(&s.objects_per_image.counts)
        .filter(|(_, &c)| c > 0)
        .map(|(e, c)| format!("{e}+: {c}"))
        .collect();
    writeln!(out, "  objects per image: {}", per_image.join(", "))?;
    if !s.crowded.is_empty() {
        let crowded: Vec<String> = s
            .crowded
            .iter()
            .map(|(f, n)| format!("{f} ({n})"))
            .collect();
        writeln!(out, "  most crowded: {}", crowded.join(", "))?;
    }
    if !s.image_sizes.is_empty() {
        let sizes: Vec<String> = s
            .image_sizes
            .iter()
            .map(|((w, h), n)| format!("{w}x{h} ({n})"))
            .collect();
        write!(out, "  image sizes: {}", sizes.join(", "))?;
        if s.image_sizes_omitted > 0 {
            write!(out, ", {} images of other sizes", s.image_sizes_omitted)?;
        }
        writeln!(out)?;
    }
    for c in &s.companions {
        let per: Vec<String> = c
            .per_companion
            .iter()
            .map(|(n, k)| format!("{n} {k}"))
            .collect();
        writeln!(
            out,
            "  pass {} -> {}: {} of {} have one ({}); {} have several",
            c.object,
            c.one_of.join("/"),
            c.with_companion,
            c.objects,
            per.join(", "),
            c.with_several
        )?;
    }
    // Occlusion has its column above.
    for a in s.attributes.iter().filter(|a| a.name != "occluded") {
        let values: Vec<String> = a.values.iter().map(|(v, n)| format!("{v} {n}")).collect();
        writeln!(out, "  {} {}: {}", a.label, a.name, values.join(", "))?;
    }
    for k in &s.keypoints {
        writeln!(
            out,
            "  keypoints of {} ({} instances):",
            k.label, k.instances
        )?;
        for p in &k.points {
            writeln!(
                out,
                "    {}: visible {}, occluded {}, absent {}",
                p.name, p.visible, p.occluded, p.absent
            )?;
        }
    }
    Ok(())
}

/// Writes a comparison as a text table.
///
/// # Errors
/// Writing to `out` fails.
pub fn write_comparison_table(c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "images {} -> {} ({:+}), objects {} -> {} ({:+}), empty images {} -> {} ({:+})",
        c.images.a,
        c.images.b,
        c.images.delta(),
        c.objects.a,
        c.objects.b,
        c.objects.delta(),
        c.empty_images.a,
        c.empty_images.b,
        c.empty_images.delta()
    )?;
    let width = name_width(c.labels.iter().map(|l| l.name.as_str()));
    writeln!(
        out,
        "  {:<width$} {:>8} {:>8} {:>8}",
        "label", "a", "b", "delta"
    )?;
    for l in &c.labels {
        writeln!(
            out,
            "  {:<width$} {:>8} {:>8} {:>+8}",
            l.name,
            l.objects.a,
            l.objects.b,
            l.objects.delta()
        )?;
    }
    Ok(())
}

/// The width of a label-name column: the longest name, at least `label`.
fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(|n| n.chars().count()).max().unwrap_or(5).max(5)
}
