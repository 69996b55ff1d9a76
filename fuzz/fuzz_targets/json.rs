//! JSON bodies read into every create and update input: customers, organizations, field
//! definitions, notes and tracked interactions.

#![no_main]

use libfuzzer_sys::fuzz_target;
use meiosis_fuzz::{api_request, assert_client_error, assert_field_errors, field_definitions};
use shared::http::read_object;
use shared::model::{CustomerChange, FieldDefinition, Note, OrganizationChange, TrackRequest};

fuzz_target!(|data: &[u8]| {
    let request = api_request(Some("application/json"), data);
    let body = match read_object(&request) {
        Ok(body) => body,
        Err(error) => return assert_client_error(&error),
    };
    let fields = field_definitions();

    match CustomerChange::from_body(&body, fields) {
        Ok(change) => {
            if let Err(errors) = change.check_update(fields) {
                assert_field_errors(&errors);
            }
            if let Err(errors) = change.into_new(fields) {
                assert_field_errors(&errors);
            }
        }
        Err(errors) => assert_field_errors(&errors),
    }
    match OrganizationChange::from_body(&body, fields) {
        Ok(change) => {
            if let Err(errors) = change.into_new(fields) {
                assert_field_errors(&errors);
            }
        }
        Err(errors) => assert_field_errors(&errors),
    }
    for result in [
        FieldDefinition::from_body(&body).err(),
        Note::from_body("customer", &body).err(),
        TrackRequest::from_body(&body).err(),
    ] {
        if let Some(errors) = result {
            assert_field_errors(&errors);
        }
    }
});
