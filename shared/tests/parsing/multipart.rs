//! `multipart/form-data` avatar uploads: boundaries quoted or not, extra Content-Type
//! parameters, missing parts, truncated streams and boundaries inside the data.

use proptest::prelude::*;
use shared::http::multipart::{read_image, MAX_IMAGE_BYTES, MAX_UPLOAD_BYTES};
use shared::ApiError;

use super::support::{api_request, block_on};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Builds a multipart body with one part per (name, bytes).
fn multipart_body(boundary: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"a.png\"\r\n").as_bytes());
        body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

fn upload(content_type: &str, body: Vec<u8>) -> Result<Vec<u8>, ApiError> {
    block_on(read_image(&api_request(Some(content_type), body))).map(|upload| upload.bytes.to_vec())
}

fn png(rest: &[u8]) -> Vec<u8> {
    [PNG_SIGNATURE, rest].concat()
}

#[test]
fn content_type_errors() {
    let body = multipart_body("XyZ", &[("file", &png(b""))]);
    let cases = [
        ("text/plain", 415, "Unsupported Content-Type; send multipart/form-data with a `file` part"),
        ("multipart/form-data", 400, "Invalid multipart Content-Type: multipart boundary not found in Content-Type"),
        ("multipart/mixed; boundary=XyZ", 415, "Unsupported Content-Type; send multipart/form-data with a `file` part"),
        ("multipart/form-data; a=; boundary=XyZ", 400, "Invalid multipart Content-Type: failed to decode Content-Type"),
    ];
    for (content_type, status, message) in cases {
        let error = upload(content_type, body.clone()).unwrap_err();
        assert_eq!(error.status.as_u16(), status, "{content_type}");
        assert_eq!(error.message, message, "{content_type}");
    }
}

#[test]
fn oversized_upload_names_the_limit() {
    let body = vec![b'a'; MAX_UPLOAD_BYTES + 1];
    let error = upload("multipart/form-data; boundary=XyZ", body).unwrap_err();
    assert_eq!(error.status.as_u16(), 413);
    assert_eq!(error.message, format!("Request body is larger than the limit of {MAX_UPLOAD_BYTES} bytes"));
}

#[test]
fn oversized_image_names_the_limit() {
    let image = png(&vec![0; MAX_IMAGE_BYTES]);
    let body = multipart_body("XyZ", &[("file", &image)]);
    assert!(body.len() <= MAX_UPLOAD_BYTES);
    let error = upload("multipart/form-data; boundary=XyZ", body).unwrap_err();
    assert_eq!(error.status.as_u16(), 413);
    assert_eq!(error.message, format!("Image is larger than the limit of {MAX_IMAGE_BYTES} bytes"));
}

fn boundary() -> impl Strategy<Value = (String, String)> {
    let token = "[A-Za-z0-9'+_.-]{1,70}".prop_map(|boundary| (boundary.clone(), boundary));
    let quoted = "[A-Za-z0-9'()+_,./:=? -]{0,69}[A-Za-z0-9]".prop_map(|boundary| (format!("\"{boundary}\""), boundary));
    prop_oneof![token, quoted]
}

fn parameter() -> impl Strategy<Value = String> {
    prop_oneof![Just("charset=utf-8".to_string()), "[a-z]{1,8}=[a-z0-9]{1,8}", "[a-z]{1,8}=\"[a-z ;]{1,8}\""]
        .prop_filter("only one boundary", |parameter| !parameter.starts_with("boundary="))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_boundary_reads_the_file(
        (written, boundary) in boundary(),
        before in prop::collection::vec(parameter(), 0..3),
        after in prop::collection::vec(parameter(), 0..3),
        rest in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let image = png(&rest);
        let body = multipart_body(&boundary, &[("note", b"hello"), ("file", &image)]);
        let parameters: Vec<String> = before.into_iter().chain([format!("boundary={written}")]).chain(after).collect();
        let content_type = format!("multipart/form-data; {}", parameters.join("; "));

        prop_assert_eq!(upload(&content_type, body), Ok(image), "{}", content_type);
    }

    #[test]
    fn boundary_inside_data_is_data(boundary in "[A-Za-z0-9]{1,20}", noise in prop::collection::vec(any::<u8>(), 0..32)) {
        let image = [PNG_SIGNATURE, format!("--{boundary}").as_bytes(), &noise, format!("{boundary}--").as_bytes()].concat();
        let body = multipart_body(&boundary, &[("file", &image)]);
        prop_assert_eq!(upload(&format!("multipart/form-data; boundary={boundary}"), body), Ok(image));
    }

    #[test]
    fn missing_file_part_names_file(names in prop::collection::vec("[a-z]{1,6}", 0..4)) {
        let names: Vec<&str> = names.iter().map(String::as_str).filter(|name| *name != "file").collect();
        let image = png(b"");
        let parts: Vec<(&str, &[u8])> = names.iter().map(|name| (*name, image.as_slice())).collect();
        let error = upload("multipart/form-data; boundary=XyZ", multipart_body("XyZ", &parts)).unwrap_err();
        prop_assert_eq!(error.status.as_u16(), 422);
        prop_assert_eq!(&error.fields["file"], &vec!["is required".to_string()]);
    }

    #[test]
    fn truncated_stream_is_bad_request(rest in prop::collection::vec(any::<u8>(), 0..64), cut in any::<prop::sample::Index>()) {
        let image = png(&rest);
        let body = multipart_body("XyZ", &[("note", b"hello"), ("file", &image)]);
        let file_end = body.len() - "\r\n--XyZ--\r\n".len();
        let cut = 1 + cut.index(file_end - 1);

        let error = upload("multipart/form-data; boundary=XyZ", body[..cut].to_vec()).unwrap_err();
        prop_assert_eq!(error.status.as_u16(), 400, "cut at {}: {}", cut, error.message);
        prop_assert!(error.message.starts_with("Invalid multipart body: "), "{}", error.message);
    }

    #[test]
    fn non_images_name_file(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        prop_assume!(!bytes.starts_with(b"\x89PNG") && !bytes.starts_with(b"\xFF\xD8\xFF"));
        let body = multipart_body("XyZ", &[("file", &bytes)]);
        let error = upload("multipart/form-data; boundary=XyZ", body).unwrap_err();
        prop_assert_eq!(error.status.as_u16(), 422);
        prop_assert_eq!(&error.fields["file"], &vec!["must be a JPEG or PNG image".to_string()]);
    }
}
