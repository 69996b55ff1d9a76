//! `application/x-www-form-urlencoded` bodies with PHP bracket nesting, read into an object and
//! then into the customer and organization inputs.

#![no_main]

use libfuzzer_sys::fuzz_target;
use meiosis_fuzz::{api_request, assert_client_error, assert_field_errors, field_definitions};
use shared::http::read_object;
use shared::model::{CustomerChange, OrganizationChange};

fuzz_target!(|data: &[u8]| {
    let request = api_request(Some("application/x-www-form-urlencoded"), data);
    let body = match read_object(&request) {
        Ok(body) => body,
        Err(error) => return assert_client_error(&error),
    };

    if let Err(errors) = CustomerChange::from_body(&body, field_definitions()) {
        assert_field_errors(&errors);
    }
    if let Err(errors) = OrganizationChange::from_body(&body, field_definitions()) {
        assert_field_errors(&errors);
    }
});
