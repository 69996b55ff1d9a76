//! Storage ports and their adapters. Handlers depend on [`Store`] and [`AvatarStore`] only.
//! `dynamo` and `s3` serve Lambda, `embedded` serves `local-api` and fast handler tests, and one
//! contract test suite checks that all of them behave the same.

pub mod dynamo;
pub mod embedded;
pub mod idempotency;
pub mod listing;
pub mod local_avatars;
pub mod s3;
pub mod table;

use std::future::Future;

use self::idempotency::{Completion, KeyClaim, KeyState};
use crate::model::{
    Activity, Customer, CustomerChange, CustomerDetails, Definitions, Email, FieldDefinition, FieldKey, FieldScope,
    Interaction, ListQuery, NewCustomer, NewOrganization, Note, Organization, OrganizationChange,
    OrganizationQuery, Position, TeamId, Timestamp,
};

/// A storage failure. The variants that a client causes map to 4xx responses. `Unavailable` is
/// the store failing, and maps to 503.
#[derive(Debug, PartialEq, Eq)]
pub enum StoreError {
    /// Another customer of the team has this email address.
    EmailTaken,
    /// The record does not exist (or belongs to another team).
    NotFound,
    /// The customer names an organization that the team does not have.
    UnknownOrganization,
    /// The update would leave a record with more custom attribute values than allowed.
    TooManyAttributes,
    /// An unpaged list would be larger than a response may be.
    TooLarge,
    /// The record's version is not one that the update's `If-Match` accepts.
    VersionMismatch,
    /// The custom attribute definitions that the write's values were checked against changed
    /// before the write.
    DefinitionsChanged,
    /// The store failed or timed out; the message goes to the log, never to the client.
    Unavailable(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::EmailTaken => f.write_str("email address already in use"),
            Self::NotFound => f.write_str("record not found"),
            Self::UnknownOrganization => f.write_str("organization not found"),
            Self::TooManyAttributes => f.write_str("too many custom attribute values"),
            Self::TooLarge => f.write_str("list too large for one response"),
            Self::VersionMismatch => f.write_str("record version does not match If-Match"),
            Self::DefinitionsChanged => f.write_str("custom attribute definitions changed during the write"),
            Self::Unavailable(cause) => write!(f, "store unavailable: {cause}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// One page of a customer list, or every match when the query has no paging.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerPage {
    pub customers: Vec<Customer>,
    /// Exact number of matches.
    pub total: u64,
    /// Start of the next page, when the query is paged and more matches follow.
    pub next: Option<Position>,
}

/// One page of an organization list, or every match when the query has no paging.
#[derive(Clone, Debug, PartialEq)]
pub struct OrganizationPage {
    pub organizations: Vec<Organization>,
    pub total: u64,
}

/// Most bytes of stored records that an unpaged list reads before it gives up with
/// [`StoreError::TooLarge`]. Responses carry more bytes than the records they are made from, so
/// the response limit is checked again on the JSON.
pub const MAX_LISTED_BYTES: usize = crate::http::MAX_RESPONSE_BYTES;

/// Maximum number of customers that an organization response lists.
pub const MAX_LISTED_MEMBERS: usize = 100;

/// Storage of customers, their interactions and notes, organizations, and the team's field
/// definitions. Every method is scoped to one team, and no method can reach another team's
/// records.
///
/// The writes that a create request makes take a `completion`: the request's idempotency claim
/// and its response. The write saves that response in the same atomic step as the records, or
/// fails with [`StoreError::Unavailable`] and writes nothing when the claim is no longer open.
pub trait Store: Send + Sync + 'static {
    /// Stores a new customer with a recorded `created` interaction. Fails with
    /// [`StoreError::EmailTaken`] when the email, compared case-insensitively, is in use, and
    /// with [`StoreError::UnknownOrganization`] when its organization does not exist.
    fn create_customer(
        &self,
        team: &TeamId,
        customer: NewCustomer,
        completion: Option<&Completion>,
    ) -> impl Future<Output = Result<Customer, StoreError>> + Send;

    /// Returns the customer record alone, without its interactions and notes.
    fn customer(&self, team: &TeamId, id: &str) -> impl Future<Output = Result<Option<Customer>, StoreError>> + Send;

    /// Returns the customer with its interactions and notes, newest first.
    fn customer_details(
        &self,
        team: &TeamId,
        id: &str,
    ) -> impl Future<Output = Result<Option<CustomerDetails>, StoreError>> + Send;

    /// Returns the id of the customer with this email, compared case-insensitively.
    fn customer_id_by_email(
        &self,
        team: &TeamId,
        email: &Email,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Applies `change` to the stored customer and records `description` as an interaction, in
    /// one atomic write. Concurrent updates of other fields are not lost.
    fn update_customer(
        &self,
        team: &TeamId,
        id: &str,
        change: &CustomerChange,
        description: &str,
        completion: Option<&Completion>,
    ) -> impl Future<Output = Result<Customer, StoreError>> + Send;

    /// Deletes the customer and everything that belongs to it; returns the deleted record so the
    /// caller can remove its avatar.
    fn delete_customer(
        &self,
        team: &TeamId,
        id: &str,
    ) -> impl Future<Output = Result<Customer, StoreError>> + Send;

    /// Lists customers: in creation order without filters, in the order of the most selective
    /// filter's index with them (see [`listing`]). An unpaged list fails with
    /// [`StoreError::TooLarge`] once its records pass [`MAX_LISTED_BYTES`], before reading more.
    fn list_customers(
        &self,
        team: &TeamId,
        query: &ListQuery,
    ) -> impl Future<Output = Result<CustomerPage, StoreError>> + Send;

    /// Returns the `limit` most recently updated customers, newest first.
    fn latest_customers(
        &self,
        team: &TeamId,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Customer>, StoreError>> + Send;

    /// Returns the team's `limit` most recent interactions with their customers, newest first.
    fn recent_activity(
        &self,
        team: &TeamId,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Activity>, StoreError>> + Send;

    /// Records an interaction. Fails with [`StoreError::NotFound`] when the customer is gone.
    fn add_interaction(
        &self,
        team: &TeamId,
        interaction: &Interaction,
        completion: Option<&Completion>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds a note. Fails with [`StoreError::NotFound`] when the customer is gone.
    fn add_note(
        &self,
        team: &TeamId,
        note: &Note,
        completion: Option<&Completion>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes a note of the customer. Fails with [`StoreError::NotFound`] when there is none.
    fn delete_note(
        &self,
        team: &TeamId,
        customer_id: &str,
        note_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores a new organization.
    fn create_organization(
        &self,
        team: &TeamId,
        organization: NewOrganization,
        completion: Option<&Completion>,
    ) -> impl Future<Output = Result<Organization, StoreError>> + Send;

    fn organization(&self, team: &TeamId, id: &str) -> impl Future<Output = Result<Option<Organization>, StoreError>> + Send;

    /// Applies `change` to the stored organization.
    fn update_organization(
        &self,
        team: &TeamId,
        id: &str,
        change: &OrganizationChange,
    ) -> impl Future<Output = Result<Organization, StoreError>> + Send;

    /// Deletes the organization and removes it from every customer that belonged to it.
    fn delete_organization(&self, team: &TeamId, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Lists organizations in creation order, by name prefix when the query has one.
    fn list_organizations(
        &self,
        team: &TeamId,
        query: &OrganizationQuery,
    ) -> impl Future<Output = Result<OrganizationPage, StoreError>> + Send;

    /// Returns up to `limit` customers of the organization, in creation order.
    fn organization_members(
        &self,
        team: &TeamId,
        id: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Customer>, StoreError>> + Send;

    /// Returns the team's custom attribute definitions for `scope`, ordered by key, with their
    /// revision. The writes of changes checked against them (see
    /// [`CustomerChange::definitions_guard`]) fail with [`StoreError::DefinitionsChanged`] once
    /// a definition of the scope was put or removed.
    fn fields(
        &self,
        team: &TeamId,
        scope: FieldScope,
    ) -> impl Future<Output = Result<Definitions, StoreError>> + Send;

    /// Creates or replaces a custom attribute definition, and raises the revision.
    fn put_field(
        &self,
        team: &TeamId,
        scope: FieldScope,
        field: &FieldDefinition,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes a definition and the values that records hold for it, so that no response
    /// carries a value that could not be sent back. Fails with [`StoreError::NotFound`] when
    /// the definition does not exist. The removal raises the revision before the values are
    /// cleared, so a write checked against the old definitions either lands before the
    /// clearing, which then finds it, or fails.
    fn delete_field(
        &self,
        team: &TeamId,
        scope: FieldScope,
        key: &FieldKey,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Claims the idempotency key of `claim` at `now`, unless a live claim or a saved response
    /// has it. In that case it returns what it found.
    fn claim_key(&self, team: &TeamId, claim: &KeyClaim, now: Timestamp) -> impl Future<Output = Result<KeyState, StoreError>> + Send;

    /// Removes `claim` after a request that wrote nothing. Does nothing when the key has
    /// another claim or a saved response.
    fn release_key(&self, team: &TeamId, claim: &KeyClaim) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Fails when a record would hold more custom attribute values than
/// [`MAX_ATTRIBUTES`](crate::model::MAX_ATTRIBUTES). Each request is limited too, but updates
/// add to what a record holds.
pub fn check_attribute_total(count: usize) -> Result<(), StoreError> {
    if count > crate::model::MAX_ATTRIBUTES { Err(StoreError::TooManyAttributes) } else { Ok(()) }
}

/// An avatar image to store.
#[derive(Clone, Debug)]
pub struct AvatarUpload {
    pub bytes: bytes::Bytes,
    /// `image/png` or `image/jpeg`, as sniffed from the bytes.
    pub content_type: &'static str,
    pub extension: &'static str,
}

/// Storage of avatar images.
pub trait AvatarStore: Send + Sync + 'static {
    /// Stores the image under `key`.
    fn put(&self, key: &str, upload: &AvatarUpload) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes the image under `key`; a missing object is not an error.
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Returns a URL that fetches the image for at least an hour without making it public.
    fn url(&self, key: &str) -> impl Future<Output = Result<String, StoreError>> + Send;
}

/// Builds the storage key of a new avatar. The random part makes every upload a new object, so
/// a URL issued for an old image never shows a newer one, and keys cannot be guessed.
pub fn avatar_key(team: &TeamId, customer_id: &str, extension: &str) -> String {
    format!("teams/{team}/customers/{customer_id}/avatar-{}.{extension}", uuid::Uuid::new_v4().simple())
}
