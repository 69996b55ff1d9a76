//! The clients of the concurrency test. Each runs a random mix of requests until the deadline
//! and records every acknowledged write and delete, every request that found its customer gone,
//! and every response it did not expect.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::Api;

/// Customers that every client updates, each client in a field of its own.
pub const SHARED_CUSTOMERS: usize = 4;

/// Email addresses per client that creates draw from, so that creates collide often.
const EMAILS_PER_CLIENT: usize = 2;

/// Maximum number of tracked interactions and notes that clients send to one customer. It keeps every one of
/// them among the 100 newest that a customer response lists.
const MAX_REQUESTS_PER_CUSTOMER: usize = 40;

/// Maximum number of customers that a client keeps at once. With that many, it deletes one
/// instead of creating another.
const MAX_LIVE_PER_CLIENT: usize = 2;

/// Maximum number of clients, because each owns a field: five built-in fields and one custom attribute for
/// each of the others.
pub const MAX_CLIENTS: usize = 5 + shared::model::MAX_ATTRIBUTES;

/// How many clients run, for how long, and the seed of their random choices.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub clients: usize,
    pub duration: Duration,
    pub seed: u64,
}

/// The field of the shared customers that one client updates.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    First,
    Middle,
    Last,
    AssignedUser,
    Tags,
    Attribute(String),
}

impl Field {
    pub fn of_client(client: usize) -> Self {
        match client {
            0 => Self::First,
            1 => Self::Middle,
            2 => Self::Last,
            3 => Self::AssignedUser,
            4 => Self::Tags,
            other => Self::Attribute(format!("attr-client-{other}")),
        }
    }

    /// Name of the field in a request body.
    fn request_name(&self) -> &str {
        match self {
            Self::First => "first",
            Self::Middle => "middle",
            Self::Last => "last",
            Self::AssignedUser => "assignedUser",
            Self::Tags => "tags",
            Self::Attribute(key) => key,
        }
    }

    /// Name of the field in a customer response.
    pub fn response_name(&self) -> &str {
        match self {
            Self::AssignedUser => "assigned_user",
            other => other.request_name(),
        }
    }

    /// Value of the client's `sequence`-th write, as a response carries it.
    fn value(&self, client: usize, sequence: u64) -> Value {
        let text = format!("c{client}-{sequence}");
        match self {
            Self::AssignedUser => json!(client as u64 * 1_000_000 + sequence),
            Self::Tags => json!([text]),
            _ => json!(text),
        }
    }
}

/// A customer that clients may track, annotate and delete.
struct Live {
    id: String,
    owner: usize,
    /// Tracked interactions and notes sent to it so far.
    requests: usize,
}

/// Customers alive at the moment, shared by all clients.
#[derive(Default)]
struct Registry {
    live: Vec<Live>,
}

/// Record of one client's requests and responses. The logs of all clients merge into an
/// [`Outcome`].
#[derive(Default)]
pub struct ClientLog {
    /// Last acknowledged value of this client's field, per shared customer.
    pub field_values: HashMap<String, Value>,
    /// Acknowledged updates per shared customer.
    pub updates: HashMap<String, usize>,
    /// Acknowledged creates: id to the email address as sent.
    pub created: BTreeMap<String, String>,
    pub deleted: BTreeSet<String>,
    /// Acknowledged tracked interactions per customer: interaction id to description.
    pub tracked: HashMap<String, BTreeMap<String, String>>,
    /// Acknowledged notes per customer: note id to body.
    pub notes: HashMap<String, BTreeMap<String, String>>,
    /// Notes whose delete was acknowledged: (customer id, note id).
    pub deleted_notes: BTreeSet<(String, String)>,
    /// Customers that a request found gone (404, or 422 for a tracked interaction).
    pub found_gone: BTreeSet<String>,
    /// Creates rejected because another customer had the email address.
    pub collisions: usize,
    /// Requests that got a 2xx response.
    pub acknowledged: usize,
    /// Responses that no interleaving explains, described for the failure message.
    pub unexpected: Vec<String>,
}

/// Everything all clients recorded, with the shared customers and each client's field.
pub struct Outcome {
    pub shared: Vec<String>,
    pub fields: Vec<Field>,
    pub logs: Vec<ClientLog>,
}

/// Creates the shared customers and the attribute definitions, then runs the clients until
/// `settings.duration` has passed.
pub async fn run(api: &Api, settings: Settings) -> Outcome {
    assert!(settings.clients <= MAX_CLIENTS, "at most {MAX_CLIENTS} clients, each with a field of its own");
    let fields: Vec<Field> = (0..settings.clients).map(Field::of_client).collect();
    define_attributes(api, &fields).await;
    let shared = create_shared_customers(api).await;

    let registry = Arc::new(Mutex::new(Registry::default()));
    let deadline = Instant::now() + settings.duration;
    let mut tasks = Vec::new();
    for index in 0..settings.clients {
        let client = Client {
            api: api.clone(),
            index,
            clients: settings.clients,
            field: fields[index].clone(),
            shared: shared.clone(),
            registry: registry.clone(),
            random: Random::new(settings.seed, index),
            sequence: 0,
            own_notes: Vec::new(),
            seen_updated_at: HashMap::new(),
            log: ClientLog::default(),
        };
        tasks.push(tokio::spawn(client.run_until(deadline)));
    }

    let mut logs = Vec::new();
    for task in tasks {
        logs.push(task.await.expect("client task finished"));
    }
    Outcome { shared, fields, logs }
}

async fn define_attributes(api: &Api, fields: &[Field]) {
    for field in fields {
        if let Field::Attribute(key) = field {
            let definition = json!({"key": key, "name": key, "type": "text"});
            let response = api.post_json("/customers/fields", &definition).await;
            assert_eq!(response.status, 200, "defining {key}: {:?}", response.json());
        }
    }
}

async fn create_shared_customers(api: &Api) -> Vec<String> {
    let mut ids = Vec::new();
    for index in 0..SHARED_CUSTOMERS {
        let response = api.post_json("/customers", &json!({"email": format!("shared-{index}@example.test")})).await;
        assert_eq!(response.status, 200, "creating shared customer {index}: {:?}", response.json());
        ids.push(response.json()["id"].as_str().expect("create returns an id").to_string());
    }
    ids
}

/// A xorshift64* generator: enough to vary the mix, and repeatable from a seed.
struct Random(u64);

impl Random {
    fn new(seed: u64, client: usize) -> Self {
        Self((seed ^ (client as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)).max(1))
    }

    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % bound
    }
}

struct Client {
    api: Api,
    index: usize,
    clients: usize,
    field: Field,
    shared: Vec<String>,
    registry: Arc<Mutex<Registry>>,
    random: Random,
    /// Number of this client's requests so far; it makes every value it writes unique.
    sequence: u64,
    /// Notes this client added and has not deleted: (customer id, note id).
    own_notes: Vec<(String, String)>,
    /// Latest `updated_at` this client read per customer.
    seen_updated_at: HashMap<String, String>,
    log: ClientLog,
}

impl Client {
    async fn run_until(mut self, deadline: Instant) -> ClientLog {
        while Instant::now() < deadline {
            self.sequence += 1;
            match self.random.below(12) {
                0 | 1 => self.create_or_delete().await,
                2..=4 => self.update_shared().await,
                5 | 6 => self.track().await,
                7 | 8 => self.add_note().await,
                9 => self.delete_note().await,
                _ => self.read().await,
            }
        }
        self.log
    }

    fn unexpected(&mut self, request: &str, status: u16, body: &[u8]) {
        let body = String::from_utf8_lossy(body);
        self.log.unexpected.push(format!("client {}: {request}: {status} {body}", self.index));
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().expect("no client panics while holding the registry")
    }

    /// Creates a customer, or deletes one of its own once it has enough of them.
    async fn create_or_delete(&mut self) {
        let own = self.registry().live.iter().filter(|live| live.owner == self.index).count();
        if own >= MAX_LIVE_PER_CLIENT || (own > 0 && self.random.below(2) == 0) {
            self.delete_customer().await;
        } else {
            self.create().await;
        }
    }

    /// Returns one of the pool's addresses with a random mix of upper and lower case, so that
    /// colliding creates differ only in case.
    fn pool_email(&mut self) -> String {
        let address = format!("pool-{}@example.test", self.random.below(self.clients * EMAILS_PER_CLIENT));
        address
            .chars()
            .map(|c| if self.random.below(2) == 0 { c.to_ascii_uppercase() } else { c })
            .collect()
    }

    async fn create(&mut self) {
        let email = self.pool_email();
        let response = self.api.post_json("/customers", &json!({"email": email})).await;
        match response.status {
            200 => {
                let id = response.json()["id"].as_str().expect("create returns an id").to_string();
                self.log.acknowledged += 1;
                self.log.created.insert(id.clone(), email);
                self.registry().live.push(Live { id, owner: self.index, requests: 0 });
            }
            422 if response.json()["error"]["fields"]["email"].is_array() => self.log.collisions += 1,
            status => self.unexpected(&format!("create {email}"), status, &response.body),
        }
    }

    async fn delete_customer(&mut self) {
        let own: Vec<String> =
            self.registry().live.iter().filter(|live| live.owner == self.index).map(|live| live.id.clone()).collect();
        let id = own[self.random.below(own.len())].clone();
        let response = self.api.delete(&format!("/customers/{id}")).await;
        self.registry().live.retain(|live| live.id != id);
        self.own_notes.retain(|(customer, _)| *customer != id);
        if response.status == 200 {
            self.log.acknowledged += 1;
            self.log.deleted.insert(id);
        } else {
            self.unexpected(&format!("delete {id}"), response.status, &response.body);
        }
    }

    async fn update_shared(&mut self) {
        let id = self.shared[self.random.below(self.shared.len())].clone();
        let value = self.field.value(self.index, self.sequence);
        let body = json!({ self.field.request_name(): value });
        let response = self.api.post_json(&format!("/customers/{id}"), &body).await;
        if response.status == 200 {
            self.log.acknowledged += 1;
            self.log.field_values.insert(id.clone(), value);
            *self.log.updates.entry(id).or_default() += 1;
        } else {
            self.unexpected(&format!("update {id}"), response.status, &response.body);
        }
    }

    /// Picks a live customer that may get another request, and counts that request.
    fn pick_live(&mut self) -> Option<String> {
        let mut registry = self.registry.lock().expect("no client panics while holding the registry");
        let open: Vec<usize> =
            (0..registry.live.len()).filter(|at| registry.live[*at].requests < MAX_REQUESTS_PER_CUSTOMER).collect();
        if open.is_empty() {
            return None;
        }
        let live = &mut registry.live[open[self.random.below(open.len())]];
        live.requests += 1;
        Some(live.id.clone())
    }

    async fn track(&mut self) {
        let Some(id) = self.pick_live() else { return };
        let description = format!("c{}-t{}", self.index, self.sequence);
        let body = json!({"customer": id, "source": "concurrency", "description": description});
        let response = self.api.post_json("/track", &body).await;
        match response.status {
            200 => {
                let interaction = response.json()["id"].as_str().expect("track returns an id").to_string();
                self.log.acknowledged += 1;
                self.log.tracked.entry(id).or_default().insert(interaction, description);
            }
            422 if response.json()["error"]["fields"]["customer"].is_array() => {
                self.log.found_gone.insert(id);
            }
            status => self.unexpected(&format!("track {id}"), status, &response.body),
        }
    }

    async fn add_note(&mut self) {
        let Some(id) = self.pick_live() else { return };
        let text = format!("c{}-n{}", self.index, self.sequence);
        let response = self.api.post_json(&format!("/customers/{id}/notes"), &json!({"body": text})).await;
        match response.status {
            200 => {
                let note = response.json()["id"].as_str().expect("a note's create returns an id").to_string();
                self.log.acknowledged += 1;
                self.log.notes.entry(id.clone()).or_default().insert(note.clone(), text);
                self.own_notes.push((id, note));
            }
            404 => {
                self.log.found_gone.insert(id);
            }
            status => self.unexpected(&format!("note on {id}"), status, &response.body),
        }
    }

    async fn delete_note(&mut self) {
        if self.own_notes.is_empty() {
            return;
        }
        let (customer, note) = self.own_notes.swap_remove(self.random.below(self.own_notes.len()));
        let response = self.api.delete(&format!("/customers/{customer}/notes/{note}")).await;
        match response.status {
            200 => {
                self.log.acknowledged += 1;
                self.log.deleted_notes.insert((customer, note));
            }
            404 => {
                self.log.found_gone.insert(customer);
            }
            status => self.unexpected(&format!("delete note {note} of {customer}"), status, &response.body),
        }
    }

    /// Reads a shared or live customer and checks what this client can know about it: its
    /// `updated_at` never goes back, and a shared customer carries this client's last write.
    async fn read(&mut self) {
        let id = match self.random.below(2) {
            0 => self.shared[self.random.below(self.shared.len())].clone(),
            _ => match self.pick_any_live() {
                Some(id) => id,
                None => return,
            },
        };
        let response = self.api.get(&format!("/customers/{id}")).await;
        match response.status {
            200 => {
                self.log.acknowledged += 1;
                self.check_read(&id, &response.json());
            }
            404 if !self.shared.contains(&id) => {
                self.log.found_gone.insert(id);
            }
            status => self.unexpected(&format!("read {id}"), status, &response.body),
        }
    }

    fn pick_any_live(&mut self) -> Option<String> {
        let registry = self.registry.lock().expect("no client panics while holding the registry");
        if registry.live.is_empty() {
            return None;
        }
        Some(registry.live[self.random.below(registry.live.len())].id.clone())
    }

    fn check_read(&mut self, id: &str, customer: &Value) {
        let updated_at = customer["updated_at"].as_str().unwrap_or_default().to_string();
        if let Some(seen) = self.seen_updated_at.get(id) {
            if updated_at < *seen {
                let message = format!("client {}: updated_at of {id} went back from {seen} to {updated_at}", self.index);
                self.log.unexpected.push(message);
            }
        }
        self.seen_updated_at.insert(id.to_string(), updated_at);

        if let Some(written) = self.log.field_values.get(id) {
            let stored = &customer[self.field.response_name()];
            if stored != written {
                let message = format!("client {}: read {stored} from {id} after writing {written}", self.index);
                self.log.unexpected.push(message);
            }
        }
    }
}
