/// A photo's cull decision, independent of its stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flag {
    #[default]
    None,
    Pick,
    Reject,
}

impl Flag {
    /// The catalog's stored code; kept stable because it is on disk.
    pub(crate) fn code(self) -> i64 {
        match self {
            Flag::None => 0,
            Flag::Pick => 1,
            Flag::Reject => 2,
        }
    }

    /// Unknown codes (a newer glia's flags) read as no flag rather than failing the whole folder.
    pub(crate) fn from_code(code: i64) -> Flag {
        match code {
            1 => Flag::Pick,
            2 => Flag::Reject,
            _ => Flag::None,
        }
    }
}

/// What the user said about a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Labels {
    /// 0 = unrated, 1..=5 stars.
    pub rating: u8,
    pub flag: Flag,
}

/// A model's verdict on a photo: `score` is what the GUI shows, `raw` the model's own output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredScore {
    pub score: f32,
    pub raw: f32,
}
