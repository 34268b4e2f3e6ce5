//! Attribute values carried by annotations, images and track shapes.

use std::fmt;

use crate::name::{intern, Name};

/// The value of one attribute.
///
/// CVAT stores every value as text and declares its type in the label's
/// [`crate::AttributeSpec`]; COCO's non-standard `attributes` object holds JSON
/// booleans, numbers and strings. Readers keep the most specific type they
/// can justify: a CVAT `checkbox` becomes [`AttributeValue::Bool`], a
/// `number` becomes [`AttributeValue::Number`], everything else text.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Free text, or one of a `select`/`radio` attribute's values.
    Text(String),
}

impl AttributeValue {
    /// Reads a value as CVAT writes it, given the declared input type.
    #[must_use]
    pub fn parse_as(text: &str, input_type: Option<crate::InputType>) -> Self {
        use crate::InputType;
        match input_type {
            Some(InputType::Checkbox) => match text.trim() {
                "true" | "True" | "TRUE" | "1" => Self::Bool(true),
                "false" | "False" | "FALSE" | "0" => Self::Bool(false),
                _ => Self::Text(text.to_owned()),
            },
            Some(InputType::Number) => match text.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => Self::Number(n),
                _ => Self::Text(text.to_owned()),
            },
            _ => Self::Text(text.to_owned()),
        }
    }

    /// Whether this value reads as "true" (a `true` bool, a non-zero number, or
    /// the text `true`/`yes`/`1`).
    #[must_use]
    pub fn is_truthy(&self) -> bool {
        match self {
            Self::Bool(b) => *b,
            Self::Number(n) => *n != 0.0,
            Self::Text(t) => matches!(t.trim().to_ascii_lowercase().as_str(), "true" | "yes" | "1"),
        }
    }

    /// The value as a number, if it is one or is text that parses as one.
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Bool(_) => None,
            Self::Number(n) => Some(*n),
            Self::Text(t) => t.trim().parse().ok(),
        }
    }
}

impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(t) => f.write_str(t),
        }
    }
}

/// Ordered attribute list: name -> value, in the order of the source file.
///
/// A small vector rather than a map: annotations carry a handful of attributes
/// and the source order matters for a faithful round trip. The names are
/// shared [`Name`]s: [`Attributes::set`] and [`Attributes::push`] take the
/// shared copy of a name ([`crate::name::intern`]), so that the shapes of a
/// dataset hold one copy of each attribute name between them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attributes(pub Vec<(Name, AttributeValue)>);

impl Attributes {
    /// An empty list.
    #[must_use]
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// The value of the attribute `name`, if present.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&AttributeValue> {
        self.0.iter().find(|(n, _)| &**n == name).map(|(_, v)| v)
    }

    /// Sets `name` to `value`, replacing an existing value in place.
    pub fn set(&mut self, name: impl AsRef<str>, value: AttributeValue) {
        let name = name.as_ref();
        if let Some(slot) = self.0.iter_mut().find(|(n, _)| &**n == name) {
            slot.1 = value;
        } else {
            self.0.push((intern(name), value));
        }
    }

    /// Appends `name` = `value` as a reader finds it, without looking for
    /// an earlier value of the same name (a source may repeat one).
    pub fn push(&mut self, name: impl AsRef<str>, value: AttributeValue) {
        self.0.push((intern(name.as_ref()), value));
    }

    /// Whether there are no attributes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of attributes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Iterates over `(name, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &AttributeValue)> {
        self.0.iter().map(|(n, v)| (&**n, v))
    }
}
