//! Two datasets side by side (`labelkit stats --compare`).

use crate::Stats;

/// A count in two datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CountDelta {
    /// In the first dataset.
    pub a: u64,
    /// In the second.
    pub b: u64,
}

impl CountDelta {
    /// `b - a`, saturated to the range of `i64`.
    #[must_use]
    pub fn delta(&self) -> i64 {
        let d = i128::from(self.b) - i128::from(self.a);
        i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
    }
}

/// One label in two datasets.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelDelta {
    /// The label's name.
    pub name: String,
    /// Objects.
    pub objects: CountDelta,
    /// Images holding it.
    pub images: CountDelta,
}

/// Two datasets' figures side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Images.
    pub images: CountDelta,
    /// Objects.
    pub objects: CountDelta,
    /// Empty images.
    pub empty_images: CountDelta,
    /// Per label: the first dataset's labels in order, then the labels
    /// only the second has.
    pub labels: Vec<LabelDelta>,
    /// The target count (the first dataset's).
    pub target_count: u64,
}

/// Compares the whole-dataset figures of `a` (say, last month) and `b`
/// (this month); labels are matched by name.
#[must_use]
pub fn compare(a: &Stats, b: &Stats) -> Comparison {
    let (oa, ob) = (&a.overall, &b.overall);
    let mut labels: Vec<LabelDelta> = oa
        .labels
        .iter()
        .map(|l| LabelDelta {
            name: l.name.clone(),
            objects: CountDelta { a: l.objects, b: 0 },
            images: CountDelta { a: l.images, b: 0 },
        })
        .collect();
    let mut by_name: std::collections::HashMap<String, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.clone(), i))
        .collect();
    for l in &ob.labels {
        let i = *by_name.entry(l.name.clone()).or_insert_with(|| {
            labels.push(LabelDelta {
                name: l.name.clone(),
                objects: CountDelta::default(),
                images: CountDelta::default(),
            });
            labels.len() - 1
        });
        if let Some(d) = labels.get_mut(i) {
            d.objects.b += l.objects;
            d.images.b += l.images;
        }
    }
    Comparison {
        images: CountDelta {
            a: oa.images,
            b: ob.images,
        },
        objects: CountDelta {
            a: oa.objects,
            b: ob.objects,
        },
        empty_images: CountDelta {
            a: oa.empty_images,
            b: ob.empty_images,
        },
        labels,
        target_count: a.target_count,
    }
}
