//! DynamoDB: the alert-state table, its billing, encryption, TTL and tags.

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

impl DynamodbPort for FakeAccount {
    async fn table(&self, name: &str) -> PortResult<Option<Found<TableSpec>>> {
        let mut s = self.call("DescribeTable");
        let table = s.tables.get(name).cloned();
        if table.is_some() {
            s.calls.push("DescribeTimeToLive");
            s.calls.push("ListTagsOfResource");
        }
        Ok(table.map(|(arn, spec)| Found::new(arn, spec)))
    }
    async fn create_table(&self, name: &str, spec: &TableSpec) -> PortResult<String> {
        let arn = {
            let mut s = self.call("CreateTable");
            if s.tables.contains_key(name) {
                return Err(PortError::AlreadyExists {
                    call: "CreateTable",
                    code: "ResourceInUseException".into(),
                    message: format!("Table already exists: {name}"),
                });
            }
            let arn = self.arn("dynamodb", &format!("table/{name}"));
            // TTL is a call of its own, as in DynamoDB.
            let created = TableSpec {
                ttl_attribute: None,
                ..spec.clone()
            };
            s.tables.insert(name.to_owned(), (arn.clone(), created));
            s.made(Thing::Table(name.to_owned()));
            arn
        };
        if let Some(attribute) = &spec.ttl_attribute {
            self.set_ttl(name, attribute, true).await?;
        }
        Ok(arn)
    }
    async fn set_billing_mode(&self, name: &str, billing_mode: &BillingMode) -> PortResult<()> {
        let mut s = self.call("UpdateTable");
        let table = s
            .tables
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateTable", name))?;
        table.1.billing_mode = billing_mode.clone();
        s.changed(Thing::Table(name.to_owned()));
        Ok(())
    }
    async fn set_sse(&self, name: &str, enabled: bool) -> PortResult<()> {
        let mut s = self.call("UpdateTable");
        let table = s
            .tables
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateTable", name))?;
        table.1.sse_enabled = enabled;
        s.changed(Thing::Table(name.to_owned()));
        Ok(())
    }
    async fn set_ttl(&self, name: &str, attribute: &str, enabled: bool) -> PortResult<()> {
        let mut s = self.call("UpdateTimeToLive");
        let table = s
            .tables
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateTimeToLive", name))?;
        match (&table.1.ttl_attribute, enabled) {
            (Some(current), true) if current != attribute => {
                return Err(PortError::Invalid {
                    call: "UpdateTimeToLive",
                    code: "ValidationException".into(),
                    message: "TimeToLive is already enabled on another attribute".into(),
                });
            }
            (_, true) => table.1.ttl_attribute = Some(attribute.to_owned()),
            (_, false) => table.1.ttl_attribute = None,
        }
        s.changed(Thing::Table(name.to_owned()));
        Ok(())
    }
    async fn tag_table(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let table = s
            .tables
            .values_mut()
            .find(|(a, _)| a == arn)
            .ok_or_else(|| not_found("TagResource", arn))?;
        table.1.tags.extend(tags.clone());
        let name = s
            .tables
            .iter()
            .find(|(_, (a, _))| a == arn)
            .map(|(name, _)| name.clone())
            .unwrap_or_default();
        s.changed(Thing::Table(name));
        Ok(())
    }
    async fn delete_table(&self, name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteTable");
        s.tables
            .remove(name)
            .ok_or_else(|| not_found("DeleteTable", name))?;
        s.deleted(Thing::Table(name.to_owned()));
        Ok(())
    }
}
