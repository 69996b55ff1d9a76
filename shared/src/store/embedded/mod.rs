//! Embedded store for `local-api` and handler tests: every team's records in memory, and, unless
//! it runs in memory only, a journal per team in a data folder so a restart loses nothing.
//!
//! Each write appends one JSON line holding all of its changes and syncs it to disk before the
//! change becomes visible, so an acknowledged write survives a crash. A torn last line (a crash
//! mid-write) is skipped on load because it was never acknowledged.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

mod records;

use super::idempotency::{Completion, KeyRecord};
use super::StoreError;
use crate::model::{Customer, Email, FieldDefinition, FieldKey, FieldScope, Interaction, Note, Organization, TeamId};

/// One change that a journal line records.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Change {
    PutCustomer(Customer),
    DeleteCustomer(String),
    PutInteraction(Interaction),
    PutNote(Note),
    DeleteNote { customer_id: String, note_id: String },
    PutOrganization(Organization),
    DeleteOrganization(String),
    PutField { scope: FieldScope, field: FieldDefinition },
    DeleteField { scope: FieldScope, key: FieldKey },
    PutKey { key: String, record: KeyRecord },
    DeleteKey(String),
}

#[derive(Default)]
struct TeamData {
    customers: BTreeMap<String, Customer>,
    /// Normalized email to customer id.
    emails: HashMap<String, String>,
    /// Customer id to its interactions, oldest first.
    interactions: HashMap<String, Vec<Interaction>>,
    /// Customer id to its notes by id, which is creation order.
    notes: HashMap<String, BTreeMap<String, Note>>,
    organizations: BTreeMap<String, Organization>,
    fields: BTreeMap<(FieldScope, FieldKey), FieldDefinition>,
    /// Revision of each scope's definitions: the count of puts and removals.
    revisions: HashMap<FieldScope, u64>,
    /// Idempotency keys by digest.
    keys: HashMap<String, KeyRecord>,
}

impl TeamData {
    fn apply(&mut self, change: Change) {
        match change {
            Change::PutCustomer(customer) => {
                if let Some(old) = self.customers.get(&customer.id) {
                    self.emails.remove(&old.email.normalized());
                }
                self.emails.insert(customer.email.normalized(), customer.id.clone());
                self.customers.insert(customer.id.clone(), customer);
            }
            Change::DeleteCustomer(id) => {
                if let Some(old) = self.customers.remove(&id) {
                    self.emails.remove(&old.email.normalized());
                }
                self.interactions.remove(&id);
                self.notes.remove(&id);
            }
            Change::PutInteraction(interaction) => {
                let list = self.interactions.entry(interaction.customer_id.clone()).or_default();
                let at = list.partition_point(|i| (i.created_at, &i.id) <= (interaction.created_at, &interaction.id));
                list.insert(at, interaction);
            }
            Change::PutNote(note) => {
                self.notes.entry(note.customer_id.clone()).or_default().insert(note.id.clone(), note);
            }
            Change::DeleteNote { customer_id, note_id } => {
                if let Some(notes) = self.notes.get_mut(&customer_id) {
                    notes.remove(&note_id);
                }
            }
            Change::PutOrganization(organization) => {
                self.organizations.insert(organization.id.clone(), organization);
            }
            Change::DeleteOrganization(id) => {
                self.organizations.remove(&id);
            }
            Change::PutField { scope, field } => {
                *self.revisions.entry(scope).or_default() += 1;
                self.fields.insert((scope, field.key.clone()), field);
            }
            Change::DeleteField { scope, key } => {
                *self.revisions.entry(scope).or_default() += 1;
                self.fields.remove(&(scope, key));
            }
            Change::PutKey { key, record } => {
                self.keys.insert(key, record);
            }
            Change::DeleteKey(key) => {
                self.keys.remove(&key);
            }
        }
    }
}

/// The embedded adapter of [`Store`].
pub struct EmbeddedStore {
    teams: Mutex<HashMap<TeamId, TeamData>>,
    /// Folder of the journals; `None` keeps everything in memory only.
    dir: Option<PathBuf>,
}

impl EmbeddedStore {
    /// Creates a store that keeps nothing after the process ends.
    pub fn in_memory() -> Self {
        Self { teams: Mutex::new(HashMap::new()), dir: None }
    }

    /// Opens (or creates) a store in `dir`, replaying the journal of every team.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        let journals = dir.join("teams");
        fs::create_dir_all(&journals)?;
        let mut teams = HashMap::new();
        for entry in fs::read_dir(&journals)? {
            let path = entry?.path();
            let team = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .filter(|_| path.extension().is_some_and(|ext| ext == "jsonl"))
                .and_then(TeamId::parse);
            if let Some(team) = team {
                teams.insert(team, replay(&path)?);
            }
        }
        Ok(Self { teams: Mutex::new(teams), dir: Some(journals) })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<TeamId, TeamData>> {
        // A panic while holding the lock cannot leave half a change behind, because changes are
        // applied only after their journal line is written, so a poisoned lock is still usable.
        self.teams.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `plan` on the team's data; the changes it returns are journaled, then applied.
    fn write<T>(
        &self,
        team: &TeamId,
        plan: impl FnOnce(&TeamData) -> Result<(Vec<Change>, T), StoreError>,
    ) -> Result<T, StoreError> {
        let mut teams = self.lock();
        let data = teams.entry(team.clone()).or_default();
        let (changes, result) = plan(data)?;
        if let Some(dir) = self.dir.as_ref().filter(|_| !changes.is_empty()) {
            append(&dir.join(format!("{team}.jsonl")), &changes)
                .map_err(|e| StoreError::Unavailable(format!("journal write failed: {e}")))?;
        }
        for change in changes {
            data.apply(change);
        }
        Ok(result)
    }

    /// Runs `plan` as [`write`](Self::write) does, and completes `completion`'s claim in the
    /// same journal line. Fails, writing nothing, when the claim is no longer open.
    fn write_completing<T>(
        &self,
        team: &TeamId,
        completion: Option<&Completion>,
        plan: impl FnOnce(&TeamData) -> Result<(Vec<Change>, T), StoreError>,
    ) -> Result<T, StoreError> {
        self.write(team, |data| {
            let completed = completion.map(|completion| complete(data, completion)).transpose()?;
            let (mut changes, result) = plan(data)?;
            changes.extend(completed);
            Ok((changes, result))
        })
    }

    fn read<T>(&self, team: &TeamId, query: impl FnOnce(&TeamData) -> T) -> T {
        let teams = self.lock();
        match teams.get(team) {
            Some(data) => query(data),
            None => query(&TeamData::default()),
        }
    }
}

fn replay(path: &Path) -> std::io::Result<TeamData> {
    let mut data = TeamData::default();
    for line in BufReader::new(File::open(path)?).lines() {
        let line = line?;
        match serde_json::from_str::<Vec<Change>>(&line) {
            Ok(changes) => changes.into_iter().for_each(|change| data.apply(change)),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "skipped an unreadable journal line");
            }
        }
    }
    Ok(data)
}

fn append(path: &Path, changes: &[Change]) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(changes)?;
    line.push(b'\n');
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(&line)?;
    file.sync_data()
}

/// Builds the change that saves `completion`'s response in place of its open claim.
fn complete(data: &TeamData, completion: &Completion) -> Result<Change, StoreError> {
    let claim = &completion.claim;
    let Some(open) = data.keys.get(&claim.key).filter(|record| record.is_open_claim_of(claim)) else {
        return Err(StoreError::Unavailable("the idempotency claim was lost before the write".into()));
    };
    let record = KeyRecord { locked_until: None, response: Some(completion.response.clone()), ..open.clone() };
    Ok(Change::PutKey { key: claim.key.clone(), record })
}

/// Fails when the definitions of `scope` changed since the revision a write was checked against.
fn check_definitions(data: &TeamData, scope: FieldScope, guard: Option<u64>) -> Result<(), StoreError> {
    match guard {
        Some(revision) if data.revisions.get(&scope).copied().unwrap_or(0) != revision => Err(StoreError::DefinitionsChanged),
        _ => Ok(()),
    }
}

fn stored_customer<'a>(data: &'a TeamData, id: &str) -> Result<&'a Customer, StoreError> {
    data.customers.get(id).ok_or(StoreError::NotFound)
}

fn email_owner<'a>(data: &'a TeamData, email: &Email) -> Option<&'a String> {
    data.emails.get(&email.normalized())
}
