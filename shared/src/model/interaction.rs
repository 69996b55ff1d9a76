use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Customer, Timestamp};

/// Priority given to an interaction when the request names none.
pub const DEFAULT_PRIORITY: i64 = 5;

/// Source of the interactions that the API itself records on create, update and avatar upload.
pub const API_SOURCE: &str = "API";

/// Something that happened with a customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: String,
    pub customer_id: String,
    pub source: String,
    pub description: String,
    pub priority: i64,
    pub created_at: Timestamp,
}

impl Interaction {
    /// Builds an interaction that the API records on behalf of the caller.
    pub fn by_api(customer_id: &str, description: &str, at: Timestamp) -> Self {
        Self {
            id: super::new_id(),
            customer_id: customer_id.to_string(),
            source: API_SOURCE.to_string(),
            description: description.to_string(),
            priority: DEFAULT_PRIORITY,
            created_at: at,
        }
    }

    pub fn to_json(&self) -> Value {
        Value::Object(crate::model::views::to_object(&crate::model::views::InteractionView(self)))
    }
}

/// One entry of the team's activity feed: an interaction and the customer it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub interaction: Interaction,
    pub customer: Customer,
}

impl Activity {
    /// Builds the documented feed shape, where `avatar` is the URL of the customer's image or null.
    pub fn to_json(&self, avatar: Option<String>) -> Value {
        json!({
            "id": self.customer.id,
            "email": self.customer.email.as_str(),
            "name": self.customer.display_name(),
            "description": self.interaction.description,
            "source": self.interaction.source,
            "date": {
                "date": self.interaction.created_at.to_activity_string(),
                "timezone": "UTC",
            },
            "avatar": avatar,
        })
    }
}

/// A parsed `POST /track` body: the customer (an id or an email address) and what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackRequest {
    pub customer: String,
    pub source: String,
    pub description: String,
    pub priority: i64,
}

/// Lowest and highest priority accepted.
pub const PRIORITY_RANGE: std::ops::RangeInclusive<i64> = 0..=1_000;

impl TrackRequest {
    pub fn from_body(body: &serde_json::Map<String, Value>) -> Result<Self, super::FieldErrors> {
        use super::field::scalar_text;
        use super::{optional_text, push_error};

        let mut errors = super::FieldErrors::new();
        let mut required = |name: &str| {
            let value = body.get(name).and_then(|raw| optional_text(name, raw, &mut errors));
            if value.is_none() && !errors.contains_key(name) {
                push_error(&mut errors, name, "is required".into());
            }
            value
        };
        let customer = required("customer");
        let source = required("source");
        let description = required("description");

        let priority = match body.get("priority").filter(|raw| !super::field::is_blank(raw)) {
            None => Some(DEFAULT_PRIORITY),
            Some(raw) => match scalar_text(raw).and_then(|text| text.trim().parse::<i64>().ok()) {
                Some(priority) if PRIORITY_RANGE.contains(&priority) => Some(priority),
                _ => {
                    let message = format!("must be a whole number from {} to {}", PRIORITY_RANGE.start(), PRIORITY_RANGE.end());
                    push_error(&mut errors, "priority", message);
                    None
                }
            },
        };
        let known = ["customer", "source", "description", "priority"];
        for name in body.keys().filter(|name| !known.contains(&name.as_str())) {
            push_error(&mut errors, name, "is not a known field".into());
        }

        match (customer, source, description, priority) {
            (Some(customer), Some(source), Some(description), Some(priority)) if errors.is_empty() => {
                Ok(Self { customer, source, description, priority })
            }
            _ => Err(errors),
        }
    }

    /// Builds the interaction to record for the customer with `customer_id`, at `at`.
    pub fn into_interaction(self, customer_id: &str, at: Timestamp) -> Interaction {
        Interaction {
            id: super::new_id(),
            customer_id: customer_id.to_string(),
            source: self.source,
            description: self.description,
            priority: self.priority,
            created_at: at,
        }
    }
}
