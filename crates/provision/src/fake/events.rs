//! EventBridge: rules and their targets.

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

impl EventsPort for FakeAccount {
    async fn rule(&self, name: &str) -> PortResult<Option<Found<RuleSpec>>> {
        let s = self.call("DescribeRule");
        Ok(s.rules
            .get(name)
            .map(|spec| Found::new(self.arn("events", &format!("rule/{name}")), spec.clone())))
    }
    async fn put_rule(&self, name: &str, spec: &RuleSpec) -> PortResult<String> {
        let mut s = self.call("PutRule");
        // PutRule tags the rule it creates, and leaves an existing rule's tags alone.
        let tags = s
            .rules
            .get(name)
            .map_or_else(|| spec.tags.clone(), |r| r.tags.clone());
        let existed = s
            .rules
            .insert(
                name.to_owned(),
                RuleSpec {
                    tags,
                    ..spec.clone()
                },
            )
            .is_some();
        if existed {
            s.changed(Thing::Rule(name.to_owned()));
        } else {
            s.made(Thing::Rule(name.to_owned()));
        }
        Ok(self.arn("events", &format!("rule/{name}")))
    }
    async fn tag_rule(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let name = arn.rsplit('/').next().unwrap_or(arn).to_owned();
        let rule = s
            .rules
            .get_mut(&name)
            .ok_or_else(|| not_found("TagResource", arn))?;
        rule.tags.extend(tags.clone());
        s.changed(Thing::Rule(name));
        Ok(())
    }
    async fn delete_rule(&self, name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteRule");
        if s.targets.get(name).is_some_and(|t| !t.is_empty()) {
            return Err(PortError::Invalid {
                call: "DeleteRule",
                code: "ValidationException".into(),
                message: "Rule can't be deleted since it has targets.".into(),
            });
        }
        if s.rules.remove(name).is_some() {
            s.deleted(Thing::Rule(name.to_owned()));
        }
        Ok(())
    }
    async fn targets(&self, rule: &str) -> PortResult<Vec<TargetSpec>> {
        let s = self.call("ListTargetsByRule");
        if !s.rules.contains_key(rule) {
            return Err(not_found("ListTargetsByRule", rule));
        }
        Ok(s.targets
            .get(rule)
            .map(|t| t.values().cloned().collect())
            .unwrap_or_default())
    }
    async fn put_targets(&self, rule: &str, targets: &[TargetSpec]) -> PortResult<()> {
        let mut s = self.call("PutTargets");
        if !s.rules.contains_key(rule) {
            return Err(not_found("PutTargets", rule));
        }
        let have = s.targets.entry(rule.to_owned()).or_default();
        let mut touched = Vec::new();
        for target in targets {
            let existed = have.insert(target.id.clone(), target.clone()).is_some();
            touched.push((existed, Thing::Target(rule.to_owned(), target.id.clone())));
        }
        for (existed, thing) in touched {
            if existed {
                s.changed(thing)
            } else {
                s.made(thing)
            }
        }
        Ok(())
    }
    async fn remove_targets(&self, rule: &str, ids: &[String]) -> PortResult<()> {
        let mut s = self.call("RemoveTargets");
        let mut gone = Vec::new();
        if let Some(have) = s.targets.get_mut(rule) {
            for id in ids {
                if have.remove(id).is_some() {
                    gone.push(Thing::Target(rule.to_owned(), id.clone()));
                }
            }
        }
        for thing in gone {
            s.deleted(thing);
        }
        Ok(())
    }
}
