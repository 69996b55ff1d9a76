//! `multipart/form-data` avatar uploads.

use bytes::Bytes;

use super::body::media_type;
use super::{ApiError, ApiRequest};
use crate::store::AvatarUpload;

/// Largest avatar image accepted, in bytes. API Gateway and Lambda accept 6 MB of payload, and a
/// binary body arrives base64-encoded (4 bytes for every 3), which leaves room for about 4 MB.
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;

/// Largest multipart body accepted: the image plus room for part headers.
pub const MAX_UPLOAD_BYTES: usize = MAX_IMAGE_BYTES + 64 * 1024;

/// Reads the `file` part of a multipart body and checks by its bytes that it is a JPEG or PNG.
pub async fn read_image(request: &ApiRequest) -> Result<AvatarUpload, ApiError> {
    if request.body.len() > MAX_UPLOAD_BYTES {
        return Err(ApiError::payload_too_large("Request body", MAX_UPLOAD_BYTES));
    }
    if media_type(request).as_deref() != Some("multipart/form-data") {
        return Err(ApiError::unsupported_media_type("multipart/form-data with a `file` part"));
    }
    let content_type = request
        .headers
        .get(lambda_http::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    // NOTE: multer 3.1 also rejects a parameter with an empty quoted value (`a=""`), which
    // RFC 9110 allows, so such a Content-Type gets this 400 too.
    let boundary = multer::parse_boundary(content_type)
        .map_err(|error| ApiError::bad_request(format!("Invalid multipart Content-Type: {error}")))?;

    let bytes = file_part(request.body.clone(), boundary).await?;
    sniff(bytes)
}

async fn file_part(body: Bytes, boundary: String) -> Result<Bytes, ApiError> {
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let invalid = |error: multer::Error| ApiError::bad_request(format!("Invalid multipart body: {error}"));

    while let Some(field) = multipart.next_field().await.map_err(invalid)? {
        if field.name() == Some("file") {
            return field.bytes().await.map_err(invalid);
        }
    }
    Err(ApiError::invalid_field("file", "is required"))
}

fn sniff(bytes: Bytes) -> Result<AvatarUpload, ApiError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ApiError::payload_too_large("Image", MAX_IMAGE_BYTES));
    }
    let (content_type, extension) = match infer::get(&bytes).map(|kind| kind.mime_type()) {
        Some("image/png") => ("image/png", "png"),
        Some("image/jpeg") => ("image/jpeg", "jpg"),
        _ => return Err(ApiError::invalid_field("file", "must be a JPEG or PNG image")),
    };
    Ok(AvatarUpload { bytes, content_type, extension })
}
