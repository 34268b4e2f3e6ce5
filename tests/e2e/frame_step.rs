//! CVAT tasks whose `frame_filter` is `step=N`: the task has frames
//! `start`, `start + N`, ... only, and a conversion to a format without
//! tracks produces those frames, with their real numbers, and nothing on the
//! frames between them.

use labelkit::model::Visibility;
use labelkit::{convert, read, ConvertOptions, Dataset, Format, Geometry, ReadOptions};

use crate::corpus;

const FOR_VIDEO: &str = "datumaro-cvat-ai/tests/assets/cvat_dataset/for_video/annotations.xml";

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The frame number of each image, from its `frame_NNNNNN` name.
fn frame_of(dataset: &Dataset, image: labelkit::ImageId) -> u64 {
    let image = dataset.images.iter().find(|i| i.id == image).unwrap();
    let stem = image.file_name.trim_start_matches("frame_");
    stem.split('.').next().unwrap().parse().unwrap()
}

fn label_of(dataset: &Dataset, ann: &labelkit::Annotation) -> String {
    dataset.labels.get(ann.label).unwrap().name.clone()
}

fn boxes(dataset: &Dataset, label: &str) -> Vec<(u64, [f64; 4])> {
    let mut out: Vec<(u64, [f64; 4])> = dataset
        .annotations
        .iter()
        .filter(|a| label_of(dataset, a) == label)
        .filter_map(|a| match &a.geometry {
            Geometry::Box(b) => Some((
                frame_of(dataset, a.image),
                [b.x_min, b.y_min, b.x_max, b.y_max],
            )),
            _ => None,
        })
        .collect();
    out.sort_by_key(|(f, _)| *f);
    out
}

fn assert_boxes(got: &[(u64, [f64; 4])], want: &[(u64, [f64; 4])]) {
    assert_eq!(
        got.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
        want.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
        "{got:?}"
    );
    for ((frame, g), (_, w)) in got.iter().zip(want) {
        assert!(
            g.iter().zip(w).all(|(&a, &b)| close(a, b)),
            "frame {frame}: {g:?} != {w:?}"
        );
    }
}

/// The corpus task (start 10, stop 19, step 3, size 4) converted to COCO
/// has the task's four frames 10, 13, 16 and 19. The box track "II" is
/// visible at 10 and leaves at 13: with the step its only state is the
/// keyframe at 10 (without the step frames 11 and 12 got boxes moved a
/// third and two thirds of the way towards 13). The skeleton holds its
/// keyframe to the stop frame; its element "3" is outside from 13.
#[test]
fn corpus_video_with_step_3_gives_the_tasks_four_frames_in_coco() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let report = convert(
        &corpus(FOR_VIDEO),
        &out,
        None,
        Format::Coco,
        &ConvertOptions::new(),
    )
    .unwrap();
    assert_eq!(report.from, Format::CvatVideo);
    assert_eq!(report.write.images_written, 4);
    assert!(
        !report
            .write
            .losses()
            .any(|(what, _)| what.contains("frames the task does not have")),
        "every track shape of the file is on the task's frames"
    );
    let back = read(&out, Some(Format::Coco), &ReadOptions::default())
        .unwrap()
        .dataset;
    let mut names: Vec<&str> = back.images.iter().map(|i| i.file_name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "frame_000010",
            "frame_000013",
            "frame_000016",
            "frame_000019"
        ]
    );
    for image in &back.images {
        assert_eq!((image.width, image.height), (25, 20));
    }
    // Track 0 (label II): 3,4 - 10,5 at 10, outside at 13 and 16.
    assert_boxes(&boxes(&back, "II"), &[(10, [3.0, 4.0, 10.0, 5.0])]);
    // The skeleton on every frame of the task, element 3 absent after 13.
    let mut skeletons: Vec<(u64, Vec<Visibility>)> = back
        .annotations
        .iter()
        .filter_map(|a| match &a.geometry {
            Geometry::Keypoints(k) => Some((
                frame_of(&back, a.image),
                k.points.iter().map(|p| p.visibility).collect(),
            )),
            _ => None,
        })
        .collect();
    skeletons.sort_by_key(|(f, _)| *f);
    let v = Visibility::Visible;
    let hidden = Visibility::Absent;
    assert_eq!(
        skeletons,
        [
            (10, vec![v, v, v, v]),
            (13, vec![v, v, hidden, v]),
            (16, vec![v, v, hidden, v]),
            (19, vec![v, v, hidden, v]),
        ]
    );
    // No annotation anywhere else.
    for a in &back.annotations {
        assert!([10, 13, 16, 19].contains(&frame_of(&back, a.image)));
    }
}

/// The same task to CVAT for images and to YOLO: four images named after
/// the task's frames.
#[test]
fn corpus_video_with_step_3_gives_four_images_in_cvat_images_and_yolo() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("images.xml");
    convert(
        &corpus(FOR_VIDEO),
        &xml,
        None,
        Format::CvatImages,
        &ConvertOptions::new(),
    )
    .unwrap();
    let text = std::fs::read_to_string(&xml).unwrap();
    let names: Vec<&str> = text
        .match_indices("name=\"frame_")
        .map(|(at, _)| &text[at + 6..at + 18])
        .collect();
    assert_eq!(
        names,
        [
            "frame_000010",
            "frame_000013",
            "frame_000016",
            "frame_000019"
        ]
    );
    let yolo = dir.path().join("yolo");
    convert(
        &corpus(FOR_VIDEO),
        &yolo,
        None,
        Format::YoloUltralytics,
        &ConvertOptions::new(),
    )
    .unwrap();
    let mut files: Vec<String> = std::fs::read_dir(yolo.join("labels/train"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "frame_000010.txt",
            "frame_000013.txt",
            "frame_000016.txt",
            "frame_000019.txt"
        ]
    );
}

/// CVAT for video to CVAT for video keeps the task's frames: the meta still
/// says start 10, stop 19, step 3, and the tracks keep their frames.
#[test]
fn corpus_video_with_step_3_keeps_its_frame_filter_in_cvat_video() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("video.xml");
    convert(
        &corpus(FOR_VIDEO),
        &out,
        None,
        Format::CvatVideo,
        &ConvertOptions::new(),
    )
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("<start_frame>10</start_frame>"), "{text}");
    assert!(text.contains("<stop_frame>19</stop_frame>"), "{text}");
    assert!(
        text.contains("<frame_filter>step=3</frame_filter>"),
        "{text}"
    );
    let back = read(&out, Some(Format::CvatVideo), &ReadOptions::default())
        .unwrap()
        .dataset;
    let mut frames: Vec<u64> = back
        .tracks
        .iter()
        .flat_map(|t| t.shapes.iter().map(|s| s.frame))
        .collect();
    frames.sort_unstable();
    frames.dedup();
    assert_eq!(frames, [10, 13, 16]);
}

/// A task from frame 4 to 14 every 2 frames (4, 6, ..., 14).
/// - Track 0 (`car`): keyframes 4 (0,0 - 10,20) and 10 (30,60 - 40,80),
///   leaves at 12. CVAT interpolates linearly in the task's frame index,
///   the same as in the frame number: 6 is a third of the way
///   (10,20 - 20,40), 8 two thirds (20,40 - 30,60).
/// - Track 1 (`bike`): one keyframe at 8 (1,1 - 2,2), held to the stop frame.
/// - Track 2 (`odd`): keyframes 4 (0,0 - 2,2), 7 (6,6 - 8,8; not a frame of
///   the task) and 10 (12,12 - 14,14). Frame 7 steers: 6 is two thirds of
///   the way from 4 to 7 (4,4 - 6,6), 8 a third from 7 to 10 (8,8 - 10,10);
///   no annotation on 7, which is counted in the loss report.
const STEP_2: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <id>1</id>
      <name>step</name>
      <size>6</size>
      <mode>interpolation</mode>
      <start_frame>4</start_frame>
      <stop_frame>14</stop_frame>
      <frame_filter>step=2</frame_filter>
      <labels>
        <label><name>car</name><type>any</type><attributes></attributes></label>
        <label><name>bike</name><type>any</type><attributes></attributes></label>
        <label><name>odd</name><type>any</type><attributes></attributes></label>
      </labels>
      <original_size><width>100</width><height>80</height></original_size>
    </task>
  </meta>
  <track id="0" label="car" source="manual">
    <box frame="4" keyframe="1" outside="0" occluded="0" xtl="0" ytl="0" xbr="10" ybr="20" z_order="0"/>
    <box frame="10" keyframe="1" outside="0" occluded="0" xtl="30" ytl="60" xbr="40" ybr="80" z_order="0"/>
    <box frame="12" keyframe="1" outside="1" occluded="0" xtl="30" ytl="60" xbr="40" ybr="80" z_order="0"/>
  </track>
  <track id="1" label="bike" source="manual">
    <box frame="8" keyframe="1" outside="0" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2" z_order="0"/>
  </track>
  <track id="2" label="odd" source="manual">
    <box frame="4" keyframe="1" outside="0" occluded="0" xtl="0" ytl="0" xbr="2" ybr="2" z_order="0"/>
    <box frame="7" keyframe="1" outside="0" occluded="0" xtl="6" ytl="6" xbr="8" ybr="8" z_order="0"/>
    <box frame="10" keyframe="1" outside="0" occluded="0" xtl="12" ytl="12" xbr="14" ybr="14" z_order="0"/>
  </track>
</annotations>
"#;

/// `xml` (CVAT) converted to COCO: the report, the COCO dataset read back
/// and the frame of each of its images, in order.
fn to_coco(xml: &str) -> (labelkit::ConvertReport, Dataset, Vec<u64>) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("step.xml");
    std::fs::write(&input, xml).unwrap();
    let out = dir.path().join("out.json");
    let report = convert(&input, &out, None, Format::Coco, &ConvertOptions::new()).unwrap();
    let back = read(&out, Some(Format::Coco), &ReadOptions::default())
        .unwrap()
        .dataset;
    let mut frames: Vec<u64> = back.images.iter().map(|i| frame_of(&back, i.id)).collect();
    frames.sort_unstable();
    (report, back, frames)
}

#[test]
fn generated_video_with_step_2_interpolates_on_the_tasks_frames_only() {
    let (report, back, frames) = to_coco(STEP_2);
    assert_eq!(
        report.write.count(
            "track shapes on frames the task does not have (frame_filter step=2 from frame 4) \
             (not expanded; track 2)"
        ),
        1,
        "{:?}",
        report.write.losses().collect::<Vec<_>>()
    );
    assert_eq!(frames, [4, 6, 8, 10, 12, 14]);
    assert_boxes(
        &boxes(&back, "car"),
        &[
            (4, [0.0, 0.0, 10.0, 20.0]),
            (6, [10.0, 20.0, 20.0, 40.0]),
            (8, [20.0, 40.0, 30.0, 60.0]),
            (10, [30.0, 60.0, 40.0, 80.0]),
        ],
    );
    assert_boxes(
        &boxes(&back, "bike"),
        &[
            (8, [1.0, 1.0, 2.0, 2.0]),
            (10, [1.0, 1.0, 2.0, 2.0]),
            (12, [1.0, 1.0, 2.0, 2.0]),
            (14, [1.0, 1.0, 2.0, 2.0]),
        ],
    );
    assert_boxes(
        &boxes(&back, "odd"),
        &[
            (4, [0.0, 0.0, 2.0, 2.0]),
            (6, [4.0, 4.0, 6.0, 6.0]),
            (8, [8.0, 8.0, 10.0, 10.0]),
            (10, [12.0, 12.0, 14.0, 14.0]),
            (12, [12.0, 12.0, 14.0, 14.0]),
            (14, [12.0, 12.0, 14.0, 14.0]),
        ],
    );
}

/// The frame cap counts the task's frames only: a one-box track from frame
/// 0 to a stop frame of 1,000,000,000 every 100,000 frames is 10,001 frames
/// (refused as 1,000,000,001 frames without the step), each kept under its
/// own number.
#[test]
fn the_frame_cap_counts_only_the_tasks_frames() {
    let xml = STEP_2
        .replace(
            "<start_frame>4</start_frame>",
            "<start_frame>0</start_frame>",
        )
        .replace(
            "<stop_frame>14</stop_frame>",
            "<stop_frame>1000000000</stop_frame>",
        )
        .replace("step=2", "step=100000");
    let start = xml.find("  <track id=\"0\"").unwrap();
    let end = xml.find("</annotations>").unwrap();
    let xml = format!(
        "{}  <track id=\"0\" label=\"car\" source=\"manual\">\n    <box frame=\"0\" keyframe=\"1\" \
         outside=\"0\" occluded=\"0\" xtl=\"1\" ytl=\"2\" xbr=\"3\" ybr=\"4\" z_order=\"0\"/>\n  \
         </track>\n{}",
        &xml[..start],
        &xml[end..]
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long.xml");
    std::fs::write(&input, xml).unwrap();
    let out = dir.path().join("out.json");
    let report = convert(&input, &out, None, Format::Coco, &ConvertOptions::new()).unwrap();
    assert_eq!(report.write.images_written, 10_001);
    assert_eq!(report.write.annotations_written, 10_001);
    let back = read(&out, Some(Format::Coco), &ReadOptions::default())
        .unwrap()
        .dataset;
    let mut frames: Vec<u64> = back.images.iter().map(|i| frame_of(&back, i.id)).collect();
    frames.sort_unstable();
    assert_eq!(frames.first(), Some(&0));
    assert_eq!(frames.get(1), Some(&100_000));
    assert_eq!(frames.last(), Some(&1_000_000_000));
    assert!(frames.iter().all(|f| f.is_multiple_of(100_000)));
}

/// The task's frames come from the elements of `<meta>`'s task, read as
/// XML: text that only looks like them (a comment naming other frames, a
/// size, a step) is not taken for them.
#[test]
fn the_tasks_frames_are_read_from_its_elements_not_from_a_comment() {
    let xml = STEP_2.replace(
        "      <start_frame>4</start_frame>",
        "      <!-- was <start_frame>0</start_frame><stop_frame>99</stop_frame>\
         <frame_filter>step=5</frame_filter>\
         <original_size><width>1</width><height>1</height></original_size> -->\n      \
         <start_frame>4</start_frame>",
    );
    let (_, back, frames) = to_coco(&xml);
    assert_eq!(frames, [4, 6, 8, 10, 12, 14]);
    assert!(
        back.images.iter().all(|i| (i.width, i.height) == (100, 80)),
        "{:?}",
        back.images
            .iter()
            .map(|i| (i.width, i.height))
            .collect::<Vec<_>>()
    );
}
