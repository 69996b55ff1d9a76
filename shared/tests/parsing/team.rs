//! The `X-TEAM` header: a value that is not visible ASCII names no team, so it is another
//! team's and gets a 403, as a wrong team id does.

use lambda_http::http::{HeaderValue, Method};
use lambda_http::Body;
use serde_json::json;
use shared::http::{ok, respond, LocalContext, Route, TEAM_HEADER};
use shared::testing::read;

use super::support::{block_on, team_id};

fn status_with_team_header(value: HeaderValue) -> u16 {
    status_with_team_headers(&[value])
}

fn status_with_team_headers(values: &[HeaderValue]) -> u16 {
    let mut request = lambda_http::http::Request::builder().method(Method::GET).uri("/customers").body(Body::Empty).unwrap();
    request.extensions_mut().insert(LocalContext { team: team_id(), request_id: "team".into() });
    for value in values {
        request.headers_mut().append(TEAM_HEADER, value.clone());
    }
    let response = block_on(respond(&[Route::Customers], request, |_| async { Ok(ok(&json!([]))) }));
    read(response).0
}

#[test]
fn team_header_must_name_own_team() {
    assert_eq!(status_with_team_header(HeaderValue::from_str(team_id().as_str()).unwrap()), 200);
    assert_eq!(status_with_team_header(HeaderValue::from_static("")), 200);
    assert_eq!(status_with_team_header(HeaderValue::from_static("another-team")), 403);
    assert_eq!(status_with_team_header(HeaderValue::from_bytes(b"\xff").unwrap()), 403);
    assert_eq!(status_with_team_header(HeaderValue::from_bytes("ñ".as_bytes()).unwrap()), 403);
}

#[test]
fn every_team_header_must_name_own_team() {
    let own = HeaderValue::from_str(team_id().as_str()).unwrap();
    let other = HeaderValue::from_static("another-team");
    assert_eq!(status_with_team_headers(&[own.clone(), other.clone()]), 403);
    assert_eq!(status_with_team_headers(&[other, own.clone()]), 403);
    assert_eq!(status_with_team_headers(&[own.clone(), own]), 200);
}
