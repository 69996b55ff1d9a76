//! Idempotency keys: what a store keeps so that a create retried with the same `Idempotency-Key`
//! returns its first response instead of writing again.
//!
//! A request claims its key before it runs. The claim holds a fingerprint of the request, a
//! token of its own and a lease. The create's write completes the claim in the same atomic
//! write: it stores the response beside the records, so a write that happened always has its
//! response saved, even when the client never heard of it. A request that fails releases its
//! claim. A claim whose lease ran out (its process died) may be taken over by a retry, and the
//! token keeps the old request's late write from completing the new claim.

use serde::{Deserialize, Serialize};

use crate::model::Timestamp;

/// Lifetime of a saved response, in microseconds: 24 hours.
pub const KEY_LIFETIME: i64 = 24 * 60 * 60 * 1_000_000;

/// How long a claim keeps other requests with its key waiting, in microseconds. A request runs
/// for at most a few SDK operation timeouts, so a claim older than this belongs to a process that
/// died before it could complete or release.
pub const CLAIM_LEASE: i64 = 60 * 1_000_000;

/// A request's hold on a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyClaim {
    /// Digest of the client's key; stores never see the key itself.
    pub key: String,
    /// Digest of the request, to tell a retry from another request with the same key.
    pub fingerprint: String,
    /// Random for each claim, so that two claims of the same request differ.
    pub token: String,
}

impl KeyClaim {
    /// Creates a claim of `key` with a new token.
    pub fn new(key: String, fingerprint: String) -> Self {
        Self { key, fingerprint, token: uuid::Uuid::new_v4().simple().to_string() }
    }
}

/// The response of a completed request, as it is sent again to a retry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedResponse {
    pub status: u16,
    /// The JSON body.
    pub body: String,
    /// The `ETag` header, for responses that carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// A claim and the response that the write completing it saves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub claim: KeyClaim,
    pub response: SavedResponse,
}

/// State of a key that a claim found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyState {
    /// The key was free, or its claim had expired, so the key now belongs to the caller.
    Claimed,
    /// A request with this key completed.
    Saved { fingerprint: String, response: SavedResponse },
    /// Another request with this key is running.
    Running { fingerprint: String },
}

/// One key of a team, as a store keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub fingerprint: String,
    /// Token of the claim that owns the key.
    #[serde(default)]
    pub token: String,
    /// When a claim's lease runs out; `None` once the response is saved.
    pub locked_until: Option<Timestamp>,
    pub response: Option<SavedResponse>,
    /// When the key may be used again for another request.
    pub expires_at: Timestamp,
}

impl KeyRecord {
    /// Creates the record of `claim`, made at `now`.
    pub fn claim(claim: &KeyClaim, now: Timestamp) -> Self {
        Self {
            fingerprint: claim.fingerprint.clone(),
            token: claim.token.clone(),
            locked_until: Some(Timestamp(now.0 + CLAIM_LEASE)),
            response: None,
            expires_at: Timestamp(now.0 + KEY_LIFETIME),
        }
    }

    /// Tells whether this record is still `claim`'s, with no response saved: only then may a
    /// write complete it or a failed request release it.
    pub fn is_open_claim_of(&self, claim: &KeyClaim) -> bool {
        self.token == claim.token && self.response.is_none()
    }

    /// Tells whether `claim` was completed: its write happened.
    pub fn is_completed_by(&self, claim: &KeyClaim) -> bool {
        self.token == claim.token && self.response.is_some()
    }

    /// Tells whether a new claim at `now` may replace this record: it expired, or its claim's
    /// lease ran out before a response was saved.
    pub fn is_free_at(&self, now: Timestamp) -> bool {
        let expired = self.expires_at <= now;
        let abandoned = self.response.is_none() && self.locked_until.is_some_and(|until| until <= now);
        expired || abandoned
    }

    /// Returns the state that a claim at `now` finds in this record.
    pub fn state_at(&self, now: Timestamp) -> KeyState {
        if self.is_free_at(now) {
            return KeyState::Claimed;
        }
        match &self.response {
            Some(response) => KeyState::Saved { fingerprint: self.fingerprint.clone(), response: response.clone() },
            None => KeyState::Running { fingerprint: self.fingerprint.clone() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(fingerprint: &str) -> KeyClaim {
        KeyClaim::new("k".into(), fingerprint.into())
    }

    #[test]
    fn claim_free_after_lease() {
        let record = KeyRecord::claim(&claim("f"), Timestamp(0));
        assert_eq!(record.state_at(Timestamp(CLAIM_LEASE - 1)), KeyState::Running { fingerprint: "f".into() });
        assert_eq!(record.state_at(Timestamp(CLAIM_LEASE)), KeyState::Claimed);
    }

    #[test]
    fn saved_response_returned_until_expiry() {
        let mut record = KeyRecord::claim(&claim("f"), Timestamp(0));
        let response = SavedResponse { status: 200, body: "{}".into(), etag: None };
        record.locked_until = None;
        record.response = Some(response.clone());
        let saved = KeyState::Saved { fingerprint: "f".into(), response };
        assert_eq!(record.state_at(Timestamp(KEY_LIFETIME - 1)), saved);
        assert_eq!(record.state_at(Timestamp(KEY_LIFETIME)), KeyState::Claimed);
    }
}
