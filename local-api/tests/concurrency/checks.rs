//! What must hold after the clients of the concurrency test stop: every acknowledged write is
//! there, every deleted customer is gone with everything it had, and counters and email locks
//! match the customers. Each check records its failure instead of stopping, so one run reports
//! every broken invariant.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Value};

use crate::support::Api;
use crate::workload::{Field, Outcome};

/// Counts the checks made and keeps the description of each that failed.
#[derive(Default)]
pub struct Checker {
    pub checks: usize,
    pub failures: Vec<String>,
}

impl Checker {
    pub fn equal<T: PartialEq + std::fmt::Debug>(&mut self, subject: &str, actual: T, expected: T) {
        self.checks += 1;
        if actual != expected {
            self.failures.push(format!("{subject}: found {actual:?}, expected {expected:?}"));
        }
    }

    /// Panics with every failed check, if any failed.
    pub fn finish(&self) {
        assert!(self.failures.is_empty(), "{} of {} checks failed:\n{}", self.failures.len(), self.checks, self.failures.join("\n"));
    }
}

/// The state that the acknowledged requests of all clients imply.
pub struct Expected {
    /// Customers that must exist: id to email address, shared customers included.
    pub customers: BTreeMap<String, String>,
    pub deleted: BTreeSet<String>,
    /// Per shared customer, the value of each client's field (`Null` when it never wrote it).
    pub fields: HashMap<String, Vec<Value>>,
    pub updates: HashMap<String, usize>,
    /// Tracked interactions per customer: id to description.
    pub tracked: HashMap<String, BTreeMap<String, String>>,
    /// Notes per customer that were added and not deleted: id to body.
    pub notes: HashMap<String, BTreeMap<String, String>>,
    /// Customers that some request found gone.
    pub found_gone: BTreeSet<String>,
    /// Every address that an acknowledged create used.
    pub created_emails: BTreeSet<String>,
}

impl Expected {
    /// Merges the client logs, and fails on any response that no interleaving explains.
    pub fn from_outcome(outcome: &Outcome, checker: &mut Checker) -> Self {
        let mut expected = Self {
            customers: BTreeMap::new(),
            deleted: BTreeSet::new(),
            fields: HashMap::new(),
            updates: HashMap::new(),
            tracked: HashMap::new(),
            notes: HashMap::new(),
            found_gone: BTreeSet::new(),
            created_emails: BTreeSet::new(),
        };
        for (at, id) in outcome.shared.iter().enumerate() {
            expected.customers.insert(id.clone(), format!("shared-{at}@example.test"));
            let defaults = outcome.fields.iter().map(|field| if *field == Field::Tags { json!([]) } else { Value::Null });
            expected.fields.insert(id.clone(), defaults.collect());
        }

        let mut deleted_notes = BTreeSet::new();
        for (client, log) in outcome.logs.iter().enumerate() {
            checker.equal(&format!("unexpected responses of client {client}"), log.unexpected.clone(), Vec::new());
            for (id, value) in &log.field_values {
                expected.fields.get_mut(id).expect("updates go to shared customers")[client] = value.clone();
            }
            for (id, count) in &log.updates {
                *expected.updates.entry(id.clone()).or_default() += count;
            }
            expected.customers.extend(log.created.clone());
            expected.created_emails.extend(log.created.values().cloned());
            expected.deleted.extend(log.deleted.iter().cloned());
            for (id, tracked) in &log.tracked {
                expected.tracked.entry(id.clone()).or_default().extend(tracked.clone());
            }
            for (id, notes) in &log.notes {
                expected.notes.entry(id.clone()).or_default().extend(notes.clone());
            }
            deleted_notes.extend(log.deleted_notes.iter().cloned());
            expected.found_gone.extend(log.found_gone.iter().cloned());
        }

        for id in &expected.deleted {
            expected.customers.remove(id);
            expected.tracked.remove(id);
            expected.notes.remove(id);
        }
        for (customer, note) in deleted_notes {
            if let Some(notes) = expected.notes.get_mut(&customer) {
                notes.remove(&note);
            }
        }
        let gone_but_not_deleted: Vec<&String> = expected.found_gone.difference(&expected.deleted).collect();
        checker.equal("customers found gone that no one deleted", gone_but_not_deleted, Vec::new());
        expected
    }

    fn normalized_emails(&self) -> BTreeMap<String, String> {
        self.customers.iter().map(|(id, email)| (email.to_lowercase(), id.clone())).collect()
    }
}

/// Checks through the API what every store must show.
pub async fn through_api(api: &Api, expected: &Expected, outcome: &Outcome, checker: &mut Checker) {
    for id in &outcome.shared {
        check_shared_customer(api, id, expected, outcome, checker).await;
    }
    for id in expected.customers.keys().filter(|id| !outcome.shared.contains(id)) {
        check_created_customer(api, id, expected, checker).await;
    }
    for id in &expected.deleted {
        check_deleted_customer(api, id, checker).await;
    }
    check_list(api, expected, checker).await;
}

async fn check_shared_customer(api: &Api, id: &str, expected: &Expected, outcome: &Outcome, checker: &mut Checker) {
    let response = api.get(&format!("/customers/{id}")).await;
    checker.equal(&format!("status of shared customer {id}"), response.status, 200);
    let customer = response.json();
    for (client, field) in outcome.fields.iter().enumerate() {
        let subject = format!("{} of shared customer {id}, written by client {client}", field.response_name());
        checker.equal(&subject, &customer[field.response_name()], &expected.fields[id][client]);
    }

    // One interaction for the create and one per acknowledged update; responses list the newest 100.
    let updates = expected.updates.get(id).copied().unwrap_or(0);
    let listed = customer["interactions"].as_array().map_or(0, Vec::len);
    checker.equal(&format!("interactions listed for shared customer {id}"), listed, (updates + 1).min(100));
}

async fn check_created_customer(api: &Api, id: &str, expected: &Expected, checker: &mut Checker) {
    let response = api.get(&format!("/customers/{id}")).await;
    checker.equal(&format!("status of customer {id}"), response.status, 200);
    let customer = response.json();
    checker.equal(&format!("email of customer {id}"), customer["email"].as_str(), Some(expected.customers[id].as_str()));

    let mut interactions: BTreeMap<String, String> = customer["interactions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|interaction| (text(&interaction["id"]), text(&interaction["description"])))
        .collect();
    let created: Vec<String> =
        interactions.iter().filter(|(_, description)| *description == "Customer created").map(|(id, _)| id.clone()).collect();
    checker.equal(&format!("created interactions of customer {id}"), created.len(), 1);
    interactions.retain(|_, description| description != "Customer created");
    checker.equal(&format!("tracked interactions of customer {id}"), interactions, expected.tracked.get(id).cloned().unwrap_or_default());

    let notes: BTreeMap<String, String> = customer["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|note| (text(&note["id"]), text(&note["body"])))
        .collect();
    checker.equal(&format!("notes of customer {id}"), notes, expected.notes.get(id).cloned().unwrap_or_default());

    let by_email = api.get(&format!("/customers/{}", expected.customers[id].to_uppercase())).await;
    checker.equal(&format!("customer found by upper-case email of {id}"), by_email.json()["id"].as_str(), Some(id));
}

async fn check_deleted_customer(api: &Api, id: &str, checker: &mut Checker) {
    let read = api.get(&format!("/customers/{id}")).await;
    checker.equal(&format!("status of deleted customer {id}"), read.status, 404);
    let note = api.post_json(&format!("/customers/{id}/notes"), &json!({"body": "after delete"})).await;
    checker.equal(&format!("status of a note on deleted customer {id}"), note.status, 404);
    let track = api.post_json("/track", &json!({"customer": id, "source": "check", "description": "after delete"})).await;
    checker.equal(&format!("status of tracking deleted customer {id}"), track.status, 422);
}

/// Checks that the unpaged list contains exactly the expected customers, each email address once, and a
/// page's total (the team's counter on DynamoDB) counts them.
async fn check_list(api: &Api, expected: &Expected, checker: &mut Checker) {
    let all = api.get("/customers").await.json();
    let rows = all.as_array().cloned().unwrap_or_default();
    let listed: BTreeMap<String, String> = rows.iter().map(|row| (text(&row["id"]), text(&row["email"]))).collect();
    checker.equal("customers listed", &listed, &expected.customers);
    let emails: BTreeSet<String> = rows.iter().map(|row| text(&row["email"]).to_lowercase()).collect();
    checker.equal("distinct email addresses listed", emails.len(), rows.len());

    let page = api.get("/customers?per_page=1").await.json();
    checker.equal("total of a page", page["meta"]["total"].as_u64(), Some(expected.customers.len() as u64));
}

/// Creates a customer with each address that a deleted customer held and no one holds now,
/// which succeeds only if the delete released its email lock. Run it last: it adds customers.
pub async fn released_emails_are_free(api: &Api, expected: &Expected, checker: &mut Checker) -> usize {
    let in_use = expected.normalized_emails();
    let released: BTreeSet<String> =
        expected.created_emails.iter().map(|email| email.to_lowercase()).filter(|email| !in_use.contains_key(email)).collect();
    for email in &released {
        let response = api.post_json("/customers", &json!({"email": email})).await;
        checker.equal(&format!("status of a create with released address {email}"), response.status, 200);
    }
    released.len()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

pub mod table {
    //! Checks of the DynamoDB table itself, read with the SDK client: nothing of a deleted
    //! customer remains, and every item that the customers imply is there and no other.

    use std::collections::{BTreeMap, BTreeSet};

    use aws_sdk_dynamodb::types::AttributeValue;
    use shared::model::TeamId;
    use shared::store::dynamo::DynamoStore;
    use shared::store::dynamo::keys::{customer_pk, email_lock_pk, index_pk, index_sk, order_pk, team_pk, COUNTER_SK, CUSTOMER_SK};
    use shared::store::Store;

    use super::{Checker, Expected};

    type Item = std::collections::HashMap<String, AttributeValue>;

    pub async fn check(store: &DynamoStore, team: &TeamId, expected: &Expected, shared: &[String], checker: &mut Checker) {
        let items = scan(store).await;
        check_nothing_left_of_deleted(&items, expected, checker);
        check_counter(&items, team, expected, checker);
        check_customer_and_order_items(&items, team, expected, checker);
        check_email_locks(&items, team, expected, checker);
        check_index_items(store, &items, team, expected, checker).await;
        check_update_interactions(store, team, expected, shared, checker).await;
    }

    async fn scan(store: &DynamoStore) -> Vec<Item> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = store
                .client()
                .scan()
                .table_name(store.table())
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("moto scans the table");
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    fn string(item: &Item, name: &str) -> String {
        match item.get(name) {
            Some(AttributeValue::S(value)) => value.clone(),
            _ => String::new(),
        }
    }

    /// Ids are 32 random hexadecimal digits, so an item that contains one in any string
    /// attribute (key, index key, `customer_id`, `record_id`) belongs to that customer.
    fn check_nothing_left_of_deleted(items: &[Item], expected: &Expected, checker: &mut Checker) {
        for id in &expected.deleted {
            let left: Vec<String> = items
                .iter()
                .filter(|item| item.values().any(|value| matches!(value, AttributeValue::S(text) if text.contains(id.as_str()))))
                .map(|item| format!("{} {}", string(item, "pk"), string(item, "sk")))
                .collect();
            checker.equal(&format!("items left of deleted customer {id}"), left, Vec::new());
        }
    }

    fn check_counter(items: &[Item], team: &TeamId, expected: &Expected, checker: &mut Checker) {
        let counter = items.iter().find(|item| string(item, "pk") == team_pk(team) && string(item, "sk") == COUNTER_SK);
        let count = match counter.and_then(|item| item.get("customers")) {
            Some(AttributeValue::N(number)) => number.parse::<u64>().ok(),
            _ => None,
        };
        checker.equal("the team's customer counter", count, Some(expected.customers.len() as u64));
    }

    fn check_customer_and_order_items(items: &[Item], team: &TeamId, expected: &Expected, checker: &mut Checker) {
        let ids: BTreeSet<String> = expected.customers.keys().cloned().collect();
        let customer_prefix = customer_pk(team, "");
        let customers: BTreeSet<String> = items
            .iter()
            .filter(|item| string(item, "sk") == CUSTOMER_SK && string(item, "pk").starts_with(&customer_prefix))
            .map(|item| string(item, "id"))
            .collect();
        checker.equal("customer items", &customers, &ids);

        let orders: BTreeSet<String> =
            items.iter().filter(|item| string(item, "pk") == order_pk(team)).map(|item| string(item, "sk")).collect();
        checker.equal("order items", &orders, &ids);
    }

    fn check_email_locks(items: &[Item], team: &TeamId, expected: &Expected, checker: &mut Checker) {
        let prefix = email_lock_pk(team, "");
        let locks: BTreeMap<String, String> = items
            .iter()
            .filter(|item| string(item, "pk").starts_with(&prefix))
            .map(|item| (string(item, "pk")[prefix.len()..].to_string(), string(item, "customer_id")))
            .collect();
        let lock_items = items.iter().filter(|item| string(item, "pk").starts_with(&prefix)).count();
        checker.equal("email lock items", lock_items, locks.len());
        checker.equal("email locks", locks, expected.normalized_emails());
    }

    /// Checks that each customer has exactly the index items of its current values.
    async fn check_index_items(store: &DynamoStore, items: &[Item], team: &TeamId, expected: &Expected, checker: &mut Checker) {
        let prefix = index_pk(team, "");
        let mut found: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
        for item in items.iter().filter(|item| string(item, "pk").starts_with(&prefix)) {
            found.entry(string(item, "record_id")).or_default().insert((string(item, "pk"), string(item, "sk")));
        }
        for id in expected.customers.keys() {
            let details = store.customer_details(team, id).await.expect("moto reads the customer");
            let Some(details) = details else { continue };
            let expected_items: BTreeSet<(String, String)> = details
                .customer
                .index_values()
                .into_iter()
                .map(|(field, value)| (index_pk(team, &field), index_sk(&value, id)))
                .collect();
            checker.equal(&format!("index items of customer {id}"), found.remove(id).unwrap_or_default(), expected_items);
        }
        checker.equal("index items of no expected customer", found, BTreeMap::new());
    }

    /// Counts all interactions of each shared customer, past the 100 that a response lists.
    async fn check_update_interactions(store: &DynamoStore, team: &TeamId, expected: &Expected, shared: &[String], checker: &mut Checker) {
        for id in shared {
            let details = store.customer_details(team, id).await.expect("moto reads the customer").expect("shared customers stay");
            let updates = expected.updates.get(id).copied().unwrap_or(0);
            checker.equal(&format!("stored interactions of shared customer {id}"), details.interactions.len(), updates + 1);
        }
    }
}
