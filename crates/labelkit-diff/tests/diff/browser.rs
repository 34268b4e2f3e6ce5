//! The review page in a real browser: a CVAT pair with known changes is
//! read by the CVAT reader, compared, written as a page beside its images,
//! and opened in headless Chromium; the test asserts on the DOM after the
//! page's script ran, and keeps a screenshot at
//! `target/review-screenshot.png`.
//!
//! Without Chromium the test prints why and passes, unless
//! `LABELKIT_REQUIRE_CHROMIUM=1` (set by `.ci/run`, which installs Debian's
//! `chromium`): then its absence fails the test. `LABELKIT_CHROMIUM` names
//! the browser's binary when it is not `chromium` on the PATH.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use labelkit_diff::html::{write_html, HtmlOptions, ImageLocator};
use labelkit_diff::{diff, DiffOptions};

/// The browser's binary, or why there is none.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LABELKIT_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

fn require_chromium() -> bool {
    std::env::var("LABELKIT_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1")
}

/// Runs Chromium headless on `page` with `args`, and returns its standard
/// output. Chromium is stopped if it has not finished in two minutes (a
/// hung browser must not hang the suite; nothing is asserted on time).
fn run_chromium(browser: &Path, profile: &Path, args: &[&str], url: &str) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-extensions",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: cannot start: {e}", browser.display()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        text
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("chromium did not finish within two minutes on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for c in path.to_str().unwrap().bytes() {
        if c.is_ascii_alphanumeric() || b"/-._~".contains(&c) {
            url.push(char::from(c));
        } else {
            url.push_str(&format!("%{c:02X}"));
        }
    }
    url
}

/// A small picture of `w` x `h` pixels with a gradient, as a PNG file.
fn write_png(path: &Path, w: u32, h: u32) {
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 160])
    });
    picture.save(path).unwrap();
}

/// The fixture pair as a user has it: `old/` and `new/` each with an
/// `annotations.xml` and an `images/` folder (img6's file is missing on
/// both sides), read by the facade as the command reads them, and each
/// side's image roots as the facade finds them.
fn fixture(root: &Path) -> [(labelkit_model::Dataset, Vec<PathBuf>); 2] {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/review");
    let read = |side: &str, images: &[&str]| {
        let dir = root.join(side);
        std::fs::create_dir_all(dir.join("images")).unwrap();
        let xml = dir.join("annotations.xml");
        std::fs::copy(data.join(format!("{side}.xml")), &xml).unwrap();
        for name in images {
            write_png(&dir.join("images").join(name), 200, 150);
        }
        let loaded = labelkit::read(&xml, None, &labelkit::ReadOptions::default()).unwrap();
        let roots = labelkit::image_roots(&xml, labelkit::Format::CvatImages);
        (loaded.dataset, roots)
    };
    [
        read("old", &["img1.png", "img2.png", "img3.png", "img5.png"]),
        read("new", &["img1.png", "img2.png", "img4.png", "img5.png"]),
    ]
}

/// A page that loads `review.html` + HASH in a frame, presses KEYS (names
/// of `KeyboardEvent.key`, space-separated) in it, and writes the selected
/// card's key before and after each press into its body's `data-seen`, the
/// frame's final hash into `data-hash`.
const KEYS_HARNESS: &str = r#"<!DOCTYPE html><html><body>
<iframe id="review" src="review.htmlHASH" width="1280" height="900"></iframe>
<script>
document.getElementById('review').addEventListener('load', function () {
  var doc = this.contentDocument;
  function selected() {
    var card = doc.querySelector('#grid .card.selected');
    return card ? card.getAttribute('data-key') : '';
  }
  var seen = [selected()];
  'KEYS'.split(' ').forEach(function (key) {
    doc.dispatchEvent(new KeyboardEvent('keydown', { key: key, bubbles: true }));
    seen.push(selected());
  });
  document.body.setAttribute('data-seen', seen.join(','));
  document.body.setAttribute('data-hash', this.contentWindow.location.hash);
});
</script></body></html>
"#;

/// The value of the first `name="..."` attribute after `from` in `dom`.
fn attribute<'a>(dom: &'a str, from: &str, name: &str) -> Option<&'a str> {
    let at = dom.find(from)?;
    let rest = &dom[at..];
    let tag_end = rest.find('>')?;
    let tag = &rest[..tag_end];
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// The cards of the grid in `dom`: each card's key and the number of
/// shapes its thumbnail draws.
fn cards(dom: &str) -> Vec<(String, usize)> {
    dom.match_indices("<div class=\"card")
        .map(|(at, _)| {
            let rest = &dom[at..];
            let key = attribute(rest, "<div class=\"card", "data-key").unwrap();
            let shapes = attribute(rest, "<svg", "data-shapes").unwrap();
            (key.replace("&amp;", "&"), shapes.parse().unwrap())
        })
        .collect()
}

#[test]
fn the_review_page_draws_every_changed_image_and_filters_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            !require_chromium(),
            "LABELKIT_REQUIRE_CHROMIUM=1 but no chromium on the PATH (apt-get install chromium)"
        );
        eprintln!("skipped: no chromium on the PATH (set LABELKIT_REQUIRE_CHROMIUM=1 to fail)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let [(old, old_roots), (new, new_roots)] = fixture(&root);
    let changes = diff(&old, &new, &DiffOptions::new());
    let review = root.join("review");
    std::fs::create_dir(&review).unwrap();
    let locator = ImageLocator::new()
        .page_dir(&review)
        .old_roots(old_roots)
        .new_roots(new_roots);
    let page_path = review.join("review.html");
    let mut page = Vec::new();
    write_html(
        &changes,
        &old,
        &new,
        &locator,
        &HtmlOptions::new().title("fixture review"),
        &mut page,
    )
    .unwrap();
    std::fs::write(&page_path, &page).unwrap();
    let url = file_url(&page_path);
    let profile = root.join("profile");

    // Unfiltered: the five changed images, in the diff's order (new side
    // first, then the removed one), each with its shapes: img1 the moved
    // eye's old and new box, the added eye, and the unchanged body and
    // head; img2 the relabelled head's two boxes and the unchanged body;
    // img4 its added eye; img6 the resized body's two boxes (its file is
    // missing: a blank canvas); img3 its removed eye.
    let dom = run_chromium(&browser, &profile, &["--dump-dom"], &url);
    assert_eq!(attribute(&dom, "<body", "data-ready"), Some("1"), "{dom}");
    assert_eq!(attribute(&dom, "<body", "data-shown"), Some("5"));
    assert_eq!(
        cards(&dom),
        [
            ("img1".to_owned(), 5),
            ("img2".to_owned(), 3),
            ("img4".to_owned(), 1),
            ("img6 #1".to_owned(), 2),
            ("img3".to_owned(), 1),
        ]
    );
    // The first image is selected and drawn large over its linked file,
    // by a relative, percent-encoded path.
    let viewer = &dom[dom.find("<div id=\"viewer\"").unwrap()..];
    assert!(
        viewer.contains("href=\"../new/images/img1.png\""),
        "{viewer}"
    );
    assert!(dom.contains("5 of 5 images shown"));
    // The label `<script>alert(1)</script>` is text: in the filter's
    // options and in the summary table, escaped, never an element. The
    // page's own two scripts are the only ones.
    assert_eq!(dom.matches("<script").count(), 2, "{dom}");
    assert!(dom.contains("\">&lt;script&gt;alert(1)&lt;/script&gt;</option>"));
    assert!(dom.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"));

    // Filtered by label through the URL's hash, as a link opens it: only
    // the images with an eye change, and on img1 only the eye changes
    // drawn beside the unchanged shapes (the other changes are filtered).
    let dom = run_chromium(
        &browser,
        &profile,
        &["--dump-dom"],
        &format!("{url}#label=eye"),
    );
    assert_eq!(attribute(&dom, "<body", "data-shown"), Some("3"));
    assert_eq!(
        cards(&dom),
        [
            ("img1".to_owned(), 5),
            ("img4".to_owned(), 1),
            ("img3".to_owned(), 1),
        ]
    );
    assert_eq!(attribute(&dom, "<body", "data-label"), Some("eye"));

    // By change kind, with an image selected: only the relabelled head.
    let dom = run_chromium(
        &browser,
        &profile,
        &["--dump-dom"],
        &format!("{url}#kind=relabelled&image=img2"),
    );
    assert_eq!(attribute(&dom, "<body", "data-shown"), Some("1"));
    assert_eq!(cards(&dom), [("img2".to_owned(), 3)]);

    // The missing file: a blank canvas of its size and a word on it.
    let dom = run_chromium(
        &browser,
        &profile,
        &["--dump-dom"],
        &format!("{url}#image=img6%20%231"),
    );
    let viewer = &dom[dom.find("<div id=\"viewer\"").unwrap()..];
    assert!(viewer.contains("viewBox=\"0 0 160 120\""), "{viewer}");
    assert!(
        viewer.contains("No picture (image file not found)"),
        "{viewer}"
    );
    assert!(!viewer.contains("<image"), "{viewer}");

    // Keyboard navigation: a test page beside the review page (file
    // pages count as one origin with --allow-file-access-from-files) loads
    // it in a frame, sends key presses to it, and notes the selected card
    // and the frame's hash after each; unfiltered, then filtered by label.
    for (hash, keys, want) in [
        (
            "",
            "j j k ArrowRight ArrowLeft ArrowDown ArrowUp",
            "img1,img2,img4,img2,img4,img2,img4,img2",
        ),
        ("#label=eye", "j j j k", "img1,img4,img3,img3,img4"),
    ] {
        let harness = review.join("keys.html");
        std::fs::write(
            &harness,
            KEYS_HARNESS.replace("HASH", hash).replace("KEYS", keys),
        )
        .unwrap();
        let dom = run_chromium(
            &browser,
            &profile,
            &["--dump-dom", "--allow-file-access-from-files"],
            &file_url(&harness),
        );
        assert_eq!(
            attribute(&dom, "<body", "data-seen"),
            Some(want),
            "{hash} {keys}"
        );
        let last = want.rsplit(',').next().unwrap();
        assert!(
            attribute(&dom, "<body", "data-hash")
                .unwrap()
                .ends_with(&format!("image={last}")),
            "{dom}"
        );
    }

    // The screenshot, kept under target/ for CI.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let shot = target.join("review-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &browser,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,900",
        ],
        &url,
    );
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let size = image::load_from_memory(&png).unwrap();
    assert_eq!((size.width(), size.height()), (1280, 900));
}

/// A CVAT file of `n` images of 640x480 with one eye box each, moved
/// right by `shift` px.
fn many_images(n: usize, shift: u32) -> String {
    use std::fmt::Write as _;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations><version>1.1</version>\
         <meta><task><labels><label><name>eye</name><attributes></attributes></label>\
         </labels></task></meta>\n",
    );
    for i in 0..n {
        let _ = writeln!(
            xml,
            "<image id=\"{i}\" name=\"img{i:05}.jpg\" width=\"640\" height=\"480\">\
             <box label=\"eye\" occluded=\"0\" xtl=\"{x}\" ytl=\"40\" xbr=\"{r}\" ybr=\"60\" \
             z_order=\"0\"></box></image>",
            x = 100 + shift,
            r = 140 + shift,
        );
    }
    xml.push_str("</annotations>\n");
    xml
}

#[test]
fn a_review_page_of_ten_thousand_changed_images_opens_a_page_of_cards_at_a_time() {
    let read = |xml: &str| {
        labelkit::from_slice(
            xml.as_bytes(),
            Some(labelkit::Format::CvatImages),
            &labelkit::ReadOptions::default(),
        )
        .unwrap()
        .dataset
    };
    let old = read(&many_images(10_000, 0));
    let new = read(&many_images(10_000, 5));
    let changes = diff(&old, &new, &DiffOptions::new());
    assert_eq!(changes.images.len(), 10_000);
    let mut page = Vec::new();
    write_html(
        &changes,
        &old,
        &new,
        &ImageLocator::new(),
        &HtmlOptions::new(),
        &mut page,
    )
    .unwrap();
    // Linear in the changes: about 400 bytes an image here.
    assert!(page.len() < 10_000 * 500, "{} bytes", page.len());
    let Some(browser) = chromium() else {
        assert!(
            !require_chromium(),
            "LABELKIT_REQUIRE_CHROMIUM=1 but no chromium on the PATH"
        );
        eprintln!("skipped the browser part: no chromium on the PATH");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let page_path = root.join("review.html");
    std::fs::write(&page_path, &page).unwrap();
    let url = file_url(&page_path);
    let dom = run_chromium(
        &browser,
        &root.join("profile"),
        &["--dump-dom"],
        &format!("{url}#image=img09999"),
    );
    // All 10,000 match, the grid holds its first 200 cards plus the pages
    // up to the selected last image (all 10,000 then), and the button for
    // more is hidden at the end.
    assert_eq!(attribute(&dom, "<body", "data-shown"), Some("10000"));
    assert!(dom.contains("10000 of 10000 images shown"));
    let shown = cards(&dom);
    assert_eq!(shown.len(), 10_000);
    assert!(dom.contains("<div class=\"card selected\" data-index=\"9999\" data-key=\"img09999\""));
    let start = Instant::now();
    let dom = run_chromium(&browser, &root.join("profile"), &["--dump-dom"], &url);
    // A figure for the notes, not an assertion.
    eprintln!(
        "10,000 changed images: page {} bytes, opened and dumped by chromium in {:.1} s",
        page.len(),
        start.elapsed().as_secs_f64()
    );
    assert_eq!(attribute(&dom, "<body", "data-shown"), Some("10000"));
    let shown = cards(&dom);
    assert_eq!(shown.len(), labelkit_diff::html::PAGE);
    assert_eq!(shown[0], ("img00000".to_owned(), 2));
    assert!(
        dom.contains(">Show 200 more of 9800</button>"),
        "the rest on demand"
    );
}
