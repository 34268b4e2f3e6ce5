//! The page's plots, drawn with plotters' SVG backend into strings.
//!
//! Each function draws one `<svg>`; several panels of one section (the
//! size histograms, the heat maps) are one drawing split into areas, so a
//! section holds exactly one plot. Colours are the palette below: each is
//! a readable light-scheme colour that the page's CSS maps, by the
//! `fill`/`stroke` attribute plotters writes, to a variable that the dark
//! scheme redefines ([`theme_css`]). Text from the dataset reaches the SVG
//! through plotters, which escapes `<`, `>`, `&` and quotes.

use std::fmt::Write as _;
use std::io;

use plotters::chart::{ChartContext, MeshStyle};
use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

/// Text and axes.
pub(crate) const FG: RGBColor = RGBColor(0x1B, 0x1F, 0x24);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0xD0, 0xD7, 0xDE);
/// Ordinary bars.
pub(crate) const BAR: RGBColor = RGBColor(0x2F, 0x6F, 0xB3);
/// What needs attention: labels below the target, differences above the
/// threshold.
pub(crate) const ALERT: RGBColor = RGBColor(0xC8, 0x37, 0x2D);
/// Reference lines: the target count, the minimum size.
pub(crate) const MARK: RGBColor = RGBColor(0x8A, 0x5A, 0x00);
/// Heat-map cells (their opacity carries the count).
pub(crate) const HEAT: RGBColor = RGBColor(0xD9, 0x48, 0x0F);
/// One colour per split or side, cycled.
pub(crate) const SERIES: [RGBColor; 6] = [
    RGBColor(0x2F, 0x6F, 0xB3),
    RGBColor(0xE0, 0x7B, 0x00),
    RGBColor(0x2E, 0x9E, 0x5B),
    RGBColor(0x8E, 0x5C, 0xC2),
    RGBColor(0xC2, 0x18, 0x5B),
    RGBColor(0x00, 0x83, 0x8F),
];

/// The palette with the CSS variable that carries each colour, light
/// value first, dark value second.
const THEME: [(RGBColor, &str, &str, &str); 12] = [
    (FG, "--plot-fg", "#1B1F24", "#E6EDF3"),
    (GRID, "--plot-grid", "#D0D7DE", "#30363D"),
    (BAR, "--plot-bar", "#2F6FB3", "#58A6FF"),
    (ALERT, "--plot-alert", "#C8372D", "#FF7B72"),
    (MARK, "--plot-mark", "#8A5A00", "#E3B341"),
    (HEAT, "--plot-heat", "#D9480F", "#FFA657"),
    (SERIES[0], "--plot-s0", "#2F6FB3", "#58A6FF"),
    (SERIES[1], "--plot-s1", "#E07B00", "#F0883E"),
    (SERIES[2], "--plot-s2", "#2E9E5B", "#56D364"),
    (SERIES[3], "--plot-s3", "#8E5CC2", "#BC8CFF"),
    (SERIES[4], "--plot-s4", "#C2185B", "#FF7EB6"),
    (SERIES[5], "--plot-s5", "#00838F", "#39C5CF"),
];

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// The CSS that themes the plots: variables for both schemes and one rule
/// per palette colour and attribute (CSS outranks SVG presentation
/// attributes). [`BAR`] and `SERIES[0]` share a colour and so a rule.
pub(crate) fn theme_css() -> String {
    let mut css = String::from(":root{");
    for (_, var, light, _) in THEME {
        let _ = write!(css, "{var}:{light};");
    }
    css.push_str("}\n@media (prefers-color-scheme: dark){:root{");
    for (_, var, _, dark) in THEME {
        let _ = write!(css, "{var}:{dark};");
    }
    css.push_str("}}\n");
    let mut seen = Vec::new();
    for (color, var, _, _) in THEME {
        let hex = hex(color);
        if seen.contains(&hex) {
            continue;
        }
        let _ = writeln!(
            css,
            "svg [fill=\"{hex}\"]{{fill:var({var})}}svg [stroke=\"{hex}\"]{{stroke:var({var})}}"
        );
        seen.push(hex);
    }
    css
}

fn err<E: std::fmt::Display>(e: E) -> io::Error {
    io::Error::other(format!("drawing a plot: {e}"))
}

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&FG)
}

/// Names in a plot are cut to this many characters; the tables show them
/// whole.
const NAME_CHARS: usize = 28;

pub(crate) fn short(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        name.to_owned()
    } else {
        let mut s: String = name.chars().take(NAME_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// The page's mesh: axes and labels in the text colour, major grid lines
/// only.
fn themed<'m, 'a, 'b, X, Y, XT, YT, DB>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
    DB: DrawingBackend,
{
    mesh.axis_style(FG)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .label_style(font(12))
        .axis_desc_style(font(13))
}

/// The legend of the series drawn with [`legend_mark`], at `position`.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> io::Result<()> {
    chart
        .configure_series_labels()
        .label_font(font(12))
        .border_style(GRID)
        .background_style(TRANSPARENT)
        .position(position)
        .draw()
        .map_err(err)
}

/// A series' square in the legend.
fn legend_mark(color: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
}

/// Draws into a string of `w` x `h` pixels.
fn svg(
    w: u32,
    h: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> io::Result<()>,
) -> io::Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// The label of segment `v` among `names`.
fn segment_name(names: &[String], v: &SegmentValue<i32>) -> String {
    match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => usize::try_from(*i)
            .ok()
            .and_then(|i| names.get(i))
            .map(|n| short(n))
            .unwrap_or_default(),
        SegmentValue::Last => String::new(),
    }
}

/// Horizontal charts list their first row on top: row `i` is drawn in
/// segment `n - 1 - i`, and the axis names segment `s` after row
/// `n - 1 - s`.
fn flip(n: i32, v: &SegmentValue<i32>) -> SegmentValue<i32> {
    match v {
        SegmentValue::CenterOf(i) => SegmentValue::CenterOf(n - 1 - i),
        SegmentValue::Exact(i) => SegmentValue::Exact(n - 1 - i),
        SegmentValue::Last => SegmentValue::Last,
    }
}

fn count_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One bar of [`horizontal_bars`].
#[derive(Debug)]
pub(crate) struct Bar {
    pub(crate) name: String,
    pub(crate) value: u64,
    pub(crate) alert: bool,
}

/// Horizontal bars, one row per name, with an optional reference line
/// (the target count) across them.
pub(crate) fn horizontal_bars(
    caption: &str,
    x_desc: &str,
    bars: &[Bar],
    reference: Option<(u64, &str)>,
) -> io::Result<String> {
    let n = count_i32(bars.len().max(1));
    let max = bars
        .iter()
        .map(|b| b.value)
        .chain(reference.map(|r| r.0))
        .max()
        .unwrap_or(0)
        .max(1);
    let x_max = max as f64 * 1.08;
    let names: Vec<String> = bars.iter().map(|b| b.name.clone()).collect();
    let height = 90 + 18 * u32::try_from(bars.len().max(1)).unwrap_or(u32::MAX / 32);
    svg(900, height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .caption(caption, font(16))
            .x_label_area_size(36)
            .y_label_area_size(200)
            .build_cartesian_2d(0f64..x_max, (0..n).into_segmented())
            .map_err(err)?;
        themed(&mut chart.configure_mesh())
            .x_desc(x_desc)
            .y_labels(bars.len().max(1))
            .y_label_formatter(&|v| segment_name(&names, &flip(n, v)))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let i = n - 1 - count_i32(i);
                let color = if b.alert { ALERT } else { BAR };
                let mut r = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (b.value as f64, SegmentValue::Exact(i + 1)),
                    ],
                    color.filled(),
                );
                r.set_margin(3, 3, 0, 0);
                r
            }))
            .map_err(err)?;
        if let Some((value, name)) = reference {
            let x = value as f64;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, SegmentValue::Exact(0)), (x, SegmentValue::Last)],
                    MARK.stroke_width(2),
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    name.to_owned(),
                    (x, SegmentValue::Last),
                    font(12).color(&MARK),
                )))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// One panel of [`log_histograms`]: buckets (lower and upper bound,
/// count) and reference lines.
#[derive(Debug)]
pub(crate) struct Panel {
    pub(crate) title: String,
    pub(crate) buckets: Vec<(f64, f64, u64)>,
    pub(crate) marks: Vec<(f64, String)>,
}

/// Histograms on a logarithmic x axis, side by side, each with its
/// reference lines. Buckets must have positive bounds (a log axis has no
/// zero).
pub(crate) fn log_histograms(panels: &[Panel], per_row: usize) -> io::Result<String> {
    let per_row = per_row.max(1);
    let rows = panels.len().div_ceil(per_row).max(1);
    let height = 260 * u32::try_from(rows).unwrap_or(1);
    svg(900, height, |root| {
        let areas = root.split_evenly((rows, per_row));
        for (panel, area) in panels.iter().zip(&areas) {
            let buckets: Vec<(f64, f64, u64)> = panel
                .buckets
                .iter()
                .copied()
                .filter(|&(lo, hi, _)| lo > 0.0 && hi > lo && hi.is_finite())
                .collect();
            // The axis spans the buckets that hold something and the marks.
            let lo = buckets
                .iter()
                .filter(|b| b.2 > 0)
                .map(|b| b.0)
                .chain(panel.marks.iter().map(|m| m.0 / 1.5))
                .filter(|v| *v > 0.0)
                .fold(f64::INFINITY, f64::min);
            let hi = buckets
                .iter()
                .filter(|b| b.2 > 0)
                .map(|b| b.1)
                .chain(panel.marks.iter().map(|m| m.0 * 1.5))
                .fold(0.0, f64::max);
            let (lo, hi) = if lo.is_finite() && hi > lo {
                (lo, hi)
            } else {
                (1.0, 10.0)
            };
            let buckets: Vec<(f64, f64, u64)> = buckets
                .into_iter()
                .filter(|b| b.1 > lo && b.0 < hi)
                .map(|(l, h, c)| (l.max(lo), h.min(hi), c))
                .collect();
            let y_max = buckets.iter().map(|b| b.2).max().unwrap_or(0).max(1);
            let y_max = y_max + y_max / 10 + 1;
            let mut chart = ChartBuilder::on(area)
                .margin(8)
                .caption(&panel.title, font(14))
                .x_label_area_size(30)
                .y_label_area_size(56)
                .build_cartesian_2d((lo..hi).log_scale(), 0u64..y_max)
                .map_err(err)?;
            themed(&mut chart.configure_mesh())
                .label_style(font(11))
                .x_labels(6)
                .y_labels(5)
                .x_label_formatter(&|v| format_tick(*v))
                .draw()
                .map_err(err)?;
            chart
                .draw_series(buckets.iter().map(|&(l, h, c)| {
                    let mut r = Rectangle::new([(l, 0), (h, c)], BAR.mix(0.85).filled());
                    r.set_margin(0, 0, 1, 1);
                    r
                }))
                .map_err(err)?;
            for (x, name) in &panel.marks {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*x, 0), (*x, y_max)],
                        MARK.stroke_width(2),
                    )))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        name.clone(),
                        (*x, y_max),
                        font(11).color(&MARK),
                    )))
                    .map_err(err)?;
            }
        }
        Ok(())
    })
}

/// A tick value without needless decimals.
fn format_tick(v: f64) -> String {
    if v >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Vertical bars over named buckets (objects per image).
pub(crate) fn vertical_bars(
    caption: &str,
    x_desc: &str,
    names: &[String],
    counts: &[u64],
) -> io::Result<String> {
    let n = count_i32(names.len().max(1));
    let y_max = counts.iter().copied().max().unwrap_or(0).max(1);
    let y_max = y_max + y_max / 10 + 1;
    svg(900, 320, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .caption(caption, font(16))
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0..n).into_segmented(), 0u64..y_max)
            .map_err(err)?;
        themed(&mut chart.configure_mesh())
            .x_desc(x_desc)
            .y_desc("images")
            .x_labels(names.len().max(1))
            .x_label_formatter(&|v| segment_name(names, v))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &c)| {
                let i = count_i32(i);
                let mut r = Rectangle::new(
                    [(SegmentValue::Exact(i), 0), (SegmentValue::Exact(i + 1), c)],
                    BAR.filled(),
                );
                r.set_margin(0, 0, 4, 4);
                r
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// One heat map: `cols` x `rows` counts, row-major from the top-left.
#[derive(Debug)]
pub(crate) struct Heat<'a> {
    pub(crate) name: &'a str,
    pub(crate) cols: u16,
    pub(crate) rows: u16,
    pub(crate) counts: &'a [u64],
}

/// Heat maps side by side, each normalised to its own largest cell (a
/// cell's opacity is its count over that maximum).
pub(crate) fn heat_maps(maps: &[Heat<'_>], per_row: usize) -> io::Result<String> {
    let per_row = per_row.max(1);
    let rows = maps.len().div_ceil(per_row).max(1);
    let width = 900u32;
    let cell = width / u32::try_from(per_row).unwrap_or(1);
    let height = cell * u32::try_from(rows).unwrap_or(1);
    svg(width, height, |root| {
        let areas = root.split_evenly((rows, per_row));
        for (map, area) in maps.iter().zip(&areas) {
            let (cols, rows) = (i32::from(map.cols.max(1)), i32::from(map.rows.max(1)));
            let max = map.counts.iter().copied().max().unwrap_or(0).max(1);
            let mut chart = ChartBuilder::on(area)
                .margin(6)
                .caption(short(map.name), font(13))
                .build_cartesian_2d(0..cols, 0..rows)
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0, 0), (cols, rows)],
                    GRID.stroke_width(1),
                )))
                .map_err(err)?;
            chart
                .draw_series(map.counts.iter().enumerate().filter(|(_, &c)| c > 0).map(
                    |(i, &c)| {
                        let i = count_i32(i);
                        let (x, y) = (i % cols, rows - 1 - i / cols);
                        let alpha = 0.12 + 0.88 * (c as f64 / max as f64);
                        Rectangle::new([(x, y), (x + 1, y + 1)], HEAT.mix(alpha).filled())
                    },
                ))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// One progress bar: `done` of `total`.
#[derive(Debug)]
pub(crate) struct Progress {
    pub(crate) name: String,
    pub(crate) done: u64,
    pub(crate) total: u64,
}

/// The right end of the progress bars' axis: 100 % and, beyond it, room
/// for each bar's figures, written on the page's background rather than
/// over the bar (where dark text on the bar's colour is hard to read) and
/// leaving the `100%` tick clear of the plot's edge.
const PROGRESS_X_END: f64 = 135.0;

/// Progress bars, 0 to 100 %, each with its share written beside it.
pub(crate) fn progress_bars(caption: &str, bars: &[Progress]) -> io::Result<String> {
    let n = count_i32(bars.len().max(1));
    let names: Vec<String> = bars.iter().map(|b| b.name.clone()).collect();
    let height = 90 + 24 * u32::try_from(bars.len().max(1)).unwrap_or(u32::MAX / 32);
    svg(900, height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .caption(caption, font(16))
            .x_label_area_size(30)
            .y_label_area_size(260)
            .build_cartesian_2d(0f64..PROGRESS_X_END, (0..n).into_segmented())
            .map_err(err)?;
        themed(&mut chart.configure_mesh())
            .y_labels(bars.len().max(1))
            .y_label_formatter(&|v| segment_name(&names, &flip(n, v)))
            .x_label_formatter(&|v| {
                if *v > 100.5 {
                    String::new()
                } else {
                    format!("{v:.0}%")
                }
            })
            .draw()
            .map_err(err)?;
        let pct = |b: &Progress| {
            if b.total == 0 {
                0.0
            } else {
                100.0 * b.done as f64 / b.total as f64
            }
        };
        chart
            .draw_series(bars.iter().enumerate().flat_map(|(i, b)| {
                let i = n - 1 - count_i32(i);
                let mut back = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (100.0, SegmentValue::Exact(i + 1)),
                    ],
                    GRID.filled(),
                );
                back.set_margin(4, 4, 0, 0);
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (pct(b), SegmentValue::Exact(i + 1)),
                    ],
                    BAR.filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                [back, bar]
            }))
            .map_err(err)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                Text::new(
                    format!("{} / {} ({:.1}%)", b.done, b.total, pct(b)),
                    (102.0, SegmentValue::CenterOf(n - 1 - count_i32(i))),
                    font(12),
                )
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// One group of [`grouped_bars`]: a value per series.
#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) name: String,
    pub(crate) values: Vec<f64>,
    pub(crate) alert: bool,
}

/// Grouped horizontal bars: per group (one row, named on the axis) one
/// bar per series (the splits' shares, or the two sides of a comparison),
/// a legend, and a band behind each group marked `alert`.
pub(crate) fn grouped_bars(
    caption: &str,
    x_desc: &str,
    series: &[String],
    groups: &[Group],
    percent: bool,
) -> io::Result<String> {
    let n = groups.len().max(1);
    let k = series.len().max(1);
    let x_max = groups
        .iter()
        .flat_map(|g| g.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let x_max = if x_max > 0.0 { x_max * 1.3 } else { 1.0 };
    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    // Row `i` (from the top) is centred on y = n - 1 - i and spans one
    // unit, so the axis' integer ticks fall on the rows and name them.
    let top = n as f64 - 0.5;
    let y = |i: usize| (n - 1 - i) as f64;
    let row_px = 8 + 10 * k;
    let height = u32::try_from(100 + row_px * n).unwrap_or(u32::MAX / 2);
    svg(900, height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .caption(caption, font(16))
            .x_label_area_size(36)
            .y_label_area_size(200)
            .build_cartesian_2d(0f64..x_max, -0.5f64..top)
            .map_err(err)?;
        themed(&mut chart.configure_mesh())
            .x_desc(x_desc)
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() > 1e-6 || i < 0.0 || i >= n as f64 {
                    return String::new();
                }
                // 0 <= i < n, an integer.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let row = n - 1 - i as usize;
                names.get(row).map(|s| short(s)).unwrap_or_default()
            })
            .x_label_formatter(&|v| {
                if percent {
                    format!("{:.0}%", v * 100.0)
                } else {
                    format!("{v:.0}")
                }
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                groups
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.alert)
                    .map(|(i, _)| {
                        let c = y(i);
                        Rectangle::new([(0.0, c - 0.5), (x_max, c + 0.5)], ALERT.mix(0.12).filled())
                    }),
            )
            .map_err(err)?;
        let slot = 0.8 / k as f64;
        for (s, name) in series.iter().enumerate() {
            let color = SERIES[s % SERIES.len()];
            chart
                .draw_series(groups.iter().enumerate().filter_map(|(i, g)| {
                    let v = *g.values.get(s)?;
                    let hi = y(i) + 0.4 - slot * s as f64;
                    Some(Rectangle::new(
                        [(0.0, hi - slot * 0.9), (v.max(0.0), hi)],
                        color.filled(),
                    ))
                }))
                .map_err(err)?
                .label(short(name))
                .legend(legend_mark(color));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}

/// One row of [`stacked_bars`]: counts per key.
#[derive(Debug)]
pub(crate) struct Stack {
    pub(crate) name: String,
    pub(crate) counts: Vec<u64>,
}

/// Horizontal bars of 100 %, each split by key (keypoint visibility per
/// point), with a legend.
pub(crate) fn stacked_bars(caption: &str, keys: &[&str], rows: &[Stack]) -> io::Result<String> {
    let n = count_i32(rows.len().max(1));
    // Rows at the top for the legend, one per key.
    let legend_rows = count_i32(keys.len().max(1));
    let names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    let height = 110 + 20 * u32::try_from(rows.len().max(1) + keys.len()).unwrap_or(u32::MAX / 32);
    svg(900, height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .caption(caption, font(16))
            .x_label_area_size(30)
            .y_label_area_size(260)
            .build_cartesian_2d(0f64..100.0, (0..n + legend_rows).into_segmented())
            .map_err(err)?;
        themed(&mut chart.configure_mesh())
            .y_labels(rows.len().max(1) + keys.len().max(1))
            .y_label_formatter(&|v| segment_name(&names, &flip(n, v)))
            .x_label_formatter(&|v| format!("{v:.0}%"))
            .draw()
            .map_err(err)?;
        for (k, key) in keys.iter().enumerate() {
            let color = SERIES[k % SERIES.len()];
            chart
                .draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
                    let total: u64 = r.counts.iter().sum();
                    if total == 0 {
                        return None;
                    }
                    let before: u64 = r.counts.iter().take(k).sum();
                    let this = *r.counts.get(k)?;
                    let x0 = 100.0 * before as f64 / total as f64;
                    let x1 = 100.0 * (before + this) as f64 / total as f64;
                    let i = n - 1 - count_i32(i);
                    let mut rect = Rectangle::new(
                        [
                            (x0, SegmentValue::Exact(i)),
                            (x1, SegmentValue::Exact(i + 1)),
                        ],
                        color.filled(),
                    );
                    rect.set_margin(3, 3, 0, 0);
                    Some(rect)
                }))
                .map_err(err)?
                .label(*key)
                .legend(legend_mark(color));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}
