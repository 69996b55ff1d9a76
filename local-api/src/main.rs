//! `local-api`: the whole customer API on one port, on the embedded store (default) or on
//! DynamoDB and S3 (`--backend aws`).

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Parser;
use local_api::backend::{provision_local_key, Backend, StoreArgs};
use local_api::cors::Cors;
use local_api::{Server, LocalImages};
use shared::app::AwsApp;
use shared::auth::dynamo::DynamoKeys;
use shared::auth::embedded::EmbeddedKeys;
use shared::auth::KeyStore;
use shared::store::embedded::EmbeddedStore;
use shared::store::local_avatars::LocalAvatars;
use shared::store::{AvatarStore, Store};
use shared::App;

/// mimalloc instead of the system allocator: every request allocates and frees many small
/// buffers, and glibc's malloc took about 12% of the server's time under load (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs the Meiosis customer API locally.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: SocketAddr,

    #[command(flatten)]
    stores: StoreArgs,

    /// API key that team `local` gets at start-up, in addition to the keys it has.
    #[arg(long, env = "LOCAL_API_KEY", hide_env_values = true)]
    api_key: Option<String>,

    /// Origins that browsers may call the API from, comma-separated; `*` allows any.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", hide_env_values = true, default_value = "*")]
    cors_origins: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    shared::telemetry::init_local();
    match start().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn start() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let (listener, addr) =
        local_api::bind(args.addr).await.map_err(|e| format!("cannot listen on {}: {e}; choose another with --addr", args.addr))?;
    let base_url = format!("http://{addr}");
    let cors = Cors::parse(&args.cors_origins);
    let stores = &args.stores;

    match stores.backend {
        Backend::Embedded if stores.in_memory => {
            let app = App { store: EmbeddedStore::in_memory(), avatars: LocalAvatars::in_memory(&base_url) };
            run(listener, Server { app, keys: EmbeddedKeys::in_memory(), cors }, &args, "memory").await
        }
        Backend::Embedded => {
            let dir = &stores.data_dir;
            let store = EmbeddedStore::open(dir).map_err(|e| format!("cannot open data folder {}: {e}", dir.display()))?;
            let keys = EmbeddedKeys::open(dir)?;
            let app = App { store, avatars: LocalAvatars::in_dir(dir.join("avatars"), &base_url) };
            run(listener, Server { app, keys, cors }, &args, &dir.display().to_string()).await
        }
        Backend::Aws => {
            let app = AwsApp::from_env(shared::app::AwsSource::Standard).await?;
            if stores.create_resources {
                local_api::resources::create_missing(&app).await?;
            }
            let keys = DynamoKeys::new(app.store.clone());
            let place = format!("table {} and bucket {}", app.store.table(), app.avatars.bucket());
            run(listener, Server { app, keys, cors }, &args, &place).await
        }
    }
}

async fn run<S, A, K>(
    listener: tokio::net::TcpListener,
    server: Server<S, A, K>,
    args: &Args,
    place: &str,
) -> Result<(), Box<dyn std::error::Error>>
where
    S: Store,
    A: AvatarStore + LocalImages,
    K: KeyStore,
{
    let addr = listener.local_addr()?;
    if args.api_key.as_deref().is_some_and(|key| !shared::auth::is_key_shaped(key)) {
        return Err("LOCAL_API_KEY (or --api-key) must be 16 to 256 printable characters without spaces".into());
    }
    if let Some(secret) = provision_local_key(&server.keys, args.api_key.as_deref()).await? {
        println!("Created team `local` with this API key. It is shown only now, so keep it:\n");
        println!("    {secret}\n");
        println!("Send it with every request:\n");
        println!("    curl -H 'Authorization: Bearer {secret}' http://{addr}/customers\n");
    }
    tracing::info!(%addr, store = place, "local-api listening on http://{addr}");
    tokio::select! {
        served = local_api::serve(listener, Arc::new(server)) => served?,
        signal = stop_signal() => {
            signal?;
            tracing::info!(%addr, "local-api stopped");
        }
    }
    Ok(())
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM.
async fn stop_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted,
        _ = terminate.recv() => Ok(()),
    }
}
