//! Concurrent clients against one `local-api`, on the embedded store and on DynamoDB at moto.
//!
//! The clients create customers with email addresses from a small pool, in random case, so
//! that creates collide. They update a field of their own on a few shared customers, track
//! interactions, add and delete notes, read customers, and delete the customers they created.
//! Afterwards every acknowledged write must be there with its value, every deleted customer must
//! be gone with all of its items, and the team's counter and email locks must match the
//! customers. On DynamoDB the test also reads the table itself.
//!
//! `CONCURRENCY_CLIENTS` (default 8) and `CONCURRENCY_SECONDS` set the load, and
//! `CONCURRENCY_SEED` the clients' random choices; run with `--nocapture` to see the figures.
//! The embedded store runs 3 seconds by default. DynamoDB runs 12, because moto serves one
//! request at a time and `local-api` gets only about a dozen answers a second from it on a
//! 2-core machine, too few in 3 seconds for any customer to be deleted.

mod support;
#[path = "concurrency/checks.rs"]
mod checks;
#[path = "concurrency/workload.rs"]
mod workload;

use std::time::Duration;

use checks::{Checker, Expected};
use shared::auth::dynamo::DynamoKeys;
use shared::testing::{moto_app_at, moto_endpoint, team, Timeouts};
use support::Api;
use workload::{Outcome, Settings};

fn settings(default_seconds: u64) -> Settings {
    let number = |name: &str, default: u64| match std::env::var(name) {
        Ok(text) => text.parse().unwrap_or_else(|_| panic!("{name} must be a whole number, not {text:?}")),
        Err(_) => default,
    };
    Settings {
        clients: number("CONCURRENCY_CLIENTS", 8) as usize,
        duration: Duration::from_secs(number("CONCURRENCY_SECONDS", default_seconds)),
        seed: number("CONCURRENCY_SEED", 7),
    }
}

fn report(store: &str, settings: Settings, outcome: &Outcome, checker: &Checker) {
    let acknowledged: usize = outcome.logs.iter().map(|log| log.acknowledged).sum();
    let collisions: usize = outcome.logs.iter().map(|log| log.collisions).sum();
    let created: usize = outcome.logs.iter().map(|log| log.created.len()).sum();
    let deleted: usize = outcome.logs.iter().map(|log| log.deleted.len()).sum();
    let found_gone: usize = outcome.logs.iter().map(|log| log.found_gone.len()).sum();
    println!(
        "{store}: {} clients for {} s (seed {}): {acknowledged} requests acknowledged, {created} created, \
         {collisions} email collisions, {deleted} deleted, {found_gone} customers found gone; {} checks made",
        settings.clients,
        settings.duration.as_secs(),
        settings.seed,
        checker.checks,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_on_embedded_store() {
    let settings = settings(3);
    let api = Api::embedded().await;
    let outcome = workload::run(&api, settings).await;

    let mut checker = Checker::default();
    let expected = Expected::from_outcome(&outcome, &mut checker);
    checks::through_api(&api, &expected, &outcome, &mut checker).await;
    checks::released_emails_are_free(&api, &expected, &mut checker).await;

    report("embedded", settings, &outcome, &checker);
    checker.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_on_dynamo() {
    let settings = settings(12);
    let app = moto_app_at(&moto_endpoint(), Timeouts::Relaxed).await;
    let store = app.store.clone();
    let keys = DynamoKeys::new(app.store.clone());
    let (listener, addr) = local_api::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let api = Api::start(listener, addr, app, keys, &["local"]).await.remove(0);
    let outcome = workload::run(&api, settings).await;

    let mut checker = Checker::default();
    let expected = Expected::from_outcome(&outcome, &mut checker);
    checks::through_api(&api, &expected, &outcome, &mut checker).await;
    checks::table::check(&store, &team("local"), &expected, &outcome.shared, &mut checker).await;
    checks::released_emails_are_free(&api, &expected, &mut checker).await;

    report("dynamo", settings, &outcome, &checker);
    checker.finish();
}
