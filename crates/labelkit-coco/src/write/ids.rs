//! Renumbering of ids that COCO readers cannot hold.

/// Renumbers the ids outside the signed 32-bit range (which Datumaro, and
/// so CVAT's COCO import, cannot hold), densely and in their order, from
/// the largest id that fits; all of them from 1 if that would overflow.
/// Equal ids stay equal. Returns how many ids changed.
pub(super) fn fit_i32<T>(ids: &mut [T]) -> u64
where
    T: Copy + Ord + Into<i128> + TryFrom<i64>,
{
    let fits = |v: T| i32::try_from(v.into()).is_ok();
    let mut outside: Vec<T> = ids.iter().copied().filter(|&v| !fits(v)).collect();
    if outside.is_empty() {
        return 0;
    }
    outside.sort_unstable();
    outside.dedup();
    let top = ids
        .iter()
        .copied()
        .filter(|&v| fits(v))
        .map(Into::into)
        .max()
        .unwrap_or(0)
        .max(0);
    let (start, targets) = if top + outside.len() as i128 <= i128::from(i32::MAX) {
        (top, outside)
    } else {
        let mut all = ids.to_vec();
        all.sort_unstable();
        all.dedup();
        (0, all)
    };
    let mut changed = 0;
    for v in ids.iter_mut() {
        if let Ok(k) = targets.binary_search(v) {
            let new = i64::try_from(start + 1 + k as i128).unwrap_or(i64::from(i32::MAX));
            if let Ok(new) = T::try_from(new) {
                let (old, now): (i128, i128) = ((*v).into(), new.into());
                if old != now {
                    changed += 1;
                }
                *v = new;
            }
        }
    }
    changed
}

/// Gives category 0, which Datumaro (and so CVAT's COCO import) reads as
/// "no label", the next free id above the largest (the smallest free
/// positive id when the largest is `i32::MAX`); the other ids stay. Run
/// after [`fit_i32`], so the new id is within 32 bits. Returns how many ids
/// changed (ids are distinct: at most one).
pub(super) fn renumber_zero(ids: &mut [i64]) -> u64 {
    let Some(at) = ids.iter().position(|&id| id == 0) else {
        return 0;
    };
    let largest = ids.iter().copied().max().unwrap_or(0);
    ids[at] = if largest < i64::from(i32::MAX) {
        largest + 1
    } else {
        let mut used: Vec<i64> = ids.iter().copied().filter(|&id| id > 0).collect();
        used.sort_unstable();
        // The first gap in 1, 2, 3, ...: there is one, as fewer ids than
        // i32::MAX are in use.
        let mut free = 1;
        for id in used {
            if id == free {
                free += 1;
            } else if id > free {
                break;
            }
        }
        free
    };
    1
}
