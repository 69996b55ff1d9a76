//! A team's custom attribute definitions of one kind of record, read as one set with its
//! revision, so that a write can require the set it was checked against to be still current.

use std::ops::Deref;

use super::FieldDefinition;

/// The definitions of one scope, ordered by key, and the revision of the set. Putting or
/// removing a definition raises the revision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Definitions {
    pub fields: Vec<FieldDefinition>,
    pub revision: u64,
}

impl Deref for Definitions {
    type Target = [FieldDefinition];

    fn deref(&self) -> &[FieldDefinition] {
        &self.fields
    }
}

/// Returns the revision that a change's attribute values were checked against, when it sets
/// any. A store rejects the write once the definitions have changed since. Changes that set no value
/// (or only clear values) need no guard.
pub(crate) fn guard<V>(checked_against: Option<u64>, attributes: &std::collections::BTreeMap<super::FieldKey, Option<V>>) -> Option<u64> {
    checked_against.filter(|_| attributes.values().any(Option::is_some))
}
