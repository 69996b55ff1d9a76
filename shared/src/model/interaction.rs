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
    /// An interaction recorded by the API on behalf of the caller.
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
        json!({
            "id": self.id,
            "customer_id": self.customer_id,
            "description": self.description,
            "source": self.source,
            "priority": self.priority,
            "created_at": self.created_at.to_api_string(),
        })
    }
}

/// One entry of the team's activity feed: an interaction and the customer it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub interaction: Interaction,
    pub customer: Customer,
}

impl Activity {
    /// The documented feed shape; `avatar` is the URL of the customer's image or null.
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
