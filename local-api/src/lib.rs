//! Serves every route of `template.yaml` on one port by calling the functions' own handlers, so
//! what runs locally is what runs in Lambda. Requests are attributed to one team.

pub mod resources;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::http::{header, HeaderValue, Method};
use shared::http::multipart::MAX_UPLOAD_BYTES;
use shared::http::{ApiError, ApiResponse, LocalContext, Route};
use shared::model::TeamId;
use shared::store::local_avatars::{LocalAvatars, ROUTE_PREFIX};
use shared::store::s3::S3Avatars;
use shared::store::{AvatarStore, Store};
use shared::App;
use tokio::net::TcpListener;

/// Avatar stores whose images `local-api` can serve itself.
pub trait LocalImages {
    fn local(&self) -> Option<&LocalAvatars>;
}

impl LocalImages for LocalAvatars {
    fn local(&self) -> Option<&LocalAvatars> {
        Some(self)
    }
}

impl LocalImages for S3Avatars {
    fn local(&self) -> Option<&LocalAvatars> {
        None
    }
}

/// Accepts connections on `listener` until the process ends, serving each on its own task.
pub async fn serve<S, A>(listener: TcpListener, app: Arc<App<S, A>>, team: TeamId) -> std::io::Result<()>
where
    S: Store,
    A: AvatarStore + LocalImages,
{
    loop {
        let (stream, _) = listener.accept().await?;
        let app = app.clone();
        let team = team.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let app = app.clone();
                let team = team.clone();
                async move { Ok::<_, Infallible>(into_hyper(dispatch(&app, &team, request).await)) }
            });
            if let Err(error) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(%error, "connection closed with an error");
            }
        });
    }
}

/// Binds `addr` and returns the listener with its actual address (useful with port 0).
pub async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

async fn dispatch<S, A>(app: &App<S, A>, team: &TeamId, request: hyper::Request<Incoming>) -> ApiResponse
where
    S: Store,
    A: AvatarStore + LocalImages,
{
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();

    if parts.method == Method::GET {
        if let (Some(key), Some(images)) = (path.strip_prefix(ROUTE_PREFIX), app.avatars.local()) {
            return avatar_image(images, key).await;
        }
    }

    let body = match Limited::new(body, MAX_UPLOAD_BYTES + 1).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return ApiError::payload_too_large(MAX_UPLOAD_BYTES).into_response(),
    };
    let mut request = lambda_http::http::Request::from_parts(parts, lambda_http::Body::Binary(body.to_vec()));
    request.extensions_mut().insert(LocalContext { team: team.clone(), request_id: shared::model::new_id() });

    let segments: Vec<String> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| percent_decode(segment))
        .collect();
    match Route::resolve(&segments).map(|(route, _)| route) {
        Some(Route::Root) => root::handle(app, request).await,
        Some(Route::Customers) => customers::handle(app, request).await,
        Some(Route::Customer) => customer::handle(app, request).await,
        Some(Route::Fields | Route::Field | Route::Attributes | Route::Attribute) => fields::handle(app, request).await,
        Some(Route::Notes | Route::Note) => notes::handle(app, request).await,
        Some(Route::Organizations) => organizations::handle(app, request).await,
        Some(Route::Organization) => organization::handle(app, request).await,
        Some(Route::Track) => track::handle(app, request).await,
        Some(Route::Avatar) => avatar::handle(app, request).await,
        Some(Route::Latest) => latest::handle(app, request).await,
        Some(Route::Activity) => activity::handle(app, request).await,
        None => {
            tracing::info!(method = %request.method(), path, status = 404, "request");
            ApiError::not_found("Route").into_response()
        }
    }
}

async fn avatar_image(images: &LocalAvatars, key: &str) -> ApiResponse {
    let Some((bytes, content_type)) = images.get(key).await else {
        return ApiError::not_found("Avatar").into_response();
    };
    let mut response = lambda_http::Response::new(lambda_http::Body::Binary(bytes.to_vec()));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

fn into_hyper(response: ApiResponse) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(text) => Bytes::from(text),
        lambda_http::Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}
