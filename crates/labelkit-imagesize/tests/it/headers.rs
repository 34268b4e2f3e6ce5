//! Image sizes from hand-made headers.

use labelkit_imagesize::{image_size, image_size_from_bytes};

/// SOI, APP1 Exif (big-endian TIFF, one IFD entry: orientation), SOF0 with
/// height x width, EOI.
fn jpeg(orientation: u16, width: u16, height: u16) -> Vec<u8> {
    let mut tiff = b"MM\0*".to_vec();
    tiff.extend(8u32.to_be_bytes());
    tiff.extend(1u16.to_be_bytes());
    tiff.extend(274u16.to_be_bytes()); // Orientation
    tiff.extend(3u16.to_be_bytes()); // SHORT
    tiff.extend(1u32.to_be_bytes());
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]);
    tiff.extend(0u32.to_be_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
    j.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    j.extend(app1);
    j.extend([0xFF, 0xC0, 0x00, 0x11, 0x08]);
    j.extend(height.to_be_bytes());
    j.extend(width.to_be_bytes());
    j.extend([0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    j.extend([0xFF, 0xD9]);
    j
}

#[test]
fn exif_orientation_6_swaps_width_and_height() {
    // 5 to 8 turn the image a quarter: width and height swap.
    for (orientation, size) in [
        (1, (640, 480)),
        (3, (640, 480)),
        (4, (640, 480)),
        (5, (480, 640)),
        (6, (480, 640)),
        (8, (480, 640)),
    ] {
        assert_eq!(
            image_size_from_bytes(&jpeg(orientation, 640, 480)).unwrap(),
            size,
            "orientation {orientation}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rotated.jpg");
    std::fs::write(&p, jpeg(6, 40, 30)).unwrap();
    assert_eq!(image_size(&p).unwrap(), (30, 40));
}

#[test]
fn corpus_images() {
    let png = crate::corpus(
        "dagshub-annotation-converter/tests/fs_import/yolo/res/data/images/testimg.png",
    );
    assert_eq!(image_size(&png).unwrap(), (640, 480));
    let jpg = crate::corpus(
        "datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_detection/images/train/1.jpg",
    );
    assert_eq!(image_size(&jpg).unwrap(), (15, 10));
    let err = image_size(&crate::corpus("NOTICE.md")).unwrap_err();
    assert_eq!(err.to_string(), "unknown image format");
}

/// A device, a FIFO or a folder named like an image is refused without
/// being read (a read of `/dev/zero` would never end, one of a FIFO would
/// block).
#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    let err = image_size(std::path::Path::new("/dev/zero")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot read the image: not a regular file (a device): not read"
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.jpg");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let err = image_size(&fifo).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read the image: not a regular file (a FIFO): not read"
        );
    }
    let err = image_size(dir.path()).unwrap_err();
    assert_eq!(err.to_string(), "cannot read the image: is a folder");
}
