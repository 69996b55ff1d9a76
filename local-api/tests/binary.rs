//! The `local-api` binary as a user starts it: on the embedded store with a data folder, and on
//! DynamoDB and S3 at moto through the standard AWS environment with `--create-resources`.

mod support;

use std::io::{BufRead, BufReader};
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

/// Key that the tests give team `local` through `LOCAL_API_KEY`.
const KEY: &str = "binary-test-key-0123456789";

/// Starts the binary with `args` and `env`, and waits until it responds to a request. The
/// listener is bound before the store is set up, so an accepted connection alone does not mean
/// the table exists yet. The first response comes only after set-up.
async fn start(args: &[&str], env: &[(&str, String)]) -> (Running, Api) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_local-api"));
    command.args(["--addr", &addr]).args(args).stdout(Stdio::piped()).stderr(Stdio::null());
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (name, value) in env {
        command.env(name, value);
    }
    let running = Running(command.spawn().unwrap());
    let mut api = Api::client(addr.parse().unwrap());
    api.key = env.iter().find(|(name, _)| *name == "LOCAL_API_KEY").map(|(_, key)| key.clone());
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            api.get("/openapi.json").await;
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
    let env = [("LOCAL_API_KEY", KEY.to_string())];
    {
        let (_running, api) = start(&["--data-dir", &data_dir], &env).await;
        create_and_find(&api).await;
    }
    let (_running, api) = start(&["--data-dir", &data_dir], &env).await;
    assert_eq!(api.get("/customers").await.json().as_array().unwrap().len(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Builds the environment of a binary that uses moto, with a table and bucket of its own.
fn moto_env() -> Vec<(&'static str, String)> {
    let suffix = &shared::model::new_id()[20..];
    vec![
        ("AWS_ENDPOINT_URL", shared::testing::moto_endpoint()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("TABLE_NAME", format!("bin-customers-{suffix}")),
        ("AVATAR_BUCKET", format!("bin-avatars-{suffix}")),
        ("LOCAL_API_KEY", KEY.to_string()),
    ]
}

#[tokio::test]
async fn aws_binary_runs_on_moto() {
    let env = moto_env();
    let (_running, api) = start(&["--backend", "aws", "--create-resources"], &env).await;
    // The table is created before the server listens, so the first request can write.
    create_and_find(&api).await;
}

/// A first start on an empty folder prints a new key once; requests need it.
#[tokio::test]
async fn first_start_prints_a_key() {
    let dir = std::env::temp_dir().join(format!("meiosis-key-{}", shared::model::new_id()));
    let data_dir = dir.to_str().unwrap().to_string();
    let (mut running, mut api) = start(&["--data-dir", &data_dir], &[]).await;

    let stdout = running.0.stdout.take().unwrap();
    let printed = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout).lines().map_while(Result::ok).find(|line| line.trim_start().starts_with("mk_"))
    });
    let key = tokio::time::timeout(Duration::from_secs(10), printed).await.unwrap().unwrap().expect("a key was printed");

    let rejected = api.get("/customers").await;
    assert_eq!(rejected.status, 401);
    assert_eq!(rejected.headers["www-authenticate"], "Bearer");
    api.key = Some(key.trim().to_string());
    assert_eq!(api.get("/customers").await.status, 200);
    drop(running);

    let (_running, again) = start(&["--data-dir", &data_dir], &[]).await;
    let mut again = again;
    again.key = Some(key.trim().to_string());
    assert_eq!(again.get("/customers").await.status, 200, "the key survives a restart");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Runs `admin` with `args` and `env`, and returns its standard output.
fn admin(args: &[&str], env: &[(&str, String)]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_admin"));
    command.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "admin {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Returns the value of a `name: value` line.
fn field<'a>(output: &'a str, name: &str) -> &'a str {
    let prefix = format!("{name}: ");
    output.lines().find_map(|line| line.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {name} in {output}"))
}

/// Creates a team and keys with `admin` while `local-api` runs, and revokes one: the running
/// server follows at once.
async fn manage_keys(store_args: &[&str], env: &[(&str, String)]) {
    let (_running, mut api) = start(store_args, env).await;

    let created = admin(&[store_args, &["team", "create", "Acme Ltd"]].concat(), env);
    let team_id = field(&created, "team_id").to_string();
    let first_key = field(&created, "api_key").to_string();
    api.key = Some(first_key.clone());
    assert_eq!(api.get("/customers").await.status, 200);

    let second = admin(&[store_args, &["key", "create", &team_id]].concat(), env);
    let second_key = field(&second, "api_key").to_string();
    let listed = admin(&[store_args, &["key", "list", &team_id]].concat(), env);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(!listed.contains(&first_key), "listings show prefixes only");
    assert!(!listed.contains(&second_key), "listings show prefixes only");
    assert!(listed.contains(&first_key[..11]));

    let teams = admin(&[store_args, &["team", "list"]].concat(), env);
    assert!(teams.contains("Acme Ltd"), "{teams}");
    assert!(teams.contains(&team_id), "{teams}");

    let first_id = listed.lines().find(|line| line.contains(&first_key[..11])).unwrap().split_whitespace().next().unwrap().to_string();
    admin(&[store_args, &["key", "revoke", &first_id]].concat(), env);
    assert_eq!(api.get("/customers").await.status, 401, "a revoked key stops at once");
    api.key = Some(second_key);
    assert_eq!(api.get("/customers").await.status, 200);
}

#[tokio::test]
async fn admin_manages_embedded_keys() {
    let dir = std::env::temp_dir().join(format!("meiosis-admin-{}", shared::model::new_id()));
    let data_dir = dir.to_str().unwrap().to_string();
    manage_keys(&["--data-dir", &data_dir], &[("LOCAL_API_KEY", KEY.to_string())]).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn admin_manages_dynamo_keys() {
    let env = moto_env();
    manage_keys(&["--backend", "aws", "--create-resources"], &env).await;
}
