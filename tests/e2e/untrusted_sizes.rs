//! Tiny hostile files that used to cost gigabytes or wrap integers: masks
//! declaring huge images, RLE runs past 2^32, tracks spanning billions of
//! frames, and track shapes after the video's last frame. Each file is
//! generated here (the large ones are a few hundred bytes anyway) and goes
//! through the real front door, `labelkit::convert`.

use labelkit::model::rle::{CocoCounts, MaskEncoding};
use labelkit::{convert, read, ConvertOptions, Format, Geometry, ReadOptions, Strictness};

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A COCO file with one crowd annotation whose RLE is `segmentation`.
fn coco_with_rle(width: u64, height: u64, segmentation: &str) -> String {
    format!(
        "{{\"images\":[{{\"id\":1,\"width\":{width},\"height\":{height},\"file_name\":\"a.jpg\"}}],\n\
         \"annotations\":[{{\"id\":1,\"image_id\":1,\"category_id\":1,\n\
         \"segmentation\":{segmentation},\"area\":2,\"bbox\":[0,0,2,2],\"iscrowd\":1}}],\n\
         \"categories\":[{{\"id\":1,\"name\":\"a\"}}]}}\n"
    )
}

/// `file:line:col` of a read issue's primary label.
fn position(sources: &labelkit::diagnostics::SourceMap, d: &labelkit::Diagnostic) -> (u32, u32) {
    let label = d.primary.as_ref().expect("a position");
    let file = sources.get(label.file).expect("the file");
    let at = file.line_col(label.span.start);
    (at.line, at.column)
}

/// The 327-byte attack: a 100000 x 100000 COCO RLE used to abort on a 10 GB
/// bitmap when converted to CVAT. It is reported where it is read, and not
/// written.
#[test]
fn a_coco_mask_over_the_pixel_limit_is_reported_at_its_line_and_not_converted() {
    let dir = tempfile::tempdir().unwrap();
    let text = coco_with_rle(
        100_000,
        100_000,
        "{\"size\":[100000,100000],\"counts\":\"0`0\"}",
    );
    assert!(text.len() < 400, "{}", text.len());
    let input = write(dir.path(), "big.json", &text);
    let report = convert(
        &input,
        &dir.path().join("out.xml"),
        Some(Format::Coco),
        Format::CvatImages,
        &ConvertOptions::new(),
    )
    .unwrap();
    let issues: Vec<_> = report
        .read_issues
        .iter()
        .filter(|d| d.code == "F009")
        .collect();
    assert_eq!(issues.len(), 1, "{:?}", report.read_issues);
    assert_eq!(
        issues[0].message,
        "annotation 1: invalid RLE mask: 100000 x 100000 = 10000000000 pixels, \
         more than the 4294967295 labelkit handles in a mask"
    );
    // The annotation object opens on line 2, column 16.
    assert_eq!(position(&report.sources, issues[0]), (2, 16));
    assert_eq!(report.write.count("mask shapes"), 1);
    assert_eq!(
        report
            .write
            .count("masks beyond labelkit's mask limits (2^32 - 1 pixels, 2^22 runs)"),
        1
    );
    let back = read(&dir.path().join("out.xml"), None, &ReadOptions::new()).unwrap();
    assert!(back
        .dataset
        .annotations
        .iter()
        .all(|a| !matches!(a.geometry, Geometry::Mask(_))));
}

/// The 310-byte attack: a 31000 x 100000 image (3.1 billion pixels, under
/// the limit) took 4 min 48 s and 3.1 GB through a bitmap. Run by run it is
/// immediate, and the window holds exactly the two pixels.
#[test]
fn a_coco_mask_of_three_billion_pixels_converts_run_by_run() {
    let dir = tempfile::tempdir().unwrap();
    // Column-major: the last pixel of column 0 and the first of column 1.
    let text = coco_with_rle(
        31_000,
        100_000,
        "{\"size\":[100000,31000],\"counts\":[99999,2,3099899999]}",
    );
    assert!(text.len() < 330, "{}", text.len());
    let input = write(dir.path(), "tall.json", &text);
    let out = dir.path().join("out.xml");
    let report = convert(
        &input,
        &out,
        Some(Format::Coco),
        Format::CvatImages,
        &ConvertOptions::new(),
    )
    .unwrap();
    assert!(
        report.read_issues.iter().all(|d| d.code != "F009"),
        "{:?}",
        report.read_issues
    );
    assert_eq!(report.write.count("mask shapes"), 0, "{:?}", report.write);
    let back = read(&out, None, &ReadOptions::new()).unwrap();
    let masks: Vec<_> = back
        .dataset
        .annotations
        .iter()
        .filter_map(|a| match &a.geometry {
            Geometry::Mask(m) => Some(m),
            _ => None,
        })
        .collect();
    let [mask] = masks.as_slice() else {
        panic!("{:?}", back.dataset.annotations);
    };
    // Row 0: (0 background, 1 set); rows 1..99998 empty; row 99999: (0
    // set, 1 background).
    assert_eq!(
        mask.encoding,
        MaskEncoding::Window {
            left: 0,
            top: 0,
            width: 2,
            height: 100_000,
            counts: vec![1, 1, 199_996, 1, 1],
        }
    );
}

/// A CVAT image for masks: `width x height`, one mask.
fn cvat_with_mask(width: u64, height: u64, mask: &str) -> String {
    format!(
        "<annotations><version>1.1</version>\
         <meta><task><labels><label><name>a</name><type>mask</type></label></labels></task></meta>\n\
         <image id=\"0\" name=\"a.jpg\" width=\"{width}\" height=\"{height}\">\n\
         <mask label=\"a\" occluded=\"0\" {mask} z_order=\"0\"></mask>\n\
         </image></annotations>\n"
    )
}

/// Converts `cvat_with_mask(width, height, mask)`, written as `name.xml`,
/// to `name.json`: the report and the output's path.
fn mask_to_coco(
    dir: &std::path::Path,
    name: &str,
    (width, height): (u64, u64),
    mask: &str,
) -> (labelkit::ConvertReport, std::path::PathBuf) {
    let input = write(
        dir,
        &format!("{name}.xml"),
        &cvat_with_mask(width, height, mask),
    );
    let out = dir.join(format!("{name}.json"));
    let report = convert(
        &input,
        &out,
        Some(Format::CvatImages),
        Format::Coco,
        &ConvertOptions::new(),
    )
    .unwrap();
    (report, out)
}

/// RLE counts used to wrap at 2^32 on the way to COCO. Just under the limit
/// (65535 x 65535) a mask in the far corner has a leading background run of
/// 4294770690 pixels, written exactly; over the limit the mask is refused
/// and reported, never written with wrapped counts.
#[test]
fn cvat_masks_on_huge_images_are_written_exactly_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mask = "rle=\"0, 6\" left=\"65532\" top=\"65533\" width=\"3\" height=\"2\"";
    let (report, out) = mask_to_coco(dir.path(), "corner", (65_535, 65_535), mask);
    assert!(
        report
            .write
            .losses()
            .all(|(what, _)| !what.contains("mask")),
        "{:?}",
        report.write
    );
    let back = read(&out, None, &ReadOptions::new()).unwrap();
    let Some(m) = back
        .dataset
        .annotations
        .iter()
        .find_map(|a| match &a.geometry {
            Geometry::Mask(m) => Some(m),
            _ => None,
        })
    else {
        panic!("{:?}", back.dataset.annotations);
    };
    assert!(matches!(
        &m.encoding,
        MaskEncoding::Coco {
            width: 65_535,
            height: 65_535,
            counts: CocoCounts::Compressed(_)
        }
    ));
    let before = 65_535u32 * 65_532 + 65_533;
    assert_eq!(
        m.encoding.runs().unwrap().into_owned(),
        vec![before, 2, 65_533, 2, 65_533, 2]
    );
    assert_eq!(m.encoding.pixel_count(), 6);

    // 70000 x 70000 = 4.9 billion pixels: beyond what u32 counts hold.
    let mask = "rle=\"0, 6\" left=\"69990\" top=\"69990\" width=\"3\" height=\"2\"";
    let (report, out) = mask_to_coco(dir.path(), "huge", (70_000, 70_000), mask);
    assert_eq!(
        report
            .write
            .count("masks beyond labelkit's mask limits (2^32 - 1 pixels, 2^22 runs)"),
        1,
        "{:?}",
        report.write
    );
    let back = read(&out, None, &ReadOptions::new()).unwrap();
    assert!(back
        .dataset
        .annotations
        .iter()
        .all(|a| !matches!(a.geometry, Geometry::Mask(_))));

    // A window over the limit is reported where it is read (the `<mask`
    // on line 3), kept as written, and never converted.
    let mask =
        "rle=\"0, 5, 4294967290, 705032705\" left=\"0\" top=\"0\" width=\"100000\" height=\"50000\"";
    let (report, _) = mask_to_coco(dir.path(), "window", (100_000, 50_000), mask);
    assert_eq!(
        report
            .write
            .count("masks beyond labelkit's mask limits (2^32 - 1 pixels, 2^22 runs)"),
        1,
        "{:?}",
        report.write
    );
    let loaded = read(&dir.path().join("window.xml"), None, &ReadOptions::new()).unwrap();
    let f009: Vec<_> = loaded.issues.iter().filter(|d| d.code == "F009").collect();
    assert_eq!(f009.len(), 1, "{:?}", loaded.issues);
    assert_eq!(
        f009[0].message,
        "mask window is 100000 x 50000 = 5000000000 pixels, more than the 4294967295 \
         labelkit handles in a mask: kept as written, but it cannot be converted"
    );
    assert_eq!(position(&loaded.sources, f009[0]), (3, 1));
}

/// A CVAT for video file with `tracks` (each `(first frame, last frame)`,
/// one box at each) and, when given, a `<stop_frame>`. Its frames are
/// 64x48 (`<original_size>`, as CVAT writes it): COCO needs every size.
fn video(stop_frame: Option<u64>, tracks: &[(u64, u64)]) -> String {
    let stop = stop_frame.map_or(String::new(), |s| format!("<stop_frame>{s}</stop_frame>"));
    let mut xml = format!(
        "<annotations><version>1.1</version><meta><task><mode>interpolation</mode>{stop}\
         <original_size><width>64</width><height>48</height></original_size><labels><label><name>p</name><type>any</type></label></labels></task></meta>\n"
    );
    for (i, &(first, last)) in tracks.iter().enumerate() {
        xml.push_str(&format!(
            "<track id=\"{i}\" label=\"p\"><box frame=\"{first}\" keyframe=\"1\" outside=\"0\" occluded=\"0\" xtl=\"0\" ytl=\"0\" xbr=\"5\" ybr=\"5\" z_order=\"0\"/>\
             <box frame=\"{last}\" keyframe=\"1\" outside=\"0\" occluded=\"0\" xtl=\"0\" ytl=\"0\" xbr=\"5\" ybr=\"5\" z_order=\"0\"/></track>\n"
        ));
    }
    xml.push_str("</annotations>\n");
    xml
}

fn video_to_coco(
    dir: &std::path::Path,
    xml: &str,
) -> Result<labelkit::ConvertReport, labelkit::Error> {
    let input = write(dir, "video.xml", xml);
    convert(
        &input,
        &dir.join("out.json"),
        Some(Format::CvatVideo),
        Format::Coco,
        &ConvertOptions::new(),
    )
}

/// A frame of 2^64 - 1 used to overflow `last - first + 1` to 0 and pass
/// the frame cap; the count now saturates and is refused.
#[test]
fn a_track_to_the_last_u64_frame_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = video_to_coco(dir.path(), &video(None, &[(0, u64::MAX)])).unwrap_err();
    assert!(
        matches!(err, labelkit::Error::TooManyFrames { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(
            "expanding the tracks would produce 18446744073709551615 frames, \
             more than the 2000000 labelkit expands"
        ),
        "{err}"
    );
    // A track that only lives on that last frame is one annotation (the
    // frame after it used to overflow).
    let report = video_to_coco(dir.path(), &video(None, &[(u64::MAX, u64::MAX)])).unwrap();
    assert_eq!(report.write.annotations_written, 1);
}

/// The 521-byte track from frame 0 to 29,999,999 took 12.6 GB. A track
/// under the frame cap (0 to 1,999,999) still passes the budget of
/// vertex-states, each of its 2 million boxes counting 4 vertices and 20 for
/// its annotation, and the refusal names it.
#[test]
fn a_track_over_the_vertex_budget_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let err = video_to_coco(dir.path(), &video(None, &[(0, 29_999_999)])).unwrap_err();
    assert!(
        matches!(
            err,
            labelkit::Error::TooManyFrames {
                frames: 30_000_000,
                limit: 2_000_000
            }
        ),
        "{err:?}"
    );
    let xml = video(None, &[(0, 1_999_999)]);
    assert!(xml.len() < 600, "{}", xml.len());
    let err = video_to_coco(dir.path(), &xml).unwrap_err();
    // The track is declared on line 2 of the file, and the refusal says so.
    let at = format!("{}:2:1: ", dir.path().join("video.xml").display());
    assert_eq!(
        err.to_string()
            .strip_prefix(&at)
            .unwrap_or_else(|| panic!("{err}")),
        "expanding track 0 (frames 0 to 1999999, 4 vertices a frame and 20 for its annotation) \
         would bring the expanded tracks to 48000000 vertex-states, more than the 10000000 \
         labelkit expands; check the frame numbers of the track, or convert to CVAT for video, \
         which keeps tracks"
    );
    assert!(!dir.path().join("out.json").exists());
}

/// A 469-byte CVAT video whose one-point track, never outside, covers all
/// of its 10,000,000 frames aborted every conversion at 3.2 GB: the budget
/// counted one vertex a frame, not the image and annotation of each frame.
/// It is now refused by the frame cap before anything is expanded, and a
/// one-point track just under the cap is refused by the budget, by name.
#[test]
fn a_one_point_track_over_ten_million_frames_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let points = |frames: u64| {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <annotations><version>1.1</version><meta><task><size>{frames}</size>\
             <mode>interpolation</mode><start_frame>0</start_frame><stop_frame>{}</stop_frame>\
             <labels><label><name>p</name></label></labels><original_size><width>128</width>\
             <height>128</height></original_size></task></meta>\n\
             <track id=\"0\" label=\"p\" source=\"manual\"><points frame=\"0\" outside=\"0\" \
             occluded=\"0\" keyframe=\"1\" points=\"1,1\" z_order=\"0\"/></track>\n\
             </annotations>\n",
            frames - 1
        )
    };
    let xml = points(10_000_000);
    assert!(xml.len() < 500, "{}", xml.len());
    for to in [Format::Coco, Format::YoloUltralytics, Format::CvatImages] {
        let input = write(dir.path(), "video.xml", &xml);
        let err = convert(
            &input,
            &dir.path().join("out"),
            Some(Format::CvatVideo),
            to,
            &ConvertOptions::new(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "expanding the tracks would produce 10000000 frames, more than the 2000000 labelkit \
             expands; check the frame numbers of the tracks, or convert to CVAT for video, which \
             keeps tracks",
            "{to:?}"
        );
        assert!(!dir.path().join("out").exists(), "{to:?}");
    }
    // Under the frame cap, 476,191 states of 1 vertex and 20 for the
    // annotation pass the budget by 11.
    let err = video_to_coco(dir.path(), &points(476_191)).unwrap_err();
    let at = format!("{}:3:1: ", dir.path().join("video.xml").display());
    assert_eq!(
        err.to_string()
            .strip_prefix(&at)
            .unwrap_or_else(|| panic!("{err}")),
        "expanding track 0 (frames 0 to 476190, 1 vertex a frame and 20 for its annotation) \
         would bring the expanded tracks to 10000011 vertex-states, more than the 10000000 \
         labelkit expands; check the frame numbers of the track, or convert to CVAT for video, \
         which keeps tracks"
    );
}

/// 1,000 tracks of 30,000 frames (30 million states in all) exhausted
/// memory together. 1,000 tracks of 2,000 frames (2 million states, exactly
/// the frame cap) pass the frame cap, and the budget counts across tracks
/// and stops at the first one past it, the 209th (id 208), 48,000
/// vertex-states each.
#[test]
fn many_tracks_share_one_budget() {
    let dir = tempfile::tempdir().unwrap();
    let tracks = vec![(0, 1_999); 1000];
    let err = video_to_coco(dir.path(), &video(None, &tracks)).unwrap_err();
    assert!(
        matches!(
            &err,
            labelkit::Error::TrackExpansion {
                error: labelkit::model::track::ExpandError::OverBudget {
                    track: labelkit::model::TrackId(208),
                    first: 0,
                    last: 1_999,
                    vertices: 4,
                    total: 10_032_000,
                    limit: 10_000_000,
                },
                // Track 208 is declared on line 210.
                at: Some(labelkit::diagnostics::Located {
                    line: 210,
                    column: 1,
                    ..
                }),
            }
        ),
        "{err:?}"
    );
    // Within the budget the expansion is exact.
    let report = video_to_coco(dir.path(), &video(None, &[(0, 29_999); 3])).unwrap();
    assert_eq!(report.write.annotations_written, 3 * 30_000);
}

/// Shapes after the video's last frame steer the frames before it and are
/// not expanded; the report now counts them instead of dropping them
/// silently.
#[test]
fn track_shapes_after_the_stop_frame_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let report =
        video_to_coco(dir.path(), &video(Some(19), &[(0, 25), (30, 40), (5, 10)])).unwrap();
    // Track 0: frames 0..=19; track 1: nothing; track 2: frames 5..=19.
    assert_eq!(report.write.annotations_written, 20 + 15);
    assert_eq!(
        report
            .write
            .count("track shapes after the video's last frame 19 (not expanded; tracks 0, 1)"),
        3
    );
    let names: Vec<(&str, u64)> = report.write.losses().collect();
    assert!(
        names.contains(&("video tracks (expanded into per-frame shapes)", 3)),
        "{names:?}"
    );
    let strict = ConvertOptions::new().strictness(Strictness::Material);
    let input = dir.path().join("video.xml");
    let err = convert(
        &input,
        &dir.path().join("s.json"),
        Some(Format::CvatVideo),
        Format::Coco,
        &strict,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("track shapes after the video's last frame"),
        "{err}"
    );
}

/// A real export whose ten one-shape tracks all lie on frames 20..29 while
/// its `<stop_frame>` says 9: nothing is expanded, and the report now says
/// so instead of writing an empty COCO file without a word.
#[test]
fn a_corpus_video_with_every_track_after_its_stop_frame_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = crate::corpus(
        "training_extensions/tests/assets/cvat_dataset/action_detection/train/0/annotations.xml",
    );
    let report = convert(
        &input,
        &dir.path().join("out.json"),
        Some(Format::CvatVideo),
        Format::Coco,
        &ConvertOptions::new(),
    )
    .unwrap();
    assert_eq!(report.write.annotations_written, 0);
    assert_eq!(
        report.write.count(
            "track shapes after the video's last frame 9 (not expanded; tracks 0, 0, 0, 0, 0, and 5 more)"
        ),
        10,
        "{:?}",
        report.write
    );
}

/// A CVAT mask window of exactly 2^32 pixels (65536 x 65536) cannot become
/// COCO RLE; it used to be written as an annotation without bbox or
/// segmentation, which reading the output rejects. It is now left out and
/// counted, and the annotations after it are written as valid JSON.
#[test]
fn a_mask_the_coco_writer_cannot_convert_is_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "exact.xml",
        "<annotations><version>1.1</version>\
         <meta><task><labels><label><name>a</name></label></labels></task></meta>\n\
         <image id=\"0\" name=\"a.png\" width=\"65536\" height=\"65536\">\n\
         <mask label=\"a\" occluded=\"0\" rle=\"4294967295, 1\" left=\"0\" top=\"0\" \
         width=\"65536\" height=\"65536\" z_order=\"0\"/>\n\
         <box label=\"a\" occluded=\"0\" xtl=\"1\" ytl=\"2\" xbr=\"3\" ybr=\"4\" z_order=\"0\"/>\n\
         </image></annotations>\n",
    );
    let out = dir.path().join("exact.json");
    let report = convert(
        &input,
        &out,
        Some(Format::CvatImages),
        Format::Coco,
        &ConvertOptions::new(),
    )
    .unwrap();
    assert_eq!(
        report
            .write
            .count("masks beyond labelkit's mask limits (2^32 - 1 pixels, 2^22 runs)"),
        1,
        "{:?}",
        report.write
    );
    assert_eq!(report.write.annotations_written, 1);
    let back = read(&out, None, &ReadOptions::new()).unwrap();
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    assert_eq!(back.dataset.annotations.len(), 1);
    let Geometry::Box(b) = &back.dataset.annotations[0].geometry else {
        panic!("{:?}", back.dataset.annotations);
    };
    assert_eq!((b.x_min, b.y_min, b.x_max, b.y_max), (1.0, 2.0, 3.0, 4.0));

    // Alone, the mask leaves an empty list of annotations.
    let (report, out) = mask_to_coco(
        dir.path(),
        "alone",
        (65_536, 65_536),
        "rle=\"4294967295, 1\" left=\"0\" top=\"0\" width=\"65536\" height=\"65536\"",
    );
    assert_eq!(report.write.annotations_written, 0);
    let back = read(&out, None, &ReadOptions::new()).unwrap();
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    assert!(back.dataset.annotations.is_empty());
}

/// A run of 4,900,000,000 is a non-negative integer, but larger than an RLE
/// count holds: the CVAT and COCO readers now say so.
#[test]
fn a_mask_run_beyond_32_bits_is_named_as_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "run.xml",
        &cvat_with_mask(
            70_000,
            70_000,
            "rle=\"4900000000, 0\" left=\"0\" top=\"0\" width=\"70000\" height=\"70000\"",
        ),
    );
    let loaded = read(&input, None, &ReadOptions::new()).unwrap();
    let messages: Vec<&str> = loaded.issues.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.contains(
            &"mask run `4900000000` is larger than 4294967295, the largest run an RLE count \
              holds: the mask is skipped"
        ),
        "{messages:?}"
    );
    let input = write(
        dir.path(),
        "run.json",
        "{\"images\":[{\"id\":1,\"file_name\":\"a.png\",\"width\":70000,\"height\":70000}],\
         \"categories\":[{\"id\":1,\"name\":\"c\"}],\"annotations\":[{\"id\":1,\"image_id\":1,\
         \"category_id\":1,\"segmentation\":{\"size\":[70000,70000],\"counts\":[4900000000]}}]}",
    );
    let loaded = read(&input, None, &ReadOptions::new()).unwrap();
    let messages: Vec<&str> = loaded.issues.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains(
            "mask run `4900000000` is larger than 4294967295, the largest run an RLE count holds"
        )),
        "{messages:?}"
    );
}
