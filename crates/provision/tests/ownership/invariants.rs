//! The invariants, checked after every step, in the words docs/operating.md states them in
//! ("What Watchpost never touches"): a test there checks the docs hold these very sentences.

use std::collections::BTreeSet;

use watchpost_core::Config;
use watchpost_provision::fake::{FakeAccount, FakeState, Thing, Touch, Touched};
use watchpost_provision::model::Plan;

/// The first invariant: what Watchpost may change or delete.
pub const NO_HARM: &str = "No call changes or deletes anything that the stack did not create or that `[watchpost] adopt` does not name.";
/// The second: a successful apply converges.
pub const CONVERGES: &str = "After a successful apply the next plan is empty.";
/// The third: an interrupted apply is recovered by the next one.
pub const RECOVERS: &str = "After a failed or killed apply the next apply (with `--force-unlock` where a lock stayed) succeeds, and the plan after it is empty.";
/// The fourth: destroy removes what the stack created, and only that.
pub const DESTROY_CLEANS: &str = "After a successful destroy nothing the stack created is left (KMS keys not scheduled for deletion, records in Parameter Store, subscriptions it made, roles), and everything else is as it was.";

/// Every invariant, in the order the docs list them.
pub const ALL: [&str; 4] = [NO_HARM, CONVERGES, RECOVERS, DESTROY_CLEANS];

/// [`NO_HARM`] over the calls since `from`: each change or delete by Watchpost is of a thing
/// it made, or one the config names for it to change. `Err` names the first that is not.
pub fn no_harm(
    state: &FakeState,
    from: usize,
    config: &Config,
    configs: &[Config],
) -> Result<(), String> {
    for touched in &state.touches[from..] {
        if touched.by != watchpost_provision::fake::Actor::Watchpost
            || touched.touch == Touch::Create
            || touched.own
            || permitted(state, touched, config, configs)
        {
            continue;
        }
        return Err(format!(
            "{NO_HARM}\n{} {:?} {:?}, which Watchpost did not create",
            touched.call, touched.touch, touched.thing
        ));
    }
    Ok(())
}

/// What the config names for Watchpost to change in what it did not create: what
/// `[watchpost] adopt` names in any of the case's configs (and its parts), the keys of `[detective] tags` on a graph it uses,
/// the organization's auto-enable with `[detective.organization]`, and a detector it manages
/// (`[guardduty] manage_detector`). None of these is ever deleted unless adopted.
fn permitted(state: &FakeState, touched: &Touched, config: &Config, configs: &[Config]) -> bool {
    // Adopted by any config of the case: once an apply tagged it, it is the stack's.
    let adopted = |kind: &str, name: &str| {
        configs
            .iter()
            .flat_map(|c| &c.watchpost.adopt)
            .any(|a| a == &format!("{kind}:{name}"))
    };
    let change = touched.touch == Touch::Change;
    match &touched.thing {
        Thing::Table(name) => adopted("dynamodb-table", name),
        Thing::Queue(url) => adopted("sqs-queue", url.rsplit('/').next().unwrap_or(url)),
        Thing::Topic(arn) => adopted("sns-topic", arn.rsplit(':').next().unwrap_or(arn)),
        Thing::Role(name) => adopted("iam-role", name),
        Thing::RolePolicy(role, _) => adopted("iam-role", role),
        Thing::Function(name) | Thing::InvokeConfig(name) | Thing::Permission(name, _) => {
            adopted("lambda-function", name)
        }
        Thing::Rule(name) | Thing::Target(name, _) => adopted("events-rule", name),
        Thing::Alarm(name) => adopted("cloudwatch-alarm", name),
        Thing::Dashboard(name) => adopted("cloudwatch-dashboard", name),
        Thing::Key(id) => state
            .aliases
            .iter()
            .any(|(alias, key)| key == id && adopted("kms-key", alias)),
        Thing::Alias(alias) => adopted("kms-key", alias),
        Thing::GraphTag(_, key) => change && config.detective.tags.contains_key(key),
        Thing::AutoEnable(_) => change && config.detective.organization.is_some(),
        Thing::Detector(_) => change && config.guardduty.manage_detector,
        Thing::Graph(_)
        | Thing::Member(..)
        | Thing::Datasource(..)
        | Thing::OrganizationAdmin(_)
        | Thing::Subscription(_)
        | Thing::Parameter(_) => false,
    }
}

/// [`CONVERGES`] (and the end of [`RECOVERS`]).
pub fn converged(plan: &Plan) -> Result<(), String> {
    if plan.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{CONVERGES}\n{}",
            watchpost_provision::render::text(plan)
        ))
    }
}

/// What exists now that Watchpost made, for [`DESTROY_CLEANS`]: what destroy cannot remove is
/// left out (subscriptions awaiting confirmation, which SNS removes with their topic or after
/// three days; Detective data source packages, which cannot be turned off; the config's tags on
/// a graph Watchpost did not create, and the organization's auto-enable, which are settings of
/// what is not the stack's).
pub fn left_by_watchpost(account: &FakeAccount) -> Vec<Thing> {
    let state = account.state();
    existing(&state)
        .into_iter()
        .filter(|thing| state.made_by_watchpost(thing))
        .filter(|thing| match thing {
            Thing::Subscription(arn) => !arn.starts_with("pending:"),
            Thing::Datasource(..) | Thing::AutoEnable(_) => false,
            Thing::GraphTag(graph, _) => state.made_by_watchpost(&Thing::Graph(graph.clone())),
            _ => true,
        })
        .collect()
}

/// Every thing in the account now.
pub fn existing(state: &FakeState) -> BTreeSet<Thing> {
    let mut out = BTreeSet::new();
    for (graph, tags) in &state.graphs {
        out.insert(Thing::Graph(graph.clone()));
        for key in tags.keys() {
            out.insert(Thing::GraphTag(graph.clone(), key.clone()));
        }
    }
    for (graph, members) in &state.members {
        if state.graphs.contains_key(graph) {
            for account in members.keys() {
                out.insert(Thing::Member(graph.clone(), account.clone()));
            }
        }
    }
    for admin in &state.org_admins {
        out.insert(Thing::OrganizationAdmin(admin.clone()));
    }
    for (id, (_, _, pending_deletion)) in &state.keys {
        if !pending_deletion {
            out.insert(Thing::Key(id.clone()));
        }
    }
    for alias in state.aliases.keys() {
        out.insert(Thing::Alias(alias.clone()));
    }
    out.extend(state.topics.keys().cloned().map(Thing::Topic));
    out.extend(state.subscriptions.keys().cloned().map(Thing::Subscription));
    out.extend(state.tables.keys().cloned().map(Thing::Table));
    out.extend(
        state
            .queues
            .values()
            .map(|(url, _)| Thing::Queue(url.clone())),
    );
    out.extend(state.roles.keys().cloned().map(Thing::Role));
    out.extend(
        state
            .role_policies
            .keys()
            .map(|(role, name)| Thing::RolePolicy(role.clone(), name.clone())),
    );
    out.extend(state.functions.keys().cloned().map(Thing::Function));
    out.extend(
        state
            .invoke_configs
            .keys()
            .cloned()
            .map(Thing::InvokeConfig),
    );
    for (function, statements) in &state.permissions {
        for sid in statements.keys() {
            out.insert(Thing::Permission(function.clone(), sid.clone()));
        }
    }
    out.extend(state.rules.keys().cloned().map(Thing::Rule));
    for (rule, targets) in &state.targets {
        for id in targets.keys() {
            out.insert(Thing::Target(rule.clone(), id.clone()));
        }
    }
    out.extend(state.alarms.keys().cloned().map(Thing::Alarm));
    out.extend(state.dashboards.keys().cloned().map(Thing::Dashboard));
    if let Some(detector) = &state.detector {
        out.insert(Thing::Detector(detector.id.clone()));
    }
    out.extend(state.parameters.keys().cloned().map(Thing::Parameter));
    out
}

/// Everything in the account that Watchpost did not make, as text to compare, with what the
/// config lets it change taken out (the keys of `[detective] tags` on a graph, the organization's
/// auto-enable, a managed detector's settings, what `adopt` names): after destroy it must read
/// as it did before the first step. Subscriptions on the stack's topics go with them, whoever
/// made them, as the docs say.
pub fn others(account: &FakeAccount, configs: &[Config]) -> BTreeSet<String> {
    let state = account.state();
    let named_tags: BTreeSet<&String> = configs
        .iter()
        .flat_map(|c| c.detective.tags.keys())
        .collect();
    let adopted: BTreeSet<&String> = configs.iter().flat_map(|c| &c.watchpost.adopt).collect();
    let is_adopted = |kind: &str, name: &str| adopted.contains(&format!("{kind}:{name}"));
    let mine = |thing: Thing| state.made_by_watchpost(&thing);
    let mut out = BTreeSet::new();
    for (graph, tags) in &state.graphs {
        if mine(Thing::Graph(graph.clone())) {
            continue;
        }
        for (key, value) in tags {
            if !named_tags.contains(key) {
                out.insert(format!("graph {graph} tag {key}={value}"));
            }
        }
        for (account_id, member) in state.members.get(graph).into_iter().flatten() {
            if !mine(Thing::Member(graph.clone(), account_id.clone())) {
                out.insert(format!("graph {graph} member {member:?}"));
            }
        }
    }
    for admin in &state.org_admins {
        if !mine(Thing::OrganizationAdmin(admin.clone())) {
            out.insert(format!("organization admin {admin}"));
        }
    }
    for (id, key) in &state.keys {
        if !mine(Thing::Key(id.clone())) {
            out.insert(format!("key {id} {key:?}"));
        }
    }
    for (alias, key) in &state.aliases {
        if !mine(Thing::Alias(alias.clone())) && !is_adopted("kms-key", alias) {
            out.insert(format!("alias {alias} -> {key}"));
        }
    }
    for (arn, topic) in &state.topics {
        let name = arn.rsplit(':').next().unwrap_or(arn);
        if !mine(Thing::Topic(arn.clone())) && !is_adopted("sns-topic", name) {
            out.insert(format!("topic {arn} {topic:?}"));
        }
    }
    for (arn, subscription) in &state.subscriptions {
        let adopted_topic = subscription
            .topic_arn
            .rsplit(':')
            .next()
            .is_some_and(|name| is_adopted("sns-topic", name));
        // A subscription on the stack's own topic goes with the topic, whoever made it.
        let stack_topic = mine(Thing::Topic(subscription.topic_arn.clone()));
        if !mine(Thing::Subscription(arn.clone())) && !adopted_topic && !stack_topic {
            out.insert(format!("subscription {arn} {subscription:?}"));
        }
    }
    for (name, table) in &state.tables {
        if !mine(Thing::Table(name.clone())) && !is_adopted("dynamodb-table", name) {
            out.insert(format!("table {name} {table:?}"));
        }
    }
    for (name, queue) in &state.queues {
        if !mine(Thing::Queue(queue.0.clone())) && !is_adopted("sqs-queue", name) {
            out.insert(format!("queue {name} {queue:?}"));
        }
    }
    for (name, alarm) in &state.alarms {
        if !mine(Thing::Alarm(name.clone())) && !is_adopted("cloudwatch-alarm", name) {
            out.insert(format!("alarm {name} {alarm:?}"));
        }
    }
    for (name, value) in &state.parameters {
        if !mine(Thing::Parameter(name.clone())) {
            out.insert(format!("parameter {name}={value}"));
        }
    }
    if let Some(detector) = &state.detector
        && !mine(Thing::Detector(detector.id.clone()))
    {
        out.insert(format!("detector {}", detector.id));
    }
    out
}
