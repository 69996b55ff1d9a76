//! Team API keys: how they are made, stored (as SHA-256 hashes only) and resolved to a team. The
//! Lambda authorizer and `local-api` both resolve keys with [`authenticate`].

pub mod dynamo;
pub mod embedded;

use std::future::Future;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::model::{new_id, TeamId, Timestamp};
use crate::store::StoreError;

/// Start of every API key, so keys are recognizable in configuration and secret scanners.
pub const KEY_PREFIX: &str = "mk_";

/// Random bytes in a key: 256 bits from the operating system's random source.
const KEY_BYTES: usize = 32;

/// Characters of a key kept in listings, to tell keys apart without revealing them.
const SHOWN_CHARS: usize = KEY_PREFIX.len() + 8;

/// A team: the owner of records and keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub created_at: Timestamp,
}

/// A stored key: everything but the key itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub id: String,
    pub team_id: TeamId,
    /// The key's first characters, as listings show them.
    pub prefix: String,
    /// SHA-256 of the key, in lowercase hex.
    pub hash: String,
    pub created_at: Timestamp,
}

/// A key just made: the secret, shown once, and its record.
pub struct NewKey {
    pub secret: String,
    pub record: KeyRecord,
}

impl NewKey {
    /// Makes a key for `team` from 256 random bits.
    pub fn generate(team: &TeamId) -> Result<Self, StoreError> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Unavailable(format!("random source failed: {e}")))?;
        let secret = format!("{KEY_PREFIX}{}", hex::encode(bytes));
        let record = KeyRecord::for_secret(team, &secret);
        Ok(Self { secret, record })
    }
}

/// SHA-256 of a key in lowercase hex. Keys carry 256 random bits, so a fast hash is enough.
pub fn hash_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Shortest and longest key accepted. Generated keys have 67 characters; `local-api` also
/// accepts a key chosen by the user (`LOCAL_API_KEY`).
pub const KEY_LENGTH: std::ops::RangeInclusive<usize> = 16..=256;

/// Tells whether `secret` could be a key: printable ASCII without spaces, of an accepted length.
pub fn is_key_shaped(secret: &str) -> bool {
    KEY_LENGTH.contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_graphic())
}

impl KeyRecord {
    /// Builds the record of a key that the user chose rather than generated.
    pub fn for_secret(team: &TeamId, secret: &str) -> Self {
        Self {
            id: new_id(),
            team_id: team.clone(),
            prefix: secret.chars().take(SHOWN_CHARS).collect(),
            hash: hash_key(secret),
            created_at: Timestamp::now(),
        }
    }
}

/// Storage of teams and their keys.
pub trait KeyStore: Send + Sync + 'static {
    /// Creates a team, or returns the existing one when a team already has this id.
    fn create_team(&self, id: &TeamId, name: &str) -> impl Future<Output = Result<Team, StoreError>> + Send;

    fn teams(&self) -> impl Future<Output = Result<Vec<Team>, StoreError>> + Send;

    /// Stores a key. Fails with [`StoreError::NotFound`] when its team does not exist.
    fn add_key(&self, key: &KeyRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Returns the team's keys, oldest first.
    fn keys(&self, team: &TeamId) -> impl Future<Output = Result<Vec<KeyRecord>, StoreError>> + Send;

    /// Deletes a key. Fails with [`StoreError::NotFound`] when there is none with this id.
    fn revoke_key(&self, key_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Returns the key with this hash.
    fn find_key(&self, hash: &str) -> impl Future<Output = Result<Option<KeyRecord>, StoreError>> + Send;
}

/// Why a request was not authenticated.
#[derive(Debug, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization` header, or not a bearer token: 401.
    Missing,
    /// An unknown or revoked key: 401 (API Gateway returns 403 when the authorizer rejects a key).
    Invalid,
    /// The key is valid, but `X-TEAM` names another team: 403.
    WrongTeam,
    Unavailable(StoreError),
}

/// Reads the token of an `Authorization: Bearer <token>` header value.
pub fn bearer_token(header: Option<&str>) -> Option<&str> {
    let (scheme, token) = header?.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|token| !token.is_empty())
}

/// Resolves an `Authorization` header value to the team that owns the key. The key is looked up
/// by its hash and the hashes compared in constant time, so timing reveals nothing of the key.
pub async fn authenticate<K: KeyStore>(keys: &K, authorization: Option<&str>) -> Result<TeamId, AuthError> {
    let token = bearer_token(authorization).ok_or(AuthError::Missing)?;
    if !is_key_shaped(token) {
        return Err(AuthError::Invalid);
    }
    let hash = hash_key(token);
    let record = keys.find_key(&hash).await.map_err(AuthError::Unavailable)?.ok_or(AuthError::Invalid)?;
    if bool::from(record.hash.as_bytes().ct_eq(hash.as_bytes())) {
        Ok(record.team_id)
    } else {
        Err(AuthError::Invalid)
    }
}

/// Checks the `X-TEAM` header against the authenticated team: absent or empty passes.
pub fn check_team_header(team: &TeamId, header: Option<&str>) -> Result<(), AuthError> {
    match header.map(str::trim) {
        Some(claimed) if !claimed.is_empty() && claimed != team.as_str() => Err(AuthError::WrongTeam),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_shaped_and_hashed() {
        let team = TeamId::parse("t1").unwrap();
        let key = NewKey::generate(&team).unwrap();
        assert!(is_key_shaped(&key.secret));
        assert_eq!(key.record.hash, hash_key(&key.secret));
        assert!(key.secret.starts_with(&key.record.prefix));
        assert_ne!(key.secret, NewKey::generate(&team).unwrap().secret);
    }

    #[test]
    fn bearer_token_needs_scheme() {
        assert_eq!(bearer_token(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(Some("Basic abc")), None);
        assert_eq!(bearer_token(Some("Bearer ")), None);
        assert_eq!(bearer_token(None), None);
    }

    #[test]
    fn team_header_must_match_when_present() {
        let team = TeamId::parse("t1").unwrap();
        assert_eq!(check_team_header(&team, None), Ok(()));
        assert_eq!(check_team_header(&team, Some("")), Ok(()));
        assert_eq!(check_team_header(&team, Some("t1")), Ok(()));
        assert_eq!(check_team_header(&team, Some("t2")), Err(AuthError::WrongTeam));
    }
}
