//! Query strings: decoding (`+`, `%2B`, invalid percent-encoding, non-UTF-8 escapes) and the
//! list and `limit` parameters read from them.

#![no_main]

use libfuzzer_sys::fuzz_target;
use meiosis_fuzz::{assert_field_errors, block_on, field_definitions, local_request};
use serde_json::json;
use shared::http::{ok, query_limit, respond, Route};
use shared::model::{ListQuery, OrganizationQuery};

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let Some(request) = local_request(&format!("/customers?{query}")) else { return };

    let response = block_on(respond(&[Route::Customers], request, |request| async move {
        if let Err(errors) = ListQuery::parse(&request.query, field_definitions()) {
            assert_field_errors(&errors);
        }
        if let Err(errors) = OrganizationQuery::parse(&request.query) {
            assert_field_errors(&errors);
        }
        query_limit(&request, 25, 100)?;
        Ok(ok(&json!({})))
    }));

    let status = response.status().as_u16();
    assert!(status == 200 || status == 422, "query {query:?} answered {status}");
});
