//! DynamoDB read budgets of the list, filter, page, latest, activity and single-customer
//! requests, counted by an interceptor on the client (calls, items and bytes) while the
//! functions' own handlers serve them, on a team of 400 customers at moto. A Scan, or a filter
//! that reads past the customers it does not match, would blow every one of these budgets.
//! One test seeds one team and runs every read check on it, because moto sorts a whole table
//! for each Query and seeding a table per check would multiply that cost.

use serde_json::Value;
use shared::model::{CustomerChange, FieldDefinition, FieldScope, OrganizationChange, Timestamp};
use shared::auth::KeyStore;
use shared::store::Store;
use shared::store::dynamo::DynamoStore;
use shared::store::s3::S3Avatars;
use shared::testing::meter::{ReadMeter, Reads};
use shared::testing::population::{customer, fields, interactions};
use shared::testing::{EVENT_TEAM, event, event_for_customer, metered_moto_app, read, request, request_with_query, team};
use shared::App;

const CUSTOMERS: usize = 400;

struct Team {
    app: App<DynamoStore, S3Avatars>,
    meter: ReadMeter,
    customers: Vec<shared::model::Customer>,
}

/// Seeds the fixtures' team: 20 organizations through the store, then the customers and their
/// interactions in bulk.
async fn seeded() -> Team {
    let (app, meter) = metered_moto_app().await;
    let team = team(EVENT_TEAM);
    let definitions = fields();
    for definition in &definitions {
        app.store.put_field(&team, FieldScope::Customer, definition).await.unwrap();
    }
    let mut organizations = Vec::new();
    for n in 0..20 {
        let body = serde_json::json!({"name": format!("Org {n}")});
        let new = OrganizationChange::from_body(body.as_object().unwrap(), &[]).unwrap().into_new(&[]).unwrap();
        organizations.push(app.store.create_organization(&team, new, None).await.unwrap().id);
    }
    // A key of the team shares the table; no list may count its records as customers.
    let keys = shared::auth::dynamo::DynamoKeys::new(app.store.clone());
    keys.create_team(&team, "Events").await.unwrap();
    keys.add_key(&shared::auth::NewKey::generate(&team).unwrap().record).await.unwrap();

    let customers: Vec<_> = (0..CUSTOMERS).map(|n| customer(n, &organizations, &definitions)).collect();
    let tracked: Vec<_> = customers.iter().enumerate().flat_map(|(n, c)| interactions(n, c)).collect();
    app.store.import(&team, &customers, &tracked).await.unwrap();
    meter.take();
    Team { app, meter, customers }
}

/// Calls made concurrently finish in any order.
fn sorted(mut calls: Vec<&'static str>) -> Vec<&'static str> {
    calls.sort_unstable();
    calls
}

impl Team {
    async fn list(&self, query: &str) -> (Value, Reads) {
        let response = customers::handle(&self.app, request_with_query(&event("customers-list.json"), query)).await;
        let (status, body) = read(response);
        assert_eq!(status, 200, "{query}: {body}");
        (body, self.meter.take())
    }

    fn count(&self, test: impl Fn(&shared::model::Customer) -> bool) -> u64 {
        self.customers.iter().filter(|customer| test(customer)).count() as u64
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_stay_within_budget() {
    let team = seeded().await;
    single_customer_reads_within_budget(&team).await;
    pages_read_only_what_they_return(&team).await;
    filters_read_through_their_index(&team).await;
    several_filters_fill_pages_from_the_narrowest(&team).await;
    latest_and_activity_read_one_query(&team).await;
    create_and_delete_write_one_transaction(&team).await;
}

async fn single_customer_reads_within_budget(team: &Team) {
    let member = team.customers.iter().find(|customer| customer.organization_id.is_some()).unwrap();

    let response = customer::handle(&team.app, request(&event_for_customer("customer-get.json", &member.id))).await;
    assert_eq!(read(response).1["organization"]["id"].as_str(), member.organization_id.as_deref());
    assert_eq!(team.meter.take().calls, ["Query", "GetItem"]);

    let response = customer::handle(&team.app, request(&event_for_customer("customer-get.json", member.email.as_str()))).await;
    assert_eq!(read(response).1["id"].as_str(), Some(member.id.as_str()));
    assert_eq!(team.meter.take().calls, ["GetItem", "Query", "GetItem"]);
}

async fn create_and_delete_write_one_transaction(team: &Team) {

    let response = customers::handle(&team.app, request(&event("customers-create.json"))).await;
    let (status, body) = read(response);
    assert_eq!(status, 200, "{body}");
    assert_eq!(team.meter.take().count("TransactWriteItems"), 1);

    let id = body["id"].as_str().unwrap();
    let response = customer::handle(&team.app, request(&event_for_customer("customer-delete.json", id))).await;
    assert_eq!(read(response).0, 200);
    assert_eq!(team.meter.take().count("TransactWriteItems"), 1);
}

async fn pages_read_only_what_they_return(team: &Team) {

    let (first, reads) = team.list("per_page=25&page=1").await;
    assert_eq!(first["meta"]["total"], CUSTOMERS);
    assert_eq!(first["customers"].as_array().unwrap().len(), 25);
    assert_eq!(reads.calls.len(), 2);
    assert_eq!(reads.items, 26, "25 customers and the counter");
    let page_bytes = reads.bytes;

    // Page 13 skips 300 customers through order items of under 100 bytes each.
    let (far, reads) = team.list("per_page=25&page=13").await;
    assert_eq!(far["customers"][0]["id"].as_str(), Some(team.customers[300].id.as_str()));
    assert_eq!(reads.calls.len(), 3);
    assert_eq!(reads.items, 300 + 25 + 1);
    assert!(reads.bytes < page_bytes * 2 + 300 * 100, "{} bytes", reads.bytes);

    let cursor = first["meta"]["next"].as_str().unwrap();
    let (second, reads) = team.list(&format!("per_page=25&cursor={cursor}")).await;
    assert_eq!(second["meta"]["current_page"], 2);
    assert_eq!(second["customers"][0]["id"].as_str(), Some(team.customers[25].id.as_str()));
    assert_eq!(sorted(reads.calls), ["GetItem", "Query"], "the counter and one Query");

    let (past, reads) = team.list("per_page=25&page=40").await;
    assert_eq!(past["customers"].as_array().unwrap().len(), 0);
    assert_eq!(past["meta"]["total"], CUSTOMERS);
    assert!(reads.calls.len() <= 3);
}

async fn filters_read_through_their_index(team: &Team) {
    let sample = &team.customers[234];
    let exact_email = sample.email.as_str().to_string();
    let organization = team.customers[0].organization_id.clone().unwrap();

    let cases = [
        (format!("email={exact_email}"), team.count(|c| c.email.as_str().starts_with(&exact_email))),
        ("first=Quinn".to_string(), team.count(|c| c.first.as_deref() == Some("Quinn"))),
        ("middle=Ray".to_string(), team.count(|c| c.middle.as_deref() == Some("Ray"))),
        ("last=Quispe".to_string(), team.count(|c| c.last.as_deref() == Some("Quispe"))),
        (format!("organization_id={organization}"), team.count(|c| c.organization_id.as_ref() == Some(&organization))),
    ];
    for (query, expected) in cases {
        let (body, reads) = team.list(&format!("{query}&per_page=25")).await;
        assert_eq!(body["meta"]["total"], expected, "{query}");
        let listed = expected.min(25);
        assert_eq!(reads.items, expected + listed, "{query}: index items of the matches, then the page");
        assert!(reads.calls.len() <= 2, "{query}: {:?}", reads.calls);
    }

    let (body, reads) = team.list("attr-source=Referral&per_page=10").await;
    let expected = team.count(|c| c.attributes.iter().any(|(k, v)| k.as_str() == "attr-source" && v.index_form() == "referral"));
    assert_eq!(body["meta"]["total"], expected);
    assert_eq!(reads.count("BatchGetItem"), 1);
    assert_eq!(reads.items, expected + 10 + 3, "index items, the page, the two field definitions and their revision");
}

fn source(customer: &shared::model::Customer) -> Option<String> {
    customer.attributes.iter().find(|(key, _)| key.as_str() == "attr-source").map(|(_, value)| value.index_form())
}

async fn several_filters_fill_pages_from_the_narrowest(team: &Team) {
    // The most common pair of a first name and a source, so that the page has to be filled.
    let mut pairs = std::collections::HashMap::new();
    for customer in &team.customers {
        if let (Some(first), Some(source)) = (&customer.first, source(customer)) {
            *pairs.entry((first.to_lowercase(), source)).or_insert(0u64) += 1;
        }
    }
    let ((first, wanted), both) = pairs.into_iter().max_by_key(|(_, count)| *count).unwrap();
    assert!(both >= 3, "the population repeats name and source pairs");
    let firsts = team.count(|c| c.first.as_deref().map(str::to_lowercase).as_deref() == Some(first.as_str()));
    let sources = team.count(|c| source(c).as_deref() == Some(wanted.as_str()));

    let (body, reads) = team.list(&format!("first={first}&attr-source={wanted}&per_page=2")).await;
    assert_eq!(body["meta"]["total"], both);
    assert_eq!(body["customers"].as_array().unwrap().len(), 2);
    assert_eq!(reads.items, 3 + firsts + sources + 2, "field definitions and their revision, both filters' index items, the page");
}

async fn latest_and_activity_read_one_query(team: &Team) {

    let response = latest::handle(&team.app, request(&event("latest.json"))).await;
    assert_eq!(read(response).0, 200);
    let reads = team.meter.take();
    assert_eq!(reads.calls, ["Query"]);
    assert_eq!(reads.consistent_index_queries, 0, "DynamoDB rejects consistent reads of an index");

    let response = activity::handle(&team.app, request(&event("activity.json"))).await;
    assert_eq!(read(response).0, 200);
    let reads = team.meter.take();
    assert_eq!(reads.calls, ["Query", "BatchGetItem"]);
    assert_eq!(reads.consistent_index_queries, 0, "DynamoDB rejects consistent reads of an index");
}

fn big_fields() -> Vec<FieldDefinition> {
    (0..30)
        .map(|n| {
            let body = serde_json::json!({"key": format!("attr-f{n}"), "name": "F", "type": "text"});
            FieldDefinition::from_body(body.as_object().unwrap()).unwrap()
        })
        .collect()
}

/// Builds the `n`th of customers of about 36 KB each: 50 tags of 100 characters and 30 attributes
/// of 1,000.
fn big_customer(n: usize, fields: &[FieldDefinition]) -> shared::model::NewCustomer {
    let tags: Vec<String> = (0..50).map(|n| format!("{n:03}{}", "t".repeat(97))).collect();
    let mut body = serde_json::json!({"email": format!("big{n:03}@example.test"), "first": "Pat", "tags": tags});
    for n in 0..30 {
        body[format!("attr-f{n}")] = serde_json::json!("x".repeat(1_000));
    }
    CustomerChange::from_body(body.as_object().unwrap(), fields).unwrap().into_new(fields).unwrap()
}

/// Requests an unpaged list of the fixtures' team and checks that it is rejected as too large.
async fn assert_too_large<S: Store, A: shared::store::AvatarStore>(app: &App<S, A>, query: &str) {
    let response = customers::handle(app, request_with_query(&event("customers-list.json"), query)).await;
    let (status, body) = read(response);
    assert_eq!(status, 422, "{query}: {body}");
    let message = body["error"]["fields"]["per_page"][0].as_str().unwrap_or_default();
    assert!(message.contains("request it in pages"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaged_lists_past_the_response_limit_answer_422() {
    let fields = big_fields();
    let team = team(EVENT_TEAM);

    let embedded = shared::testing::embedded_app();
    for definition in &fields {
        embedded.store.put_field(&team, FieldScope::Customer, definition).await.unwrap();
    }
    for n in 0..170 {
        embedded.store.create_customer(&team, big_customer(n, &fields), None).await.unwrap();
    }
    assert_too_large(&embedded, "").await;
    assert_too_large(&embedded, "first=pat").await;

    let (app, meter) = metered_moto_app().await;
    for definition in &fields {
        app.store.put_field(&team, FieldScope::Customer, definition).await.unwrap();
    }
    let customers: Vec<_> = (0..170).map(|n| big_customer(n, &fields).into_customer(Timestamp::now())).collect();
    app.store.import(&team, &customers, &[]).await.unwrap();
    meter.take();
    assert_too_large(&app, "").await;
    let reads = meter.take();
    let limit = shared::store::MAX_LISTED_BYTES as u64;
    assert!(reads.bytes > limit, "reads up to the limit: {}", reads.bytes);
    assert!(reads.bytes < limit + 1_100_000, "stops within a page of the limit: {}", reads.bytes);
    assert_too_large(&app, "first=pat").await;
}

/// DynamoDB returns at most 1 MB per Query, so a total over more index items than that must
/// follow every page of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtered_totals_span_several_dynamodb_pages() {
    let (app, meter) = metered_moto_app().await;
    let team = team(EVENT_TEAM);
    let long_name = format!("Longname{}", "x".repeat(240));
    let customers: Vec<_> = (0..3_500)
        .map(|n| {
            let body = serde_json::json!({"email": format!("long{n}@example.test"), "last": format!("{long_name}{n:04}")});
            let change = CustomerChange::from_body(body.as_object().unwrap(), &[]).unwrap();
            change.into_new(&[]).unwrap().into_customer(Timestamp::now())
        })
        .collect();
    app.store.import(&team, &customers, &[]).await.unwrap();
    meter.take();

    let response = customers::handle(&app, request_with_query(&event("customers-list.json"), "last=longname&per_page=10&page=2")).await;
    let (status, body) = read(response);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["meta"]["total"], 3_500);
    assert_eq!(body["customers"][0]["email"], "long10@example.test");
    let reads = meter.take();
    assert!(reads.bytes > 1_048_576, "more than 1 MB of index items: {}", reads.bytes);
    assert_eq!(reads.count("Query"), 2, "two pages of index items");
}
