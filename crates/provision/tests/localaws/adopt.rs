//! A resource with a configured name that is not the stack's stops the plan until adopted.

use crate::common::*;

/// Regression, against the local AWS: an untagged table with the configured name was updated,
/// tagged and later destroyed as the stack's. The plan stops and names it, until adopted.
#[tokio::test]
async fn an_untagged_table_with_the_configured_name_stops_the_plan() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };

    let local = LocalAws::start().await;
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let ports = counted_ports(&local);
    let config = config_with(0, false);
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = &config.enricher.state_table;
    dynamodb
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let err = engine::plan_all(&ports, &config, &package(), Mode::Apply)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("dynamodb-table:{table}")), "{err}");
    assert!(err.contains("adopt = ["), "{err}");
    let tags = dynamodb
        .list_tags_of_resource()
        .resource_arn(format!(
            "arn:aws:dynamodb:{REGION}:{DEFAULT_ACCOUNT}:table/{table}"
        ))
        .send()
        .await
        .unwrap();
    assert!(tags.tags().is_empty(), "{tags:?}");
    // Adopted: the plan updates it (tags it) rather than stopping.
    let mut adopting = config.clone();
    adopting.watchpost.adopt = vec![format!("dynamodb-table:{table}")];
    let adoption = plan(&ports, &adopting, Mode::Apply).await;
    let change = adoption
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::DynamodbTable)
        .unwrap();
    assert_eq!(
        change.action(),
        Action::Update,
        "{}",
        render::text(&adoption)
    );
}
