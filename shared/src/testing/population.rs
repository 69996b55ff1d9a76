//! A made-up but realistic team for tests and benchmarks at scale. Its customers have the names,
//! organizations, custom attributes and tracked interactions of a sales team's records, in fixed
//! proportions. The same numbers always give the same values, so results can be compared.

use serde_json::{Value, json};

use crate::model::{Customer, CustomerChange, FieldDefinition, Interaction, Timestamp, new_id};

const FIRST_NAMES: [&str; 24] = [
    "Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai", "Lena", "Milo",
    "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tess", "Uma", "Vik", "Wren", "Yara",
];
const LAST_NAMES: [&str; 20] = [
    "Abbott", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi", "Silva", "Tanaka",
];
const MIDDLE_NAMES: [&str; 4] = ["Lee", "Marie", "Ray", "Ann"];
const SOURCES: [&str; 4] = ["Website", "Event", "Referral", "Ads"];

/// Definitions of the custom attributes that the population's customers hold.
pub fn fields() -> Vec<FieldDefinition> {
    let definitions = [
        json!({"key": "attr-source", "name": "Source", "type": "list", "options": SOURCES}),
        json!({"key": "attr-score", "name": "Score", "type": "number"}),
    ];
    definitions
        .iter()
        .map(|body| FieldDefinition::from_body(body.as_object().expect("an object")).expect("a valid definition"))
        .collect()
}

/// Builds the `n`th customer. Every customer has an email, a first and a last name and one or
/// two tags. One in five also has a middle name, three in ten an organization from
/// `organizations`, half a source and one in four a score.
pub fn customer(n: usize, organizations: &[String], fields: &[FieldDefinition]) -> Customer {
    let spread = n.wrapping_mul(2_654_435_761) >> 7;
    let first = FIRST_NAMES[n % FIRST_NAMES.len()];
    let last = LAST_NAMES[spread % LAST_NAMES.len()];
    let mut body = json!({
        "email": format!("{}.{}{n}@example.test", first.to_lowercase(), last.to_lowercase()),
        "first": first,
        "last": last,
        "tags": if n % 2 == 0 { json!(["customer"]) } else { json!(["customer", "newsletter"]) },
    });
    if n % 5 == 0 {
        body["middle"] = json!(MIDDLE_NAMES[spread % MIDDLE_NAMES.len()]);
    }
    if n % 10 < 3 && !organizations.is_empty() {
        body["organizationId"] = json!(organizations[spread % organizations.len()]);
    }
    if n % 2 == 1 {
        body["attr-source"] = json!(SOURCES[spread % SOURCES.len()]);
    }
    if n % 4 == 3 {
        body["attr-score"] = json!(spread % 100);
    }
    build(&body, fields)
}

fn build(body: &Value, fields: &[FieldDefinition]) -> Customer {
    let change = CustomerChange::from_body(body.as_object().expect("an object"), fields).expect("a valid customer");
    change.into_new(fields).expect("a new customer").into_customer(Timestamp::now())
}

/// Interactions tracked for the `n`th customer besides its `created` one: one in ten customers
/// has three.
pub fn interactions(n: usize, customer: &Customer) -> Vec<Interaction> {
    if n % 10 != 7 {
        return Vec::new();
    }
    ["Visited pricing", "Opened the newsletter", "Booked a demo"]
        .iter()
        .enumerate()
        .map(|(step, description)| Interaction {
            id: new_id(),
            customer_id: customer.id.clone(),
            source: SOURCES[step % SOURCES.len()].to_string(),
            description: description.to_string(),
            priority: 5,
            created_at: Timestamp::now(),
        })
        .collect()
}
