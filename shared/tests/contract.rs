//! Storage contract: every adapter of `Store` must pass the same tests. Each test runs on the
//! embedded store and on DynamoDB at the moto server.

use serde_json::{json, Value};
use shared::model::{
    Cursor, CustomerChange, FieldDefinition, FieldKey, FieldScope, Interaction, ListQuery, NewCustomer, OrganizationChange, TeamId,
    Timestamp,
};
use shared::store::{Store, StoreError};
use shared::testing::{embedded_app, moto_app, team};

const CUSTOMER: FieldScope = FieldScope::Customer;

fn new_customer(body: Value) -> NewCustomer {
    new_customer_with(body, &[])
}

fn new_customer_with(body: Value, fields: &[FieldDefinition]) -> NewCustomer {
    CustomerChange::from_body(body.as_object().unwrap(), fields).unwrap().into_new(fields).unwrap()
}

fn change(body: Value) -> CustomerChange {
    change_with(body, &[])
}

fn change_with(body: Value, fields: &[FieldDefinition]) -> CustomerChange {
    CustomerChange::from_body(body.as_object().unwrap(), fields).unwrap()
}

fn query(pairs: &[(&str, &str)], fields: &[FieldDefinition]) -> ListQuery {
    let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    ListQuery::parse(&pairs, fields).unwrap()
}

fn field(body: Value) -> FieldDefinition {
    FieldDefinition::from_body(body.as_object().unwrap()).unwrap()
}

fn emails(customers: &[shared::model::Customer]) -> Vec<&str> {
    customers.iter().map(|customer| customer.email.as_str()).collect()
}

async fn create_stores_and_reads_back<S: Store>(store: &S, team: &TeamId) {
    let created = store
        .create_customer(team, new_customer(json!({"email": "jdoe@example.com", "first": "John", "tags": ["vip", "vip"], "assignedUser": 562})), None)
        .await
        .unwrap();

    assert_eq!(store.customer(team, &created.id).await.unwrap(), Some(created.clone()));
    let details = store.customer_details(team, &created.id).await.unwrap().unwrap();
    assert_eq!(details.customer, created);
    assert_eq!(details.customer.tags, vec!["vip"]);
    assert_eq!(details.customer.assigned_user, Some(562));
    assert_eq!(details.customer.middle, None);
    assert_eq!(details.interactions.len(), 1);
    assert_eq!(details.interactions[0].source, "API");
    assert_eq!(details.interactions[0].description, "Customer created");
}

async fn email_is_unique_ignoring_case<S: Store>(store: &S, team: &TeamId) {
    store.create_customer(team, new_customer(json!({"email": "Jane@Example.test"})), None).await.unwrap();

    let second = store.create_customer(team, new_customer(json!({"email": "jane@example.test"})), None).await;
    assert_eq!(second.unwrap_err(), StoreError::EmailTaken);

    let email = shared::model::Email::parse("JANE@example.TEST").unwrap();
    assert!(store.customer_id_by_email(team, &email).await.unwrap().is_some());
}

async fn concurrent_creates_keep_one<S: Store>(store: &S, team: &TeamId) {
    let (first, second) = tokio::join!(
        store.create_customer(team, new_customer(json!({"email": "Jane@Example.test"})), None),
        store.create_customer(team, new_customer(json!({"email": "jane@example.test"})), None),
    );
    let outcomes = [first.is_ok(), second.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{first:?} {second:?}");
    let failure = if first.is_ok() { second.unwrap_err() } else { first.unwrap_err() };
    assert_eq!(failure, StoreError::EmailTaken);

    let page = store.list_customers(team, &query(&[("page", "1")], &[])).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.customers.len(), 1);
}

async fn update_to_same_values_writes_nothing<S: Store>(store: &S, team: &TeamId) {
    let created = store.create_customer(team, new_customer(json!({"email": "same@example.test"})), None).await.unwrap();
    let first = store.update_customer(team, &created.id, &change(json!({"first": "Ann", "tags": ["vip"]})), "Customer updated", None).await.unwrap();

    let again = store.update_customer(team, &created.id, &change(json!({"first": "Ann", "tags": ["vip", "vip"]})), "Customer updated", None).await.unwrap();

    assert_eq!(again, first);
    let details = store.customer_details(team, &created.id).await.unwrap().unwrap();
    assert_eq!(details.customer, first);
    assert_eq!(details.interactions.len(), 2, "created and one update: {:?}", details.interactions);

    let organization = OrganizationChange::from_body(json!({"name": "Acme"}).as_object().unwrap(), &[]).unwrap();
    let organization = store.create_organization(team, organization.into_new(&[]).unwrap(), None).await.unwrap();
    let same_name = OrganizationChange::from_body(json!({"name": "Acme"}).as_object().unwrap(), &[]).unwrap();
    assert_eq!(store.update_organization(team, &organization.id, &same_name).await.unwrap(), organization);
    assert_eq!(store.organization(team, &organization.id).await.unwrap().unwrap().version, 1);
}

async fn update_changes_only_sent_fields<S: Store>(store: &S, team: &TeamId) {
    let created = store
        .create_customer(team, new_customer(json!({"email": "a@example.test", "first": "Ann", "last": "Lee", "tags": ["x"]})), None)
        .await
        .unwrap();

    let updated = store
        .update_customer(team, &created.id, &change(json!({"last": "Park", "tags": []})), "Customer updated", None)
        .await
        .unwrap();
    assert_eq!(updated.first.as_deref(), Some("Ann"));
    assert_eq!(updated.last.as_deref(), Some("Park"));
    assert_eq!(updated.tags, Vec::<String>::new());
    assert!(updated.updated_at > created.updated_at);

    let again = store
        .update_customer(team, &created.id, &change(json!({"tags": ["vip", "vip"]})), "Customer updated", None)
        .await
        .unwrap();
    assert_eq!(again.tags, vec!["vip"]);

    let details = store.customer_details(team, &created.id).await.unwrap().unwrap();
    assert_eq!(details.customer, again);
    let descriptions: Vec<&str> = details.interactions.iter().map(|i| i.description.as_str()).collect();
    assert_eq!(descriptions, vec!["Customer updated", "Customer updated", "Customer created"]);
}

async fn update_moves_email<S: Store>(store: &S, team: &TeamId) {
    let first = store.create_customer(team, new_customer(json!({"email": "one@example.test"})), None).await.unwrap();
    let second = store.create_customer(team, new_customer(json!({"email": "two@example.test"})), None).await.unwrap();

    let taken = store.update_customer(team, &second.id, &change(json!({"email": "ONE@example.test"})), "u", None).await;
    assert_eq!(taken.unwrap_err(), StoreError::EmailTaken);

    store.update_customer(team, &first.id, &change(json!({"email": "uno@example.test"})), "u", None).await.unwrap();
    let old = shared::model::Email::parse("one@example.test").unwrap();
    assert_eq!(store.customer_id_by_email(team, &old).await.unwrap(), None);
    store.update_customer(team, &second.id, &change(json!({"email": "one@example.test"})), "u", None).await.unwrap();
    assert_eq!(store.customer_id_by_email(team, &old).await.unwrap(), Some(second.id.clone()));

    let filtered = store.list_customers(team, &query(&[("email", "uno")], &[])).await.unwrap();
    assert_eq!(emails(&filtered.customers), vec!["uno@example.test"]);
    let stale = store.list_customers(team, &query(&[("email", "two")], &[])).await.unwrap();
    assert_eq!(stale.total, 0);
}

async fn concurrent_updates_keep_both<S: Store>(store: &S, team: &TeamId) {
    let created = store.create_customer(team, new_customer(json!({"email": "c@example.test"})), None).await.unwrap();
    let first = change(json!({"first": "Cora"}));
    let last = change(json!({"last": "Diaz"}));
    let (a, b) = tokio::join!(
        store.update_customer(team, &created.id, &first, "u", None),
        store.update_customer(team, &created.id, &last, "u", None),
    );
    a.unwrap();
    b.unwrap();

    let stored = store.customer_details(team, &created.id).await.unwrap().unwrap().customer;
    assert_eq!(stored.first.as_deref(), Some("Cora"));
    assert_eq!(stored.last.as_deref(), Some("Diaz"));
}

async fn delete_removes_everything<S: Store>(store: &S, team: &TeamId) {
    let created = store.create_customer(team, new_customer(json!({"email": "gone@example.test", "first": "Gus"})), None).await.unwrap();
    let kept = store.create_customer(team, new_customer(json!({"email": "kept@example.test"})), None).await.unwrap();
    let tracked = Interaction::by_api(&created.id, "Called", Timestamp::now());
    store.add_interaction(team, &tracked, None).await.unwrap();

    let deleted = store.delete_customer(team, &created.id).await.unwrap();
    assert_eq!(deleted.id, created.id);

    assert_eq!(store.customer_details(team, &created.id).await.unwrap(), None);
    assert_eq!(store.customer(team, &created.id).await.unwrap(), None);
    assert_eq!(store.delete_customer(team, &created.id).await.unwrap_err(), StoreError::NotFound);
    let email = shared::model::Email::parse("gone@example.test").unwrap();
    assert_eq!(store.customer_id_by_email(team, &email).await.unwrap(), None);
    let page = store.list_customers(team, &query(&[("page", "1")], &[])).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(emails(&page.customers), vec!["kept@example.test"]);
    assert_eq!(store.list_customers(team, &query(&[("first", "gus")], &[])).await.unwrap().total, 0);
    let activity = store.recent_activity(team, 20).await.unwrap();
    assert!(activity.iter().all(|entry| entry.customer.id == kept.id));

    let again = store.create_customer(team, new_customer(json!({"email": "GONE@example.test"})), None).await;
    assert!(again.is_ok(), "the email is free again: {again:?}");
}

async fn list_pages_in_creation_order<S: Store>(store: &S, team: &TeamId) {
    for n in 0..7 {
        store.create_customer(team, new_customer(json!({"email": format!("p{n}@example.test")})), None).await.unwrap();
    }

    let all = store.list_customers(team, &query(&[], &[])).await.unwrap();
    let expected: Vec<String> = (0..7).map(|n| format!("p{n}@example.test")).collect();
    assert_eq!(emails(&all.customers), expected);
    assert_eq!(all.total, 7);

    let second = store.list_customers(team, &query(&[("per_page", "3"), ("page", "2")], &[])).await.unwrap();
    assert_eq!(emails(&second.customers), vec!["p3@example.test", "p4@example.test", "p5@example.test"]);
    assert_eq!(second.total, 7);

    let past_end = store.list_customers(team, &query(&[("per_page", "3"), ("page", "4")], &[])).await.unwrap();
    assert!(past_end.customers.is_empty());
    assert_eq!(past_end.total, 7);
}

async fn filters_match_prefix_ignoring_case<S: Store>(store: &S, team: &TeamId) {
    let organization = |name: &str| {
        let body = json!({"name": name});
        OrganizationChange::from_body(body.as_object().unwrap(), &[]).unwrap().into_new(&[]).unwrap()
    };
    let org_a = store.create_organization(team, organization("A"), None).await.unwrap().id;
    let org_b = store.create_organization(team, organization("B"), None).await.unwrap().id;
    let people = [
        json!({"email": "jdoe@example.com", "first": "John", "middle": "Stephen", "last": "Doe", "organizationId": org_a}),
        json!({"email": "jane@example.com", "first": "Jane", "last": "Doe", "organizationId": org_b}),
        json!({"email": "zed@example.com", "first": "Zed"}),
    ];
    for person in people {
        store.create_customer(team, new_customer(person), None).await.unwrap();
    }

    let org_prefix = &org_a[..10];
    let cases: [(&[(&str, &str)], Vec<&str>); 7] = [
        (&[("email", "JDOE")], vec!["jdoe@example.com"]),
        (&[("first", "ja")], vec!["jane@example.com"]),
        (&[("middle", "step")], vec!["jdoe@example.com"]),
        (&[("last", "doe")], vec!["jdoe@example.com", "jane@example.com"]),
        (&[("organization_id", &org_a)], vec!["jdoe@example.com"]),
        (&[("organization_id", org_prefix)], vec![]),
        (&[("last", "doe"), ("first", "jo")], vec!["jdoe@example.com"]),
    ];
    for (pairs, expected) in cases {
        let found = store.list_customers(team, &query(pairs, &[])).await.unwrap();
        assert_eq!(emails(&found.customers), expected, "filter {pairs:?}");
        assert_eq!(found.total, expected.len() as u64, "total of {pairs:?}");
    }
}

async fn filter_skips_non_matching_before_limit<S: Store>(store: &S, team: &TeamId) {
    for n in 1..=30 {
        let first = if n == 25 { "Zed" } else { "Amy" };
        store.create_customer(team, new_customer(json!({"email": format!("c{n}@example.test"), "first": first})), None).await.unwrap();
    }

    let page = store.list_customers(team, &query(&[("first", "Zed"), ("per_page", "10")], &[])).await.unwrap();
    assert_eq!(emails(&page.customers), vec!["c25@example.test"]);
    assert_eq!(page.total, 1);

    let two_filters = query(&[("first", "amy"), ("email", "c2"), ("per_page", "5"), ("page", "2")], &[]);
    let page = store.list_customers(team, &two_filters).await.unwrap();
    // c2, c20..c29 minus c25 are 10 Amys. The email filter matches fewer customers, so its
    // index orders them: c20..c24, c26..c29, then c2@ ('0' sorts before '@').
    assert_eq!(emails(&page.customers), vec!["c26@example.test", "c27@example.test", "c28@example.test", "c29@example.test", "c2@example.test"]);
    assert_eq!(page.total, 10);
}

/// Visits every page by number and then by following `next`, and checks that both visits list
/// each match exactly once, in the same order.
async fn visit_every_page<S: Store>(store: &S, team: &TeamId, filters: &[(&str, &str)], expected: usize) {
    let per_page = "4";
    let mut by_number = Vec::new();
    for page in 1..=expected.div_ceil(4) {
        let page = page.to_string();
        let mut pairs = filters.to_vec();
        pairs.extend([("per_page", per_page), ("page", page.as_str())]);
        let listed = store.list_customers(team, &query(&pairs, &[])).await.unwrap();
        assert_eq!(listed.total, expected as u64);
        by_number.extend(listed.customers.into_iter().map(|customer| customer.id));
    }

    let mut by_cursor = Vec::new();
    let mut cursor = None;
    let mut page = 1;
    loop {
        let mut pairs: Vec<(String, String)> = filters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        pairs.push(("per_page".into(), per_page.into()));
        if let Some(position) = cursor.take() {
            pairs.push(("cursor".into(), Cursor { page, position }.encode()));
        }
        let listed = store.list_customers(team, &ListQuery::parse(&pairs, &[]).unwrap()).await.unwrap();
        assert_eq!(listed.total, expected as u64);
        by_cursor.extend(listed.customers.into_iter().map(|customer| customer.id));
        match listed.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        page += 1;
    }

    assert_eq!(by_number.len(), expected);
    assert_eq!(by_number.iter().collect::<std::collections::HashSet<_>>().len(), expected);
    assert_eq!(by_cursor, by_number);
}

async fn every_page_lists_each_customer_once<S: Store>(store: &S, team: &TeamId) {
    for n in 0..23 {
        let first = ["Ann", "Abe", "Bob"][n % 3];
        let body = json!({"email": format!("v{n}@example.test"), "first": first, "last": format!("L{}", n % 2)});
        store.create_customer(team, new_customer(body), None).await.unwrap();
    }

    visit_every_page(store, team, &[], 23).await;
    visit_every_page(store, team, &[("first", "a")], 16).await;
    visit_every_page(store, team, &[("first", "a"), ("last", "l1")], 8).await;

    let past_end = store.list_customers(team, &query(&[("first", "a"), ("per_page", "4"), ("page", "9")], &[])).await.unwrap();
    assert!(past_end.customers.is_empty());
    assert_eq!(past_end.total, 16);
    assert_eq!(past_end.next, None);
}

async fn custom_attributes_store_and_filter<S: Store>(store: &S, team: &TeamId) {
    let source = field(json!({"key": "attr-source", "name": "Source", "type": "list", "options": ["Website", "Event"]}));
    let score = field(json!({"key": "attr-score", "name": "Score", "type": "number"}));
    let active = field(json!({"key": "attr-active", "name": "Active", "type": "boolean"}));
    for definition in [&source, &score, &active] {
        store.put_field(team, CUSTOMER, definition).await.unwrap();
    }
    let fields = store.fields(team, CUSTOMER).await.unwrap();
    assert_eq!(fields.len(), 3);

    let body = json!({"email": "attr@example.test", "attr-source": "Website", "attr-score": "42", "attr-active": "true"});
    let created = store.create_customer(team, new_customer_with(body, &fields), None).await.unwrap();
    store.create_customer(team, new_customer_with(json!({"email": "other@example.test", "attr-source": "Event"}), &fields), None).await.unwrap();

    let stored = store.customer_details(team, &created.id).await.unwrap().unwrap().customer;
    assert_eq!(stored.to_json()["attr-source"], json!("Website"));
    assert_eq!(stored.to_json()["attr-score"], json!(42));
    assert_eq!(stored.to_json()["attr-active"], json!(true));

    for (pairs, expected) in [
        (vec![("attr-source", "website")], vec!["attr@example.test"]),
        (vec![("attr-source", "Web")], vec![]),
        (vec![("attr-score", "42.0")], vec!["attr@example.test"]),
        (vec![("attr-active", "1")], vec!["attr@example.test"]),
    ] {
        let found = store.list_customers(team, &query(&pairs, &fields)).await.unwrap();
        assert_eq!(emails(&found.customers), expected, "filter {pairs:?}");
    }

    let cleared = store.update_customer(team, &created.id, &change_with(json!({"attr-score": ""}), &fields), "u", None).await.unwrap();
    assert!(!cleared.to_json().contains_key("attr-score"));
    assert_eq!(store.list_customers(team, &query(&[("attr-score", "42")], &fields)).await.unwrap().total, 0);
}

async fn fields_are_replaced_and_deleted<S: Store>(store: &S, team: &TeamId) {
    store.put_field(team, CUSTOMER, &field(json!({"key": "attr-b", "name": "B", "type": "text"}))).await.unwrap();
    store.put_field(team, CUSTOMER, &field(json!({"key": "attr-a", "name": "A", "type": "text"}))).await.unwrap();
    store.put_field(team, CUSTOMER, &field(json!({"key": "attr-b", "name": "Bee", "type": "date", "required": true}))).await.unwrap();

    let fields = store.fields(team, CUSTOMER).await.unwrap();
    let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, vec!["attr-a", "attr-b"]);
    assert_eq!(fields[1].name, "Bee");
    assert!(fields[1].required);

    let key = FieldKey::parse("attr-a").unwrap();
    store.delete_field(team, CUSTOMER, &key).await.unwrap();
    assert_eq!(store.delete_field(team, CUSTOMER, &key).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(store.fields(team, CUSTOMER).await.unwrap().len(), 1);
}

async fn latest_and_activity_are_newest_first<S: Store>(store: &S, team: &TeamId) {
    let a = store.create_customer(team, new_customer(json!({"email": "a@example.test", "first": "Ann", "last": "Lee"})), None).await.unwrap();
    let b = store.create_customer(team, new_customer(json!({"email": "b@example.test"})), None).await.unwrap();
    store.update_customer(team, &a.id, &change(json!({"middle": "M"})), "Customer updated", None).await.unwrap();
    let tracked = Interaction { description: "Filled out a form".into(), source: "Website".into(), ..Interaction::by_api(&b.id, "", Timestamp::now()) };
    store.add_interaction(team, &tracked, None).await.unwrap();

    // The indexes behind both reads are eventually consistent on DynamoDB, but moto updates them at once.
    let latest = store.latest_customers(team, 20).await.unwrap();
    assert_eq!(emails(&latest), vec!["a@example.test", "b@example.test"]);
    assert_eq!(emails(&store.latest_customers(team, 1).await.unwrap()), vec!["a@example.test"]);

    let activity = store.recent_activity(team, 20).await.unwrap();
    let described: Vec<(&str, &str)> =
        activity.iter().map(|e| (e.customer.email.as_str(), e.interaction.description.as_str())).collect();
    assert_eq!(
        described,
        vec![
            ("b@example.test", "Filled out a form"),
            ("a@example.test", "Customer updated"),
            ("b@example.test", "Customer created"),
            ("a@example.test", "Customer created"),
        ]
    );
    assert_eq!(activity[1].to_json(None)["name"], json!("Ann Lee"));
}

async fn interaction_needs_customer<S: Store>(store: &S, team: &TeamId) {
    let orphan = Interaction::by_api("0190a1b2c3d4e5f60718293a4b5c6d7e", "x", Timestamp::now());
    assert_eq!(store.add_interaction(team, &orphan, None).await.unwrap_err(), StoreError::NotFound);
}

async fn teams_are_isolated<S: Store>(store: &S, team_a: &TeamId) {
    let team_b = team("other-team");
    let created = store.create_customer(team_a, new_customer(json!({"email": "mine@example.test", "first": "Mia"})), None).await.unwrap();
    store.put_field(team_a, CUSTOMER, &field(json!({"key": "attr-x", "name": "X", "type": "text"}))).await.unwrap();

    assert_eq!(store.customer(&team_b, &created.id).await.unwrap(), None);
    assert_eq!(store.customer_details(&team_b, &created.id).await.unwrap(), None);
    let email = shared::model::Email::parse("mine@example.test").unwrap();
    assert_eq!(store.customer_id_by_email(&team_b, &email).await.unwrap(), None);
    assert_eq!(store.list_customers(&team_b, &query(&[("page", "1")], &[])).await.unwrap().total, 0);
    assert_eq!(store.list_customers(&team_b, &query(&[("first", "mia")], &[])).await.unwrap().total, 0);
    assert!(store.latest_customers(&team_b, 20).await.unwrap().is_empty());
    assert!(store.recent_activity(&team_b, 20).await.unwrap().is_empty());
    assert!(store.fields(&team_b, CUSTOMER).await.unwrap().is_empty());
    assert_eq!(store.update_customer(&team_b, &created.id, &change(json!({"first": "X"})), "u", None).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(store.delete_customer(&team_b, &created.id).await.unwrap_err(), StoreError::NotFound);

    let same_email = store.create_customer(&team_b, new_customer(json!({"email": "mine@example.test"})), None).await;
    assert!(same_email.is_ok(), "emails are unique per team only");
}

macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let app = super::embedded_app();
                    super::$test(&app.store, &super::team("team-a")).await;
                }
            )*
        }

        mod dynamo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let app = super::moto_app().await;
                    super::$test(&app.store, &super::team("team-a")).await;
                }
            )*
        }
    };
}

contract!(
    create_stores_and_reads_back,
    email_is_unique_ignoring_case,
    concurrent_creates_keep_one,
    update_changes_only_sent_fields,
    update_to_same_values_writes_nothing,
    update_moves_email,
    concurrent_updates_keep_both,
    delete_removes_everything,
    list_pages_in_creation_order,
    filters_match_prefix_ignoring_case,
    filter_skips_non_matching_before_limit,
    custom_attributes_store_and_filter,
    fields_are_replaced_and_deleted,
    latest_and_activity_are_newest_first,
    interaction_needs_customer,
    teams_are_isolated,
    lists_span_several_dynamodb_pages,
    every_page_lists_each_customer_once,
);

/// More than 1 MB of matching customers: DynamoDB returns a Query in 1 MB pages, and totals,
/// full lists and page jumps must follow every page.
async fn lists_span_several_dynamodb_pages<S: Store>(store: &S, team: &TeamId) {
    let mut fields = Vec::new();
    for n in 0..30 {
        let definition = field(json!({"key": format!("attr-f{n}"), "name": "F", "type": "text"}));
        store.put_field(team, CUSTOMER, &definition).await.unwrap();
        fields.push(definition);
    }
    let mut body = json!({"first": "Pat"});
    for n in 0..30 {
        body[format!("attr-f{n}")] = json!("x".repeat(1_000));
    }
    for n in 0..40 {
        body["email"] = json!(format!("big{n:02}@example.test"));
        store.create_customer(team, new_customer_with(body.clone(), &fields), None).await.unwrap();
    }

    let all = store.list_customers(team, &query(&[], &fields)).await.unwrap();
    assert_eq!(all.customers.len(), 40);
    let filtered = store.list_customers(team, &query(&[("first", "pat")], &fields)).await.unwrap();
    assert_eq!(filtered.total, 40);
    assert_eq!(filtered.customers.len(), 40);

    let last = store.list_customers(team, &query(&[("first", "pat"), ("per_page", "10"), ("page", "4")], &fields)).await.unwrap();
    assert_eq!(emails(&last.customers).first().copied(), Some("big30@example.test"));
    assert_eq!(last.customers.len(), 10);
    let past_end = store.list_customers(team, &query(&[("per_page", "10"), ("page", "5")], &fields)).await.unwrap();
    assert!(past_end.customers.is_empty());
    assert_eq!(past_end.total, 40);
    let unfiltered_last = store.list_customers(team, &query(&[("per_page", "15"), ("page", "3")], &fields)).await.unwrap();
    assert_eq!(unfiltered_last.customers.len(), 10);
    assert_eq!(emails(&unfiltered_last.customers)[0], "big30@example.test");
}
