//! SQS: the dead-letter queue.

use super::{FakeAccount, not_found};
use crate::ports::*;
use crate::spec::*;

impl SqsPort for FakeAccount {
    async fn queue(&self, name: &str) -> PortResult<Option<Found<QueueSpec>>> {
        let mut s = self.call("GetQueueUrl");
        let queue = s.queues.get(name).cloned();
        if queue.is_some() {
            s.calls.push("GetQueueAttributes");
            s.calls.push("ListQueueTags");
        }
        Ok(queue.map(|(url, spec)| Found::new(url, spec)))
    }
    async fn create_queue(&self, name: &str, spec: &QueueSpec) -> PortResult<String> {
        let mut s = self.call("CreateQueue");
        let url = format!(
            "https://sqs.{}.amazonaws.com/{}/{name}",
            self.region, self.account_id
        );
        s.queues
            .insert(name.to_owned(), (url.clone(), spec.clone()));
        Ok(url)
    }
    async fn set_queue_attributes(&self, url: &str, spec: &QueueSpec) -> PortResult<()> {
        let mut s = self.call("SetQueueAttributes");
        let queue = s
            .queues
            .values_mut()
            .find(|(u, _)| u == url)
            .ok_or_else(|| not_found("SetQueueAttributes", url))?;
        queue.1.sqs_managed_sse = spec.sqs_managed_sse;
        queue.1.message_retention_seconds = spec.message_retention_seconds;
        queue.1.policy = spec.policy.clone();
        Ok(())
    }
    async fn tag_queue(&self, url: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagQueue");
        let queue = s
            .queues
            .values_mut()
            .find(|(u, _)| u == url)
            .ok_or_else(|| not_found("TagQueue", url))?;
        queue.1.tags.extend(tags.clone());
        Ok(())
    }
    async fn delete_queue(&self, url: &str) -> PortResult<()> {
        self.call("DeleteQueue").queues.retain(|_, (u, _)| u != url);
        Ok(())
    }
}
