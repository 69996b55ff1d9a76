//! `multipart/form-data` avatar uploads. The input's first line is the Content-Type's parameters
//! (the boundary, quoted or not, and any others), and the rest is the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use meiosis_fuzz::{api_request, assert_client_error, block_on};
use shared::http::multipart::read_image;

fuzz_target!(|data: &[u8]| {
    let (parameters, body) = match data.iter().position(|byte| *byte == b'\n') {
        Some(end) => (&data[..end], &data[end + 1..]),
        None => (&b"boundary=XyZ"[..], data),
    };
    let content_type = format!("multipart/form-data; {}", String::from_utf8_lossy(parameters));
    let request = api_request(Some(&content_type), body);

    match block_on(read_image(&request)) {
        Ok(upload) => assert!(matches!(upload.content_type, "image/png" | "image/jpeg")),
        Err(error) => assert_client_error(&error),
    }
});
