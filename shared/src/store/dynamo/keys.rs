//! Key formats of every item in the table, in one place. Team ids contain no `#` (they are
//! checked at the edge), so no key of one team can equal a key of another.

use crate::model::{FieldScope, TeamId, Timestamp};
pub use crate::store::listing::{MAX_INDEXED_BYTES, VALUE_CUT, VALUE_END, index_sk};

/// Sort key of a customer item; its interactions sort after it under the same partition key.
pub const CUSTOMER_SK: &str = "C";
const INTERACTION_PREFIX: &str = "I#";
pub const EMAIL_LOCK_SK: &str = "E";
pub const COUNTER_SK: &str = "COUNT";

/// Partition key of a customer and its interactions.
pub fn customer_pk(team: &TeamId, id: &str) -> String {
    format!("T#{team}#C#{id}")
}

pub fn interaction_sk(created_at: Timestamp, id: &str) -> String {
    format!("{INTERACTION_PREFIX}{}#{id}", created_at.sort_key())
}

pub fn interaction_prefix() -> &'static str {
    INTERACTION_PREFIX
}

/// Partition key of the item that reserves an email address within a team.
pub fn email_lock_pk(team: &TeamId, normalized_email: &str) -> String {
    format!("T#{team}#E#{normalized_email}")
}

/// Partition key of the index items of one filterable field.
pub fn index_pk(team: &TeamId, field: &str) -> String {
    format!("T#{team}#X#{field}")
}

/// Prefix of the index items that a filter selects.
pub fn index_query_prefix(value: &str, prefix: bool) -> String {
    if prefix { value.to_string() } else { format!("{value}{VALUE_END}") }
}

/// Partition key of the team's counters.
pub fn team_pk(team: &TeamId) -> String {
    format!("T#{team}")
}

/// Partition key of the team's field definitions for one kind of record.
pub fn fields_pk(team: &TeamId, scope: FieldScope) -> String {
    format!("T#{team}#F#{}", scope.as_str())
}

/// Sort key of an organization item.
pub const ORGANIZATION_SK: &str = "O";

pub fn organization_pk(team: &TeamId, id: &str) -> String {
    format!("T#{team}#O#{id}")
}

/// `list` index partition of the team's organizations.
pub fn organization_list_pk(team: &TeamId) -> String {
    format!("T#{team}#O")
}

/// Partition key of the index items that find organizations by name.
pub fn organization_name_pk(team: &TeamId) -> String {
    format!("T#{team}#Y#name")
}

const NOTE_PREFIX: &str = "N#";

/// Sort key of a note under its customer's partition key; note ids sort by creation time.
pub fn note_sk(id: &str) -> String {
    format!("{NOTE_PREFIX}{id}")
}

pub fn note_prefix() -> &'static str {
    NOTE_PREFIX
}

/// `list` index partition of the team's customers.
pub fn list_pk(team: &TeamId) -> String {
    format!("T#{team}#C")
}

/// Partition of the team's order items: one per customer, keyed by id alone, so that a page
/// jump reads about 50 bytes per customer it skips instead of the whole record. `T#{team}#K`
/// is taken: `auth::dynamo` keeps the team's API key records there.
pub fn order_pk(team: &TeamId) -> String {
    format!("T#{team}#P")
}

/// `recent` index partition of the team's customers by update time.
pub fn updated_pk(team: &TeamId) -> String {
    format!("T#{team}#U")
}

pub fn updated_sk(updated_at: Timestamp, id: &str) -> String {
    format!("{}#{id}", updated_at.sort_key())
}

/// `recent` index partition of the team's interactions by creation time.
pub fn activity_pk(team: &TeamId) -> String {
    format!("T#{team}#A")
}

/// Sort key of an idempotency key's item.
pub const KEY_SK: &str = "R";

/// Partition key of one idempotency key of a team, by the digest of the client's key. One
/// partition per key spreads a team's retries over the table.
pub fn key_pk(team: &TeamId, digest: &str) -> String {
    format!("T#{team}#R#{digest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_value_never_matches_an_exact_filter() {
        let value = "é".repeat(500);
        let sk = index_sk(&value, "c1");
        assert!(!sk.starts_with(&index_query_prefix(&value[..MAX_INDEXED_BYTES], false)));
    }

    #[test]
    fn exact_prefix_does_not_match_longer_value() {
        let sk = index_sk("org12", "c1");
        assert!(!sk.starts_with(&index_query_prefix("org1", false)));
        assert!(sk.starts_with(&index_query_prefix("org12", false)));
    }
}
