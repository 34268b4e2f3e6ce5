//! Where the page finds each side's image files, and how it names them: a
//! relative, percent-encoded URL from the page's folder, or an embedded
//! downscaled JPEG.

use std::io::Cursor;
use std::path::{Component, Path, PathBuf};

/// How the review page finds the image file of each side.
///
/// Each side has its image roots (the folders its image names are relative
/// to, tried in order: `labelkit::image_roots` gives a dataset's) and may be
/// *transient*: read into a folder that is gone once the page is written
/// (a git revision read into a temporary folder), so its files are never
/// linked, only embedded.
///
/// An image name is looked up only when it is relative and stays below the
/// root (no `..`, no absolute path), and a file found is used only when,
/// symlinks followed, it lies inside its root: the page never links or reads
/// a file outside the dataset's folders.
///
/// ```
/// use labelkit_diff::html::ImageLocator;
/// let images = ImageLocator::new()
///     .page_dir("review")
///     .old_roots(vec!["old/images".into()])
///     .new_roots(vec!["new/images".into()]);
/// # let _ = images;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ImageLocator {
    page_dir: Option<PathBuf>,
    old: SideImages,
    new: SideImages,
}

#[derive(Debug, Clone, Default)]
struct SideImages {
    roots: Vec<PathBuf>,
    transient: bool,
}

impl ImageLocator {
    /// No image roots: every image is drawn on a blank canvas of its size.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The folder the page is written to, which the relative image paths
    /// start from (default: the current folder).
    #[must_use]
    pub fn page_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.page_dir = Some(dir.into());
        self
    }

    /// The folders the old side's image names are relative to, in the order
    /// they are tried.
    #[must_use]
    pub fn old_roots(mut self, roots: Vec<PathBuf>) -> Self {
        self.old.roots = roots;
        self
    }

    /// The folders the new side's image names are relative to, in the order
    /// they are tried.
    #[must_use]
    pub fn new_roots(mut self, roots: Vec<PathBuf>) -> Self {
        self.new.roots = roots;
        self
    }

    /// Whether the old side's files vanish once the page is written (a git
    /// revision read into a temporary folder): they are then embedded with
    /// `embed_images` and otherwise not shown.
    #[must_use]
    pub fn old_transient(mut self, transient: bool) -> Self {
        self.old.transient = transient;
        self
    }

    /// Whether the new side's files vanish once the page is written; see
    /// [`ImageLocator::old_transient`].
    #[must_use]
    pub fn new_transient(mut self, transient: bool) -> Self {
        self.new.transient = transient;
        self
    }

    /// The roots resolved once for a page: canonical folders, those that
    /// exist.
    pub(crate) fn resolve(&self) -> Resolved {
        let page_dir = self
            .page_dir
            .clone()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let side = |s: &SideImages| ResolvedSide {
            roots: s
                .roots
                .iter()
                .filter_map(|r| std::fs::canonicalize(r).ok())
                .filter(|r| r.is_dir())
                .collect(),
            transient: s.transient,
        };
        Resolved {
            page_dir: std::fs::canonicalize(page_dir).ok(),
            old: side(&self.old),
            new: side(&self.new),
        }
    }
}

/// An [`ImageLocator`] with its folders made canonical.
#[derive(Debug)]
pub(crate) struct Resolved {
    page_dir: Option<PathBuf>,
    pub(crate) old: ResolvedSide,
    pub(crate) new: ResolvedSide,
}

#[derive(Debug)]
pub(crate) struct ResolvedSide {
    roots: Vec<PathBuf>,
    pub(crate) transient: bool,
}

impl ResolvedSide {
    /// The file an image name stands for: the first root where it is a
    /// file, followed symlinks and all, inside that root.
    pub(crate) fn find(&self, file_name: &str) -> Option<PathBuf> {
        let name = Path::new(file_name);
        let relative = name.components().any(|c| matches!(c, Component::Normal(_)))
            && name
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !relative {
            return None;
        }
        self.roots.iter().find_map(|root| {
            let real = std::fs::canonicalize(root.join(name)).ok()?;
            (real.starts_with(root) && real.is_file()).then_some(real)
        })
    }
}

impl Resolved {
    /// The URL of `file` relative to the page's folder, each segment
    /// percent-encoded; `None` when there is no relative path (another
    /// drive) or the path is not UTF-8.
    pub(crate) fn relative_url(&self, file: &Path) -> Option<String> {
        relative_url(self.page_dir.as_deref()?, file)
    }
}

/// Characters kept as they are in a URL path segment: RFC 3986's
/// unreserved ones; everything else is percent-encoded (`#`, `?`, `%`,
/// spaces, quotes, non-ASCII bytes of UTF-8).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The relative URL from folder `from` to file `to`, both canonical.
pub(crate) fn relative_url(from: &Path, to: &Path) -> Option<String> {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    if from.first() != to.first() {
        return None;
    }
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut url = String::new();
    for _ in common..from.len() {
        url.push_str("../");
    }
    for (i, c) in to.iter().skip(common).enumerate() {
        let Component::Normal(segment) = c else {
            return None;
        };
        if i > 0 {
            url.push('/');
        }
        url.extend(percent_encoding::utf8_percent_encode(
            segment.to_str()?,
            SEGMENT,
        ));
    }
    (!url.is_empty() && !url.ends_with('/')).then_some(url)
}

/// The most a decoded image may hold in memory before it is refused
/// (an image of ~85 megapixels in RGB): a crafted header cannot make the
/// page writer allocate more.
const MAX_DECODE_BYTES: u64 = 256 << 20;
/// The largest width or height decoded.
const MAX_DECODE_SIDE: u32 = 32_768;
/// The JPEG quality of embedded thumbnails: small files, shapes still
/// recognisable.
const THUMB_QUALITY: u8 = 75;

/// The file as a downscaled JPEG (longest side `size` px at most, EXIF
/// orientation applied) in a `data:` URL, or why it could not be made.
pub(crate) fn thumbnail_data_url(file: &Path, size: u32) -> Result<String, String> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::open(file)
        .and_then(image::ImageReader::with_guessed_format)
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().map_err(|e| e.to_string())?;
    let mut picture = image::DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    picture.apply_orientation(orientation);
    let size = size.max(1);
    if picture.width() > size || picture.height() > size {
        picture = picture.thumbnail(size, size);
    }
    let rgb = picture.to_rgb8();
    let mut jpeg = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, THUMB_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| e.to_string())?;
    let mut url = String::from("data:image/jpeg;base64,");
    base64_into(jpeg.get_ref(), &mut url);
    Ok(url)
}

/// Standard base64 with padding (RFC 4648), appended to `out`.
pub(crate) fn base64_into(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.reserve(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = String::new();
            base64_into(input.as_bytes(), &mut out);
            assert_eq!(out, want, "{input:?}");
        }
    }

    #[test]
    fn relative_urls_climb_and_percent_encode_each_segment() {
        let from = Path::new("/data/review");
        assert_eq!(
            relative_url(from, Path::new("/data/set/images/a b#1%.jpg")).as_deref(),
            Some("../set/images/a%20b%231%25.jpg")
        );
        assert_eq!(
            relative_url(from, Path::new("/data/review/img/é.png")).as_deref(),
            Some("img/%C3%A9.png")
        );
        assert_eq!(
            relative_url(Path::new("/"), Path::new("/x.jpg")).as_deref(),
            Some("x.jpg")
        );
    }

    #[test]
    fn names_leading_out_of_the_root_are_not_looked_up() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("images");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(dir.path().join("secret.jpg"), b"x").unwrap();
        std::fs::write(root.join("in.jpg"), b"x").unwrap();
        let resolved = ImageLocator::new().old_roots(vec![root.clone()]).resolve();
        assert!(resolved.old.find("in.jpg").is_some());
        assert!(resolved.old.find("./in.jpg").is_some());
        assert!(resolved.old.find("../secret.jpg").is_none());
        let absolute = dir.path().join("secret.jpg");
        assert!(resolved.old.find(absolute.to_str().unwrap()).is_none());
        assert!(
            resolved.new.find("in.jpg").is_none(),
            "the new side has no roots"
        );
    }

    #[test]
    fn an_image_beyond_the_decoding_limits_is_refused_before_it_is_decoded() {
        // A PNG header that claims 40,000 x 40,000 pixels (4.8 GB in RGB),
        // its chunk's CRC right, and no pixels.
        let dir = tempfile::tempdir().unwrap();
        let mut chunk = b"IHDR".to_vec();
        chunk.extend_from_slice(&40_000u32.to_be_bytes());
        chunk.extend_from_slice(&40_000u32.to_be_bytes());
        chunk.extend_from_slice(&[8, 2, 0, 0, 0]);
        let crc = chunk.iter().fold(!0u32, |mut c, b| {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
            }
            c
        });
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0d".to_vec();
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&(!crc).to_be_bytes());
        let file = dir.path().join("huge.png");
        std::fs::write(&file, png).unwrap();
        let why = thumbnail_data_url(&file, 64).unwrap_err();
        assert!(why.contains("limit"), "{why}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_root_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("images");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(dir.path().join("secret.jpg"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.jpg"), root.join("link.jpg")).unwrap();
        let resolved = ImageLocator::new().new_roots(vec![root]).resolve();
        assert!(resolved.new.find("link.jpg").is_none());
    }
}
