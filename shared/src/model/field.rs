use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{clean_text, push_error, Email, FieldErrors, MAX_ATTRIBUTES};

/// Key of a custom attribute: `attr-` followed by 1 to 60 lowercase letters, digits, `-` or `_`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldKey(String);

impl FieldKey {
    pub const PREFIX: &'static str = "attr-";

    pub fn parse(raw: &str) -> Result<Self, String> {
        let Some(rest) = raw.strip_prefix(Self::PREFIX) else {
            return Err(format!("must start with `{}`", Self::PREFIX));
        };
        let valid = (1..=60).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !valid {
            return Err("must be `attr-` and 1 to 60 lowercase letters, digits, `-` or `_`".into());
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FieldKey {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<FieldKey> for String {
    fn from(value: FieldKey) -> Self {
        value.0
    }
}

/// Type of a field, as `GET /customers/fields` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    Number,
    Date,
    Boolean,
    Email,
    List,
}

impl FieldType {
    pub fn parse(raw: &str) -> Option<Self> {
        serde_json::from_value(Value::String(raw.to_ascii_lowercase())).ok()
    }

    /// Tells whether a filter on this type matches by prefix (text) or by the whole value.
    pub fn filters_by_prefix(self) -> bool {
        matches!(self, Self::Text | Self::Email)
    }
}

/// A custom attribute that a team defined for its customers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldDefinition {
    pub key: FieldKey,
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
}

/// Most options a `list` field may have.
pub const MAX_OPTIONS: usize = 100;

impl FieldDefinition {
    /// Parses a definition from a request body object.
    pub fn from_body(body: &serde_json::Map<String, Value>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();

        let key = match body.get("key").and_then(scalar_text) {
            Some(raw) => FieldKey::parse(&raw).map_err(|e| push_error(&mut errors, "key", e)).ok(),
            None => {
                push_error(&mut errors, "key", "is required".into());
                None
            }
        };
        let name = body
            .get("name")
            .and_then(scalar_text)
            .and_then(|raw| clean_text("name", &raw, &mut errors));
        if name.is_none() && !errors.contains_key("name") {
            push_error(&mut errors, "name", "is required".into());
        }
        let field_type = match body.get("type").and_then(scalar_text) {
            Some(raw) => FieldType::parse(&raw).or_else(|| {
                let message = "must be one of text, number, date, boolean, email, list";
                push_error(&mut errors, "type", message.into());
                None
            }),
            None => {
                push_error(&mut errors, "type", "is required".into());
                None
            }
        };
        let required = match body.get("required") {
            None | Some(Value::Null) => false,
            Some(raw) => parse_bool(raw).unwrap_or_else(|| {
                push_error(&mut errors, "required", "must be a boolean".into());
                false
            }),
        };
        let options = parse_options(body.get("options"), field_type, &mut errors);

        match (key, name, field_type) {
            (Some(key), Some(name), Some(field_type)) if errors.is_empty() => {
                Ok(Self { key, name, field_type, required, options })
            }
            _ => Err(errors),
        }
    }

    /// Checks a value sent for this attribute. Returns `Ok(None)` for an empty value, which
    /// clears the attribute.
    pub fn parse_value(&self, raw: &Value) -> Result<Option<AttributeValue>, String> {
        if is_blank(raw) {
            return Ok(None);
        }
        let value = match self.field_type {
            FieldType::Text => {
                let text = scalar_text(raw).ok_or("must be text")?;
                let mut errors = FieldErrors::new();
                let clean = clean_text("value", &text, &mut errors);
                if let Some(messages) = errors.remove("value") {
                    return Err(messages.join(", "));
                }
                clean.map(Value::String)
            }
            FieldType::Number => Some(Value::Number(parse_number(raw).ok_or("must be a number")?)),
            FieldType::Boolean => Some(Value::Bool(parse_bool(raw).ok_or("must be a boolean")?)),
            FieldType::Date => {
                let text = scalar_text(raw).ok_or("must be a date")?;
                Some(Value::String(parse_date(text.trim()).ok_or("must be a date as YYYY-MM-DD")?))
            }
            FieldType::Email => {
                let text = scalar_text(raw).ok_or("must be an email address")?;
                Some(Value::String(Email::parse(&text)?.as_str().to_string()))
            }
            FieldType::List => {
                let text = scalar_text(raw).ok_or("must be one of the options")?;
                let text = text.trim();
                if !self.options.iter().any(|option| option == text) {
                    return Err(format!("must be one of: {}", self.options.join(", ")));
                }
                Some(Value::String(text.to_string()))
            }
        };
        Ok(value.map(AttributeValue))
    }

    /// Normalizes a filter value the way [`AttributeValue::index_form`] normalizes stored ones,
    /// or `None` when it cannot match any value of this type.
    pub fn filter_form(&self, raw: &str) -> Option<String> {
        match self.field_type {
            FieldType::Text | FieldType::Email | FieldType::List | FieldType::Date => {
                Some(raw.trim().to_lowercase())
            }
            FieldType::Number => parse_number(&Value::String(raw.to_string())).map(|n| n.to_string()),
            FieldType::Boolean => parse_bool(&Value::String(raw.to_string())).map(|b| b.to_string()),
        }
    }
}

/// A checked value of a custom attribute: a JSON string, number or boolean.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AttributeValue(pub Value);

impl AttributeValue {
    /// Lowercase text form that index items store and filters compare with.
    pub fn index_form(&self) -> String {
        match &self.0 {
            Value::String(text) => text.to_lowercase(),
            other => other.to_string(),
        }
    }
}

fn parse_options(raw: Option<&Value>, field_type: Option<FieldType>, errors: &mut FieldErrors) -> Vec<String> {
    let items: Vec<Value> = match raw {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(map)) => map.values().cloned().collect(),
        Some(_) => {
            push_error(errors, "options", "must be a list of strings".into());
            return Vec::new();
        }
    };
    let mut options = Vec::new();
    for item in &items {
        match scalar_text(item).and_then(|text| clean_text("options", &text, errors)) {
            Some(option) if !options.contains(&option) => options.push(option),
            Some(_) => {}
            None if !errors.contains_key("options") => {
                push_error(errors, "options", "must be a list of non-empty strings".into())
            }
            None => {}
        }
        // Stopping here keeps the duplicate check from growing with the length of the list.
        if options.len() > MAX_OPTIONS {
            push_error(errors, "options", format!("must have at most {MAX_OPTIONS} entries"));
            return Vec::new();
        }
    }
    if field_type == Some(FieldType::List) && options.is_empty() && !errors.contains_key("options") {
        push_error(errors, "options", "is required for a list field".into());
    }
    options
}

/// Kind of record that a field definition applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldScope {
    Customer,
    Organization,
}

impl FieldScope {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "customer" => Some(Self::Customer),
            "organization" => Some(Self::Organization),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Organization => "organization",
        }
    }
}

/// Custom attribute values that a request sets (`Some`) or clears (`None`).
pub type AttributeChanges = BTreeMap<FieldKey, Option<AttributeValue>>;

/// Parses the value sent for the custom attribute `key` into `changes`, or records why it is
/// invalid.
pub(crate) fn parse_attribute(
    key: &str,
    raw: &Value,
    fields: &[FieldDefinition],
    changes: &mut AttributeChanges,
    errors: &mut FieldErrors,
) {
    let Some(field) = fields.iter().find(|field| field.key.as_str() == key) else {
        push_error(errors, key, "is not a defined custom attribute".into());
        return;
    };
    match field.parse_value(raw) {
        Ok(value) => {
            changes.insert(field.key.clone(), value);
        }
        Err(message) => push_error(errors, key, message),
    }
}

/// Keeps the errors that do not depend on the team's definitions, from a parse without them, and
/// adds the count of custom attributes. A body that fails these can be rejected before the
/// definitions are read.
pub(crate) fn definition_free_errors(errors: FieldErrors, body: &serde_json::Map<String, Value>) -> Result<(), FieldErrors> {
    let mut errors: FieldErrors = errors.into_iter().filter(|(name, _)| !name.starts_with(FieldKey::PREFIX)).collect();
    let attributes = body.keys().filter(|name| name.starts_with(FieldKey::PREFIX)).count();
    if attributes > MAX_ATTRIBUTES {
        push_error(&mut errors, "attributes", format!("at most {MAX_ATTRIBUTES} custom attributes"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

pub(crate) fn check_attribute_count(changes: &AttributeChanges, errors: &mut FieldErrors) {
    if changes.len() > MAX_ATTRIBUTES {
        push_error(errors, "attributes", format!("at most {MAX_ATTRIBUTES} custom attributes"));
    }
}

/// Records every required attribute that `changes` leaves empty: missing or cleared on create,
/// cleared on update.
pub(crate) fn check_required(changes: &AttributeChanges, fields: &[FieldDefinition], creating: bool, errors: &mut FieldErrors) {
    for field in fields.iter().filter(|field| field.required) {
        let empty = match changes.get(&field.key) {
            Some(value) => value.is_none(),
            None => creating,
        };
        if empty {
            push_error(errors, field.key.as_str(), "is required".into());
        }
    }
}

pub(crate) fn apply_attributes(target: &mut BTreeMap<FieldKey, AttributeValue>, changes: &AttributeChanges) {
    for (key, value) in changes {
        match value {
            Some(value) => target.insert(key.clone(), value.clone()),
            None => target.remove(key),
        };
    }
}

/// Text of a string, number or boolean value, as JSON and form bodies may send any of them.
pub(crate) fn scalar_text(raw: &Value) -> Option<String> {
    match raw {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

pub(crate) fn is_blank(raw: &Value) -> bool {
    match raw {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

pub(crate) fn parse_bool(raw: &Value) -> Option<bool> {
    match raw {
        Value::Bool(flag) => Some(*flag),
        Value::Number(n) if n.as_i64() == Some(1) => Some(true),
        Value::Number(n) if n.as_i64() == Some(0) => Some(false),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Some(true),
            "false" | "0" | "no" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn parse_number(raw: &Value) -> Option<serde_json::Number> {
    let value = match raw {
        Value::Number(n) => n.as_f64()?,
        Value::String(text) => text.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !value.is_finite() {
        return None;
    }
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        return Some(serde_json::Number::from(value as i64));
    }
    serde_json::Number::from_f64(value)
}

fn parse_date(text: &str) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, format).ok().map(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list_field() -> FieldDefinition {
        let body = json!({"key": "attr-source", "name": "Source", "type": "list", "options": ["Web", "Phone"]});
        FieldDefinition::from_body(body.as_object().unwrap()).unwrap()
    }

    #[test]
    fn field_key_requires_prefix() {
        assert!(FieldKey::parse("source").is_err());
        assert!(FieldKey::parse("attr-").is_err());
        assert!(FieldKey::parse("attr-Source").is_err());
        assert_eq!(FieldKey::parse("attr-source").unwrap().as_str(), "attr-source");
    }

    #[test]
    fn list_value_must_be_an_option() {
        let field = list_field();
        assert_eq!(field.parse_value(&json!("Web")).unwrap(), Some(AttributeValue(json!("Web"))));
        assert!(field.parse_value(&json!("Fax")).unwrap_err().contains("Web, Phone"));
    }

    #[test]
    fn list_field_needs_options() {
        let body = json!({"key": "attr-x", "name": "X", "type": "list"});
        let errors = FieldDefinition::from_body(body.as_object().unwrap()).unwrap_err();
        assert_eq!(errors["options"], vec!["is required for a list field"]);
    }

    #[test]
    fn long_option_list_stops_at_limit() {
        // Checking each option against every earlier one made this list take 15 s in a debug build.
        let options: Vec<String> = (0..40_000).map(|n| format!("{n:x}")).collect();
        let body = json!({"key": "attr-x", "name": "X", "type": "list", "options": options});
        let started = std::time::Instant::now();
        let errors = FieldDefinition::from_body(body.as_object().unwrap()).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
        assert_eq!(errors["options"], vec![format!("must have at most {MAX_OPTIONS} entries")]);
    }

    #[test]
    fn number_value_accepts_form_text() {
        let body = json!({"key": "attr-n", "name": "N", "type": "number"});
        let field = FieldDefinition::from_body(body.as_object().unwrap()).unwrap();
        assert_eq!(field.parse_value(&json!("42")).unwrap(), Some(AttributeValue(json!(42))));
        assert_eq!(field.parse_value(&json!("2.5")).unwrap(), Some(AttributeValue(json!(2.5))));
        assert!(field.parse_value(&json!("many")).is_err());
    }

    #[test]
    fn date_value_is_checked() {
        let body = json!({"key": "attr-d", "name": "D", "type": "date"});
        let field = FieldDefinition::from_body(body.as_object().unwrap()).unwrap();
        assert!(field.parse_value(&json!("2024-02-30")).is_err());
        assert_eq!(field.parse_value(&json!("2024-02-29")).unwrap(), Some(AttributeValue(json!("2024-02-29"))));
    }
}
