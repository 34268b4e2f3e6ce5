//! CVAT for video converted to formats without tracks: one annotation per
//! visible frame, with frames in the file kept as written, the frames between
//! them interpolated as CVAT does, and nothing from an `outside=1` state
//! until the object comes back.

use labelkit::{convert, read, ConvertOptions, Format, Geometry, ReadOptions};

/// One track, 20 frames (0..=19): keyframes at 0 and 10, a non-key frame 5
/// whose box is not on the line between them (data to keep as given), the
/// object leaving at 12 and coming back at 15.
const VIDEO: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <id>1</id>
      <name>walk</name>
      <size>20</size>
      <mode>interpolation</mode>
      <start_frame>0</start_frame>
      <stop_frame>19</stop_frame>
      <labels>
        <label><name>person</name><type>any</type><attributes></attributes></label>
      </labels>
      <original_size><width>100</width><height>80</height></original_size>
    </task>
  </meta>
  <track id="0" label="person" source="manual">
    <box frame="0" keyframe="1" outside="0" occluded="0" xtl="0" ytl="0" xbr="10" ybr="20" z_order="0"/>
    <box frame="5" keyframe="0" outside="0" occluded="0" xtl="7" ytl="7" xbr="17" ybr="27" z_order="0"/>
    <box frame="10" keyframe="1" outside="0" occluded="0" xtl="20" ytl="10" xbr="30" ybr="30" z_order="0"/>
    <box frame="12" keyframe="1" outside="1" occluded="0" xtl="20" ytl="10" xbr="30" ybr="30" z_order="0"/>
    <box frame="15" keyframe="1" outside="0" occluded="0" xtl="50" ytl="40" xbr="60" ybr="60" z_order="0"/>
  </track>
</annotations>
"#;

/// The box expected on each frame, `None` where the object is outside.
fn expected(frame: u64) -> Option<[f64; 4]> {
    let lerp = |a: [f64; 4], b: [f64; 4], t: f64| {
        [
            a[0] + (b[0] - a[0]) * t,
            a[1] + (b[1] - a[1]) * t,
            a[2] + (b[2] - a[2]) * t,
            a[3] + (b[3] - a[3]) * t,
        ]
    };
    let f0 = [0.0, 0.0, 10.0, 20.0];
    let f5 = [7.0, 7.0, 17.0, 27.0];
    let f10 = [20.0, 10.0, 30.0, 30.0];
    let f15 = [50.0, 40.0, 60.0, 60.0];
    #[allow(clippy::cast_precision_loss)]
    let t = |from: u64, to: u64| (frame - from) as f64 / (to - from) as f64;
    match frame {
        0..=4 => Some(lerp(f0, f5, t(0, 5))),
        5..=9 => Some(lerp(f5, f10, t(5, 10))),
        // Between the keyframe at 10 and the outside state at 12 the box
        // moves towards where it leaves; here it stays put.
        10..=11 => Some(f10),
        12..=14 => None,
        // After its last shape a visible track holds to the stop frame.
        15..=19 => Some(f15),
        _ => None,
    }
}

fn write_video(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("video.xml");
    std::fs::write(&path, VIDEO).unwrap();
    path
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn video_to_coco_gives_one_box_per_visible_frame() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_video(dir.path());
    let out = dir.path().join("frames.json");
    let report = convert(&input, &out, None, Format::Coco, &ConvertOptions::new()).unwrap();
    assert_eq!(report.from, Format::CvatVideo);
    let back = read(&out, Some(Format::Coco), &ReadOptions::default()).unwrap();
    let dataset = &back.dataset;
    let visible: Vec<u64> = (0..20).filter(|&f| expected(f).is_some()).collect();
    assert_eq!(visible.len(), 17);
    assert_eq!(dataset.annotations.len(), visible.len());
    for ann in &dataset.annotations {
        let image = dataset.images.iter().find(|i| i.id == ann.image).unwrap();
        assert_eq!((image.width, image.height), (100, 80));
        let frame: u64 = image
            .file_name
            .trim_start_matches("frame_")
            .parse()
            .unwrap_or_else(|_| panic!("{}", image.file_name));
        let want = expected(frame).unwrap_or_else(|| panic!("a box on hidden frame {frame}"));
        let Geometry::Box(b) = &ann.geometry else {
            panic!("{:?}", ann.geometry)
        };
        let got = [b.x_min, b.y_min, b.x_max, b.y_max];
        assert!(
            got.iter().zip(want).all(|(&g, w)| close(g, w)),
            "frame {frame}: {got:?} != {want:?}"
        );
    }
    // Frame 5 is kept exactly as written although it is not a keyframe.
    let five = dataset
        .images
        .iter()
        .find(|i| i.file_name == "frame_000005")
        .unwrap();
    let ann = dataset
        .annotations
        .iter()
        .find(|a| a.image == five.id)
        .unwrap();
    assert_eq!(
        ann.geometry,
        Geometry::Box(labelkit::BoxGeom::from_xyxy(7.0, 7.0, 17.0, 27.0))
    );
}

#[test]
fn video_to_yolo_writes_a_row_per_visible_frame() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_video(dir.path());
    let out = dir.path().join("yolo");
    convert(
        &input,
        &out,
        None,
        Format::YoloUltralytics,
        &ConvertOptions::new(),
    )
    .unwrap();
    let mut rows = Vec::new();
    for entry in walk(&out.join("labels")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let stem = entry.file_stem().unwrap().to_string_lossy().into_owned();
        let frame: u64 = stem.trim_start_matches("frame_").parse().unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            rows.push((frame, line.to_owned()));
        }
    }
    rows.sort_by_key(|(f, _)| *f);
    let frames: Vec<u64> = rows.iter().map(|(f, _)| *f).collect();
    let visible: Vec<u64> = (0..20).filter(|&f| expected(f).is_some()).collect();
    assert_eq!(frames, visible);
    for (frame, line) in &rows {
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        let [x0, y0, x1, y1] = expected(*frame).unwrap();
        let want = [
            0.0,
            (x0 + x1) / 2.0 / 100.0,
            (y0 + y1) / 2.0 / 80.0,
            (x1 - x0) / 100.0,
            (y1 - y0) / 80.0,
        ];
        assert_eq!(v.len(), 5, "{line}");
        assert!(
            v.iter().zip(want).all(|(&g, w)| close(g, w)),
            "frame {frame}: {line} != {want:?}"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
    out
}
