//! Serves every route of `template.yaml` on one port by calling the functions' own handlers, so
//! what runs locally is what runs in Lambda. Requests authenticate with a team API key, resolved
//! by the same code as the Lambda authorizer; CORS preflight requests and `GET /openapi.json`
//! need none.

pub mod backend;
pub mod cors;
pub mod openapi;
pub mod resources;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use lambda_http::http::{header, HeaderValue, Method};
use shared::auth::{authenticate, AuthError, KeyStore};
use shared::http::multipart::MAX_UPLOAD_BYTES;
use shared::http::MAX_BODY_BYTES;
use shared::http::{ApiError, ApiResponse, LocalContext, RequestLine, Route};
use shared::store::local_avatars::{LocalAvatars, ROUTE_PREFIX};
use shared::store::s3::S3Avatars;
use shared::store::{AvatarStore, Store, StoreError};
use shared::App;
use tokio::net::TcpListener;

use cors::Cors;

/// Time a client has to send a request's head; a connection that sends less is closed.
const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Time a client has to send a request's body once its head arrived. After it, the response is 408.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

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

/// Everything a connection needs: the stores, the keys and the CORS settings.
pub struct Server<S, A, K> {
    pub app: App<S, A>,
    pub keys: K,
    pub cors: Cors,
}

/// Accepts connections on `listener` until the process ends, serving each on its own task.
pub async fn serve<S, A, K>(listener: TcpListener, server: Arc<Server<S, A, K>>) -> std::io::Result<()>
where
    S: Store,
    A: AvatarStore + LocalImages,
    K: KeyStore,
{
    loop {
        let (stream, _) = listener.accept().await?;
        let server = server.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let server = server.clone();
                async move { Ok::<_, Infallible>(into_hyper(server.dispatch(request).await)) }
            });
            let mut connection = http1::Builder::new();
            connection.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
            if let Err(error) = connection.serve_connection(TokioIo::new(stream), service).await {
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

impl<S, A, K> Server<S, A, K>
where
    S: Store,
    A: AvatarStore + LocalImages,
    K: KeyStore,
{
    async fn dispatch(&self, request: hyper::Request<Incoming>) -> ApiResponse {
        let origin = request.headers().get(header::ORIGIN).cloned();
        let mut line = RequestLine::new(&request, Instant::now());
        line.request_id = shared::model::new_id();

        if let Some(preflight) = self.cors.preflight(&request) {
            line.log(preflight.status().as_u16());
            return preflight;
        }
        let mut response = match self.route(request, &mut line).await {
            Ok(response) => response,
            Err(early) => {
                line.log(early.status().as_u16());
                early
            }
        };
        self.cors.decorate(origin.as_ref(), &mut response);
        response
    }

    /// Runs the request's handler, which logs its own line. A response made before a handler
    /// runs (an avatar image, the OpenAPI description, an unknown route, a rejected key) comes
    /// back as `Err` for the caller to log.
    async fn route(&self, request: hyper::Request<Incoming>, line: &mut RequestLine) -> Result<ApiResponse, ApiResponse> {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_string();

        if parts.method == Method::GET {
            if let (Some(key), Some(images)) = (path.strip_prefix(ROUTE_PREFIX), self.app.avatars.local()) {
                return Err(avatar_image(images, key).await);
            }
        }

        if parts.method == Method::GET && path == openapi::PATH {
            return Err(openapi::response());
        }

        let segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
        let Some((route, _)) = Route::resolve(&segments) else {
            return Err(ApiError::not_found("Route").into_response());
        };
        line.route = route.pattern();

        let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
        let team = authenticate(&self.keys, authorization).await.map_err(|error| rejection(error).into_response())?;

        line.team_id = team.to_string();
        // Avatar uploads may be larger than other bodies; each handler checks its own limit again.
        let limit = if route == Route::Avatar { MAX_UPLOAD_BYTES } else { MAX_BODY_BYTES };
        let body = match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, limit + 1).collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(_)) => return Err(ApiError::payload_too_large("Request body", limit).into_response()),
            Err(_) => return Err(ApiError::request_timeout(BODY_TIMEOUT.as_secs()).into_response()),
        };
        let mut request = lambda_http::http::Request::from_parts(parts, lambda_http::Body::Binary(body.to_vec()));
        request.extensions_mut().insert(LocalContext { team, request_id: line.request_id.clone() });
        Ok(self.handle(route, request).await)
    }

    /// Runs the handler of `route`, as Lambda would run that route's function.
    pub async fn handle(&self, route: Route, request: lambda_http::Request) -> ApiResponse {
        let app = &self.app;
        match route {
            Route::Root => root::handle(app, request).await,
            Route::Customers => customers::handle(app, request).await,
            Route::Customer => customer::handle(app, request).await,
            Route::Fields | Route::Field | Route::Attributes | Route::Attribute => fields::handle(app, request).await,
            Route::Avatar => avatar::handle(app, request).await,
            Route::Latest => latest::handle(app, request).await,
            Route::Activity => activity::handle(app, request).await,
            Route::Notes | Route::Note => notes::handle(app, request).await,
            Route::Organizations => organizations::handle(app, request).await,
            Route::Organization => organization::handle(app, request).await,
            Route::Track => track::handle(app, request).await,
        }
    }
}

/// Maps a rejected key to its error. A key store failure is a 503, like any other store
/// failure.
fn rejection(error: AuthError) -> ApiError {
    match error {
        AuthError::Missing | AuthError::Invalid => ApiError::unauthorized(),
        AuthError::WrongTeam => ApiError::forbidden(),
        AuthError::Unavailable(error) => ApiError::from(StoreError::Unavailable(error.to_string())),
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
