//! The baseline of the local throughput benchmark: a minimal hyper server that returns the same
//! JSON body for every request. Usage: `fixed-json [ADDR]` (default 127.0.0.1:3100).

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const BODY: &str = r#"{"id":"0190a1b2c3d4e5f60718293a4b5c6d7e","email":"jdoe@example.com","first":"John","middle":"Stephen","last":"Doe","organization_id":null,"assigned_user":562,"created_at":"2016-09-12 18:45:29","updated_at":"2016-09-12 18:45:29","tags":[],"avatar":null,"interactions":[],"organization":null,"notes":[]}"#;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3100".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let service = service_fn(|_request| async {
                let mut response = hyper::Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
                response.headers_mut().insert("content-type", "application/json".parse().unwrap());
                Ok::<_, Infallible>(response)
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
