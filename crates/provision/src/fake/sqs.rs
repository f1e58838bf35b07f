//! SQS: the dead-letter queue and its messages.

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

impl SqsPort for FakeAccount {
    async fn queue_url(&self, name: &str) -> PortResult<Option<String>> {
        let s = self.call("GetQueueUrl");
        Ok(s.queues.get(name).map(|(url, _)| url.clone()))
    }
    async fn receive(
        &self,
        url: &str,
        max: usize,
        _visibility_timeout_s: i32,
        _wait_s: i32,
    ) -> PortResult<Vec<Message>> {
        let s = self.call("ReceiveMessage");
        Ok(s.messages
            .get(url)
            .map(|messages| {
                messages
                    .iter()
                    .take(max.min(10))
                    .map(|(id, body)| Message {
                        id: id.clone(),
                        body: body.clone(),
                        receipt: id.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
    async fn delete_message(&self, url: &str, receipt: &str) -> PortResult<()> {
        let mut s = self.call("DeleteMessage");
        if let Some(messages) = s.messages.get_mut(url) {
            messages.retain(|(id, _)| id != receipt);
        }
        Ok(())
    }
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
        if !s.queues.contains_key(name) {
            s.queues
                .insert(name.to_owned(), (url.clone(), spec.clone()));
            s.made(Thing::Queue(url.clone()));
        }
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
        s.changed(Thing::Queue(url.to_owned()));
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
        s.changed(Thing::Queue(url.to_owned()));
        Ok(())
    }
    async fn delete_queue(&self, url: &str) -> PortResult<()> {
        let mut s = self.call("DeleteQueue");
        let before = s.queues.len();
        s.queues.retain(|_, (u, _)| u != url);
        if s.queues.len() < before {
            s.messages.remove(url);
            s.deleted(Thing::Queue(url.to_owned()));
        }
        Ok(())
    }
}
