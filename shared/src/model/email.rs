use serde::{Deserialize, Serialize};

/// An email address as the customer gave it. Two addresses that differ only in case are the same
/// customer, so uniqueness and search use [`Email::normalized`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Maximum length of an address, in bytes (the limit of RFC 5321 paths).
    pub const MAX_LEN: usize = 254;

    /// Parses an address: one `@` with a non-empty local part and a domain that contains a dot,
    /// no whitespace or control characters, at most 254 bytes.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("is required".to_string());
        }
        if value.len() > Self::MAX_LEN {
            return Err(format!("must be at most {} bytes", Self::MAX_LEN));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err("must be a valid email address".to_string());
        };
        let valid = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if !valid {
            return Err("must be a valid email address".to_string());
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the lowercase form used for uniqueness and search.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<String> for Email {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_accepts_plain_address() {
        assert_eq!(Email::parse(" Jane@Example.test ").unwrap().as_str(), "Jane@Example.test");
    }

    #[test]
    fn email_normalizes_case() {
        assert_eq!(Email::parse("Jane@Example.test").unwrap().normalized(), "jane@example.test");
    }

    #[test]
    fn email_rejects_malformed() {
        for raw in ["", "jane", "jane@", "@example.test", "jane@example", "ja ne@example.test", "a@b@c.d"] {
            assert!(Email::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }
}
