//! Property tests of each request parser on its own: query strings, PHP bracket forms,
//! multipart uploads, JSON bodies into the create and update inputs, and paths. Every bad input
//! must get a 4xx with the status and field the API documents, never a 5xx, a panic or a hang.
//! `local-api/tests/properties.rs` covers the same inputs end to end, checking only that no
//! route answers a 5xx.

mod form;
mod json;
mod multipart;
mod path;
mod query;
mod support;
mod team;
