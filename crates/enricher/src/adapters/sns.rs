//! Alerts out through SNS Publish.

use aws_sdk_sns::Client;
use aws_sdk_sns::types::MessageAttributeValue;

use super::port_error;
use crate::error::PortError;
use crate::ports::{Notifier, Publication};

/// SNS message attribute data type for every attribute Watchpost sets.
const STRING: &str = "String";

/// [`Notifier`] over SNS.
#[derive(Debug, Clone)]
pub struct SnsNotifier {
    client: Client,
}

impl SnsNotifier {
    pub fn new(client: Client) -> Self {
        SnsNotifier { client }
    }
}

impl Notifier for SnsNotifier {
    async fn publish(&self, publication: &Publication) -> Result<String, PortError> {
        let mut request = self
            .client
            .publish()
            .topic_arn(&publication.topic_arn)
            .message(&publication.message)
            .set_subject(publication.subject.clone());
        for (name, value) in &publication.attributes {
            let value = MessageAttributeValue::builder()
                .data_type(STRING)
                .string_value(value)
                .build()
                .map_err(|err| PortError::Invalid {
                    service: "sns",
                    code: "InvalidParameter".into(),
                    message: err.to_string(),
                })?;
            request = request.message_attributes(name, value);
        }
        let output = request.send().await.map_err(|err| port_error("sns", err))?;
        Ok(output.message_id.unwrap_or_default())
    }
}
