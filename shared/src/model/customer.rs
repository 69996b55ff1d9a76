use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::field::{apply_attributes, check_attribute_count, check_required, is_blank, parse_attribute, scalar_text};
use super::{
    clean_text, optional_text, push_error, AttributeValue, Email, FieldDefinition, FieldErrors, FieldKey,
    Interaction, Note, Timestamp, MAX_TAGS,
};

/// Maximum length of a tag, in characters.
pub const MAX_TAG_CHARS: usize = 100;

/// Maximum length of an organization id, in bytes.
pub const MAX_ORGANIZATION_ID_LEN: usize = 64;

/// Fields that responses contain and clients echo back on update; they are accepted and ignored.
const READ_ONLY_FIELDS: [&str; 8] =
    ["id", "created_at", "updated_at", "interactions", "organization", "notes", "avatar", "name"];

/// A customer record as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub email: Email,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_user: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<FieldKey, AttributeValue>,
    /// Storage key of the avatar image; responses expose a URL made from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_key: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Incremented by every write, so that concurrent writers detect each other.
    #[serde(default)]
    pub version: u64,
}

/// A customer with everything that belongs to it, as `GET /customers/{id}` returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerDetails {
    pub customer: Customer,
    /// Newest first.
    pub interactions: Vec<Interaction>,
    /// Newest first.
    pub notes: Vec<Note>,
}

/// A customer as a list row: the record and, when it has an avatar, a URL to it.
pub type ListedCustomer = (Customer, Option<String>);

/// The fields a create or update request sets. `None` leaves a field as it is; `Some(None)`
/// clears it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomerChange {
    pub email: Option<Email>,
    pub first: Option<Option<String>>,
    pub middle: Option<Option<String>>,
    pub last: Option<Option<String>>,
    pub organization_id: Option<Option<String>>,
    pub assigned_user: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
    pub attributes: BTreeMap<FieldKey, Option<AttributeValue>>,
    pub avatar_key: Option<Option<String>>,
    /// The versions the stored record must have for the update to apply.
    pub if_match: crate::model::IfMatch,
    /// Revision of the definitions that the attribute values were checked against.
    pub checked_against: Option<u64>,
}

/// A checked create request: the change contains an email and every required attribute. Its
/// id is chosen before the write, so a response can be built before the record is stored.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCustomer {
    pub id: String,
    change: CustomerChange,
}

impl CustomerChange {
    /// Records that the attribute values were checked against `definitions`.
    pub fn checked_against(self, definitions: &crate::model::Definitions) -> Self {
        Self { checked_against: Some(definitions.revision), ..self }
    }

    /// Returns the definitions revision that the write requires, when it sets attribute values.
    pub fn definitions_guard(&self) -> Option<u64> {
        crate::model::definitions::guard(self.checked_against, &self.attributes)
    }

    /// Parses the fields of a create or update body, checking custom attributes against the
    /// team's definitions. Both the documented camelCase names and the snake_case names of
    /// responses are accepted.
    pub fn from_body(body: &Map<String, Value>, fields: &[FieldDefinition]) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut change = Self::default();

        for (name, raw) in body {
            match name.as_str() {
                "email" => match scalar_text(raw).map(|text| Email::parse(&text)) {
                    Some(Ok(email)) => change.email = Some(email),
                    Some(Err(message)) => push_error(&mut errors, "email", message),
                    None => push_error(&mut errors, "email", "must be a string".into()),
                },
                "first" => change.first = Some(optional_text("first", raw, &mut errors)),
                "middle" => change.middle = Some(optional_text("middle", raw, &mut errors)),
                "last" => change.last = Some(optional_text("last", raw, &mut errors)),
                "assignedUser" | "assigned_user" => {
                    change.assigned_user = Some(parse_assigned_user(name, raw, &mut errors))
                }
                "organizationId" | "organization_id" => {
                    change.organization_id = Some(parse_organization_id(name, raw, &mut errors))
                }
                "tags" => change.tags = Some(parse_tags(raw, &mut errors)),
                key if READ_ONLY_FIELDS.contains(&key) => {}
                key if key.starts_with(FieldKey::PREFIX) => {
                    parse_attribute(key, raw, fields, &mut change.attributes, &mut errors)
                }
                other => push_error(&mut errors, other, "is not a known field".into()),
            }
        }

        check_attribute_count(&change.attributes, &mut errors);
        if errors.is_empty() { Ok(change) } else { Err(errors) }
    }

    /// Checks what needs no attribute definitions: the standard fields and the number of custom
    /// attributes. A body over one of their limits thus fails before the definitions are read.
    pub fn check_without_definitions(body: &Map<String, Value>) -> Result<(), FieldErrors> {
        match Self::from_body(body, &[]) {
            Ok(_) => Ok(()),
            Err(errors) => crate::model::field::definition_free_errors(errors, body),
        }
    }

    /// Checks that the change can create a customer: an email and every required attribute.
    pub fn into_new(self, fields: &[FieldDefinition]) -> Result<NewCustomer, FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.email.is_none() {
            push_error(&mut errors, "email", "is required".into());
        }
        check_required(&self.attributes, fields, true, &mut errors);
        if errors.is_empty() { Ok(NewCustomer { id: crate::model::new_id(), change: self }) } else { Err(errors) }
    }

    /// Checks that an update does not clear a required attribute.
    pub fn check_update(&self, fields: &[FieldDefinition]) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        check_required(&self.attributes, fields, false, &mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Applies the change to `customer` and stamps it with `now`.
    pub fn apply(&self, customer: &mut Customer, now: Timestamp) {
        if let Some(email) = &self.email {
            customer.email = email.clone();
        }
        set(&mut customer.first, &self.first);
        set(&mut customer.middle, &self.middle);
        set(&mut customer.last, &self.last);
        set(&mut customer.organization_id, &self.organization_id);
        set(&mut customer.assigned_user, &self.assigned_user);
        set(&mut customer.avatar_key, &self.avatar_key);
        if let Some(tags) = &self.tags {
            customer.tags = tags.clone();
        }
        apply_attributes(&mut customer.attributes, &self.attributes);
        customer.updated_at = now.max(Timestamp(customer.updated_at.0 + 1));
        customer.version += 1;
    }
}

impl NewCustomer {
    /// Builds the record, created and updated at `now`.
    pub fn into_customer(self, now: Timestamp) -> Customer {
        let change = self.change;
        let mut customer = Customer {
            id: self.id,
            email: change.email.clone().expect("a NewCustomer is built only with an email"),
            first: None,
            middle: None,
            last: None,
            organization_id: None,
            assigned_user: None,
            tags: Vec::new(),
            attributes: BTreeMap::new(),
            avatar_key: None,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        change.apply(&mut customer, now);
        customer.updated_at = now;
        customer.version = crate::model::FIRST_VERSION;
        customer
    }

    /// Returns the definitions revision that the create requires, when it sets attribute values.
    pub fn definitions_guard(&self) -> Option<u64> {
        self.change.definitions_guard()
    }

    pub fn email(&self) -> &Email {
        self.change.email.as_ref().expect("a NewCustomer is built only with an email")
    }
}

impl Customer {
    /// Tells whether `other` has the same fields as this customer, apart from `updated_at` and
    /// `version`, which every write changes.
    pub fn same_fields(&self, other: &Customer) -> bool {
        *self == Customer { updated_at: self.updated_at, version: self.version, ..other.clone() }
    }

    /// Returns the display name: first and last name joined, or the email when both are missing.
    pub fn display_name(&self) -> String {
        let parts: Vec<&str> = [&self.first, &self.last].into_iter().flatten().map(String::as_str).collect();
        if parts.is_empty() { self.email.as_str().to_string() } else { parts.join(" ") }
    }

    /// Builds the row shape of lists: the documented fields, tags and custom attribute values.
    pub fn to_json(&self) -> Map<String, Value> {
        crate::model::views::to_object(&crate::model::views::CustomerView::new(self))
    }
}

fn set<T: Clone>(target: &mut Option<T>, change: &Option<Option<T>>) {
    if let Some(value) = change {
        target.clone_from(value);
    }
}

fn parse_assigned_user(field: &str, raw: &Value, errors: &mut FieldErrors) -> Option<i64> {
    if is_blank(raw) {
        return None;
    }
    let parsed = match raw {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse::<i64>().ok(),
        _ => None,
    };
    match parsed {
        Some(id) if id >= 0 => Some(id),
        _ => {
            push_error(errors, field, format!("must be a whole number from 0 to {}", i64::MAX));
            None
        }
    }
}

fn parse_organization_id(field: &str, raw: &Value, errors: &mut FieldErrors) -> Option<String> {
    let id = optional_text(field, raw, errors)?;
    if id.len() > MAX_ORGANIZATION_ID_LEN {
        push_error(errors, field, format!("must be at most {MAX_ORGANIZATION_ID_LEN} bytes"));
        return None;
    }
    Some(id)
}

/// Parses tags from a list, a PHP-style indexed object, or a single string. Blank tags are
/// dropped and repeated ones collapse, keeping the first occurrence.
fn parse_tags(raw: &Value, errors: &mut FieldErrors) -> Vec<String> {
    let items: Vec<&Value> = match raw {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        single => vec![single],
    };
    let mut tags: Vec<String> = Vec::new();
    for item in items {
        let Some(text) = scalar_text(item) else {
            push_error(errors, "tags", "must be a list of strings".into());
            return Vec::new();
        };
        let Some(tag) = clean_text("tags", &text, errors) else { continue };
        if tag.chars().count() > MAX_TAG_CHARS {
            push_error(errors, "tags", format!("each tag must be at most {MAX_TAG_CHARS} characters"));
            return Vec::new();
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
        // Stopping here keeps the duplicate check from growing with the length of the list.
        if tags.len() > MAX_TAGS {
            push_error(errors, "tags", format!("at most {MAX_TAGS} tags"));
            return Vec::new();
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<CustomerChange, FieldErrors> {
        CustomerChange::from_body(body.as_object().unwrap(), &[])
    }

    #[test]
    fn change_accepts_both_name_styles() {
        let camel = parse(json!({"assignedUser": 1, "organizationId": "o1"})).unwrap();
        let snake = parse(json!({"assigned_user": "1", "organization_id": "o1"})).unwrap();
        assert_eq!(camel, snake);
        assert_eq!(camel.assigned_user, Some(Some(1)));
    }

    #[test]
    fn change_ignores_read_only_fields() {
        let change = parse(json!({"id": "x", "created_at": "2016-09-12 18:45:29", "interactions": [], "notes": []}));
        assert_eq!(change.unwrap(), CustomerChange::default());
    }

    #[test]
    fn change_rejects_unknown_fields() {
        let errors = parse(json!({"nickname": "J", "attr-x": "1"})).unwrap_err();
        assert_eq!(errors["nickname"], vec!["is not a known field"]);
        assert_eq!(errors["attr-x"], vec!["is not a defined custom attribute"]);
    }

    #[test]
    fn tags_collapse_and_drop_blanks() {
        let change = parse(json!({"tags": ["vip", " vip", "", "lead"]})).unwrap();
        assert_eq!(change.tags, Some(vec!["vip".to_string(), "lead".to_string()]));
        let empty = parse(json!({"tags": []})).unwrap();
        assert_eq!(empty.tags, Some(Vec::new()));
    }

    #[test]
    fn long_tag_list_stops_at_limit() {
        // Checking each tag against every earlier one made this list take 20 s in a debug build.
        let tags: Vec<String> = (0..40_000).map(|n| format!("{n:x}")).collect();
        let started = std::time::Instant::now();
        let errors = parse(json!({ "tags": tags })).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
        assert_eq!(errors["tags"], vec![format!("at most {MAX_TAGS} tags")]);
    }

    #[test]
    fn repeated_tags_count_once() {
        let change = parse(json!({ "tags": vec!["vip"; 5_000] })).unwrap();
        assert_eq!(change.tags, Some(vec!["vip".to_string()]));
    }

    #[test]
    fn create_requires_email() {
        let errors = CustomerChange::default().into_new(&[]).unwrap_err();
        assert_eq!(errors["email"], vec!["is required"]);
    }

    #[test]
    fn blank_text_clears_field() {
        let change = parse(json!({"first": "  "})).unwrap();
        assert_eq!(change.first, Some(None));
    }
}
