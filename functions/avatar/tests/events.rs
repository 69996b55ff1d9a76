//! The avatar handler, driven by the API Gateway events in `events/`: a 67-byte PNG holding the
//! bytes 0x00, 0x89 and 0xFF must be stored byte for byte from v2 and v1 events alike.

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::store::{AvatarStore, Store};
use shared::testing::{create_customer, event_for_customer, read, request, team, ReadBack, EVENT_TEAM};
use shared::App;

async fn call<S: Store, A: AvatarStore>(app: &App<S, A>, event: &Value) -> (u16, Value) {
    read(avatar::handle(app, request(event)).await)
}

/// Returns the image inside the fixture's multipart body.
fn fixture_png() -> Vec<u8> {
    let event = shared::testing::event("avatar-upload.json");
    let body = base64::engine::general_purpose::STANDARD.decode(event["body"].as_str().unwrap()).unwrap();
    let start = body.windows(4).position(|w| w == b"\x89PNG").unwrap();
    let end = body.windows(8).position(|w| w == b"IEND\xaeB`\x82").unwrap() + 8;
    body[start..end].to_vec()
}

async fn stored_key<S: Store, A>(app: &App<S, A>, id: &str) -> String {
    let details = app.store.customer_details(&team(EVENT_TEAM), id).await.unwrap().unwrap();
    details.customer.avatar_key.expect("customer has an avatar")
}

async fn upload_is_byte_identical<S: Store, A: AvatarStore + ReadBack>(app: &App<S, A>) {
    let png = fixture_png();
    assert_eq!(png.len(), 67);
    assert!(png.contains(&0x00));
    assert!(png.contains(&0x89));
    assert!(png.contains(&0xFF));

    for fixture in ["avatar-upload.json", "avatar-upload-v1.json"] {
        let id = create_customer(app, json!({"email": format!("{fixture}@example.com")})).await;
        let (status, body) = call(app, &event_for_customer(fixture, &id)).await;
        assert_eq!(status, 200, "{fixture}: {body}");
        assert_eq!(body["success"], json!("File Uploaded"));
        assert!(body["url"].as_str().unwrap().starts_with("http"));

        let stored = app.avatars.read_back(&stored_key(app, &id).await).await.expect("object stored");
        assert_eq!(stored.len(), png.len(), "{fixture}");
        assert_eq!(Sha256::digest(&stored), Sha256::digest(&png), "{fixture}");
    }
}

async fn new_upload_replaces_old_object<S: Store, A: AvatarStore + ReadBack>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "swap@example.com"})).await;
    call(app, &event_for_customer("avatar-upload.json", &id)).await;
    let first = stored_key(app, &id).await;

    call(app, &event_for_customer("avatar-upload.json", &id)).await;
    let second = stored_key(app, &id).await;
    assert_ne!(first, second);
    assert!(app.avatars.read_back(&first).await.is_none(), "old object removed");
    let details = app.store.customer_details(&team(EVENT_TEAM), &id).await.unwrap().unwrap();
    assert_eq!(details.interactions[0].description, "Avatar uploaded");
}

async fn non_images_are_rejected<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "bad@example.com"})).await;
    let boundary = "XyZ";
    let text_part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nnot a png\r\n--{boundary}--\r\n"
    );
    let other_part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nx\r\n--{boundary}--\r\n"
    );
    let cases = [
        (format!("multipart/form-data; boundary=\"{boundary}\""), text_part.clone(), 422, Some("file")),
        (format!("multipart/form-data; boundary={boundary}"), other_part, 422, Some("file")),
        ("application/json".to_string(), "{}".to_string(), 415, None),
        ("multipart/form-data".to_string(), text_part.clone(), 400, None),
        (format!("multipart/form-data; boundary={boundary}"), text_part[..20].to_string(), 400, None),
    ];
    for (content_type, body, expected, field) in cases {
        let mut upload = event_for_customer("avatar-upload.json", &id);
        upload["headers"]["content-type"] = json!(content_type);
        upload["body"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
        let (status, answer) = call(app, &upload).await;
        assert_eq!(status, expected, "{content_type}: {answer}");
        if let Some(field) = field {
            assert!(answer["error"]["fields"][field].is_array(), "{answer}");
        }
    }
    let details = app.store.customer_details(&team(EVENT_TEAM), &id).await.unwrap().unwrap();
    assert_eq!(details.customer.avatar_key, None);
}

async fn unknown_customer_is_404<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = call(app, &event_for_customer("avatar-upload.json", "0190a1b2c3d4e5f60718293a4b5c6d7f")).await;
    assert_eq!(status, 404, "{body}");
}

shared::on_both_stores!(upload_is_byte_identical, new_upload_replaces_old_object, non_images_are_rejected, unknown_customer_is_404);

/// An S3 URL is presigned for one hour, however long the signing credentials last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_urls_expire_after_an_hour() {
    let app = shared::testing::moto_app().await;
    let id = create_customer(&app, json!({"email": "expiry@example.com"})).await;

    let (status, body) = call(&app, &event_for_customer("avatar-upload.json", &id)).await;
    assert_eq!(status, 200, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(url.contains("X-Amz-Expires=3600"), "{url}");
}
