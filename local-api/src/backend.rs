//! Store selection shared by `local-api` and `admin`: the embedded folder (default) or DynamoDB
//! and S3 through the standard AWS configuration.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use shared::auth::{is_key_shaped, KeyRecord, KeyStore, NewKey, Team};
use shared::model::TeamId;
use shared::store::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// Records, keys and avatars in the data folder (or memory).
    Embedded,
    /// DynamoDB and S3 through the standard AWS configuration, with the table and bucket named
    /// by TABLE_NAME and AVATAR_BUCKET.
    Aws,
}

/// Options that choose and open the stores.
#[derive(Clone, Debug, Args)]
pub struct StoreArgs {
    /// Store of records and keys.
    #[arg(long, value_enum, default_value_t = Backend::Embedded)]
    pub backend: Backend,

    /// Folder of the embedded store's records, keys and avatars.
    #[arg(long, default_value = ".local-data")]
    pub data_dir: PathBuf,

    /// Keep the embedded store in memory only; everything is gone when the process stops.
    #[arg(long)]
    pub in_memory: bool,

    /// With `--backend aws`, create the table and bucket if they are missing (for emulators).
    #[arg(long)]
    pub create_resources: bool,
}

/// Team that `local-api` provisions a key for.
pub const LOCAL_TEAM: &str = "local";

pub fn local_team() -> TeamId {
    TeamId::parse(LOCAL_TEAM).expect("`local` is a valid team id")
}

/// Gives team `local` a key at start-up. With `api_key`, that key is added unless the team has
/// it already. Without one, a store with no teams gets team `local` and a new key, which is
/// returned so it can be shown once. The caller checks that `api_key` is shaped like a key.
pub async fn provision_local_key<K: KeyStore>(keys: &K, api_key: Option<&str>) -> Result<Option<String>, StoreError> {
    let team = local_team();
    if let Some(secret) = api_key {
        debug_assert!(is_key_shaped(secret), "the caller checks the key's shape");
        keys.create_team(&team, "Local").await?;
        let record = KeyRecord::for_secret(&team, secret);
        if !keys.keys(&team).await?.iter().any(|key| key.hash == record.hash) {
            keys.add_key(&record).await?;
        }
        return Ok(None);
    }
    if !keys.teams().await?.is_empty() {
        return Ok(None);
    }
    let _: Team = keys.create_team(&team, "Local").await?;
    let key = NewKey::generate(&team)?;
    keys.add_key(&key.record).await?;
    Ok(Some(key.secret))
}
