//! Shapes and the named conversions between coordinate conventions.
//!
//! All coordinates are absolute pixels, continuous `f64`, origin at the
//! top-left corner of the image, y pointing down. A box spans
//! `[x_min, x_max] x [y_min, y_max]` and its width is `x_max - x_min`, so a
//! 3x3 px box has `width() == 3.0`.
//!
//! # Rotated boxes
//!
//! A rotation is in degrees, clockwise in image coordinates, about the box's
//! centre, as in CVAT. [`BoxGeom::corners`] returns the four corners of the
//! rotated box in this order, which keeps the heading:
//!
//! 1. the rotated top-left corner `(x_min, y_min)`,
//! 2. the rotated top-right corner `(x_max, y_min)`,
//! 3. the rotated bottom-right corner `(x_max, y_max)`,
//! 4. the rotated bottom-left corner `(x_min, y_max)`.
//!
//! The edge from corner 1 to corner 2 points along the box's own x axis, so
//! its angle is the rotation, and [`BoxGeom::from_corners`] recovers width,
//! height and rotation from it. This is the order in which YOLO OBB rows are
//! written.

use crate::rle::MaskEncoding;

/// A point in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// x, pixels from the left edge.
    pub x: f64,
    /// y, pixels from the top edge.
    pub y: f64,
}

impl Point {
    /// A point.
    #[must_use]
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

/// A box, possibly rotated.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BoxGeom {
    /// Left edge of the unrotated box.
    pub x_min: f64,
    /// Top edge of the unrotated box.
    pub y_min: f64,
    /// Right edge of the unrotated box.
    pub x_max: f64,
    /// Bottom edge of the unrotated box.
    pub y_max: f64,
    /// Rotation in degrees, clockwise about the centre.
    pub rotation: f64,
}

impl BoxGeom {
    /// An axis-aligned box from its corners.
    #[must_use]
    pub const fn from_xyxy(x_min: f64, y_min: f64, x_max: f64, y_max: f64) -> Self {
        Self {
            x_min,
            y_min,
            x_max,
            y_max,
            rotation: 0.0,
        }
    }

    /// A box from its centre, size and rotation.
    #[must_use]
    pub fn from_center(cx: f64, cy: f64, w: f64, h: f64, rotation: f64) -> Self {
        Self {
            x_min: cx - w / 2.0,
            y_min: cy - h / 2.0,
            x_max: cx + w / 2.0,
            y_max: cy + h / 2.0,
            rotation,
        }
    }

    /// Width, `x_max - x_min`.
    #[must_use]
    pub fn width(&self) -> f64 {
        self.x_max - self.x_min
    }

    /// Whether a corner is given in the wrong order (`x_max < x_min` or
    /// `y_max < y_min`), as a CVAT box with `xbr < xtl`: the size is
    /// negative.
    #[must_use]
    pub fn is_inverted(&self) -> bool {
        self.x_max < self.x_min || self.y_max < self.y_min
    }

    /// The box with its corners in order (each axis' smaller value as the
    /// minimum): the same region, with a size never negative. A NaN is left
    /// where it is.
    #[must_use]
    pub fn ordered(&self) -> Self {
        let mut b = *self;
        // Comparisons with NaN are false: a non-finite box stays as it is.
        if b.x_max < b.x_min {
            std::mem::swap(&mut b.x_min, &mut b.x_max);
        }
        if b.y_max < b.y_min {
            std::mem::swap(&mut b.y_min, &mut b.y_max);
        }
        b
    }

    /// Height, `y_max - y_min`.
    #[must_use]
    pub fn height(&self) -> f64 {
        self.y_max - self.y_min
    }

    /// Centre point.
    #[must_use]
    pub fn center(&self) -> Point {
        Point::new(
            (self.x_min + self.x_max) / 2.0,
            (self.y_min + self.y_max) / 2.0,
        )
    }

    /// Area (unaffected by rotation).
    #[must_use]
    pub fn area(&self) -> f64 {
        self.width() * self.height()
    }

    /// Whether the box is rotated by a non-zero angle (modulo 360).
    #[must_use]
    pub fn is_rotated(&self) -> bool {
        self.rotation.rem_euclid(360.0) != 0.0
    }

    /// The four corners in the documented heading-keeping order (see the
    /// module docs).
    #[must_use]
    pub fn corners(&self) -> [Point; 4] {
        let c = self.center();
        let (sin, cos) = self.rotation.to_radians().sin_cos();
        let turn = |x: f64, y: f64| {
            let (dx, dy) = (x - c.x, y - c.y);
            Point::new(c.x + dx * cos - dy * sin, c.y + dx * sin + dy * cos)
        };
        [
            turn(self.x_min, self.y_min),
            turn(self.x_max, self.y_min),
            turn(self.x_max, self.y_max),
            turn(self.x_min, self.y_max),
        ]
    }

    /// The inverse of [`BoxGeom::corners`]: a rotated box from four corners in
    /// the documented order. The rotation is returned in `[0, 360)`.
    ///
    /// Corners that do not form a rectangle are fitted: the width is the mean
    /// length of edges 1-2 and 3-4, the height of edges 2-3 and 4-1.
    #[must_use]
    pub fn from_corners(corners: [Point; 4]) -> Self {
        let [p0, p1, p2, p3] = corners;
        let cx = (p0.x + p1.x + p2.x + p3.x) / 4.0;
        let cy = (p0.y + p1.y + p2.y + p3.y) / 4.0;
        let dist = |a: Point, b: Point| (b.x - a.x).hypot(b.y - a.y);
        let w = (dist(p0, p1) + dist(p3, p2)) / 2.0;
        let h = (dist(p1, p2) + dist(p0, p3)) / 2.0;
        let mut rotation = (p1.y - p0.y)
            .atan2(p1.x - p0.x)
            .to_degrees()
            .rem_euclid(360.0);
        if rotation >= 360.0 {
            rotation = 0.0;
        }
        Self::from_center(cx, cy, w, h, rotation)
    }

    /// The axis-aligned bounds of the (possibly rotated) box.
    #[must_use]
    pub fn bounds(&self) -> BoxGeom {
        if !self.is_rotated() {
            return BoxGeom::from_xyxy(self.x_min, self.y_min, self.x_max, self.y_max);
        }
        bounds_of(self.corners().iter().copied()).unwrap_or_default()
    }

    /// Intersection over union of two axis-aligned boxes (rotation ignored).
    #[must_use]
    pub fn iou(&self, other: &BoxGeom) -> f64 {
        let iw = (self.x_max.min(other.x_max) - self.x_min.max(other.x_min)).max(0.0);
        let ih = (self.y_max.min(other.y_max) - self.y_min.max(other.y_min)).max(0.0);
        let inter = iw * ih;
        let union = self.area() + other.area() - inter;
        if union > 0.0 {
            inter / union
        } else {
            0.0
        }
    }

    /// Whether `other` lies inside this box, allowing `tolerance` pixels on
    /// each side.
    #[must_use]
    pub fn contains_box(&self, other: &BoxGeom, tolerance: f64) -> bool {
        other.x_min >= self.x_min - tolerance
            && other.y_min >= self.y_min - tolerance
            && other.x_max <= self.x_max + tolerance
            && other.y_max <= self.y_max + tolerance
    }

    /// Whether the point lies inside this box, allowing `tolerance` pixels.
    #[must_use]
    pub fn contains_point(&self, p: Point, tolerance: f64) -> bool {
        p.x >= self.x_min - tolerance
            && p.y >= self.y_min - tolerance
            && p.x <= self.x_max + tolerance
            && p.y <= self.y_max + tolerance
    }
}

/// Four corners of a rotated box as a source stated them (a YOLO OBB row),
/// in the order of [`BoxGeom::corners`]. Rounded to the precision they were
/// written with, they need not form an exact rectangle; the box they stand
/// for is [`StatedCorners::fit`], and a writer of corners writes these
/// while the box is still that fit (see
/// [`crate::Annotation::stated_corners`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatedCorners {
    /// The corners, in pixels.
    pub points: [Point; 4],
    /// The largest error of a stated coordinate, in pixels: half a unit in
    /// the last decimal place written, times the image size (a normalised
    /// `0.146731` on a 640 px image: 0.5e-6 x 640 = 0.00032 px). Zero when
    /// the corners are exact.
    pub resolution: f64,
}

impl StatedCorners {
    /// The largest rotation error, in degrees, corners in error by up to
    /// this much give a rotation that is computed from them.
    pub const MAX_ROTATION_TOLERANCE: f64 = 1.0;

    /// The rotated box of the corners: [`BoxGeom::from_corners`], with the
    /// rotation written as the shortest decimal within what the corners'
    /// [`StatedCorners::resolution`] allows, so that a box drawn at 30
    /// degrees and written with 6 decimals has rotation `30`, not
    /// `30.00001157`. The rotation is the direction of the edge from the
    /// first corner to the second, of length `L`; each end of it may be off
    /// by `resolution` along x and y, which turns the edge by up to
    /// `atan(2 * sqrt(2) * resolution / L)`. That angle (at most
    /// [`StatedCorners::MAX_ROTATION_TOLERANCE`], as a shorter edge says
    /// little about its direction) is the tolerance.
    #[must_use]
    pub fn fit(&self) -> BoxGeom {
        let mut b = BoxGeom::from_corners(self.points);
        let [p0, p1, _, _] = self.points;
        let length = (p1.x - p0.x).hypot(p1.y - p0.y);
        if length > 0.0 && self.resolution > 0.0 {
            let tolerance = (2.0 * std::f64::consts::SQRT_2 * self.resolution / length)
                .atan()
                .to_degrees();
            if tolerance <= Self::MAX_ROTATION_TOLERANCE {
                let rounded = crate::number::shortest_decimal_within(b.rotation, tolerance);
                b.rotation = rounded.rem_euclid(360.0);
                if b.rotation >= 360.0 {
                    b.rotation = 0.0;
                }
            }
        }
        b
    }
}

/// The axis-aligned bounds of a set of points, `None` when empty.
#[must_use]
pub fn bounds_of(points: impl IntoIterator<Item = Point>) -> Option<BoxGeom> {
    let mut it = points.into_iter();
    let first = it.next()?;
    let mut b = BoxGeom::from_xyxy(first.x, first.y, first.x, first.y);
    for p in it {
        b.x_min = b.x_min.min(p.x);
        b.y_min = b.y_min.min(p.y);
        b.x_max = b.x_max.max(p.x);
        b.y_max = b.y_max.max(p.y);
    }
    Some(b)
}

/// A COCO box: `[x, y, w, h]` with `(x, y)` the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CocoBox {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl From<BoxGeom> for CocoBox {
    /// The COCO box of the axis-aligned box; a rotation is dropped (use
    /// [`BoxGeom::bounds`] first to keep the covered area).
    fn from(b: BoxGeom) -> Self {
        Self {
            x: b.x_min,
            y: b.y_min,
            w: b.width(),
            h: b.height(),
        }
    }
}

impl From<CocoBox> for BoxGeom {
    fn from(c: CocoBox) -> Self {
        BoxGeom::from_xyxy(c.x, c.y, c.x + c.w, c.y + c.h)
    }
}

/// A YOLO box: centre and size normalised by the image size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct YoloBox {
    /// Centre x / image width.
    pub cx: f64,
    /// Centre y / image height.
    pub cy: f64,
    /// Width / image width.
    pub w: f64,
    /// Height / image height.
    pub h: f64,
}

impl YoloBox {
    /// Normalises a pixel box (rotation ignored) by the image size.
    #[must_use]
    pub fn from_pixels(b: &BoxGeom, image_width: f64, image_height: f64) -> Self {
        let c = b.center();
        Self {
            cx: c.x / image_width,
            cy: c.y / image_height,
            w: b.width() / image_width,
            h: b.height() / image_height,
        }
    }

    /// The pixel box for an image of the given size.
    #[must_use]
    pub fn to_pixels(&self, image_width: f64, image_height: f64) -> BoxGeom {
        let (cx, cy) = (self.cx * image_width, self.cy * image_height);
        let (w, h) = (self.w * image_width, self.h * image_height);
        BoxGeom::from_xyxy(cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0)
    }
}

/// A polygon with one or more rings (COCO allows several parts per object).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Polygon {
    /// Rings, each a list of vertices (not closed: the last vertex is not a
    /// copy of the first).
    pub rings: Vec<Vec<Point>>,
}

impl Polygon {
    /// Area: the sum of the rings' shoelace areas. Rings are taken as separate
    /// parts, as COCO stores them; overlapping parts count twice.
    #[must_use]
    pub fn area(&self) -> f64 {
        self.rings.iter().map(|r| ring_area(r)).sum()
    }
}

/// The absolute area of one ring by the shoelace formula.
#[must_use]
pub fn ring_area(ring: &[Point]) -> f64 {
    if ring.len() < 3 {
        return 0.0;
    }
    let mut twice = 0.0;
    for (i, p) in ring.iter().enumerate() {
        let q = ring[(i + 1) % ring.len()];
        twice += p.x * q.y - q.x * p.y;
    }
    (twice / 2.0).abs()
}

/// An open polyline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Polyline {
    /// Vertices in order.
    pub points: Vec<Point>,
}

/// A set of points (CVAT `<points>`), ordered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Points {
    /// The points.
    pub points: Vec<Point>,
}

/// Whether a keypoint is labelled and visible, as COCO's `v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Visibility {
    /// Not labelled (COCO 0, CVAT `outside=1`).
    #[default]
    Absent,
    /// Labelled but not visible (COCO 1, CVAT `occluded=1`).
    Occluded,
    /// Labelled and visible (COCO 2).
    Visible,
}

impl Visibility {
    /// COCO's code: 0, 1 or 2.
    #[must_use]
    pub fn coco_code(self) -> u8 {
        match self {
            Self::Absent => 0,
            Self::Occluded => 1,
            Self::Visible => 2,
        }
    }

    /// From COCO's code; `None` for anything but 0, 1, 2.
    #[must_use]
    pub fn from_coco_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Absent,
            1 => Self::Occluded,
            2 => Self::Visible,
            _ => return None,
        })
    }
}

/// One keypoint.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Keypoint {
    /// The point's name in the label's schema (CVAT skeleton element label).
    /// `None` means "the schema's point at this position" (COCO, YOLO).
    /// Shared between the keypoints of one schema (see [`crate::name`]).
    pub name: Option<crate::Name>,
    /// x in pixels.
    pub x: f64,
    /// y in pixels.
    pub y: f64,
    /// Visibility.
    pub visibility: Visibility,
}

/// Keypoints of one instance (a COCO keypoint list, a CVAT skeleton).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Keypoints {
    /// The points, in schema order where the source has one.
    pub points: Vec<Keypoint>,
}

impl Keypoints {
    /// Number of labelled points (visibility other than absent), COCO's
    /// `num_keypoints`.
    #[must_use]
    pub fn num_labelled(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.visibility != Visibility::Absent)
            .count()
    }

    /// Bounds of the labelled points.
    #[must_use]
    pub fn bounds(&self) -> Option<BoxGeom> {
        bounds_of(
            self.points
                .iter()
                .filter(|p| p.visibility != Visibility::Absent)
                .map(|p| Point::new(p.x, p.y)),
        )
    }
}

/// A binary mask, kept in the encoding it was read in.
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    /// The run-length encoding.
    pub encoding: MaskEncoding,
}

/// An ellipse (CVAT `<ellipse>`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Ellipse {
    /// Centre x.
    pub cx: f64,
    /// Centre y.
    pub cy: f64,
    /// Radius along the ellipse's x axis.
    pub rx: f64,
    /// Radius along the ellipse's y axis.
    pub ry: f64,
    /// Rotation in degrees, clockwise.
    pub rotation: f64,
}

/// A cuboid (CVAT `<cuboid>`): two faces of four corners each.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cuboid {
    /// `xtl1 ytl1 xbl1 ybl1 xtr1 ytr1 xbr1 ybr1 xtl2 ytl2 xbl2 ybl2 xtr2 ytr2
    /// xbr2 ybr2`, in CVAT's attribute order.
    pub coords: [f64; 16],
}

/// The geometry of an annotation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Geometry {
    /// A box, possibly rotated.
    Box(BoxGeom),
    /// A polygon with one or more rings.
    Polygon(Polygon),
    /// An open polyline.
    Polyline(Polyline),
    /// A set of points.
    Points(Points),
    /// Keypoints with visibility (COCO keypoints, CVAT skeleton).
    Keypoints(Keypoints),
    /// A run-length encoded mask.
    Mask(Mask),
    /// An ellipse.
    Ellipse(Ellipse),
    /// A cuboid, boxed: it is the largest shape and the rarest, and keeping
    /// it inline would make every geometry 136 bytes instead of 48.
    Cuboid(Box<Cuboid>),
    /// An image-level tag: no geometry.
    Tag,
}

/// The kind of a geometry, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GeometryKind {
    /// [`Geometry::Box`].
    Box,
    /// [`Geometry::Polygon`].
    Polygon,
    /// [`Geometry::Polyline`].
    Polyline,
    /// [`Geometry::Points`].
    Points,
    /// [`Geometry::Keypoints`].
    Keypoints,
    /// [`Geometry::Mask`].
    Mask,
    /// [`Geometry::Ellipse`].
    Ellipse,
    /// [`Geometry::Cuboid`].
    Cuboid,
    /// [`Geometry::Tag`].
    Tag,
}

impl GeometryKind {
    /// A lower-case name: `box`, `polygon`, ...
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Box => "box",
            Self::Polygon => "polygon",
            Self::Polyline => "polyline",
            Self::Points => "points",
            Self::Keypoints => "keypoints",
            Self::Mask => "mask",
            Self::Ellipse => "ellipse",
            Self::Cuboid => "cuboid",
            Self::Tag => "tag",
        }
    }

    /// The plural name, as losses and notes count shapes: `boxes`,
    /// `polygons`, `keypoints`, ...
    #[must_use]
    pub fn plural(self) -> &'static str {
        match self {
            Self::Box => "boxes",
            Self::Polygon => "polygons",
            Self::Polyline => "polylines",
            Self::Points => "points",
            Self::Keypoints => "keypoints",
            Self::Mask => "masks",
            Self::Ellipse => "ellipses",
            Self::Cuboid => "cuboids",
            Self::Tag => "tags",
        }
    }
}

impl Geometry {
    /// The kind of this geometry.
    #[must_use]
    pub fn kind(&self) -> GeometryKind {
        match self {
            Self::Box(_) => GeometryKind::Box,
            Self::Polygon(_) => GeometryKind::Polygon,
            Self::Polyline(_) => GeometryKind::Polyline,
            Self::Points(_) => GeometryKind::Points,
            Self::Keypoints(_) => GeometryKind::Keypoints,
            Self::Mask(_) => GeometryKind::Mask,
            Self::Ellipse(_) => GeometryKind::Ellipse,
            Self::Cuboid(_) => GeometryKind::Cuboid,
            Self::Tag => GeometryKind::Tag,
        }
    }

    /// Axis-aligned bounds in pixels; `None` for tags and empty shapes.
    #[must_use]
    pub fn bounds(&self) -> Option<BoxGeom> {
        match self {
            Self::Box(b) => Some(b.bounds()),
            Self::Polygon(p) => bounds_of(p.rings.iter().flatten().copied()),
            Self::Polyline(p) => bounds_of(p.points.iter().copied()),
            Self::Points(p) => bounds_of(p.points.iter().copied()),
            Self::Keypoints(k) => k.bounds(),
            Self::Mask(m) => m.encoding.bounds(),
            Self::Ellipse(e) => {
                let (sin, cos) = e.rotation.to_radians().sin_cos();
                let hw = (e.rx * cos).hypot(e.ry * sin);
                let hh = (e.rx * sin).hypot(e.ry * cos);
                Some(BoxGeom::from_xyxy(
                    e.cx - hw,
                    e.cy - hh,
                    e.cx + hw,
                    e.cy + hh,
                ))
            }
            Self::Cuboid(c) => bounds_of(c.coords.chunks_exact(2).map(|p| Point::new(p[0], p[1]))),
            Self::Tag => None,
        }
    }

    /// Area in square pixels: the box, the polygon's rings, the mask's pixel
    /// count, the ellipse; zero for lines, points and tags.
    #[must_use]
    pub fn area(&self) -> f64 {
        match self {
            Self::Box(b) => b.area(),
            Self::Polygon(p) => p.area(),
            #[allow(clippy::cast_precision_loss)]
            Self::Mask(m) => m.encoding.pixel_count() as f64,
            Self::Ellipse(e) => std::f64::consts::PI * e.rx * e.ry,
            Self::Cuboid(c) => self.bounds().map_or(0.0, |b| {
                let _ = c;
                b.area()
            }),
            Self::Polyline(_) | Self::Points(_) | Self::Keypoints(_) | Self::Tag => 0.0,
        }
    }

    /// Calls `f` for every coordinate pair of the geometry.
    pub fn for_each_point(&self, mut f: impl FnMut(Point)) {
        match self {
            Self::Box(b) => b.corners().into_iter().for_each(f),
            Self::Polygon(p) => p.rings.iter().flatten().copied().for_each(f),
            Self::Polyline(p) => p.points.iter().copied().for_each(f),
            Self::Points(p) => p.points.iter().copied().for_each(f),
            Self::Keypoints(k) => k.points.iter().for_each(|p| f(Point::new(p.x, p.y))),
            Self::Ellipse(e) => {
                f(Point::new(e.cx, e.cy));
            }
            Self::Cuboid(c) => c
                .coords
                .chunks_exact(2)
                .for_each(|p| f(Point::new(p[0], p[1]))),
            Self::Mask(m) => {
                if let Some(b) = m.encoding.bounds() {
                    b.corners().into_iter().for_each(f);
                }
            }
            Self::Tag => {}
        }
    }

    /// Whether every coordinate is finite.
    #[must_use]
    pub fn is_finite(&self) -> bool {
        let mut finite = true;
        self.for_each_point(|p| finite &= p.x.is_finite() && p.y.is_finite());
        if let Self::Box(b) = self {
            finite &= b.rotation.is_finite();
        }
        if let Self::Ellipse(e) = self {
            finite &= e.rx.is_finite() && e.ry.is_finite() && e.rotation.is_finite();
        }
        finite
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_of_an_axis_aligned_box_are_clockwise_from_top_left() {
        let b = BoxGeom::from_xyxy(0.0, 0.0, 4.0, 2.0);
        let c = b.corners();
        assert_eq!(c[0], Point::new(0.0, 0.0));
        assert_eq!(c[1], Point::new(4.0, 0.0));
        assert_eq!(c[2], Point::new(4.0, 2.0));
        assert_eq!(c[3], Point::new(0.0, 2.0));
    }

    #[test]
    fn a_quarter_turn_clockwise_points_the_top_edge_down() {
        let b = BoxGeom::from_center(10.0, 10.0, 4.0, 2.0, 90.0);
        let c = b.corners();
        // The top-left corner turns to the top-right of the centre.
        assert!((c[0].x - 11.0).abs() < 1e-12 && (c[0].y - 8.0).abs() < 1e-12);
        assert!((c[1].x - 11.0).abs() < 1e-12 && (c[1].y - 12.0).abs() < 1e-12);
        let back = BoxGeom::from_corners(c);
        assert!((back.rotation - 90.0).abs() < 1e-9);
        assert!((back.width() - 4.0).abs() < 1e-9);
        assert!((back.height() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn coco_and_yolo_boxes() {
        let b = BoxGeom::from_xyxy(10.0, 20.0, 30.0, 60.0);
        let y = YoloBox::from_pixels(&b, 100.0, 200.0);
        assert_eq!((y.cx, y.cy, y.w, y.h), (0.2, 0.2, 0.2, 0.2));
        assert_eq!(y.to_pixels(100.0, 200.0), b);
        let c = CocoBox::from(b);
        assert_eq!((c.x, c.y, c.w, c.h), (10.0, 20.0, 20.0, 40.0));
        assert_eq!(BoxGeom::from(c), b);
    }

    #[test]
    fn polygon_area_by_shoelace() {
        let square = vec![
            Point::new(0.0, 0.0),
            Point::new(2.0, 0.0),
            Point::new(2.0, 2.0),
            Point::new(0.0, 2.0),
        ];
        let p = Polygon {
            rings: vec![square.clone(), square],
        };
        assert_eq!(p.area(), 8.0);
        assert_eq!(
            ring_area(&[Point::new(0.0, 0.0), Point::new(1.0, 1.0)]),
            0.0
        );
    }

    /// Corners of a 200x100 box turned 30 degrees about (320, 240) on a
    /// 640x480 image, written with 6 decimals.
    fn stated_at_30() -> StatedCorners {
        let v = [
            0.403746, 0.305622, 0.674379, 0.513956, 0.596254, 0.694378, 0.325621, 0.486044,
        ];
        let p = |i: usize| Point::new(v[2 * i] * 640.0, v[2 * i + 1] * 480.0);
        StatedCorners {
            points: [p(0), p(1), p(2), p(3)],
            resolution: 0.5e-6 * 640.0,
        }
    }

    #[test]
    fn stated_corners_fit_with_the_rotation_their_decimals_allow() {
        let stated = stated_at_30();
        let exact = BoxGeom::from_corners(stated.points);
        assert!((exact.rotation - 30.0).abs() > 1e-7, "{}", exact.rotation);
        let fit = stated.fit();
        assert_eq!(fit.rotation, 30.0);
        assert_eq!(
            (fit.x_min, fit.y_min, fit.x_max, fit.y_max),
            (exact.x_min, exact.y_min, exact.x_max, exact.y_max)
        );
        // Exact corners: no rounding.
        let exact_stated = StatedCorners {
            resolution: 0.0,
            ..stated
        };
        assert_eq!(exact_stated.fit(), exact);
    }

    #[test]
    fn stated_corners_are_given_back_only_while_the_box_is_their_fit() {
        let stated = stated_at_30();
        let mut a = crate::Annotation::new(
            crate::AnnotationId(1),
            crate::ImageId(1),
            crate::LabelId(0),
            Geometry::Box(stated.fit()),
        );
        assert_eq!(a.corners_as_stated(), None);
        a.stated_corners = Some(Box::new(stated));
        assert_eq!(a.corners_as_stated(), Some(stated.points));
        if let Geometry::Box(b) = &mut a.geometry {
            b.x_min += 1.0;
        }
        assert_eq!(a.corners_as_stated(), None);
    }
}
