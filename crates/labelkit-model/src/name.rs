//! Shared names: one allocation per distinct name, not one per use.
//!
//! A dataset repeats a handful of names on every shape: the attribute names
//! of a label (`truncated`, `pose`), the points of a keypoint schema
//! (`left_eye`, ...), the `source` of a CVAT shape (`manual`). The model
//! holds them as [`Name`]s, reference-counted strings, so that a million
//! shapes share the few distinct ones instead of owning a million copies.
//!
//! [`intern`] gives the shared copy: readers call it for every name they
//! read. The copies are found in a small cache of each thread, which holds
//! at most [`CACHE_NAMES`] names of at most [`CACHE_NAME_BYTES`] bytes
//! (at most about 240 KiB with its table), so that reading an untrusted file with millions of
//! distinct names costs no more than one allocation per name, as before,
//! and nothing stays behind once the datasets are dropped but that cache.
//!
//! ```
//! use std::sync::Arc;
//! use labelkit_model::name::intern;
//!
//! let a = intern("truncated");
//! let b = intern("truncated");
//! assert!(Arc::ptr_eq(&a, &b));
//! assert_eq!(&*a, "truncated");
//! ```

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

/// A name shared by every value that holds it (see the [module
/// documentation](self)). It dereferences to `str`; `Name::from("x")` and
/// `"x".into()` make an unshared one, [`intern`] a shared one.
pub type Name = Arc<str>;

/// Names kept in the cache of one thread.
pub const CACHE_NAMES: usize = 2048;

/// Longer names are not cached: they are rarely repeated.
pub const CACHE_NAME_BYTES: usize = 48;

thread_local! {
    static CACHE: RefCell<HashSet<Name>> = RefCell::new(HashSet::new());
}

/// The shared copy of `name`: the one in this thread's cache, or a new one
/// that the cache keeps while it has room.
#[must_use]
pub fn intern(name: &str) -> Name {
    if name.len() > CACHE_NAME_BYTES {
        return Name::from(name);
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(shared) = cache.get(name) {
            return Arc::clone(shared);
        }
        let made = Name::from(name);
        if cache.len() < CACHE_NAMES {
            cache.insert(Arc::clone(&made));
        }
        made
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_share_one_allocation() {
        let a = intern("pose");
        let b = intern(&String::from("pose"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &intern("Pose")));
    }

    #[test]
    fn attributes_set_and_pushed_share_their_names() {
        use crate::{AttributeValue, Attributes};
        let mut a = Attributes::new();
        a.set("truncated", AttributeValue::Bool(true));
        let mut b = Attributes::new();
        b.push(String::from("truncated"), AttributeValue::Bool(false));
        assert!(Arc::ptr_eq(&a.0[0].0, &b.0[0].0));
        // `set` replaces in place; `push` appends a repeated name.
        a.set("truncated", AttributeValue::Bool(false));
        assert_eq!(a, b);
        b.push("truncated", AttributeValue::Bool(true));
        assert_eq!(b.len(), 2);
        assert_eq!(b.get("truncated"), Some(&AttributeValue::Bool(false)));
    }

    #[test]
    fn the_cache_is_bounded_by_count_and_length() {
        let long = "x".repeat(CACHE_NAME_BYTES + 1);
        assert!(!Arc::ptr_eq(&intern(&long), &intern(&long)));
        // Fill this thread's cache; names past its size are still given,
        // unshared.
        std::thread::spawn(|| {
            for i in 0..CACHE_NAMES {
                let _ = intern(&format!("n{i}"));
            }
            let over = intern("one more");
            assert_eq!(&*over, "one more");
            assert!(!Arc::ptr_eq(&over, &intern("one more")));
            assert!(Arc::ptr_eq(&intern("n0"), &intern("n0")));
            CACHE.with(|c| assert_eq!(c.borrow().len(), CACHE_NAMES));
        })
        .join()
        .unwrap();
    }
}
