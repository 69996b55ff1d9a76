//! A store outage: when moto stops in the middle of a run, requests get a 503 with
//! `Retry-After` within the SDK's time limit and reveal nothing internal. Once moto is back, the
//! same `local-api` process serves again without a restart.

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use shared::auth::dynamo::DynamoKeys;
use shared::auth::{KeyRecord, KeyStore};
use shared::testing::{moto_app_at, team, Timeouts};
use support::Api;

/// Returns the moto server that `.ci/run` installs, or the one `MOTO_SERVER` names.
fn moto_server() -> PathBuf {
    match std::env::var("MOTO_SERVER") {
        Ok(path) => PathBuf::from(path),
        Err(_) => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/moto_server")),
    }
}

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_moto(port: u16) -> Moto {
    let server = moto_server();
    let child = Command::new(&server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {} (run .ci/run once, or set MOTO_SERVER): {e}", server.display()));
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Moto(child);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("moto did not start on port {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_answers_503_then_recovers() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let moto = start_moto(port).await;

    let app = moto_app_at(&endpoint, Timeouts::Production).await;
    let (store, avatars) = (app.store.clone(), app.avatars.clone());
    let keys = DynamoKeys::new(app.store.clone());
    let (listener, addr) = local_api::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let api = Api::start(listener, addr, app, keys.clone(), &["local"]).await.remove(0);
    assert_eq!(api.post_json("/customers", &json!({"email": "before@example.test"})).await.status, 200);

    drop(moto);
    let started = Instant::now();
    let down = api.get("/customers").await;
    assert_eq!(down.status, 503);
    assert!(started.elapsed() < Duration::from_secs(8), "answered after {:?}", started.elapsed());
    assert_eq!(down.headers["retry-after"], "1");
    assert_eq!(down.json(), json!({"error": {"code": "unavailable", "message": "Service temporarily unavailable; retry later"}}));
    let write = api.post_json("/customers", &json!({"email": "during@example.test"})).await;
    assert_eq!(write.status, 503);

    // moto keeps nothing across a restart, so the table, bucket and key are made again.
    let _moto = start_moto(port).await;
    shared::store::table::create_table(store.client(), store.table()).await.unwrap();
    shared::store::s3::create_bucket(avatars.client(), avatars.bucket()).await.unwrap();
    let local = team("local");
    keys.create_team(&local, "local").await.unwrap();
    keys.add_key(&KeyRecord::for_secret(&local, api.key.as_deref().unwrap())).await.unwrap();

    let again = api.post_json("/customers", &json!({"email": "after@example.test"})).await;
    assert_eq!(again.status, 200, "{:?}", again.json());
    assert_eq!(api.get("/customers").await.json().as_array().unwrap().len(), 1);
}
