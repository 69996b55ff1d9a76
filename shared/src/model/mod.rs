//! Domain types. Each is parsed once at the edge, so code past the edge cannot hold an invalid
//! value.

mod customer;
mod definitions;
mod email;
mod field;
mod ids;
mod interaction;
mod list;
mod note;
mod organization;
mod timestamp;
mod version;
pub mod views;

pub use customer::{Customer, CustomerChange, CustomerDetails, ListedCustomer, NewCustomer};
pub use definitions::Definitions;
pub use email::Email;
pub use field::{AttributeChanges, AttributeValue, FieldDefinition, FieldKey, FieldScope, FieldType};
pub use ids::{is_id, new_id, TeamId};
pub use interaction::{Activity, Interaction, TrackRequest, DEFAULT_PRIORITY};
pub use list::{listed_parameter, Cursor, Filter, FilterField, ListQuery, Paging, Position, NOT_A_LIST};
pub use note::Note;
pub use organization::{NewOrganization, Organization, OrganizationChange, OrganizationQuery};
pub use timestamp::Timestamp;
pub use version::{entity_tag, IfMatch, FIRST_VERSION};

/// A validation failure: field name to the messages that explain what is wrong with it.
pub type FieldErrors = std::collections::BTreeMap<String, Vec<String>>;

/// Longest accepted text value (names, sources, descriptions), in characters.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// Most tags a customer may carry.
pub const MAX_TAGS: usize = 50;

/// Maximum number of custom attribute values a customer may carry. Each one is also an index
/// item written in the same DynamoDB transaction, which allows at most 100 items.
pub const MAX_ATTRIBUTES: usize = 30;

/// Checks a text value and returns it trimmed, or `None` when it is blank.
pub(crate) fn clean_text(
    field: &str,
    raw: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    let value = raw.trim();
    if value.chars().count() > MAX_TEXT_CHARS {
        push_error(errors, field, format!("must be at most {MAX_TEXT_CHARS} characters"));
        return None;
    }
    if value.chars().any(char::is_control) {
        push_error(errors, field, "must not contain control characters".to_string());
        return None;
    }
    (!value.is_empty()).then(|| value.to_string())
}

/// Parses an optional text field: blank clears it, anything else is checked as text.
pub(crate) fn optional_text(field: &str, raw: &serde_json::Value, errors: &mut FieldErrors) -> Option<String> {
    if field::is_blank(raw) {
        return None;
    }
    match field::scalar_text(raw) {
        Some(text) => clean_text(field, &text, errors),
        None => {
            push_error(errors, field, "must be a string".into());
            None
        }
    }
}

/// Adds one message to the errors of `field`.
pub(crate) fn push_error(errors: &mut FieldErrors, field: &str, message: String) {
    errors.entry(field.to_string()).or_default().push(message);
}
