//! The statistics as one self-contained HTML page (`labelkit stats
//! --output-format html`).
//!
//! The page has no script and loads nothing: its Content-Security-Policy
//! (`default-src 'none'`) forbids every remote load, script and frame, and
//! allows only the page's own inline `<style>`. Plots are inline SVG drawn
//! by plotters ([`plots`]); light and dark schemes follow the reader's
//! `prefers-color-scheme`, the plots' colours included (the page's CSS maps
//! each palette colour to a variable per scheme).
//!
//! Sections, in order: a summary table (images, empty images, objects, and
//! per label objects, images, share of the target, boxes below twice the
//! minimum size, size buckets, occluded; per split when the dataset has
//! splits), then one plot per section: labels against the target (labels
//! below it highlighted), size histograms on a log scale with the minimum
//! marked, objects per image, heat maps of where objects lie in the frame,
//! the passes' progress per companion group, split balance (differences
//! above the threshold highlighted), keypoint visibility, the comparison
//! with another dataset when there is one; then the attribute counts, the
//! crowded images and the image sizes as tables.
//!
//! Every number of the tables carries the JSON pointer of the same number
//! in [`write_json`](crate::write_json)'s output (`data-json`), so a reader
//! (and the browser test) can tie the two together.
//!
//! Bounds: the labels plot shows at most [`HtmlOptions::chart_labels`]
//! labels (the ones with the fewest objects: those that need work), heat
//! maps are drawn for the [`HtmlOptions::heat_maps`] labels with the most
//! objects, and the page says what it left out; the tables list every
//! label. Everything that comes from the dataset (labels, attribute names
//! and values, file names, split names) is escaped.

mod plots;

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::{Comparison, CountDelta, Histogram, LabelStats, SplitStats, Stats, SIZE_BUCKET_NAMES};

/// How the page is drawn.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HtmlOptions {
    title: String,
    chart_labels: usize,
    heat_maps: usize,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            title: "labelkit stats".to_owned(),
            chart_labels: 200,
            heat_maps: 12,
        }
    }
}

impl HtmlOptions {
    /// The page's title (escaped when written); default `labelkit stats`.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// At most this many labels in the labels plot (default 200): those
    /// with the fewest objects. The tables list every label.
    #[must_use]
    pub fn chart_labels(mut self, n: usize) -> Self {
        self.chart_labels = n.max(1);
        self
    }

    /// Heat maps for at most this many labels (default 12): those with the
    /// most objects.
    #[must_use]
    pub fn heat_maps(mut self, n: usize) -> Self {
        self.heat_maps = n;
        self
    }
}

const PAGE_CSS: &str = include_str!("page.css");

/// Writes the page for `stats`, with the comparison view when
/// `comparison` is given.
///
/// # Errors
///
/// What writing to `out` returns.
pub fn write_html(
    stats: &Stats,
    comparison: Option<&Comparison>,
    opts: &HtmlOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut page = String::new();
    let title = escape(&opts.title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"labelkit stats\">\n\
         <title>{title}</title>\n<style>\n{PAGE_CSS}{}</style>\n</head>\n<body>\n<h1>{title}</h1>\n",
        plots::theme_css()
    );
    summary(stats, &mut page);
    out.write_all(page.as_bytes())?;
    page.clear();

    labels_section(stats, opts, &mut page)?;
    sizes_section(stats, &mut page)?;
    objects_per_image_section(&stats.overall, &mut page)?;
    heat_section(stats, opts, &mut page)?;
    companions_section(&stats.overall, &mut page)?;
    balance_section(stats, &mut page)?;
    keypoints_section(&stats.overall, &mut page)?;
    if let Some(c) = comparison {
        compare_section(c, opts, &mut page)?;
    }
    out.write_all(page.as_bytes())?;
    page.clear();

    tables_section(&stats.overall, &mut page);
    page.push_str("</body>\n</html>\n");
    out.write_all(page.as_bytes())
}

pub(crate) use labelkit_diagnostics::output::escape_html as escape;

/// Escapes one segment of a JSON pointer (RFC 6901) and then for HTML.
fn pointer_segment(name: &str) -> String {
    escape(&name.replace('~', "~0").replace('/', "~1"))
}

/// An integer with thousands separators.
fn int(n: u64) -> String {
    labelkit_diagnostics::output::thousands(n)
}

/// A share (0..1) as a percentage with one decimal.
fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A table cell holding the number at JSON pointer `ptr`.
fn num_cell(page: &mut String, ptr: &str, text: &str, class: &str) {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    let _ = write!(page, "<td data-json=\"{ptr}\"{class}>{text}</td>");
}

/// The summary table: dataset totals, per split when there are splits,
/// and per label the numbers of the target, sizes and occlusion.
fn summary(stats: &Stats, page: &mut String) {
    page.push_str("<section id=\"summary\" class=\"table\">\n<h2>Summary</h2>\n");
    let _ = writeln!(
        page,
        "<p>Target: <span data-json=\"/target_count\">{}</span> objects per label. \
         Minimum box size: {}&#xD7;{} px.</p>",
        int(stats.target_count),
        stats.min_size.0,
        stats.min_size.1
    );
    page.push_str("<table class=\"numbers\" id=\"totals\"><thead><tr><th></th><th>images</th><th>empty images</th><th>objects</th><th>labels below target</th></tr></thead><tbody>\n");
    let row = |page: &mut String, name: &str, ptr: &str, s: &SplitStats| {
        let below = s
            .labels
            .iter()
            .filter(|l| l.objects < stats.target_count)
            .count();
        let _ = write!(page, "<tr><th scope=\"row\">{}</th>", escape(name));
        num_cell(page, &format!("{ptr}/images"), &int(s.images), "");
        num_cell(
            page,
            &format!("{ptr}/empty_images"),
            &int(s.empty_images),
            "",
        );
        num_cell(page, &format!("{ptr}/objects"), &int(s.objects), "");
        let _ = writeln!(page, "<td>{below}</td></tr>");
    };
    row(page, "all", "/overall", &stats.overall);
    for (name, split) in &stats.splits {
        row(
            page,
            name,
            &format!("/splits/{}", pointer_segment(name)),
            split,
        );
    }
    page.push_str("</tbody></table>\n");

    page.push_str(
        "<table class=\"numbers\" id=\"labels\"><thead><tr><th>label</th><th>objects</th>\
         <th>images</th><th>of target</th><th>below 2&#xD7; min</th><th>tiny</th><th>small</th>\
         <th>medium</th><th>large</th><th>occluded</th></tr></thead><tbody>\n",
    );
    for (i, l) in stats.overall.labels.iter().enumerate() {
        let ptr = format!("/overall/labels/{i}");
        let rare = l.objects < stats.target_count;
        let _ = write!(
            page,
            "<tr{}><th scope=\"row\">{}</th>",
            if rare { " class=\"rare\"" } else { "" },
            escape(&l.name)
        );
        num_cell(page, &format!("{ptr}/objects"), &int(l.objects), "");
        num_cell(page, &format!("{ptr}/images"), &int(l.images), "");
        num_cell(
            page,
            &format!("{ptr}/share_of_target"),
            &percent(l.share_of_target),
            if rare { "alert" } else { "" },
        );
        num_cell(
            page,
            &format!("{ptr}/below_twice_min"),
            &int(l.below_twice_min),
            "",
        );
        for (name, n) in SIZE_BUCKET_NAMES.iter().zip(l.size_buckets) {
            num_cell(page, &format!("{ptr}/size_buckets/{name}"), &int(n), "");
        }
        num_cell(page, &format!("{ptr}/occluded"), &int(l.occluded), "");
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody></table>\n");
    if !stats.splits.is_empty() {
        per_split_table(stats, page);
    }
    page.push_str("</section>\n");
}

/// Objects per label and split, side by side.
fn per_split_table(stats: &Stats, page: &mut String) {
    page.push_str("<table class=\"numbers\" id=\"label-splits\"><thead><tr><th>label</th>");
    for name in stats.splits.keys() {
        let _ = write!(page, "<th>{}</th>", escape(name));
    }
    page.push_str("</tr></thead><tbody>\n");
    for (i, l) in stats.overall.labels.iter().enumerate() {
        let _ = write!(page, "<tr><th scope=\"row\">{}</th>", escape(&l.name));
        for (name, split) in &stats.splits {
            // The split's labels follow the label set as the overall ones do;
            // look the label up by name all the same.
            let found = split
                .labels
                .get(i)
                .filter(|s| s.name == l.name)
                .map(|s| (i, s))
                .or_else(|| {
                    split
                        .labels
                        .iter()
                        .enumerate()
                        .find(|(_, s)| s.name == l.name)
                });
            match found {
                Some((j, s)) => num_cell(
                    page,
                    &format!("/splits/{}/labels/{j}/objects", pointer_segment(name)),
                    &int(s.objects),
                    "",
                ),
                None => page.push_str("<td>0</td>"),
            }
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody></table>\n");
}

fn open_section(page: &mut String, id: &str, title: &str) {
    let _ = writeln!(
        page,
        "<section id=\"{id}\" class=\"plot\">\n<h2>{title}</h2>"
    );
}

fn note(page: &mut String, text: &str) {
    let _ = writeln!(page, "<p class=\"note\">{text}</p>");
}

fn labels_section(stats: &Stats, opts: &HtmlOptions, page: &mut String) -> io::Result<()> {
    let labels = &stats.overall.labels;
    if labels.is_empty() {
        return Ok(());
    }
    open_section(page, "labels-plot", "Labels against the target");
    let mut shown: Vec<&LabelStats> = labels.iter().collect();
    if shown.len() > opts.chart_labels {
        // The ones that need work: fewest objects first, then label order.
        let mut order: Vec<usize> = (0..labels.len()).collect();
        order.sort_by_key(|&i| (labels[i].objects, i));
        order.truncate(opts.chart_labels);
        order.sort_unstable();
        shown = order.into_iter().map(|i| &labels[i]).collect();
        note(
            page,
            &format!(
                "Showing the {} labels with the fewest objects of {}; the summary table lists all.",
                shown.len(),
                labels.len()
            ),
        );
    }
    let rare = labels
        .iter()
        .filter(|l| l.objects < stats.target_count)
        .count();
    note(
        page,
        &format!(
            "{rare} of {} labels are below the target of {} objects (highlighted).",
            labels.len(),
            int(stats.target_count)
        ),
    );
    let bars: Vec<plots::Bar> = shown
        .iter()
        .map(|l| plots::Bar {
            name: l.name.clone(),
            value: l.objects,
            alert: l.objects < stats.target_count,
        })
        .collect();
    let target = format!("target {}", int(stats.target_count));
    page.push_str(&plots::horizontal_bars(
        "Objects per label",
        "objects",
        &bars,
        Some((stats.target_count, &target)),
    )?);
    page.push_str("</section>\n");
    Ok(())
}

/// The labels' histograms added up bucket by bucket ([`stats`](crate::stats)
/// gives every label the same edges; one with other edges is left out and
/// counted).
fn merged<'a>(hists: impl Iterator<Item = &'a Histogram>) -> (Option<Histogram>, u64) {
    let mut total: Option<Histogram> = None;
    let mut skipped = 0;
    for h in hists {
        match &mut total {
            None => total = Some(h.clone()),
            Some(t) if t.edges == h.edges && t.counts.len() == h.counts.len() => {
                for (a, b) in t.counts.iter_mut().zip(&h.counts) {
                    *a = a.saturating_add(*b);
                }
            }
            Some(_) => skipped += 1,
        }
    }
    (total, skipped)
}

/// The buckets of `h` as (lower, upper, count) for a log axis: bucket `i`
/// ends at the next edge, the open last one at twice its edge, and a
/// bucket from 0 starts at half its upper edge.
fn log_buckets(h: &Histogram) -> Vec<(f64, f64, u64)> {
    h.edges
        .iter()
        .zip(&h.counts)
        .enumerate()
        .map(|(i, (&lo, &count))| {
            let hi = h.edges.get(i + 1).copied().unwrap_or(lo * 2.0);
            let lo = if lo > 0.0 { lo } else { hi / 2.0 };
            (lo, hi, count)
        })
        .collect()
}

fn sizes_section(stats: &Stats, page: &mut String) -> io::Result<()> {
    let labels = &stats.overall.labels;
    let measured = |l: &&LabelStats| l.widths.total() > 0;
    if !labels.iter().any(|l| measured(&l)) {
        return Ok(());
    }
    open_section(page, "sizes-plot", "Sizes");
    let (w_min, h_min) = stats.min_size;
    let pick = |f: fn(&LabelStats) -> &Histogram| merged(labels.iter().filter(measured).map(f));
    let hists = [
        ("Widths (px)", pick(|l| &l.widths), Some(w_min)),
        ("Heights (px)", pick(|l| &l.heights), Some(h_min)),
        ("Areas (px²)", pick(|l| &l.areas), Some(w_min * h_min)),
        ("Aspect ratio (width / height)", pick(|l| &l.aspect), None),
    ];
    let below: u64 = labels.iter().map(|l| l.below_twice_min).sum();
    let unmeasured: u64 = labels.iter().map(|l| l.unmeasured).sum();
    note(
        page,
        &format!(
            "All labels together, on a logarithmic scale; the lines mark the minimum size \
             ({w_min}&#xD7;{h_min} px) and twice it. {} objects are below twice the minimum.",
            int(below)
        ),
    );
    if unmeasured > 0 {
        note(
            page,
            &format!(
                "{} objects have no size in pixels (on images of unknown size, or without \
                 a box) and are not drawn.",
                int(unmeasured)
            ),
        );
    }
    let skipped: u64 = hists.iter().map(|h| h.1 .1).sum();
    if skipped > 0 {
        note(
            page,
            &format!("{skipped} label histograms with other bucket edges are left out."),
        );
    }
    let panels: Vec<plots::Panel> = hists
        .iter()
        .filter_map(|(title, (h, _), min)| {
            let h = h.as_ref()?;
            let marks = min
                .filter(|m| *m > 0.0)
                .map(|m| vec![(m, "min".to_owned()), (2.0 * m, "2× min".to_owned())])
                .unwrap_or_default();
            Some(plots::Panel {
                title: (*title).to_owned(),
                buckets: log_buckets(h),
                marks,
            })
        })
        .collect();
    page.push_str(&plots::log_histograms(&panels, 2)?);
    page.push_str("</section>\n");
    Ok(())
}

/// The name of bucket `i` of a histogram of counts: `3`, or `10–14` when
/// the bucket spans several values, or `200+` for the open last one.
fn bucket_name(edges: &[f64], i: usize) -> String {
    let lo = edges.get(i).copied().unwrap_or(0.0);
    match edges.get(i + 1) {
        Some(hi) if *hi - lo > 1.0 => format!("{lo}–{}", hi - 1.0),
        Some(_) => format!("{lo}"),
        None => format!("{lo}+"),
    }
}

fn objects_per_image_section(s: &SplitStats, page: &mut String) -> io::Result<()> {
    let h = &s.objects_per_image;
    if h.counts.is_empty() {
        return Ok(());
    }
    open_section(page, "objects-per-image-plot", "Objects per image");
    note(
        page,
        &format!(
            "{} images, {} of them empty.",
            int(s.images),
            int(s.empty_images)
        ),
    );
    let names: Vec<String> = (0..h.counts.len())
        .map(|i| bucket_name(&h.edges, i))
        .collect();
    page.push_str(&plots::vertical_bars(
        "Images by number of objects",
        "objects in the image",
        &names,
        &h.counts,
    )?);
    page.push_str("</section>\n");
    Ok(())
}

fn heat_section(stats: &Stats, opts: &HtmlOptions, page: &mut String) -> io::Result<()> {
    let labels = &stats.overall.labels;
    let mut order: Vec<usize> = (0..labels.len())
        .filter(|&i| labels[i].heat.counts.iter().any(|&c| c > 0))
        .collect();
    if order.is_empty() || opts.heat_maps == 0 {
        return Ok(());
    }
    open_section(page, "heat-plot", "Where objects lie in the frame");
    let with = order.len();
    order.sort_by_key(|&i| (std::cmp::Reverse(labels[i].objects), i));
    order.truncate(opts.heat_maps);
    if with > order.len() {
        note(
            page,
            &format!(
                "Heat maps of the {} labels with the most objects, of {with} with boxes.",
                order.len()
            ),
        );
    }
    note(
        page,
        "Box centres relative to the image; each map is scaled to its own busiest cell.",
    );
    let maps: Vec<plots::Heat<'_>> = order
        .iter()
        .map(|&i| {
            let h = &labels[i].heat;
            plots::Heat {
                name: &labels[i].name,
                cols: h.cols,
                rows: h.rows,
                counts: &h.counts,
            }
        })
        .collect();
    page.push_str(&plots::heat_maps(&maps, 6)?);
    page.push_str("</section>\n");
    Ok(())
}

/// Split balance: per label, its share of each split's objects side by
/// side; labels with a balance note (a difference above the threshold) are
/// highlighted, and every note is listed.
fn balance_section(stats: &Stats, page: &mut String) -> io::Result<()> {
    if stats.splits.len() < 2 {
        return Ok(());
    }
    open_section(page, "balance-plot", "Split balance");
    let series: Vec<String> = stats.splits.keys().cloned().collect();
    let noted = |what: &str| stats.balance.iter().any(|n| n.what == what);
    let groups: Vec<plots::Group> = stats
        .overall
        .labels
        .iter()
        .map(|l| plots::Group {
            name: l.name.clone(),
            values: stats
                .splits
                .values()
                .map(|s| {
                    let objects = s
                        .labels
                        .iter()
                        .find(|x| x.name == l.name)
                        .map_or(0, |x| x.objects);
                    share(objects, s.objects)
                })
                .collect(),
            alert: noted(&format!("label {}", l.name)),
        })
        .collect();
    note(
        page,
        &format!(
            "Each label's share of its split's objects. {} differences between splits \
             are above the threshold (highlighted).",
            stats.balance.len()
        ),
    );
    page.push_str(&plots::grouped_bars(
        "Share of objects per split",
        "share of the split's objects",
        &series,
        &groups,
        true,
    )?);
    if !stats.balance.is_empty() {
        page.push_str("<table class=\"numbers\" id=\"balance\"><thead><tr><th>what</th>");
        for name in &series {
            let _ = write!(page, "<th>{}</th>", escape(name));
        }
        page.push_str("<th>difference</th></tr></thead><tbody>\n");
        for (i, n) in stats.balance.iter().enumerate() {
            let _ = write!(
                page,
                "<tr class=\"alert\"><th scope=\"row\">{}</th>",
                escape(&n.what)
            );
            for name in &series {
                match n.shares.get(name) {
                    Some(v) => num_cell(
                        page,
                        &format!("/balance/{i}/shares/{}", pointer_segment(name)),
                        &percent(*v),
                        "",
                    ),
                    None => page.push_str("<td></td>"),
                }
            }
            num_cell(
                page,
                &format!("/balance/{i}/difference"),
                &percent(n.difference),
                "alert",
            );
            page.push_str("</tr>\n");
        }
        page.push_str("</tbody></table>\n");
    }
    page.push_str("</section>\n");
    Ok(())
}

/// `part` of `whole` as a share, 0 when `whole` is 0.
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The passes: per companion group, how many objects carry one of its
/// labels.
fn companions_section(s: &SplitStats, page: &mut String) -> io::Result<()> {
    if s.companions.is_empty() {
        return Ok(());
    }
    open_section(page, "companions-plot", "Passes");
    note(
        page,
        "Per companion group of the schema: the objects that carry one of its labels.",
    );
    let bars: Vec<plots::Progress> = s
        .companions
        .iter()
        .map(|c| plots::Progress {
            name: format!("{}: {}", c.object, c.one_of.join(" | ")),
            done: c.with_companion,
            total: c.objects,
        })
        .collect();
    page.push_str(&plots::progress_bars("Objects with a companion", &bars)?);
    page.push_str(
        "<table class=\"numbers\" id=\"companions\"><thead><tr><th>object</th><th>objects</th>\
         <th>with one</th><th>with several</th><th>per companion</th></tr></thead><tbody>\n",
    );
    for (i, c) in s.companions.iter().enumerate() {
        let ptr = format!("/overall/companions/{i}");
        let _ = write!(page, "<tr><th scope=\"row\">{}</th>", escape(&c.object));
        num_cell(page, &format!("{ptr}/objects"), &int(c.objects), "");
        num_cell(
            page,
            &format!("{ptr}/with_companion"),
            &int(c.with_companion),
            "",
        );
        num_cell(
            page,
            &format!("{ptr}/with_several"),
            &int(c.with_several),
            if c.with_several > 0 { "alert" } else { "" },
        );
        page.push_str("<td class=\"list\">");
        for (j, (name, n)) in c.per_companion.iter().enumerate() {
            let _ = write!(
                page,
                "{}{}: <span data-json=\"{ptr}/per_companion/{j}/objects\">{}</span>",
                if j > 0 { ", " } else { "" },
                escape(name),
                int(*n)
            );
        }
        page.push_str("</td></tr>\n");
    }
    page.push_str("</tbody></table>\n</section>\n");
    Ok(())
}

/// At most this many points in the keypoint plot.
const KEYPOINT_ROWS: usize = 80;

fn keypoints_section(s: &SplitStats, page: &mut String) -> io::Result<()> {
    let rows: Vec<plots::Stack> = s
        .keypoints
        .iter()
        .flat_map(|k| {
            k.points.iter().map(move |p| plots::Stack {
                name: format!("{}: {}", k.label, p.name),
                counts: vec![p.visible, p.occluded, p.absent],
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    open_section(page, "keypoints-plot", "Keypoint visibility");
    let total = rows.len();
    let rows: Vec<plots::Stack> = rows.into_iter().take(KEYPOINT_ROWS).collect();
    if total > rows.len() {
        note(
            page,
            &format!("The first {} points of {total}.", rows.len()),
        );
    }
    page.push_str(&plots::stacked_bars(
        "Visibility per point",
        &["visible", "occluded", "absent"],
        &rows,
    )?);
    page.push_str(
        "<table class=\"numbers\" id=\"keypoints\"><thead><tr><th>point</th><th>visible</th>\
         <th>occluded</th><th>absent</th></tr></thead><tbody>\n",
    );
    let mut shown = 0;
    'labels: for (i, k) in s.keypoints.iter().enumerate() {
        for (j, p) in k.points.iter().enumerate() {
            if shown == KEYPOINT_ROWS {
                break 'labels;
            }
            shown += 1;
            let ptr = format!("/overall/keypoints/{i}/points/{j}");
            let _ = write!(
                page,
                "<tr><th scope=\"row\">{}: {}</th>",
                escape(&k.label),
                escape(&p.name)
            );
            num_cell(page, &format!("{ptr}/visible"), &int(p.visible), "");
            num_cell(page, &format!("{ptr}/occluded"), &int(p.occluded), "");
            num_cell(page, &format!("{ptr}/absent"), &int(p.absent), "");
            page.push_str("</tr>\n");
        }
    }
    page.push_str("</tbody></table>\n</section>\n");
    Ok(())
}

/// The comparison view: per label the objects of both datasets side by
/// side, and a table of the counts and their differences. Its numbers
/// carry their pointer into
/// [`write_comparison_json`](crate::write_comparison_json)'s output
/// (`data-compare-json`).
fn compare_section(c: &Comparison, opts: &HtmlOptions, page: &mut String) -> io::Result<()> {
    open_section(page, "compare-plot", "Compared with the other dataset");
    let mut shown: Vec<usize> = (0..c.labels.len()).collect();
    if shown.len() > opts.chart_labels {
        // The labels that changed most.
        shown.sort_by_key(|&i| {
            (
                std::cmp::Reverse(c.labels[i].objects.delta().unsigned_abs()),
                i,
            )
        });
        shown.truncate(opts.chart_labels);
        shown.sort_unstable();
        note(
            page,
            &format!(
                "Showing the {} labels that changed most of {}; the table lists all.",
                shown.len(),
                c.labels.len()
            ),
        );
    }
    note(
        page,
        "This dataset (upper bar) against the other (lower bar); labels below the target \
         in this dataset are highlighted.",
    );
    let groups: Vec<plots::Group> = shown
        .iter()
        .map(|&i| {
            let l = &c.labels[i];
            plots::Group {
                name: l.name.clone(),
                values: vec![l.objects.a as f64, l.objects.b as f64],
                alert: l.objects.a < c.target_count,
            }
        })
        .collect();
    page.push_str(&plots::grouped_bars(
        "Objects per label",
        "objects",
        &["this dataset".to_owned(), "other dataset".to_owned()],
        &groups,
        false,
    )?);
    page.push_str(
        "<table class=\"numbers\" id=\"compare\"><thead><tr><th></th><th>this</th><th>other</th>\
         <th>other &#x2212; this</th></tr></thead><tbody>\n",
    );
    let row = |page: &mut String, name: &str, ptr: &str, d: CountDelta| {
        let _ = write!(page, "<tr><th scope=\"row\">{}</th>", escape(name));
        let _ = writeln!(
            page,
            "<td data-compare-json=\"{ptr}/a\">{}</td><td data-compare-json=\"{ptr}/b\">{}</td>\
             <td data-compare-json=\"{ptr}/delta\">{}</td></tr>",
            int(d.a),
            int(d.b),
            signed(d.delta())
        );
    };
    row(page, "images", "/images", c.images);
    row(page, "empty images", "/empty_images", c.empty_images);
    row(page, "objects", "/objects", c.objects);
    for (i, l) in c.labels.iter().enumerate() {
        row(
            page,
            &format!("{} (objects)", l.name),
            &format!("/labels/{i}/objects"),
            l.objects,
        );
    }
    page.push_str("</tbody></table>\n</section>\n");
    Ok(())
}

/// A difference with its sign and thousands separators.
fn signed(n: i64) -> String {
    let sign = match n.signum() {
        1 => "+",
        -1 => "−",
        _ => "",
    };
    format!("{sign}{}", int(n.unsigned_abs()))
}

/// At most this many values per attribute in the attribute table.
const ATTRIBUTE_VALUES: usize = 50;

/// Attribute values, crowded images and image sizes as tables.
fn tables_section(s: &SplitStats, page: &mut String) {
    page.push_str("<section id=\"details\" class=\"table\">\n<h2>Details</h2>\n");
    if !s.attributes.is_empty() {
        page.push_str(
            "<h3>Attributes</h3>\n<table class=\"numbers\" id=\"attributes\"><thead><tr>\
             <th>label</th><th>attribute</th><th>value</th><th>objects</th></tr></thead><tbody>\n",
        );
        for (i, a) in s.attributes.iter().enumerate() {
            let mut values: Vec<(&String, &u64)> = a.values.iter().collect();
            values.sort_by(|x, y| y.1.cmp(x.1).then_with(|| x.0.cmp(y.0)));
            let omitted = values.len().saturating_sub(ATTRIBUTE_VALUES);
            for (value, n) in values.into_iter().take(ATTRIBUTE_VALUES) {
                let _ = write!(
                    page,
                    "<tr><th scope=\"row\">{}</th><td class=\"text\">{}</td><td class=\"text\">{}</td>",
                    escape(&a.label),
                    escape(&a.name),
                    escape(value)
                );
                num_cell(
                    page,
                    &format!("/overall/attributes/{i}/values/{}", pointer_segment(value)),
                    &int(*n),
                    "",
                );
                page.push_str("</tr>\n");
            }
            if omitted > 0 {
                let _ = writeln!(
                    page,
                    "<tr><th scope=\"row\">{}</th><td class=\"text\">{}</td>\
                     <td class=\"text\" colspan=\"2\">{omitted} more values (see the JSON output)</td></tr>",
                    escape(&a.label),
                    escape(&a.name)
                );
            }
        }
        page.push_str("</tbody></table>\n");
    }
    if !s.crowded.is_empty() {
        page.push_str(
            "<h3>Crowded images</h3>\n<table class=\"numbers\" id=\"crowded\"><thead><tr>\
             <th>image</th><th>objects</th></tr></thead><tbody>\n",
        );
        for (i, (file, n)) in s.crowded.iter().enumerate() {
            let _ = write!(page, "<tr><th scope=\"row\">{}</th>", escape(file));
            num_cell(page, &format!("/overall/crowded/{i}/objects"), &int(*n), "");
            page.push_str("</tr>\n");
        }
        page.push_str("</tbody></table>\n");
    }
    if !s.image_sizes.is_empty() {
        page.push_str(
            "<h3>Image sizes</h3>\n<table class=\"numbers\" id=\"image-sizes\"><thead><tr>\
             <th>width &#xD7; height</th><th>images</th></tr></thead><tbody>\n",
        );
        for (i, ((w, h), n)) in s.image_sizes.iter().enumerate() {
            let _ = write!(page, "<tr><th scope=\"row\">{w} &#xD7; {h}</th>");
            num_cell(
                page,
                &format!("/overall/image_sizes/{i}/images"),
                &int(*n),
                "",
            );
            page.push_str("</tr>\n");
        }
        if s.image_sizes_omitted > 0 {
            let _ = write!(page, "<tr><th scope=\"row\">other sizes</th>");
            num_cell(
                page,
                "/overall/image_sizes_omitted",
                &int(s.image_sizes_omitted),
                "",
            );
            page.push_str("</tr>\n");
        }
        page.push_str("</tbody></table>\n");
    }
    page.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_markup_text() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn pointer_segments_follow_rfc_6901() {
        assert_eq!(pointer_segment("a/b~c"), "a~1b~0c");
        assert_eq!(pointer_segment("<x>"), "&lt;x&gt;");
    }

    #[test]
    fn numbers_have_separators_and_signs() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(1_234_567), "1,234,567");
        assert_eq!(signed(-1234), "−1,234");
        assert_eq!(signed(5), "+5");
        assert_eq!(signed(0), "0");
        assert_eq!(percent(0.0525), "5.2%");
    }

    #[test]
    fn count_buckets_are_named_by_their_values() {
        let edges = [0.0, 1.0, 2.0, 10.0, 15.0, 200.0];
        let names: Vec<String> = (0..edges.len()).map(|i| bucket_name(&edges, i)).collect();
        assert_eq!(names, ["0", "1", "2–9", "10–14", "15–199", "200+"]);
    }

    #[test]
    fn log_buckets_end_at_the_next_edge_and_start_above_zero() {
        let h = Histogram {
            edges: vec![0.0, 1.0, 3.0, 8.0],
            counts: vec![4, 5, 6, 7],
        };
        assert_eq!(
            log_buckets(&h),
            [(0.5, 1.0, 4), (1.0, 3.0, 5), (3.0, 8.0, 6), (8.0, 16.0, 7)]
        );
    }

    #[test]
    fn histograms_with_the_same_edges_add_up() {
        let a = Histogram {
            edges: vec![0.0, 1.0],
            counts: vec![1, 2],
        };
        let b = Histogram {
            edges: vec![0.0, 1.0],
            counts: vec![10, 20],
        };
        let other = Histogram {
            edges: vec![0.0, 2.0],
            counts: vec![100, 200],
        };
        let (sum, skipped) = merged([&a, &b, &other].into_iter());
        assert_eq!(sum.unwrap().counts, [11, 22]);
        assert_eq!(skipped, 1);
    }

    #[test]
    fn the_theme_maps_every_plot_colour_in_both_schemes() {
        let css = plots::theme_css();
        let dark = css.find("@media (prefers-color-scheme: dark)").unwrap();
        // Each variable is set for the light scheme and again for the dark.
        for var in [
            "--plot-fg",
            "--plot-bar",
            "--plot-alert",
            "--plot-mark",
            "--plot-heat",
        ] {
            assert!(css[..dark].contains(&format!("{var}:")), "{var} light");
            assert!(css[dark..].contains(&format!("{var}:")), "{var} dark");
        }
        // Axes and text as plotters writes them are restyled.
        assert!(css.contains("svg [fill=\"#1B1F24\"]{fill:var(--plot-fg)}"));
        assert!(css.contains("svg [stroke=\"#1B1F24\"]{stroke:var(--plot-fg)}"));
    }
}
