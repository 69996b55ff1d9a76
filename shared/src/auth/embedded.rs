//! Teams and keys for `local-api` and the `admin` tool: a journal file `keys.jsonl` in the data
//! folder, or memory only. The file is read again whenever it changes, so a key that `admin`
//! revokes stops working in a running `local-api` at once.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{KeyRecord, KeyStore, Team};
use crate::model::{TeamId, Timestamp};
use crate::store::StoreError;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Change {
    PutTeam(Team),
    PutKey(KeyRecord),
    RevokeKey(String),
}

#[derive(Default)]
struct Keys {
    teams: BTreeMap<TeamId, Team>,
    /// Key id to key.
    keys: BTreeMap<String, KeyRecord>,
    /// Length and modification time of the journal when it was last read.
    read_at: Option<(u64, Option<SystemTime>)>,
}

impl Keys {
    fn apply(&mut self, change: Change) {
        match change {
            Change::PutTeam(team) => {
                self.teams.entry(team.id.clone()).or_insert(team);
            }
            Change::PutKey(key) => {
                self.keys.insert(key.id.clone(), key);
            }
            Change::RevokeKey(id) => {
                self.keys.remove(&id);
            }
        }
    }
}

/// The embedded adapter of [`KeyStore`].
pub struct EmbeddedKeys {
    keys: Mutex<Keys>,
    /// The journal; `None` keeps keys in memory only.
    path: Option<PathBuf>,
}

fn unavailable(error: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("key journal access failed: {error}"))
}

impl EmbeddedKeys {
    pub fn in_memory() -> Self {
        Self { keys: Mutex::new(Keys::default()), path: None }
    }

    /// Opens the key journal of the data folder `dir`, creating the folder if needed.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(Self { keys: Mutex::new(Keys::default()), path: Some(dir.join("keys.jsonl")) })
    }

    /// Locks the keys, reading the journal again first if another process changed it.
    fn current(&self) -> Result<MutexGuard<'_, Keys>, StoreError> {
        let mut keys = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(path) = &self.path else { return Ok(keys) };
        let stamp = match fs::metadata(path) {
            Ok(meta) => Some((meta.len(), meta.modified().ok())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(unavailable(error)),
        };
        if stamp.is_some() && keys.read_at != stamp {
            let mut fresh = Keys { read_at: stamp, ..Keys::default() };
            for line in fs::read_to_string(path).map_err(unavailable)?.lines() {
                // A torn last line was never acknowledged, so it is skipped.
                if let Ok(change) = serde_json::from_str::<Change>(line) {
                    fresh.apply(change);
                }
            }
            *keys = fresh;
        }
        Ok(keys)
    }

    /// Journals `change`, then applies it.
    fn write(&self, keys: &mut Keys, change: Change) -> Result<(), StoreError> {
        if let Some(path) = &self.path {
            let mut line = serde_json::to_vec(&change).map_err(|e| StoreError::Unavailable(e.to_string()))?;
            line.push(b'\n');
            let mut file = OpenOptions::new().create(true).append(true).open(path).map_err(unavailable)?;
            file.write_all(&line).map_err(unavailable)?;
            file.sync_data().map_err(unavailable)?;
            let meta = fs::metadata(path).map_err(unavailable)?;
            keys.read_at = Some((meta.len(), meta.modified().ok()));
        }
        keys.apply(change);
        Ok(())
    }
}

impl KeyStore for EmbeddedKeys {
    async fn create_team(&self, id: &TeamId, name: &str) -> Result<Team, StoreError> {
        let mut keys = self.current()?;
        if let Some(team) = keys.teams.get(id) {
            return Ok(team.clone());
        }
        let team = Team { id: id.clone(), name: name.to_string(), created_at: Timestamp::now() };
        self.write(&mut keys, Change::PutTeam(team.clone()))?;
        Ok(team)
    }

    async fn teams(&self) -> Result<Vec<Team>, StoreError> {
        Ok(self.current()?.teams.values().cloned().collect())
    }

    async fn add_key(&self, key: &KeyRecord) -> Result<(), StoreError> {
        let mut keys = self.current()?;
        if !keys.teams.contains_key(&key.team_id) {
            return Err(StoreError::NotFound);
        }
        self.write(&mut keys, Change::PutKey(key.clone()))
    }

    async fn keys(&self, team: &TeamId) -> Result<Vec<KeyRecord>, StoreError> {
        Ok(self.current()?.keys.values().filter(|key| &key.team_id == team).cloned().collect())
    }

    async fn revoke_key(&self, key_id: &str) -> Result<(), StoreError> {
        let mut keys = self.current()?;
        if !keys.keys.contains_key(key_id) {
            return Err(StoreError::NotFound);
        }
        self.write(&mut keys, Change::RevokeKey(key_id.to_string()))
    }

    async fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>, StoreError> {
        Ok(self.current()?.keys.values().find(|key| key.hash == hash).cloned())
    }
}
