use std::fmt;

use serde::{Deserialize, Serialize};

/// Team identifier taken from the authorizer context. Every storage key starts with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TeamId(String);

impl TeamId {
    /// Longest accepted team id, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Parses a team id: 1 to 64 ASCII letters, digits, `-` or `_`.
    pub fn parse(raw: &str) -> Option<Self> {
        let valid = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid.then(|| Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TeamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TeamId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("invalid team id {value:?}"))
    }
}

impl From<TeamId> for String {
    fn from(value: TeamId) -> Self {
        value.0
    }
}

/// Creates a new record id: a UUIDv7 in 32 lowercase hex digits, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Tells whether `raw` has the shape of an id made by [`new_id`].
pub fn is_id(raw: &str) -> bool {
    raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
