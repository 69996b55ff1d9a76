//! One HTTP client for every AWS SDK client of a process, with its TLS set-up done once.
//!
//! Each service client gets its own default HTTPS client (aws-smithy-http-client 1.5). That
//! client builds a connector, which parses the system's root certificates into a TLS root store,
//! when the service client is built, discards it, and builds another on the first request. The
//! DynamoDB and S3 clients thus set up TLS four times. [`PrebuiltHttpClient`] sets it up once,
//! during init, and both clients share it.

use std::borrow::Cow;
use std::time::Duration;

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::Provider;
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

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
    /// SDK's default client: rustls on aws-lc, the system's root certificates, and proxies from
    /// the environment.
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
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc));
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
