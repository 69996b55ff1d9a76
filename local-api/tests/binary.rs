//! The `local-api` binary as a user starts it: on the embedded store with a data folder, and on
//! DynamoDB and S3 at moto through the standard AWS environment with `--create-resources`.

mod support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use support::Api;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts the binary with `args` and `env`, and waits until it answers.
async fn start(args: &[&str], env: &[(&str, String)]) -> (Running, Api) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_local-api"));
    command.args(["--addr", &addr]).args(args).stdout(Stdio::null()).stderr(Stdio::null());
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (name, value) in env {
        command.env(name, value);
    }
    let running = Running(command.spawn().unwrap());
    let api = Api::client(addr.parse().unwrap());
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            return (running, api);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("local-api did not start on {addr}");
}

async fn create_and_find(api: &Api) {
    let created = api.post_json("/customers", &json!({"email": "bin@example.test"})).await;
    assert_eq!(created.status, 200, "{:?}", created.json());
    let found = api.get("/customers?email=bin").await.json();
    assert_eq!(found.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn embedded_binary_keeps_data_across_restarts() {
    let dir = std::env::temp_dir().join(format!("meiosis-bin-{}", shared::model::new_id()));
    let data_dir = dir.to_str().unwrap().to_string();
    {
        let (_running, api) = start(&["--data-dir", &data_dir], &[]).await;
        create_and_find(&api).await;
    }
    let (_running, api) = start(&["--data-dir", &data_dir], &[]).await;
    assert_eq!(api.get("/customers").await.json().as_array().unwrap().len(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn aws_binary_runs_on_moto() {
    let suffix = &shared::model::new_id()[20..];
    let env = [
        ("AWS_ENDPOINT_URL", shared::testing::moto_endpoint()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("TABLE_NAME", format!("bin-customers-{suffix}")),
        ("AVATAR_BUCKET", format!("bin-avatars-{suffix}")),
    ];
    let (_running, api) = start(&["--backend", "aws", "--create-resources"], &env).await;
    // The table is created before the server listens, so the first request can write.
    create_and_find(&api).await;
}
