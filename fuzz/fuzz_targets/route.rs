//! Request paths: decoding of each segment (encoded slashes, non-ASCII, invalid UTF-8) and
//! resolution to a route and its parameters.

#![no_main]

use libfuzzer_sys::fuzz_target;
use meiosis_fuzz::{block_on, local_request};
use serde_json::json;
use shared::http::{ok, respond, Route};

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else { return };
    let Some(request) = local_request(path) else { return };

    let response = block_on(respond(&Route::ALL, request, |request| async move {
        assert_eq!(request.parameters.len(), request.route.parameters().len(), "{path:?}");
        Ok(ok(&json!({})))
    }));

    let status = response.status().as_u16();
    assert!(matches!(status, 200 | 404 | 405), "path {path:?} answered {status}");
});
