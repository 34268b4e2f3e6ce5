//! The statistics page in a real browser: a CVAT fixture with two subsets,
//! companion passes, a skeleton and a label named `<script>…` is read by
//! the CVAT reader, summed up, compared with an older version of itself,
//! written as a page and opened in headless Chromium. The test asserts on
//! the DOM Chromium built: one plot per section, every number of the
//! tables equal to the same number in the JSON output, the hostile label
//! shown as text; and keeps a screenshot at `target/stats-screenshot.png`
//! and the page at `target/stats-page.html`.
//!
//! Without Chromium the test prints why and passes, unless
//! `LABELKIT_REQUIRE_CHROMIUM=1` (set by `.ci/run`): see
//! `labelkit_testkit::chromium`.

use std::path::{Path, PathBuf};

use labelkit_rules::Config;
use labelkit_stats::html::{write_html, HtmlOptions};
use labelkit_stats::{compare, stats, write_comparison_json, write_json, Stats, StatsOptions};
use labelkit_testkit::chromium;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The fixture as the CVAT reader reads it, measured against the
/// fixture's labelkit.toml (gender on bodies, direction on heads).
fn fixture_stats(name: &str) -> Stats {
    let loaded = labelkit_cvat::read_path(&data(name), &labelkit_cvat::ReadOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(loaded.issues.is_empty(), "{name}: {:?}", loaded.issues);
    let toml = data("labelkit.toml");
    let config = Config::from_toml_str(&std::fs::read_to_string(&toml).unwrap(), &toml).unwrap();
    stats(&loaded.dataset, &StatsOptions::from_config(&config))
}

/// The cargo target folder, where the screenshot is kept.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    )
}

/// The sections of `dom`: (id, class, text up to `</section>`).
fn sections(dom: &str) -> Vec<(String, String, &str)> {
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(at) = rest.find("<section ") {
        let body = &rest[at..];
        let end = body.find("</section>").expect("a closed section");
        let tag = &body[..body.find('>').unwrap()];
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            tag.find(&key).map_or_else(String::new, |s| {
                let v = &tag[s + key.len()..];
                v[..v.find('"').unwrap()].to_owned()
            })
        };
        out.push((attr("id"), attr("class"), &body[..end]));
        rest = &body[end..];
    }
    out
}

/// The table `id` of `html`, from its tag to its end.
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("<table class=\"numbers\" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let rest = &html[at..];
    &rest[..rest.find("</table>").unwrap()]
}

/// Every `attr="pointer"` element of `dom` with its text.
fn numbers(dom: &str, attr: &str) -> Vec<(String, String)> {
    dom.match_indices(&format!(" {attr}=\""))
        .map(|(at, key)| {
            let rest = &dom[at + key.len()..];
            let ptr = &rest[..rest.find('"').unwrap()];
            let text = &rest[rest.find('>').unwrap() + 1..];
            let text = &text[..text.find('<').unwrap()];
            (ptr.replace("&amp;", "&"), text.to_owned())
        })
        .collect()
}

/// Whether the page's `text` shows the JSON `value`: integers with
/// thousands separators, shares as percentages with one decimal.
fn shows(text: &str, value: &serde_json::Value) -> bool {
    if let Some(pct) = text.strip_suffix('%') {
        let shown: f64 = pct.parse().unwrap();
        let v = value.as_f64().unwrap();
        // One decimal of a percentage: within half of 0.1 %.
        return (shown - v * 100.0).abs() <= 0.05 + 1e-9;
    }
    // Differences carry a sign: `+2`, `−1` (a minus sign).
    let digits = text.replace([',', '+'], "").replace('−', "-");
    let shown: i64 = digits.parse().unwrap();
    value.as_i64() == Some(shown)
}

#[test]
fn the_stats_page_shows_every_section_and_the_json_numbers_in_chromium() {
    let Some(browser) = chromium::find_or_skip("stats page in chromium") else {
        return;
    };
    let now = fixture_stats("people.xml");
    let before = fixture_stats("people-before.xml");
    let comparison = compare(&now, &before);

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("stats page.html");
    let mut html = Vec::new();
    write_html(
        &now,
        Some(&comparison),
        &HtmlOptions::default().title("people <stats>"),
        &mut html,
    )
    .unwrap();
    std::fs::write(&page, &html).unwrap();
    let mut json = Vec::new();
    write_json(&now, &mut json).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();

    let url = chromium::file_url(&page);
    let profile = dir.path().join("profile");
    let dom = chromium::run(&browser, &profile, &["--dump-dom"], &url);
    assert!(dom.contains("<h1>people &lt;stats&gt;</h1>"), "{dom}");

    // One plot per plot section, and every section this fixture has data
    // for.
    let found = sections(&dom);
    let plots: Vec<&str> = found
        .iter()
        .filter(|s| s.1 == "plot")
        .map(|s| s.0.as_str())
        .collect();
    assert_eq!(
        plots,
        [
            "labels-plot",
            "sizes-plot",
            "objects-per-image-plot",
            "heat-plot",
            "companions-plot",
            "balance-plot",
            "keypoints-plot",
            "compare-plot"
        ]
    );
    for (id, class, body) in &found {
        let svgs = body.matches("<svg").count();
        if class == "plot" {
            assert_eq!(svgs, 1, "section {id}");
        } else {
            assert_eq!(svgs, 0, "section {id}");
        }
    }

    // The numbers of the tables are those of the JSON output.
    let cells = numbers(&dom, "data-json");
    // Totals: all, train and val, 3 numbers each; 9 labels x 9 numbers;
    // objects per label and split, 2 x 9; and the target, the passes,
    // balance notes, keypoints, attributes, crowded images, image sizes.
    assert!(cells.len() > 3 * 3 + 9 * 9 + 2 * 9, "{} cells", cells.len());
    for section in [
        "companions",
        "keypoints",
        "balance",
        "attributes",
        "crowded",
        "image-sizes",
    ] {
        assert!(
            table(&dom, section).contains("data-json="),
            "no numbers in table {section}"
        );
    }
    for (ptr, text) in &cells {
        let value = json
            .pointer(ptr)
            .unwrap_or_else(|| panic!("{ptr} is not in the JSON output"));
        assert!(shows(text, value), "{ptr}: page {text}, JSON {value}");
    }

    let mut compared = Vec::new();
    write_comparison_json(&comparison, &mut compared).unwrap();
    let compared: serde_json::Value = serde_json::from_slice(&compared).unwrap();
    let compare_cells = numbers(&dom, "data-compare-json");
    // Images, empty images, objects and 9 labels, 3 numbers each.
    assert_eq!(compare_cells.len(), (3 + 9) * 3);
    for (ptr, text) in &compare_cells {
        let value = compared
            .pointer(ptr)
            .unwrap_or_else(|| panic!("{ptr} is not in the comparison's JSON output"));
        assert!(shows(text, value), "{ptr}: page {text}, JSON {value}");
    }
    // Hand-counted: 5 images, one of them empty; train 3, val 2.
    let cell = |ptr: &str| cells.iter().find(|c| c.0 == ptr).map(|c| c.1.as_str());
    assert_eq!(cell("/overall/images"), Some("5"));
    assert_eq!(cell("/overall/empty_images"), Some("1"));
    assert_eq!(cell("/splits/train/images"), Some("3"));
    assert_eq!(cell("/splits/val/images"), Some("2"));
    assert_eq!(cell("/target_count"), Some("3"));

    // The label `<script>alert(1)</script>` is text: no script element.
    assert!(!dom.to_ascii_lowercase().contains("<script"), "{dom}");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    // A screenshot of the page as a person sees it, and the page beside it.
    std::fs::write(target_dir().join("stats-page.html"), &html).unwrap();
    let shot = target_dir().join("stats-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    let _ = chromium::run(&browser, &profile, &[&arg, "--window-size=1280,900"], &url);
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", shot.display());
}

/// A CVAT file of `labels` labels, label `i` with `i % 7 + 1` boxes spread
/// over `images` images of 640x480.
fn many_labels_xml(labels: usize, images: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n<version>1.1</version>\n\
         <meta><task><labels>\n",
    );
    for i in 0..labels {
        xml.push_str(&format!(
            "<label><name>class {i:04}</name><type>rectangle</type><attributes></attributes></label>\n"
        ));
    }
    xml.push_str("</labels></task></meta>\n");
    for img in 0..images {
        xml.push_str(&format!(
            "<image id=\"{img}\" name=\"{img}.jpg\" width=\"640\" height=\"480\">\n"
        ));
        for i in (0..labels).filter(|i| i % images == img) {
            for k in 0..(i % 7 + 1) {
                let x = (i * 13 + k * 29) % 600;
                let y = (i * 7 + k * 31) % 440;
                xml.push_str(&format!(
                    "<box label=\"class {i:04}\" occluded=\"0\" xtl=\"{x}\" ytl=\"{y}\" xbr=\"{}\" ybr=\"{}\" z_order=\"0\"></box>\n",
                    x + 4 + k * 5,
                    y + 3 + k * 7
                ));
            }
        }
        xml.push_str("</image>\n");
    }
    xml.push_str("</annotations>\n");
    xml
}

/// 1,000 labels: the page stays bounded (the labels plot shows the 200
/// rarest, heat maps the 12 largest, and the page says so), the tables
/// list every label, and Chromium renders it with one plot per section.
#[test]
fn a_thousand_labels_render_with_capped_plots() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("annotations.xml");
    std::fs::write(&xml, many_labels_xml(1000, 50)).unwrap();
    let loaded = labelkit_cvat::read_path(&xml, &labelkit_cvat::ReadOptions::default()).unwrap();
    assert!(loaded.issues.is_empty(), "{:?}", loaded.issues);
    let s = stats(&loaded.dataset, &StatsOptions::default());
    assert_eq!(s.overall.labels.len(), 1000);
    // 1000 labels with 1..=7 boxes each: 142 full cycles of 28 and 1+..+6.
    assert_eq!(s.overall.objects, 142 * 28 + 21);

    let mut html = Vec::new();
    write_html(&s, None, &HtmlOptions::default(), &mut html).unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("Showing the 200 labels with the fewest objects of 1000"),
        "no note on the labels plot's cap"
    );
    assert!(html.contains("Heat maps of the 12 labels with the most objects, of 1000 with boxes."));
    // Every label in the summary table, once.
    assert_eq!(
        table(&html, "labels")
            .matches("<th scope=\"row\">class ")
            .count(),
        1000
    );
    // The labels plot draws 200 bars (names cut to the plot's width are
    // the full names here: `class 0000`).
    let labels_plot = &html[html.find("id=\"labels-plot\"").unwrap()..];
    let labels_plot = &labels_plot[..labels_plot.find("</section>").unwrap()];
    assert_eq!(labels_plot.matches("\nclass ").count(), 200);
    // Heat maps: 12 captions.
    let heat = &html[html.find("id=\"heat-plot\"").unwrap()..];
    let heat = &heat[..heat.find("</section>").unwrap()];
    assert_eq!(heat.matches("\nclass ").count(), 12);
    // Bounded: a few kilobytes per label at most.
    eprintln!("1,000 labels: a page of {} bytes", html.len());
    assert!(html.len() < 4_000_000, "{} bytes", html.len());

    let Some(browser) = chromium::find_or_skip("1,000 labels in chromium") else {
        return;
    };
    let page = dir.path().join("page.html");
    std::fs::write(&page, &html).unwrap();
    let dom = chromium::run(
        &browser,
        &dir.path().join("profile"),
        &["--dump-dom"],
        &chromium::file_url(&page),
    );
    let found = sections(&dom);
    assert!(found.len() >= 5, "{} sections", found.len());
    for (id, class, body) in &found {
        if class == "plot" {
            assert_eq!(body.matches("<svg").count(), 1, "section {id}");
        }
    }
    assert_eq!(
        table(&dom, "labels")
            .matches("<th scope=\"row\">class ")
            .count(),
        1000
    );
}

/// The page loads nothing: a Content-Security-Policy that forbids every
/// remote load and all scripts, and no `src` or `href` anywhere.
#[test]
fn the_page_is_offline_and_scriptless() {
    let now = fixture_stats("people.xml");
    let mut html = Vec::new();
    write_html(&now, None, &HtmlOptions::default(), &mut html).unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"
    ));
    assert!(!html.contains(" src="));
    assert!(!html.contains(" href="));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Without a comparison there is no comparison section.
    assert!(!html.contains("id=\"compare-plot\""));
}
