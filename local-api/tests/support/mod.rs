//! A small HTTP client and server set-up for end-to-end tests on loopback.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use local_api::cors::Cors;
use local_api::{LocalImages, Server};
use shared::auth::dynamo::DynamoKeys;
use shared::auth::embedded::EmbeddedKeys;
use shared::auth::{KeyStore, NewKey};
use shared::store::embedded::EmbeddedStore;
use shared::store::local_avatars::LocalAvatars;
use shared::store::{AvatarStore, Store};
use shared::testing::team;
use shared::App;

/// A running `local-api` and a client for it, sending one team's API key.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    client: Client<HttpConnector, Full<Bytes>>,
    /// API key sent as `Authorization: Bearer`, unless a request sets its own header.
    pub key: Option<String>,
    pub team: String,
}

/// A response as the tests read it: status, headers and body bytes.
pub struct Response {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

impl Api {
    /// Starts `local-api` on the embedded store, in memory, on a free loopback port.
    pub async fn embedded() -> Self {
        Self::embedded_teams(&["local"]).await.remove(0)
    }

    /// Starts `local-api` on DynamoDB and S3 at moto, with a new table and bucket.
    pub async fn moto() -> Self {
        Self::moto_teams(&["local"]).await.remove(0)
    }

    /// Starts one embedded `local-api` and returns a client for each of `teams`.
    pub async fn embedded_teams(teams: &[&str]) -> Vec<Self> {
        let (listener, addr) = local_api::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let app = App { store: EmbeddedStore::in_memory(), avatars: LocalAvatars::in_memory(format!("http://{addr}")) };
        Self::start(listener, addr, app, EmbeddedKeys::in_memory(), teams).await
    }

    /// Starts `local-api` for team `local` on `app`, whose DynamoDB table also holds the keys.
    pub async fn start_on(app: App<shared::store::dynamo::DynamoStore, shared::store::s3::S3Avatars>) -> Self {
        let (listener, addr) = local_api::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let keys = DynamoKeys::new(app.store.clone());
        Self::start(listener, addr, app, keys, &["local"]).await.remove(0)
    }

    /// Starts one `local-api` on moto and returns a client for each of `teams`.
    pub async fn moto_teams(teams: &[&str]) -> Vec<Self> {
        Self::moto_teams_at(&shared::testing::moto_endpoint(), teams).await
    }

    /// Starts one `local-api` on the moto server at `endpoint` and returns a client for each
    /// of `teams`.
    pub async fn moto_teams_at(endpoint: &str, teams: &[&str]) -> Vec<Self> {
        let (listener, addr) = local_api::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let app = shared::testing::moto_app_at(endpoint, shared::testing::Timeouts::Relaxed).await;
        let keys = DynamoKeys::new(app.store.clone());
        Self::start(listener, addr, app, keys, teams).await
    }

    pub async fn start<S, A, K>(listener: tokio::net::TcpListener, addr: SocketAddr, app: App<S, A>, keys: K, teams: &[&str]) -> Vec<Self>
    where
        S: Store,
        A: AvatarStore + LocalImages,
        K: KeyStore,
    {
        let mut clients = Vec::new();
        for name in teams {
            let team = team(name);
            keys.create_team(&team, name).await.unwrap();
            let key = NewKey::generate(&team).unwrap();
            keys.add_key(&key.record).await.unwrap();
            clients.push(Self { key: Some(key.secret), team: name.to_string(), ..Self::client(addr) });
        }
        let server = Server { app, keys, cors: Cors::parse("https://app.example.test") };
        tokio::spawn(local_api::serve(listener, Arc::new(server)));
        clients
    }

    /// Returns this client, with its key and team, for another server at `addr`.
    pub fn at(&self, addr: SocketAddr) -> Self {
        Self { base: format!("http://{addr}"), ..self.clone() }
    }

    /// Builds a client without a key.
    pub fn client(addr: SocketAddr) -> Self {
        Self {
            base: format!("http://{addr}"),
            client: Client::builder(TokioExecutor::new()).build_http(),
            key: None,
            team: String::new(),
        }
    }

    /// Sends a request to `url` (a path on this server, or a whole URL).
    pub async fn send(&self, method: &str, url: &str, content_type: Option<&str>, body: impl Into<Bytes>) -> Response {
        self.send_with(method, url, &[], content_type, body).await
    }

    /// Sends a request with extra `headers`.
    pub async fn send_with(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        content_type: Option<&str>,
        body: impl Into<Bytes>,
    ) -> Response {
        let url = if url.starts_with("http") { url.to_string() } else { format!("{}{url}", self.base) };
        let mut request = hyper::Request::builder().method(method).uri(&url).header("accept", "application/json");
        let sets_authorization = headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
        if let (Some(key), false) = (&self.key, sets_authorization) {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = self.client.request(request.body(Full::new(body.into())).unwrap()).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Response { status, headers, body }
    }

    pub async fn get(&self, url: &str) -> Response {
        self.send("GET", url, None, Bytes::new()).await
    }

    pub async fn post_json(&self, url: &str, body: &Value) -> Response {
        self.send("POST", url, Some("application/json"), body.to_string()).await
    }

    pub async fn post_form(&self, url: &str, body: &str) -> Response {
        self.send("POST", url, Some("application/x-www-form-urlencoded"), body.to_string()).await
    }

    pub async fn delete(&self, url: &str) -> Response {
        self.send("DELETE", url, None, Bytes::new()).await
    }
}

/// Builds a multipart body with one `file` part, and returns it with its Content-Type.
pub fn multipart_file(bytes: &[u8], filename: &str) -> (String, Vec<u8>) {
    let boundary = "e2e-boundary-41d9";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A 67-byte 1×1 PNG that contains the bytes 0x00, 0x89 and 0xFF.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b, 0x55, 0x00, 0x00, 0x00,
    0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xd0, 0x03, 0x00, 0x00, 0x30, 0x00, 0x2f, 0xb8, 0xff, 0xdf,
    0xc3, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Declares each named test twice, in `mod embedded` and `mod dynamo`, calling the function of
/// the same name with a running `local-api` on that store.
#[macro_export]
macro_rules! on_both_stores {
    ($($test:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(&super::Api::embedded().await).await;
                }
            )*
        }

        mod dynamo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(&super::Api::moto().await).await;
                }
            )*
        }
    };
}
