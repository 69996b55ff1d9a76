//! Record versions as entity tags. A customer's or organization's `version` grows by one with
//! every update, so `"{version}"` names one state of the record's own fields. Interactions,
//! notes and signed avatar URLs are not part of it.

/// The versions that an update accepts, from its `If-Match` header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match`, or `*`: any current version.
    #[default]
    Any,
    /// Only these versions. Empty when every listed tag is weak or not one of ours, which no
    /// version matches.
    Versions(Vec<u64>),
}

impl IfMatch {
    /// Parses an `If-Match` value: `*`, or a comma-separated list of entity tags. Weak tags
    /// (`W/"3"`) never match, as RFC 9110 requires for `If-Match`.
    pub fn parse(header: &str) -> Self {
        if header.trim() == "*" {
            return Self::Any;
        }
        let versions = header
            .split(',')
            .filter_map(|tag| tag.trim().strip_prefix('"')?.strip_suffix('"')?.parse::<u64>().ok())
            .collect();
        Self::Versions(versions)
    }

    pub fn allows(&self, version: u64) -> bool {
        match self {
            Self::Any => true,
            Self::Versions(versions) => versions.contains(&version),
        }
    }
}

/// Version of a newly created record.
pub const FIRST_VERSION: u64 = 1;

/// Formats `version` as a strong entity tag.
pub fn entity_tag(version: u64) -> String {
    format!("\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_listed_strong_tags() {
        let condition = IfMatch::parse(r#""3", "5""#);
        assert!(condition.allows(5));
        assert!(!condition.allows(4));
    }

    #[test]
    fn if_match_never_accepts_weak_or_foreign_tags() {
        assert_eq!(IfMatch::parse(r#"W/"3""#), IfMatch::Versions(vec![]));
        assert_eq!(IfMatch::parse(r#""abc", 3"#), IfMatch::Versions(vec![]));
        assert!(!IfMatch::parse("").allows(0));
    }

    #[test]
    fn if_match_star_accepts_any_version() {
        assert!(IfMatch::parse(" * ").allows(7));
    }

    #[test]
    fn entity_tag_round_trips() {
        assert!(IfMatch::parse(&entity_tag(42)).allows(42));
    }
}
