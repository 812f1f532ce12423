//! Which vendor's rules decide: Segment's (the default) or RudderStack's (issue 26).

/// The vendor whose consent rules the tool applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    #[default]
    Segment,
    RudderStack,
}

impl Dialect {
    /// Whose rules settings in `shape` ask for: RudderStack's for its own shape, Segment's for
    /// ours and for Segment's CDN settings.
    pub fn of_shape(shape: super::Shape) -> Self {
        match shape {
            super::Shape::RudderStack => Self::RudderStack,
            super::Shape::Own | super::Shape::SegmentCdn => Self::Segment,
        }
    }

    /// The word for `--dialect`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Segment => "segment",
            Self::RudderStack => "rudderstack",
        }
    }

    /// The vendor's own name, for text.
    pub fn vendor(self) -> &'static str {
        match self {
            Self::Segment => "Segment",
            Self::RudderStack => "RudderStack",
        }
    }

    /// The vendor this one is compared with.
    pub fn other(self) -> Self {
        match self {
            Self::Segment => Self::RudderStack,
            Self::RudderStack => Self::Segment,
        }
    }
}
