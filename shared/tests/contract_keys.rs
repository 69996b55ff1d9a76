//! Storage contract for idempotency keys: the same tests on the embedded store and on DynamoDB
//! at moto. Times are passed in, so expiry is tested without waiting.

use shared::model::Timestamp;
use shared::store::idempotency::{KeyState, SavedResponse, CLAIM_LEASE, KEY_LIFETIME};
use shared::store::{AvatarStore, Store};
use shared::testing::team;
use shared::App;

const KEY: &str = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
const START: Timestamp = Timestamp(1_800_000_000_000_000);

fn later(micros: i64) -> Timestamp {
    Timestamp(START.0 + micros)
}

fn created() -> SavedResponse {
    SavedResponse { status: 200, body: r#"{"success":"Customer created","id":"c1"}"#.into() }
}

fn running(fingerprint: &str) -> KeyState {
    KeyState::Running { fingerprint: fingerprint.into() }
}

async fn key_is_claimed_once<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");

    assert_eq!(store.claim_key(&team, KEY, "f1", START).await.unwrap(), KeyState::Claimed);
    assert_eq!(store.claim_key(&team, KEY, "f1", later(1)).await.unwrap(), running("f1"));
    assert_eq!(store.claim_key(&team, KEY, "f2", later(2)).await.unwrap(), running("f1"));
}

async fn saved_response_returned_until_expiry<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    store.claim_key(&team, KEY, "f1", START).await.unwrap();
    store.save_response(&team, KEY, "f1", &created()).await.unwrap();

    let saved = KeyState::Saved { fingerprint: "f1".into(), response: created() };
    assert_eq!(store.claim_key(&team, KEY, "f1", later(CLAIM_LEASE * 2)).await.unwrap(), saved);
    assert_eq!(store.claim_key(&team, KEY, "f2", later(KEY_LIFETIME - 1)).await.unwrap(), saved);
    assert_eq!(store.claim_key(&team, KEY, "f2", later(KEY_LIFETIME)).await.unwrap(), KeyState::Claimed);
    assert_eq!(store.claim_key(&team, KEY, "f1", later(KEY_LIFETIME + 1)).await.unwrap(), running("f2"));
}

async fn released_key_is_free<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    store.claim_key(&team, KEY, "f1", START).await.unwrap();

    store.release_key(&team, KEY, "f2").await.unwrap();
    assert_eq!(store.claim_key(&team, KEY, "f1", later(1)).await.unwrap(), running("f1"), "another request's release");

    store.release_key(&team, KEY, "f1").await.unwrap();
    assert_eq!(store.claim_key(&team, KEY, "f2", later(2)).await.unwrap(), KeyState::Claimed);
}

async fn abandoned_claim_is_taken_over<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    store.claim_key(&team, KEY, "f1", START).await.unwrap();

    assert_eq!(store.claim_key(&team, KEY, "f1", later(CLAIM_LEASE - 1)).await.unwrap(), running("f1"));
    assert_eq!(store.claim_key(&team, KEY, "f1", later(CLAIM_LEASE)).await.unwrap(), KeyState::Claimed);
}

async fn saving_needs_the_claim<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");
    store.claim_key(&team, KEY, "f1", START).await.unwrap();

    store.save_response(&team, KEY, "f2", &created()).await.unwrap();
    assert_eq!(store.claim_key(&team, KEY, "f1", later(1)).await.unwrap(), running("f1"));
}

async fn keys_belong_to_one_team<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    store.claim_key(&team("team-a"), KEY, "f1", START).await.unwrap();

    assert_eq!(store.claim_key(&team("team-b"), KEY, "f1", later(1)).await.unwrap(), KeyState::Claimed);
}

async fn racing_claims_give_the_key_to_one<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let team = team("team-a");

    let claims: Vec<KeyState> = futures_util::future::join_all((0..8).map(|n| store.claim_key(&team, KEY, "f1", later(n))))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    assert_eq!(claims.iter().filter(|state| **state == KeyState::Claimed).count(), 1, "{claims:?}");
    assert_eq!(claims.iter().filter(|state| **state == running("f1")).count(), 7, "{claims:?}");
}

shared::on_both_stores!(
    key_is_claimed_once,
    saved_response_returned_until_expiry,
    released_key_is_free,
    abandoned_claim_is_taken_over,
    saving_needs_the_claim,
    keys_belong_to_one_team,
    racing_claims_give_the_key_to_one,
);
