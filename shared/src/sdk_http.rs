//! One HTTP client for every AWS SDK client of a process, with its TLS set-up done once.
//!
//! Each service client gets its own default HTTPS client (aws-smithy-http-client 1.5). That
//! client builds a connector, which parses the system's root certificates into a TLS root store,
//! when the service client is built, discards it, and builds another on the first request. The
//! DynamoDB and S3 clients thus set up TLS four times. [`PrebuiltHttpClient`] sets it up once,
//! during init, and both clients share it.
//!
//! The client trusts only the roots of Amazon Trust Services, which issue the certificates of
//! AWS service endpoints, rather than the system's bundle. Parsing the 144 roots of Debian's
//! bundle took about 0.7 ms of a 3 ms init (see `BENCHMARKS.md`). With a custom HTTPS endpoint
//! (`AWS_ENDPOINT_URL`), which may have a certificate from any authority, it trusts the system's
//! roots as the SDK does.

use std::borrow::Cow;
use std::time::Duration;

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Amazon Root CA 1 to 4 and the Starfield Services Root CA G2 that cross-signs them, as PEM,
/// copied from Debian's `ca-certificates` package. They expire in 2037 and 2038.
const AMAZON_ROOTS: &[u8] = include_bytes!("amazon-roots.pem");

/// An SDK HTTP client whose connector (TCP, TLS roots and connection pool) is built with the
/// client, for the timeouts of one SDK configuration.
#[derive(Debug)]
pub struct PrebuiltHttpClient {
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    connector: SharedHttpConnector,
    /// Builds connectors for other timeouts, such as an operation's own override. No client of
    /// this crate sets one, so it stays unused.
    other_timeouts: SharedHttpClient,
}

impl PrebuiltHttpClient {
    /// Builds the connector for `config`'s connect and read timeouts, with the TLS set-up of the
    /// SDK's default client (rustls on aws-lc, proxies from the environment) but the Amazon roots
    /// in place of the system's, unless `config` has a custom HTTPS endpoint.
    pub fn for_config(config: &aws_config::SdkConfig) -> Self {
        let timeouts = config.timeout_config();
        let connect_timeout = timeouts.and_then(|t| t.connect_timeout());
        let read_timeout = timeouts.and_then(|t| t.read_timeout());

        let mut settings = HttpConnectorSettings::builder();
        settings.set_connect_timeout(connect_timeout);
        settings.set_read_timeout(read_timeout);
        let mut builder = Connector::builder()
            .connector_settings(settings.build())
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(tls_context(config.endpoint_url().is_some_and(|url| url.starts_with("https:"))));
        builder.set_sleep_impl(config.sleep_impl());
        let connector = SharedHttpConnector::new(builder.build());

        let other_timeouts =
            aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).build_https();
        Self { connect_timeout, read_timeout, connector, other_timeouts }
    }
}

impl HttpClient for PrebuiltHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        if settings.connect_timeout() == self.connect_timeout && settings.read_timeout() == self.read_timeout {
            self.connector.clone()
        } else {
            self.other_timeouts.http_connector(settings, components)
        }
    }

    /// Names the same HTTP stack as the SDK's default client does, for the user agent.
    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        Some(ConnectorMetadata::new("hyper", Some(Cow::Borrowed("1.x"))))
    }
}

/// Trusts the Amazon roots, or the system's roots for a custom HTTPS endpoint.
fn tls_context(custom_https_endpoint: bool) -> TlsContext {
    let trust_store = if custom_https_endpoint { TrustStore::default() } else { TrustStore::empty().with_pem_certificate(AMAZON_ROOTS) };
    // The builder of aws-smithy-http-client 1.5.2 always returns `Ok`.
    TlsContext::builder().with_trust_store(trust_store).build().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;

    #[test]
    fn amazon_roots_parse_as_five_certificates() {
        let certificates: Vec<_> = rustls_pki_types::CertificateDer::pem_slice_iter(AMAZON_ROOTS).collect();
        assert_eq!(certificates.len(), 5);
        assert!(certificates.iter().all(Result::is_ok));
    }
}
