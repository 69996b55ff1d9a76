//! `admin`: manages teams and API keys in the embedded folder or in DynamoDB, chosen with the
//! same options as `local-api`.

use clap::{Parser, Subcommand};
use local_api::backend::{Backend, StoreArgs};
use shared::auth::dynamo::DynamoKeys;
use shared::auth::embedded::EmbeddedKeys;
use shared::auth::{KeyStore, NewKey};
use shared::model::{new_id, TeamId};
use shared::store::StoreError;

/// Manages the teams and API keys of the Meiosis customer API.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    stores: StoreArgs,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates and lists teams.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Creates, lists and revokes API keys.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
enum TeamCommand {
    /// Creates a team with a first API key, and prints both.
    Create { name: String },
    /// Lists teams: id, creation time and name.
    List,
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Creates an API key for a team and prints it; it is shown only this once.
    Create { team_id: String },
    /// Lists a team's keys: id, prefix and creation time.
    List { team_id: String },
    /// Revokes a key at once.
    Revoke { key_id: String },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let result = match args.stores.backend {
        Backend::Embedded => match EmbeddedKeys::open(&args.stores.data_dir) {
            Ok(keys) => run(&keys, args.command).await,
            Err(error) => Err(format!("cannot open data folder {}: {error}", args.stores.data_dir.display()).into()),
        },
        Backend::Aws => match shared::app::dynamo_from_env(shared::app::AwsSource::Standard).await {
            Ok(store) => run(&DynamoKeys::new(store), args.command).await,
            Err(error) => Err(error.into()),
        },
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Fails unless the team exists.
async fn existing_team<K: KeyStore>(keys: &K, raw: &str) -> Result<TeamId, Box<dyn std::error::Error>> {
    let team = team_id(raw)?;
    if !keys.teams().await?.iter().any(|known| known.id == team) {
        return Err(format!("team {raw} not found; `team list` shows the teams").into());
    }
    Ok(team)
}

fn team_id(raw: &str) -> Result<TeamId, String> {
    TeamId::parse(raw).ok_or_else(|| format!("invalid team id {raw:?}: use the id that `team create` printed"))
}

async fn run<K: KeyStore>(keys: &K, command: Command) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Team(TeamCommand::Create { name }) => {
            let team = keys.create_team(&team_id(&new_id())?, name.trim()).await?;
            let key = NewKey::generate(&team.id)?;
            keys.add_key(&key.record).await?;
            println!("team_id: {}", team.id);
            println!("api_key: {}", key.secret);
        }
        Command::Team(TeamCommand::List) => {
            for team in keys.teams().await? {
                println!("{}  {}  {}", team.id, team.created_at.to_api_string(), team.name);
            }
        }
        Command::Key(KeyCommand::Create { team_id: raw }) => {
            let key = NewKey::generate(&team_id(&raw)?)?;
            keys.add_key(&key.record).await.map_err(|error| match error {
                StoreError::NotFound => format!("team {raw} not found"),
                other => other.to_string(),
            })?;
            println!("key_id: {}", key.record.id);
            println!("api_key: {}", key.secret);
        }
        Command::Key(KeyCommand::List { team_id: raw }) => {
            for key in keys.keys(&existing_team(keys, &raw).await?).await? {
                println!("{}  {}...  {}", key.id, key.prefix, key.created_at.to_api_string());
            }
        }
        Command::Key(KeyCommand::Revoke { key_id }) => {
            keys.revoke_key(&key_id).await.map_err(|error| match error {
                StoreError::NotFound => format!("key {key_id} not found"),
                other => other.to_string(),
            })?;
            println!("revoked: {key_id}");
        }
    }
    Ok(())
}
