//! `local-api`: the whole customer API on one port, on the embedded store (default) or on
//! DynamoDB and S3 (`--backend aws`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, ValueEnum};
use shared::app::AwsApp;
use shared::model::TeamId;
use shared::store::embedded::EmbeddedStore;
use shared::store::local_avatars::LocalAvatars;
use shared::App;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    /// Records in the data folder (or memory), avatars beside them.
    Embedded,
    /// DynamoDB and S3 through the standard AWS configuration, with the table and bucket named
    /// by TABLE_NAME and AVATAR_BUCKET.
    Aws,
}

/// Runs the Meiosis customer API locally.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: SocketAddr,

    /// Where the records live.
    #[arg(long, value_enum, default_value_t = Backend::Embedded)]
    backend: Backend,

    /// Folder of the embedded store's records and avatars.
    #[arg(long, default_value = ".local-data")]
    data_dir: PathBuf,

    /// Keep the embedded store in memory only; everything is gone when the process stops.
    #[arg(long)]
    in_memory: bool,

    /// With `--backend aws`, create the table and bucket if they are missing (for emulators).
    #[arg(long)]
    create_resources: bool,

    /// Team that every request is attributed to.
    #[arg(long, default_value = "local")]
    team: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shared::telemetry::init_local();
    let args = Args::parse();
    let team = TeamId::parse(&args.team).ok_or("--team must be 1 to 64 letters, digits, `-` or `_`")?;
    let (listener, addr) = local_api::bind(args.addr).await?;
    let base_url = format!("http://{addr}");

    match args.backend {
        Backend::Embedded => {
            let app = if args.in_memory {
                App { store: EmbeddedStore::in_memory(), avatars: LocalAvatars::in_memory(&base_url), default_team: None }
            } else {
                let store = EmbeddedStore::open(&args.data_dir)
                    .map_err(|e| format!("cannot open data folder {}: {e}", args.data_dir.display()))?;
                let avatars = LocalAvatars::in_dir(args.data_dir.join("avatars"), &base_url);
                App { store, avatars, default_team: None }
            };
            let place = if args.in_memory { "memory".to_string() } else { args.data_dir.display().to_string() };
            tracing::info!(%addr, store = %place, team = %team, "local-api listening on {base_url}");
            local_api::serve(listener, Arc::new(app), team).await?;
        }
        Backend::Aws => {
            let app = AwsApp::from_env().await?;
            if args.create_resources {
                local_api::resources::create_missing(&app).await?;
            }
            tracing::info!(%addr, table = app.store.table(), bucket = app.avatars.bucket(), team = %team, "local-api listening on {base_url}");
            local_api::serve(listener, Arc::new(app), team).await?;
        }
    }
    Ok(())
}
