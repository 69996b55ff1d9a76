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

use super::{CustomerPage, Store, StoreError};
use crate::model::{
    Activity, Customer, CustomerChange, CustomerDetails, Email, FieldDefinition, FieldKey,
    Interaction, ListQuery, NewCustomer, TeamId, Timestamp, new_id,
};

/// One change that a journal line records.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Change {
    PutCustomer(Customer),
    DeleteCustomer(String),
    PutInteraction(Interaction),
    PutField(FieldDefinition),
    DeleteField(FieldKey),
}

#[derive(Default)]
struct TeamData {
    customers: BTreeMap<String, Customer>,
    /// Normalized email to customer id.
    emails: HashMap<String, String>,
    /// Customer id to its interactions, oldest first.
    interactions: HashMap<String, Vec<Interaction>>,
    fields: BTreeMap<FieldKey, FieldDefinition>,
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
            }
            Change::PutInteraction(interaction) => {
                let list = self.interactions.entry(interaction.customer_id.clone()).or_default();
                let at = list.partition_point(|i| (i.created_at, &i.id) <= (interaction.created_at, &interaction.id));
                list.insert(at, interaction);
            }
            Change::PutField(field) => {
                self.fields.insert(field.key.clone(), field);
            }
            Change::DeleteField(key) => {
                self.fields.remove(&key);
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
    /// A store that keeps nothing after the process ends.
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
        if let Some(dir) = &self.dir {
            append(&dir.join(format!("{team}.jsonl")), &changes)
                .map_err(|e| StoreError::Unavailable(format!("journal write failed: {e}")))?;
        }
        for change in changes {
            data.apply(change);
        }
        Ok(result)
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

fn stored_customer<'a>(data: &'a TeamData, id: &str) -> Result<&'a Customer, StoreError> {
    data.customers.get(id).ok_or(StoreError::NotFound)
}

fn email_owner<'a>(data: &'a TeamData, email: &Email) -> Option<&'a String> {
    data.emails.get(&email.normalized())
}

impl Store for EmbeddedStore {
    async fn create_customer(&self, team: &TeamId, customer: NewCustomer) -> Result<Customer, StoreError> {
        self.write(team, |data| {
            if email_owner(data, customer.email()).is_some() {
                return Err(StoreError::EmailTaken);
            }
            let customer = customer.into_customer(new_id(), Timestamp::now());
            let created = Interaction::by_api(&customer.id, "Customer created", customer.created_at);
            let changes = vec![Change::PutCustomer(customer.clone()), Change::PutInteraction(created)];
            Ok((changes, customer))
        })
    }

    async fn customer_details(&self, team: &TeamId, id: &str) -> Result<Option<CustomerDetails>, StoreError> {
        Ok(self.read(team, |data| {
            let customer = data.customers.get(id)?.clone();
            let mut interactions = data.interactions.get(id).cloned().unwrap_or_default();
            interactions.reverse();
            Some(CustomerDetails { customer, interactions })
        }))
    }

    async fn customer_id_by_email(&self, team: &TeamId, email: &Email) -> Result<Option<String>, StoreError> {
        Ok(self.read(team, |data| email_owner(data, email).cloned()))
    }

    async fn update_customer(
        &self,
        team: &TeamId,
        id: &str,
        change: &CustomerChange,
        description: &str,
    ) -> Result<Customer, StoreError> {
        self.write(team, |data| {
            let mut customer = stored_customer(data, id)?.clone();
            if let Some(email) = &change.email {
                if email_owner(data, email).is_some_and(|owner| owner != id) {
                    return Err(StoreError::EmailTaken);
                }
            }
            change.apply(&mut customer, Timestamp::now());
            let event = Interaction::by_api(id, description, customer.updated_at);
            let changes = vec![Change::PutCustomer(customer.clone()), Change::PutInteraction(event)];
            Ok((changes, customer))
        })
    }

    async fn delete_customer(&self, team: &TeamId, id: &str) -> Result<Customer, StoreError> {
        self.write(team, |data| {
            let customer = stored_customer(data, id)?.clone();
            Ok((vec![Change::DeleteCustomer(id.to_string())], customer))
        })
    }

    async fn list_customers(&self, team: &TeamId, query: &ListQuery) -> Result<CustomerPage, StoreError> {
        Ok(self.read(team, |data| {
            let matches = data
                .customers
                .values()
                .filter(|customer| query.filters.iter().all(|filter| filter.matches(customer)));
            let total = matches.clone().count() as u64;
            let customers = match query.paging {
                Some(paging) => matches.skip(paging.offset()).take(paging.per_page as usize).cloned().collect(),
                None => matches.cloned().collect(),
            };
            CustomerPage { customers, total }
        }))
    }

    async fn latest_customers(&self, team: &TeamId, limit: usize) -> Result<Vec<Customer>, StoreError> {
        Ok(self.read(team, |data| {
            let mut customers: Vec<&Customer> = data.customers.values().collect();
            customers.sort_by(|a, b| (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)));
            customers.into_iter().take(limit).cloned().collect()
        }))
    }

    async fn recent_activity(&self, team: &TeamId, limit: usize) -> Result<Vec<Activity>, StoreError> {
        Ok(self.read(team, |data| {
            let mut interactions: Vec<&Interaction> = data.interactions.values().flatten().collect();
            interactions.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
            interactions
                .into_iter()
                .filter_map(|interaction| {
                    let customer = data.customers.get(&interaction.customer_id)?;
                    Some(Activity { interaction: interaction.clone(), customer: customer.clone() })
                })
                .take(limit)
                .collect()
        }))
    }

    async fn add_interaction(&self, team: &TeamId, interaction: &Interaction) -> Result<(), StoreError> {
        self.write(team, |data| {
            stored_customer(data, &interaction.customer_id)?;
            Ok((vec![Change::PutInteraction(interaction.clone())], ()))
        })
    }

    async fn fields(&self, team: &TeamId) -> Result<Vec<FieldDefinition>, StoreError> {
        Ok(self.read(team, |data| data.fields.values().cloned().collect()))
    }

    async fn put_field(&self, team: &TeamId, field: &FieldDefinition) -> Result<(), StoreError> {
        self.write(team, |_| Ok((vec![Change::PutField(field.clone())], ())))
    }

    async fn delete_field(&self, team: &TeamId, key: &FieldKey) -> Result<(), StoreError> {
        self.write(team, |data| {
            if !data.fields.contains_key(key) {
                return Err(StoreError::NotFound);
            }
            Ok((vec![Change::DeleteField(key.clone())], ()))
        })
    }
}
