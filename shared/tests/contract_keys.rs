//! Storage contract for idempotency keys: the same tests on the embedded store and on DynamoDB
//! at moto. Claim times are passed in, so expiry is tested without waiting. A response is saved
//! only by the write that completes a claim, here a customer create.

use serde_json::json;
use shared::model::{CustomerChange, ListQuery, NewCustomer, Timestamp};
use shared::store::idempotency::{Completion, KeyClaim, KeyState, SavedResponse, CLAIM_LEASE, KEY_LIFETIME};
use shared::store::{AvatarStore, Store, StoreError};
use shared::testing::team;
use shared::App;

const KEY: &str = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
const START: Timestamp = Timestamp(1_800_000_000_000_000);

fn later(micros: i64) -> Timestamp {
    Timestamp(START.0 + micros)
}

fn created() -> SavedResponse {
    SavedResponse { status: 200, body: r#"{"success":"Customer created","id":"c1"}"#.into(), etag: Some("\"1\"".into()) }
}

fn claim(fingerprint: &str) -> KeyClaim {
    KeyClaim::new(KEY.into(), fingerprint.into())
}

fn new_customer(email: &str) -> NewCustomer {
    let body = json!({ "email": email });
    CustomerChange::from_body(body.as_object().unwrap(), &[]).unwrap().into_new(&[]).unwrap()
}

/// Creates a customer with `email` in a write that completes `claim` with [`created`].
async fn create_completing<S: Store>(store: &S, team: &shared::model::TeamId, email: &str, claim: &KeyClaim) -> Result<(), StoreError> {
    let completion = Completion { claim: claim.clone(), response: created() };
    store.create_customer(team, new_customer(email), Some(&completion)).await.map(drop)
}

async fn customer_count<S: Store>(store: &S, team: &shared::model::TeamId) -> u64 {
    store.list_customers(team, &ListQuery::default()).await.unwrap().total
}

fn running(fingerprint: &str) -> KeyState {
    KeyState::Running { fingerprint: fingerprint.into() }
}

async fn key_is_claimed_once<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");

    assert_eq!(store.claim_key(&team, &claim("f1"), START).await.unwrap(), KeyState::Claimed);
    assert_eq!(store.claim_key(&team, &claim("f1"), later(1)).await.unwrap(), running("f1"));
    assert_eq!(store.claim_key(&team, &claim("f2"), later(2)).await.unwrap(), running("f1"));
}

async fn completing_write_saves_the_response_until_expiry<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    let first = claim("f1");
    store.claim_key(&team, &first, START).await.unwrap();

    create_completing(store, &team, "saved@example.test", &first).await.unwrap();

    let saved = KeyState::Saved { fingerprint: "f1".into(), response: created() };
    assert_eq!(store.claim_key(&team, &claim("f1"), later(CLAIM_LEASE * 2)).await.unwrap(), saved);
    assert_eq!(store.claim_key(&team, &claim("f2"), later(KEY_LIFETIME - 1)).await.unwrap(), saved);
    assert_eq!(store.claim_key(&team, &claim("f2"), later(KEY_LIFETIME)).await.unwrap(), KeyState::Claimed);
    assert_eq!(store.claim_key(&team, &claim("f1"), later(KEY_LIFETIME + 1)).await.unwrap(), running("f2"));
}

async fn failed_write_leaves_the_claim_open<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    store.create_customer(&team, new_customer("taken@example.test"), None).await.unwrap();
    let first = claim("f1");
    store.claim_key(&team, &first, START).await.unwrap();

    let failed = create_completing(store, &team, "taken@example.test", &first).await;

    assert_eq!(failed, Err(StoreError::EmailTaken));
    assert_eq!(store.claim_key(&team, &claim("f1"), later(1)).await.unwrap(), running("f1"));
    store.release_key(&team, &first).await.unwrap();
    assert_eq!(store.claim_key(&team, &claim("f1"), later(2)).await.unwrap(), KeyState::Claimed);
}

async fn release_needs_the_same_claim<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    let first = claim("f1");
    store.claim_key(&team, &first, START).await.unwrap();

    store.release_key(&team, &claim("f1")).await.unwrap();
    assert_eq!(store.claim_key(&team, &claim("f1"), later(1)).await.unwrap(), running("f1"), "another claim's release");
}

async fn completed_claim_is_not_released<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    let first = claim("f1");
    store.claim_key(&team, &first, START).await.unwrap();
    create_completing(store, &team, "done@example.test", &first).await.unwrap();

    store.release_key(&team, &first).await.unwrap();

    let saved = KeyState::Saved { fingerprint: "f1".into(), response: created() };
    assert_eq!(store.claim_key(&team, &claim("f1"), later(1)).await.unwrap(), saved);
}

async fn abandoned_claim_is_taken_over<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    store.claim_key(&team, &claim("f1"), START).await.unwrap();

    assert_eq!(store.claim_key(&team, &claim("f1"), later(CLAIM_LEASE - 1)).await.unwrap(), running("f1"));
    assert_eq!(store.claim_key(&team, &claim("f1"), later(CLAIM_LEASE)).await.unwrap(), KeyState::Claimed);
}

async fn late_write_of_a_lost_claim_writes_nothing<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    let (abandoned, retry) = (claim("f1"), claim("f1"));
    store.claim_key(&team, &abandoned, START).await.unwrap();
    assert_eq!(store.claim_key(&team, &retry, later(CLAIM_LEASE)).await.unwrap(), KeyState::Claimed);

    let late = create_completing(store, &team, "late@example.test", &abandoned).await;

    assert!(matches!(late, Err(StoreError::Unavailable(_))), "{late:?}");
    assert_eq!(customer_count(store, &team).await, 0);
    create_completing(store, &team, "late@example.test", &retry).await.unwrap();
    assert_eq!(customer_count(store, &team).await, 1);
}

async fn keys_belong_to_one_team<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    store.claim_key(&team("team-a"), &claim("f1"), START).await.unwrap();

    assert_eq!(store.claim_key(&team("team-b"), &claim("f1"), later(1)).await.unwrap(), KeyState::Claimed);
}

async fn racing_claims_give_the_key_to_one<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");

    let requests: Vec<KeyClaim> = (0..8).map(|_| claim("f1")).collect();
    let claims: Vec<KeyState> = futures_util::future::join_all(requests.iter().zip(0..).map(|(request, n)| store.claim_key(&team, request, later(n))))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    assert_eq!(claims.iter().filter(|state| **state == KeyState::Claimed).count(), 1, "{claims:?}");
    assert_eq!(claims.iter().filter(|state| **state == running("f1")).count(), 7, "{claims:?}");
}

shared::on_both_stores!(
    key_is_claimed_once,
    completing_write_saves_the_response_until_expiry,
    failed_write_leaves_the_claim_open,
    release_needs_the_same_claim,
    completed_claim_is_not_released,
    abandoned_claim_is_taken_over,
    late_write_of_a_lost_claim_writes_nothing,
    keys_belong_to_one_team,
    racing_claims_give_the_key_to_one,
);
