//! Fields a format keeps for its own round trip, typed by that format.
//!
//! A format can state things the model has no field for: COCO's `info` and
//! `licenses` and the unknown keys of an annotation, CVAT's `<meta>` details,
//! the form a number was written in. Its reader keeps them so that its writer
//! gives them back; no other format reads them. Each format crate defines its
//! own types for them (a struct per level: dataset, label, image, annotation,
//! track) and stores them in the [`Kept`] slot of that level; the model knows
//! nothing of their contents.
//!
//! A slot is two words wide and allocates nothing when empty, so that a
//! dataset of a million annotations that keep nothing pays only for that.
//!
//! A format's struct implements [`KeptValue`], which says whether the
//! fields hold data another format loses on a write (the default) or only
//! the form the format wrote its values in (a fixed number of decimals),
//! which no other format has a use for.
//!
//! ```
//! use labelkit_model::{Kept, KeptValue};
//!
//! #[derive(Debug, Clone, PartialEq, Default)]
//! struct MyFields {
//!     area: Option<f64>,
//! }
//!
//! impl KeptValue for MyFields {}
//!
//! let mut kept = Kept::default();
//! assert!(kept.get::<MyFields>().is_none());
//! kept.get_or_default::<MyFields>().area = Some(12.5);
//! assert_eq!(kept.get::<MyFields>().and_then(|f| f.area), Some(12.5));
//! assert_eq!(kept.clone(), kept);
//! ```

use std::any::Any;
use std::fmt;

/// A format's round-trip struct: a `'static` type that can be cloned,
/// compared and printed (every format's round-trip struct derives these),
/// and that a [`Kept`] slot can therefore hold.
pub trait KeptValue: Any + Send + Sync + fmt::Debug + Clone + PartialEq {
    /// Whether the fields hold something that a write to another format
    /// loses (the default), rather than only the form this format wrote its
    /// values in (a fixed number of decimals), which other formats have no
    /// use for and which is not counted as lost.
    fn is_material(&self) -> bool {
        true
    }
}

/// A value a [`Kept`] slot can hold, as a trait object: every
/// [`KeptValue`].
pub trait KeptFields: Any + Send + Sync + fmt::Debug {
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn KeptFields>;
    /// Whether `other` is a value of the same type and equal to this one.
    fn eq_dyn(&self, other: &dyn KeptFields) -> bool;
    /// This value as [`Any`], to downcast it.
    fn as_any(&self) -> &dyn Any;
    /// This value as mutable [`Any`], to downcast it.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// [`KeptValue::is_material`].
    fn is_material(&self) -> bool;
}

impl<T: KeptValue> KeptFields for T {
    fn clone_box(&self) -> Box<dyn KeptFields> {
        Box::new(self.clone())
    }

    fn eq_dyn(&self, other: &dyn KeptFields) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn is_material(&self) -> bool {
        KeptValue::is_material(self)
    }
}

/// The round-trip fields of one format at one level of the model (see the
/// [module documentation](self)).
///
/// It holds the fields of at most one type: the reader of the format the
/// data came from fills it, and that format's writer reads it back. Storing
/// a value of another type replaces the one held.
#[derive(Default)]
pub struct Kept(Option<Box<dyn KeptFields>>);

impl Kept {
    /// An empty slot.
    #[must_use]
    pub const fn new() -> Self {
        Self(None)
    }

    /// A slot holding `value`.
    #[must_use]
    pub fn with<T: KeptFields>(value: T) -> Self {
        Self(Some(Box::new(value)))
    }

    /// Whether nothing is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Whether the slot holds fields that a write to another format loses
    /// ([`KeptValue::is_material`]): false when empty, or when the fields
    /// only state the form the values were written in.
    #[must_use]
    pub fn is_material(&self) -> bool {
        self.0.as_deref().is_some_and(KeptFields::is_material)
    }

    /// The size of the struct held (its own block on the heap, not what it
    /// owns in turn), for memory accounting; `None` when empty.
    #[must_use]
    pub fn held_size(&self) -> Option<usize> {
        self.0.as_deref().map(std::mem::size_of_val)
    }

    /// The fields held, when they are of type `T`.
    #[must_use]
    pub fn get<T: KeptFields>(&self) -> Option<&T> {
        self.0.as_deref()?.as_any().downcast_ref()
    }

    /// The fields held, mutably, when they are of type `T`.
    pub fn get_mut<T: KeptFields>(&mut self) -> Option<&mut T> {
        self.0.as_deref_mut()?.as_any_mut().downcast_mut()
    }

    /// The fields of type `T`, stored as `T::default()` first when the slot
    /// holds none of that type (replacing fields of another type).
    pub fn get_or_default<T: KeptFields + Default>(&mut self) -> &mut T {
        if self.get::<T>().is_none() {
            self.0 = Some(Box::new(T::default()));
        }
        self.0
            .as_deref_mut()
            .and_then(|v| v.as_any_mut().downcast_mut())
            .expect("the slot was just filled with a T")
    }

    /// Stores `value`, replacing whatever was held.
    pub fn set<T: KeptFields>(&mut self, value: T) {
        self.0 = Some(Box::new(value));
    }

    /// Takes the fields out when they are of type `T`, leaving the slot
    /// empty; fields of another type stay.
    pub fn take<T: KeptFields>(&mut self) -> Option<T> {
        self.get::<T>()?;
        let boxed = self.0.take()?;
        let any: Box<dyn Any> = boxed;
        any.downcast::<T>().ok().map(|b| *b)
    }

    /// Empties the slot.
    pub fn clear(&mut self) {
        self.0 = None;
    }

    /// Keeps the fields only when they are of type `T` (what a format's
    /// `project` does: the fields of another format do not survive a write
    /// to this one).
    pub fn retain_only<T: KeptFields>(&mut self) {
        if self.get::<T>().is_none() {
            self.0 = None;
        }
    }
}

impl Clone for Kept {
    fn clone(&self) -> Self {
        Self(self.0.as_ref().map(|v| v.clone_box()))
    }
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_dyn(b.as_ref()),
            _ => false,
        }
    }
}

impl fmt::Debug for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("Kept(none)"),
            Some(v) => f.debug_tuple("Kept").field(v).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Default)]
    struct A {
        n: u32,
    }

    #[derive(Debug, Clone, PartialEq, Default)]
    struct B {
        s: String,
    }

    impl KeptValue for A {}

    /// Fields that are material only when they say something.
    impl KeptValue for B {
        fn is_material(&self) -> bool {
            !self.s.is_empty()
        }
    }

    #[test]
    fn holds_one_type_and_compares_by_value() {
        let mut k = Kept::new();
        assert!(k.is_empty());
        k.set(A { n: 3 });
        assert_eq!(k.get::<A>(), Some(&A { n: 3 }));
        assert_eq!(k.get::<B>(), None);
        assert_eq!(k, Kept::with(A { n: 3 }));
        assert_ne!(k, Kept::with(A { n: 4 }));
        assert_ne!(k, Kept::with(B::default()));
        assert_ne!(k, Kept::new());
        k.get_mut::<A>().unwrap().n = 5;
        assert_eq!(format!("{k:?}"), "Kept(A { n: 5 })");
    }

    #[test]
    fn get_or_default_replaces_another_type_and_take_empties() {
        let mut k = Kept::with(A { n: 1 });
        k.get_or_default::<B>().s.push('x');
        assert_eq!(k.get::<A>(), None);
        assert_eq!(k.take::<A>(), None);
        assert!(!k.is_empty());
        assert_eq!(k.take::<B>(), Some(B { s: "x".into() }));
        assert!(k.is_empty());
    }

    #[test]
    fn form_only_fields_are_not_material() {
        assert!(!Kept::new().is_material());
        assert!(Kept::with(A { n: 0 }).is_material());
        assert!(!Kept::with(B::default()).is_material());
        assert!(Kept::with(B { s: "x".into() }).is_material());
    }

    #[test]
    fn retain_only_drops_other_formats_fields() {
        let mut k = Kept::with(A { n: 1 });
        k.retain_only::<A>();
        assert!(!k.is_empty());
        k.retain_only::<B>();
        assert!(k.is_empty());
    }

    #[test]
    fn an_empty_slot_is_two_words_wide() {
        assert_eq!(
            std::mem::size_of::<Kept>(),
            2 * std::mem::size_of::<usize>()
        );
    }
}
