//! Faults, around any implementation of the ports (the fake account in the property): the
//! `n`th call of a run fails without effect; or takes effect and loses its answer (a timeout);
//! or takes effect and is sent again by the SDK, which answers the second time; or the run
//! stops before its `n`th call, as a killed process would, and no call after it has any
//! effect. Calls are counted from when the fault is set.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

use crate::ports::*;
use crate::spec::*;

/// What goes wrong, and at which call (counted from 0, across every port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The call fails and has no effect.
    Fail(usize),
    /// The call takes effect, and its answer is lost: the caller sees an error.
    Lose(usize),
    /// The call takes effect, its answer is lost, and the SDK sends it again: the caller sees
    /// the second answer.
    Retry(usize),
    /// The run stops before this call: it and every call after it have no effect.
    Kill(usize),
}

/// The ports `inner`, with at most one fault.
#[derive(Debug)]
pub struct Faulty<F> {
    pub inner: F,
    schedule: Mutex<Schedule>,
}

#[derive(Debug, Default)]
struct Schedule {
    fault: Option<Fault>,
    calls: usize,
    /// The calls made, by name, with the fault's effect on each (for showing a failing case).
    log: Vec<(&'static str, Option<&'static str>)>,
}

/// What the fault does to one call.
enum Effect {
    Fail,
    Lose,
    Retry,
}

impl<F> Faulty<F> {
    pub fn new(inner: F) -> Faulty<F> {
        Faulty {
            inner,
            schedule: Mutex::default(),
        }
    }

    /// Sets the fault, counting calls from now.
    pub fn set(&self, fault: Option<Fault>) {
        let mut schedule = self.schedule.lock().expect("schedule");
        *schedule = Schedule {
            fault,
            ..Schedule::default()
        };
    }

    /// Whether a kill has happened (the run stopped).
    pub fn killed(&self) -> bool {
        let schedule = self.schedule.lock().expect("schedule");
        matches!(schedule.fault, Some(Fault::Kill(n)) if schedule.calls > n)
    }

    /// The calls made since the fault was set, each with what the fault did to it.
    pub fn calls(&self) -> Vec<(&'static str, Option<&'static str>)> {
        self.schedule.lock().expect("schedule").log.clone()
    }

    fn effect(&self, call: &'static str) -> Option<Effect> {
        let mut schedule = self.schedule.lock().expect("schedule");
        let n = schedule.calls;
        schedule.calls += 1;
        let effect = match schedule.fault {
            Some(Fault::Fail(at)) if at == n => Some(Effect::Fail),
            Some(Fault::Lose(at)) if at == n => Some(Effect::Lose),
            Some(Fault::Retry(at)) if at == n => Some(Effect::Retry),
            Some(Fault::Kill(at)) if n >= at => Some(Effect::Fail),
            _ => None,
        };
        let shown = match (&effect, schedule.fault) {
            (Some(Effect::Fail), Some(Fault::Kill(_))) => Some("killed"),
            (Some(Effect::Fail), _) => Some("failed"),
            (Some(Effect::Lose), _) => Some("answer lost"),
            (Some(Effect::Retry), _) => Some("sent twice"),
            (None, _) => None,
        };
        schedule.log.push((call, shown));
        effect
    }

    async fn around<T, Fut>(&self, call: &'static str, send: impl Fn() -> Fut) -> PortResult<T>
    where
        Fut: Future<Output = PortResult<T>>,
    {
        match self.effect(call) {
            None => send().await,
            // A refusal, as AWS answers a call it did not do (AccessDenied).
            Some(Effect::Fail) => Err(fault(call, "AccessDenied", "the call failed")),
            Some(Effect::Lose) => {
                let _ = send().await;
                Err(fault(call, "RequestTimeout", "the answer was lost"))
            }
            Some(Effect::Retry) => {
                let _ = send().await;
                send().await
            }
        }
    }
}

fn fault(call: &str, code: &str, message: &str) -> PortError {
    PortError::Other {
        call: "injected",
        code: code.to_owned(),
        message: format!("{call}: {message}"),
    }
}

/// Implements a port for `Faulty<F>` by sending each call to `F`'s, around the fault.
macro_rules! faulty {
    ($port:ident { $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)* }) => {
        impl<F: $port> $port for Faulty<F> {
            $(async fn $name(&self, $($arg: $ty),*) -> $ret {
                self.around(stringify!($name), || self.inner.$name($($arg),*)).await
            })*
        }
    };
}

faulty! { StsPort {
    fn identity() -> PortResult<Identity>;
} }

faulty! { DetectivePort {
    fn list_graphs() -> PortResult<Vec<String>>;
    fn create_graph(tags: &Tags) -> PortResult<String>;
    fn delete_graph(graph_arn: &str) -> PortResult<()>;
    fn graph_tags(graph_arn: &str) -> PortResult<Tags>;
    fn tag_graph(graph_arn: &str, tags: &Tags) -> PortResult<()>;
    fn untag_graph(graph_arn: &str, keys: &[String]) -> PortResult<()>;
    fn list_members(graph_arn: &str) -> PortResult<Vec<MemberState>>;
    fn create_members(graph_arn: &str, invites: &[Invite], message: Option<&str>, disable_email_notification: bool) -> PortResult<Vec<Unprocessed>>;
    fn delete_members(graph_arn: &str, account_ids: &[String]) -> PortResult<Vec<Unprocessed>>;
    fn datasource_packages(graph_arn: &str) -> PortResult<BTreeMap<String, String>>;
    fn enable_datasource_packages(graph_arn: &str, packages: &[String]) -> PortResult<()>;
    fn organization_admins() -> PortResult<Vec<String>>;
    fn enable_organization_admin(account_id: &str) -> PortResult<()>;
    fn disable_organization_admin() -> PortResult<()>;
    fn auto_enable(graph_arn: &str) -> PortResult<bool>;
    fn set_auto_enable(graph_arn: &str, auto_enable: bool) -> PortResult<()>;
} }

faulty! { KmsPort {
    fn key_by_alias(alias: &str) -> PortResult<Option<FoundKey>>;
    fn keys_by_tag(tag_key: &str, tag_value: &str) -> PortResult<Vec<FoundKey>>;
    fn create_key(alias: &str, spec: &KeySpec) -> PortResult<String>;
    fn create_alias(alias: &str, key_id: &str) -> PortResult<()>;
    fn enable_key(key_id: &str) -> PortResult<()>;
    fn put_key_policy(key_id: &str, policy: &PolicyDocument) -> PortResult<()>;
    fn tag_key(key_id: &str, tags: &Tags) -> PortResult<()>;
    fn delete_key(alias: Option<&str>, key_id: &str) -> PortResult<()>;
} }

faulty! { SnsPort {
    fn list_topics() -> PortResult<Vec<String>>;
    fn topic(arn: &str) -> PortResult<Option<TopicSpec>>;
    fn create_topic(name: &str, spec: &TopicSpec) -> PortResult<String>;
    fn set_topic_attribute(arn: &str, name: &str, value: &str) -> PortResult<()>;
    fn tag_topic(arn: &str, tags: &Tags) -> PortResult<()>;
    fn delete_topic(arn: &str) -> PortResult<()>;
    fn subscriptions(topic_arn: &str) -> PortResult<Vec<SubscriptionState>>;
    fn subscribe(spec: &SubscriptionSpec) -> PortResult<Option<String>>;
    fn set_subscription_attributes(arn: &str, spec: &SubscriptionSpec) -> PortResult<()>;
    fn unsubscribe(arn: &str) -> PortResult<()>;
} }

faulty! { DynamodbPort {
    fn table(name: &str) -> PortResult<Option<Found<TableSpec>>>;
    fn create_table(name: &str, spec: &TableSpec) -> PortResult<String>;
    fn set_billing_mode(name: &str, billing_mode: &BillingMode) -> PortResult<()>;
    fn set_sse(name: &str, enabled: bool) -> PortResult<()>;
    fn set_ttl(name: &str, attribute: &str, enabled: bool) -> PortResult<()>;
    fn tag_table(arn: &str, tags: &Tags) -> PortResult<()>;
    fn delete_table(name: &str) -> PortResult<()>;
} }

faulty! { SqsPort {
    fn queue_url(name: &str) -> PortResult<Option<String>>;
    fn receive(url: &str, max: usize, visibility_timeout_s: i32, wait_s: i32) -> PortResult<Vec<Message>>;
    fn delete_message(url: &str, receipt: &str) -> PortResult<()>;
    fn queue(name: &str) -> PortResult<Option<Found<QueueSpec>>>;
    fn create_queue(name: &str, spec: &QueueSpec) -> PortResult<String>;
    fn set_queue_attributes(url: &str, spec: &QueueSpec) -> PortResult<()>;
    fn tag_queue(url: &str, tags: &Tags) -> PortResult<()>;
    fn delete_queue(url: &str) -> PortResult<()>;
} }

faulty! { IamPort {
    fn role(name: &str) -> PortResult<Option<Found<RoleSpec>>>;
    fn create_role(name: &str, spec: &RoleSpec) -> PortResult<String>;
    fn update_trust_policy(name: &str, policy: &PolicyDocument) -> PortResult<()>;
    fn update_description(name: &str, description: &str) -> PortResult<()>;
    fn tag_role(name: &str, tags: &Tags) -> PortResult<()>;
    fn delete_role(name: &str) -> PortResult<()>;
    fn detach_role_policy(role: &str, policy_arn: &str) -> PortResult<()>;
    fn role_policy(role: &str, policy_name: &str) -> PortResult<Option<PolicyDocument>>;
    fn put_role_policy(role: &str, policy_name: &str, policy: &PolicyDocument) -> PortResult<()>;
    fn delete_role_policy(role: &str, policy_name: &str) -> PortResult<()>;
} }

faulty! { LambdaPort {
    fn invoke_async(name: &str, payload: &str) -> PortResult<()>;
    fn function(name: &str) -> PortResult<Option<Found<FunctionSpec>>>;
    fn create_function(name: &str, spec: &FunctionSpec, zip: &[u8]) -> PortResult<String>;
    fn update_code(name: &str, zip: &[u8]) -> PortResult<()>;
    fn update_configuration(name: &str, spec: &FunctionSpec) -> PortResult<()>;
    fn tag_function(arn: &str, tags: &Tags) -> PortResult<()>;
    fn delete_function(name: &str) -> PortResult<()>;
    fn invoke_config(name: &str) -> PortResult<Option<InvokeConfigSpec>>;
    fn put_invoke_config(name: &str, spec: &InvokeConfigSpec) -> PortResult<()>;
    fn delete_invoke_config(name: &str) -> PortResult<()>;
    fn permissions(name: &str) -> PortResult<BTreeMap<String, PermissionSpec>>;
    fn add_permission(name: &str, sid: &str, spec: &PermissionSpec) -> PortResult<()>;
    fn remove_permission(name: &str, sid: &str) -> PortResult<()>;
} }

faulty! { EventsPort {
    fn rule(name: &str) -> PortResult<Option<Found<RuleSpec>>>;
    fn put_rule(name: &str, spec: &RuleSpec) -> PortResult<String>;
    fn tag_rule(arn: &str, tags: &Tags) -> PortResult<()>;
    fn delete_rule(name: &str) -> PortResult<()>;
    fn targets(rule: &str) -> PortResult<Vec<TargetSpec>>;
    fn put_targets(rule: &str, targets: &[TargetSpec]) -> PortResult<()>;
    fn remove_targets(rule: &str, ids: &[String]) -> PortResult<()>;
} }

faulty! { CloudwatchPort {
    fn alarms(prefix: &str) -> PortResult<BTreeMap<String, Found<AlarmSpec>>>;
    fn put_alarm(name: &str, spec: &AlarmSpec) -> PortResult<()>;
    fn tag_alarm(arn: &str, tags: &Tags) -> PortResult<()>;
    fn delete_alarms(names: &[String]) -> PortResult<()>;
    fn dashboard(name: &str) -> PortResult<Option<DashboardSpec>>;
    fn put_dashboard(name: &str, spec: &DashboardSpec) -> PortResult<()>;
    fn delete_dashboard(name: &str) -> PortResult<()>;
    fn list_metrics(namespace: &str, metric: &str) -> PortResult<Vec<BTreeMap<String, String>>>;
} }

faulty! { GuarddutyPort {
    fn detector(features: &[String]) -> PortResult<Option<FoundDetector>>;
    fn create_detector(spec: &DetectorSpec, tags: &Tags) -> PortResult<String>;
    fn update_detector(id: &str, spec: &DetectorSpec) -> PortResult<()>;
    fn delete_detector(id: &str) -> PortResult<()>;
} }

faulty! { ParametersPort {
    fn parameters(path: &str) -> PortResult<BTreeMap<String, String>>;
    fn parameter(name: &str) -> PortResult<Option<String>>;
    fn create_parameter(name: &str, value: &str) -> PortResult<bool>;
    fn delete_parameter(name: &str) -> PortResult<()>;
} }

ports_are_self!(impl[F] for Faulty<F> where F: StsPort
        + DetectivePort
        + KmsPort
        + SnsPort
        + DynamodbPort
        + SqsPort
        + IamPort
        + LambdaPort
        + EventsPort
        + CloudwatchPort
        + GuarddutyPort
        + ParametersPort);
