use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::field::scalar_text;
use super::{optional_text, push_error, FieldErrors, Timestamp};

/// Maximum length of a note body, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// A note written about a customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// A new id (see [`super::new_id`]), so ids sort by creation time.
    pub id: String,
    pub customer_id: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub created_at: Timestamp,
}

impl Note {
    /// Parses `body` (required) and `author` (optional) from a request body.
    pub fn from_body(customer_id: &str, body: &Map<String, Value>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let text = match body.get("body").and_then(scalar_text) {
            Some(raw) if raw.chars().count() > MAX_NOTE_CHARS => {
                push_error(&mut errors, "body", format!("must be at most {MAX_NOTE_CHARS} characters"));
                None
            }
            Some(raw) => clean_note(&raw, &mut errors),
            None => None,
        };
        if text.is_none() && !errors.contains_key("body") {
            push_error(&mut errors, "body", "is required".into());
        }
        let author = body.get("author").and_then(|raw| optional_text("author", raw, &mut errors));
        for name in body.keys().filter(|name| !["body", "author"].contains(&name.as_str())) {
            push_error(&mut errors, name, "is not a known field".into());
        }

        match text {
            Some(text) if errors.is_empty() => Ok(Self {
                id: super::new_id(),
                customer_id: customer_id.to_string(),
                body: text,
                author,
                created_at: Timestamp::now(),
            }),
            _ => Err(errors),
        }
    }

    pub fn to_json(&self) -> Value {
        Value::Object(crate::model::views::to_object(&crate::model::views::NoteView(self)))
    }
}

/// Note bodies may span lines, so line breaks and tabs are allowed where other text rejects
/// control characters.
fn clean_note(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    let text = raw.trim();
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        let message = "must not contain control characters other than line breaks and tabs";
        push_error(errors, "body", message.into());
        return None;
    }
    (!text.is_empty()).then(|| text.to_string())
}
