//! The HTTP client the enricher's SDK clients share: the SDK's default HTTPS client, with its
//! TLS setup deferred from client construction to the first request.
//!
//! The default client builds its TLS setup (the system's root certificates, read from disk and
//! parsed into a rustls configuration) eagerly, once per SDK client constructed, and discards
//! it; the first request then builds it again and keeps it. At init that was one wasted build
//! for each of the enricher's clients and for the STS client aws-config's credential chain
//! builds, and reading the certificates was most of the function's init time. Wrapped, client
//! construction builds nothing, and the first request builds the setup once for every client
//! (they share this client and its connector cache).

use aws_sdk_sns::config::ConfigBag;
use aws_smithy_runtime::client::defaults::default_http_client_plugin_v2;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;
use aws_smithy_runtime_api::shared::IntoShared;

/// An HTTP client whose connectors (and their TLS setup) are built on first use only.
#[derive(Debug)]
pub struct DeferredTls(SharedHttpClient);

impl DeferredTls {
    /// The SDK's default HTTPS client for `behavior_version` (what a config without an HTTP
    /// client gets), deferred.
    pub fn default_client(behavior_version: BehaviorVersion) -> Option<SharedHttpClient> {
        let plugin = default_http_client_plugin_v2(behavior_version)?;
        let components = plugin.runtime_components(&RuntimeComponentsBuilder::new("watchpost"));
        components
            .http_client()
            .map(|client| DeferredTls(client).into_shared())
    }
}

impl HttpClient for DeferredTls {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    // `validate_base_client_config` keeps the trait's default, which builds nothing: that is
    // the point. The final validation and the metadata are the wrapped client's.
    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.validate_final_config(components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}
