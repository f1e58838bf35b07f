//! The engine: observe a region through the ports, plan against the desired state, apply a
//! plan. Generic over [`Ports`] (static dispatch); the SDK adapters and the fake account are
//! both just implementations.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;
use watchpost_core::Config;

use crate::artifact::Package;
use crate::desired::{self, Context, is_owned, names};
use crate::diff::diff;
use crate::limits;
use crate::model::{Action, Change, Kind, Mode, Plan, Resource, ResourceId};
use crate::ports::*;

mod deployment;
use deployment::apply_deployment;

/// Every port, for one region.
pub trait Ports {
    type Sts: StsPort;
    type Detective: DetectivePort;
    type Kms: KmsPort;
    type Sns: SnsPort;
    type Dynamodb: DynamodbPort;
    type Sqs: SqsPort;
    type Iam: IamPort;
    type Lambda: LambdaPort;
    type Events: EventsPort;
    type Cloudwatch: CloudwatchPort;
    type Guardduty: GuarddutyPort;
    fn sts(&self) -> &Self::Sts;
    fn detective(&self) -> &Self::Detective;
    fn kms(&self) -> &Self::Kms;
    fn sns(&self) -> &Self::Sns;
    fn dynamodb(&self) -> &Self::Dynamodb;
    fn sqs(&self) -> &Self::Sqs;
    fn iam(&self) -> &Self::Iam;
    fn lambda(&self) -> &Self::Lambda;
    fn events(&self) -> &Self::Events;
    fn cloudwatch(&self) -> &Self::Cloudwatch;
    fn guardduty(&self) -> &Self::Guardduty;
}

/// A failure to observe: nothing can be planned for the region.
#[derive(Debug, thiserror::Error)]
#[error("{region}: cannot read {what}: {source}")]
pub struct ObserveError {
    pub region: String,
    pub what: String,
    #[source]
    pub source: PortError,
}

/// What one region looks like now, as resources, plus what `outputs` shows.
#[derive(Debug, Clone)]
pub struct Observation {
    pub ctx: Context,
    pub resources: Vec<Resource>,
    pub notes: Vec<String>,
    pub outputs: RegionOutputs,
}

/// What people need after provisioning, per region.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RegionOutputs {
    pub region: String,
    pub graph_arn: Option<String>,
    /// Route → topic ARN, for the routes whose topic exists.
    pub topics: BTreeMap<String, String>,
    pub operations_topic: Option<String>,
    pub function_arn: Option<String>,
    /// The enricher's alert-state table, when it exists.
    pub state_table: Option<String>,
    /// The enricher's dead-letter queue URL, when it exists.
    pub dead_letter_queue: Option<String>,
    /// `protocol:endpoint on topic` for every subscription awaiting confirmation.
    pub pending_subscriptions: Vec<String>,
    pub dashboard_url: Option<String>,
}

fn obs_err(region: &str, what: impl Into<String>) -> impl FnOnce(PortError) -> ObserveError {
    let region = region.to_owned();
    let what = what.into();
    move |source| ObserveError {
        region,
        what,
        source,
    }
}

fn found(
    ctx: &Context,
    kind: Kind,
    name: &str,
    physical: Option<String>,
    props: impl serde::Serialize,
    owned: bool,
) -> Resource {
    Resource {
        id: ResourceId {
            region: ctx.region.clone(),
            kind,
            name: name.to_owned(),
        },
        physical_id: physical,
        props: serde_json::to_value(props).expect("specs serialize"),
        owned,
    }
}

/// Reads what Watchpost owns (or would adopt) in the ports' region.
pub async fn observe<P: Ports>(
    ports: &P,
    config: &Config,
    region: &str,
) -> Result<Observation, ObserveError> {
    let identity = ports.sts().identity().await.map_err(obs_err(
        region,
        "the caller's identity (STS GetCallerIdentity)",
    ))?;
    let mut ctx = Context {
        region: region.to_owned(),
        account_id: identity.account_id,
        partition: identity.partition,
        graph_arn: None,
        graph_adopted: false,
        key_arn: None,
        code_sha256: None,
    };
    let mut resources = Vec::new();
    let mut notes = Vec::new();
    let mut outputs = RegionOutputs {
        region: region.to_owned(),
        ..RegionOutputs::default()
    };
    let stack = config.watchpost.stack.clone();

    // Detective: the configured graph, or the region's graph (adopted when it exists).
    let detective = ports.detective();
    let graph = match &config.detective.graph_arn {
        Some(arn) => Some((arn.clone(), false)),
        None => detective
            .list_graphs()
            .await
            .map_err(obs_err(region, "Detective graphs (ListGraphs)"))?
            .into_iter()
            .next()
            .map(|arn| (arn, true)),
    };
    if let Some((graph_arn, ours_to_manage)) = &graph {
        ctx.graph_arn = Some(graph_arn.clone());
        outputs.graph_arn = Some(graph_arn.clone());
        let mut graph_owned = false;
        if *ours_to_manage {
            let tags = detective
                .graph_tags(graph_arn)
                .await
                .map_err(obs_err(region, format!("the tags of {graph_arn}")))?;
            graph_owned = is_owned(config, &tags);
            ctx.graph_adopted = !graph_owned;
            resources.push(found(
                &ctx,
                Kind::DetectiveGraph,
                "graph",
                Some(graph_arn.clone()),
                GraphSpec { tags },
                graph_owned,
            ));
        }
        let members = detective
            .list_members(graph_arn)
            .await
            .map_err(obs_err(region, format!("the members of {graph_arn}")))?;
        for member in members {
            let in_config = config
                .detective
                .members
                .iter()
                .any(|m| m.account_id == member.account_id);
            resources.push(found(
                &ctx,
                Kind::DetectiveMember,
                &member.account_id,
                Some(member.account_id.clone()),
                MemberSpec {
                    email: member.email,
                },
                graph_owned || in_config || config.detective.graph_arn.is_some(),
            ));
        }
        if !config.detective.datasource_packages.is_empty() {
            let states = detective
                .datasource_packages(graph_arn)
                .await
                .map_err(obs_err(region, format!("the data sources of {graph_arn}")))?;
            let mut enabled: Vec<String> = config
                .detective
                .datasource_packages
                .iter()
                .filter(|p| states.get(*p).is_some_and(|s| s == "STARTED"))
                .cloned()
                .collect();
            enabled.sort();
            enabled.dedup();
            // Detective cannot turn a package off: never owned, never deleted.
            resources.push(found(
                &ctx,
                Kind::DetectiveDatasources,
                "graph",
                Some(graph_arn.clone()),
                DatasourcesSpec { enabled },
                false,
            ));
        }
        if let Some(org) = &config.detective.organization {
            let admins = detective
                .organization_admins()
                .await
                .map_err(obs_err(region, "Detective's organization administrators"))?;
            if admins.contains(&org.admin_account_id) {
                let auto_enable = detective
                    .auto_enable(graph_arn)
                    .await
                    .map_err(obs_err(region, "Detective's organization configuration"))?;
                resources.push(found(
                    &ctx,
                    Kind::DetectiveOrganization,
                    "organization",
                    Some(org.admin_account_id.clone()),
                    OrganizationSpec {
                        admin_account_id: org.admin_account_id.clone(),
                        auto_enable,
                    },
                    true,
                ));
            }
        }
    }

    // KMS: the topics' key, by its alias.
    let alias = names::key_alias(&stack);
    if let Some(key) = ports
        .kms()
        .key_by_alias(&alias)
        .await
        .map_err(obs_err(region, format!("the KMS key {alias}")))?
        .filter(|k| !k.pending_deletion)
    {
        ctx.key_arn = Some(key.arn.clone());
        let owned = is_owned(config, &key.spec.tags);
        resources.push(found(
            &ctx,
            Kind::KmsKey,
            &alias,
            Some(key.key_id.clone()),
            key.spec,
            owned,
        ));
    }

    // SNS: topics named `<stack>-…` and tagged as the stack's; subscriptions of those and of
    // the routes' own topics.
    let sns = ports.sns();
    let want = desired::desired(config, &ctx);
    let prefix = format!("{stack}-");
    let mut topic_arns: Vec<(String, bool)> = Vec::new();
    for arn in sns
        .list_topics()
        .await
        .map_err(obs_err(region, "SNS topics (ListTopics)"))?
    {
        let name = names::arn_name(&arn).to_owned();
        if !name.starts_with(&prefix) {
            continue;
        }
        let Some(spec) = sns
            .topic(&arn)
            .await
            .map_err(obs_err(region, format!("the topic {arn}")))?
        else {
            continue;
        };
        let owned = is_owned(config, &spec.tags);
        if !owned {
            continue;
        }
        if name == names::operations_topic(&stack) {
            outputs.operations_topic = Some(arn.clone());
        }
        resources.push(found(
            &ctx,
            Kind::SnsTopic,
            &name,
            Some(arn.clone()),
            spec,
            owned,
        ));
        topic_arns.push((arn, true));
    }
    for topic in desired::route_topics(config, &ctx) {
        let exists = topic_arns.iter().any(|(a, _)| *a == topic.arn);
        if exists {
            outputs
                .topics
                .insert(topic.route.clone(), topic.arn.clone());
        } else if !topic.managed {
            outputs
                .topics
                .insert(topic.route.clone(), topic.arn.clone());
            topic_arns.push((topic.arn.clone(), false));
        }
    }
    for (topic_arn, owned) in &topic_arns {
        let subs = match sns.subscriptions(topic_arn).await {
            Ok(subs) => subs,
            // A route's own topic may be gone or unreadable: its subscriptions then plan as
            // creates and apply reports the real problem.
            Err(err) if !owned && err.is_not_found() => Vec::new(),
            Err(err) => {
                return Err(obs_err(region, format!("the subscriptions of {topic_arn}"))(err));
            }
        };
        let topic_name = names::arn_name(topic_arn);
        for sub in subs {
            let name = names::subscription(topic_name, &sub.spec.protocol, &sub.spec.endpoint);
            let id = ResourceId {
                region: region.to_owned(),
                kind: Kind::SnsSubscription,
                name: name.clone(),
            };
            match sub.arn {
                Some(arn) => resources.push(found(
                    &ctx,
                    Kind::SnsSubscription,
                    &name,
                    Some(arn),
                    sub.spec,
                    *owned,
                )),
                None => {
                    // Awaiting confirmation: SNS shows no attributes and cannot remove it, so
                    // it counts as what the config asks for and is never deleted.
                    let props = want
                        .iter()
                        .find(|r| r.id == id)
                        .map(|r| r.props.clone())
                        .unwrap_or_else(|| {
                            serde_json::to_value(&sub.spec).expect("specs serialize")
                        });
                    let pending = format!(
                        "{}:{} on {topic_name}",
                        sub.spec.protocol, sub.spec.endpoint
                    );
                    notes.push(format!("{region}: subscription {pending} is pending confirmation (PendingConfirmation)"));
                    outputs.pending_subscriptions.push(pending);
                    resources.push(Resource {
                        id,
                        physical_id: None,
                        props,
                        owned: false,
                    });
                }
            }
        }
    }

    // The enricher's table and dead-letter queue, by their names; owned when tagged.
    let table_name = &config.enricher.state_table;
    if let Some(table) = ports
        .dynamodb()
        .table(table_name)
        .await
        .map_err(obs_err(region, format!("the DynamoDB table {table_name}")))?
    {
        outputs.state_table = Some(table_name.clone());
        let owned = is_owned(config, &table.spec.tags);
        resources.push(found(
            &ctx,
            Kind::DynamodbTable,
            table_name,
            Some(table.arn),
            table.spec,
            owned,
        ));
    }
    let queue_name = names::dlq(&stack);
    if let Some(queue) = ports
        .sqs()
        .queue(&queue_name)
        .await
        .map_err(obs_err(region, format!("the SQS queue {queue_name}")))?
    {
        outputs.dead_letter_queue = Some(queue.url.clone());
        let owned = is_owned(config, &queue.spec.tags);
        resources.push(found(
            &ctx,
            Kind::SqsQueue,
            &queue_name,
            Some(queue.url),
            queue.spec,
            owned,
        ));
    }

    observe_deployment(ports, config, &mut ctx, &mut resources, &mut outputs).await?;
    observe_monitoring(ports, config, &ctx, &mut resources, &mut outputs).await?;

    Ok(Observation {
        ctx,
        resources,
        notes,
        outputs,
    })
}

/// The enricher's role, policy, function, invoke config and permissions, and the rules that
/// feed it with their targets.
async fn observe_deployment<P: Ports>(
    ports: &P,
    config: &Config,
    ctx: &mut Context,
    resources: &mut Vec<Resource>,
    outputs: &mut RegionOutputs,
) -> Result<(), ObserveError> {
    let region = ctx.region.clone();
    let region = region.as_str();
    let stack = &config.watchpost.stack;
    let role = names::role(stack, region);
    if let Some((arn, spec)) = ports
        .iam()
        .role(&role)
        .await
        .map_err(obs_err(region, format!("the IAM role {role}")))?
    {
        let owned = is_owned(config, &spec.tags);
        resources.push(found(ctx, Kind::IamRole, &role, Some(arn), spec, owned));
        let policy_name = names::role_policy(stack);
        if let Some(policy) =
            ports
                .iam()
                .role_policy(&role, &policy_name)
                .await
                .map_err(obs_err(
                    region,
                    format!("the policy {policy_name} of {role}"),
                ))?
        {
            resources.push(found(
                ctx,
                Kind::IamRolePolicy,
                &policy_name,
                Some(policy_name.clone()),
                RolePolicySpec {
                    role: role.clone(),
                    policy,
                },
                owned,
            ));
        }
    }

    let function = &config.enricher.function_name;
    let lambda = ports.lambda();
    if let Some((arn, spec)) = lambda
        .function(function)
        .await
        .map_err(obs_err(region, format!("the Lambda function {function}")))?
    {
        outputs.function_arn = Some(arn.clone());
        let owned = is_owned(config, &spec.tags);
        ctx.code_sha256 = Some(spec.code_sha256.clone());
        resources.push(found(
            ctx,
            Kind::LambdaFunction,
            function,
            Some(arn),
            spec,
            owned,
        ));
        if let Some(invoke) = lambda
            .invoke_config(function)
            .await
            .map_err(obs_err(region, format!("the invoke config of {function}")))?
        {
            resources.push(found(
                ctx,
                Kind::LambdaInvokeConfig,
                function,
                Some(function.clone()),
                invoke,
                owned,
            ));
        }
        let prefix = format!("{stack}-");
        for (sid, permission) in lambda.permissions(function).await.map_err(obs_err(
            region,
            format!("the resource policy of {function}"),
        ))? {
            // Only the statements Watchpost adds (named after its rules); others are left alone.
            if sid.starts_with(&prefix) {
                resources.push(found(
                    ctx,
                    Kind::LambdaPermission,
                    &sid,
                    Some(function.clone()),
                    permission,
                    owned,
                ));
            }
        }
    }

    let events = ports.events();
    let rules = [
        names::findings_rule(stack),
        names::securityhub_rule(stack),
        names::sweep_rule(stack),
    ];
    for rule in rules {
        let Some((arn, spec)) = events
            .rule(&rule)
            .await
            .map_err(obs_err(region, format!("the EventBridge rule {rule}")))?
        else {
            continue;
        };
        let owned = is_owned(config, &spec.tags);
        resources.push(found(ctx, Kind::EventsRule, &rule, Some(arn), spec, owned));
        let mut targets = events
            .targets(&rule)
            .await
            .map_err(obs_err(region, format!("the targets of {rule}")))?;
        if !targets.is_empty() {
            targets.sort_by(|a, b| a.id.cmp(&b.id));
            resources.push(found(
                ctx,
                Kind::EventsTargets,
                &rule,
                Some(rule.clone()),
                TargetsSpec { targets },
                owned,
            ));
        }
    }
    Ok(())
}

/// The alarms, the dashboard and the GuardDuty detector.
async fn observe_monitoring<P: Ports>(
    ports: &P,
    config: &Config,
    ctx: &Context,
    resources: &mut Vec<Resource>,
    outputs: &mut RegionOutputs,
) -> Result<(), ObserveError> {
    let region = ctx.region.as_str();
    let stack = &config.watchpost.stack;
    let cloudwatch = ports.cloudwatch();
    let prefix = format!("{stack}-");
    for (name, (arn, spec)) in cloudwatch
        .alarms(&prefix)
        .await
        .map_err(obs_err(region, format!("the CloudWatch alarms {prefix}*")))?
    {
        let owned = is_owned(config, &spec.tags);
        if owned {
            resources.push(found(
                ctx,
                Kind::CloudwatchAlarm,
                &name,
                Some(arn),
                spec,
                owned,
            ));
        }
    }
    let dashboard = names::dashboard(stack);
    if let Some(spec) = cloudwatch
        .dashboard(&dashboard)
        .await
        .map_err(obs_err(region, format!("the dashboard {dashboard}")))?
    {
        // Dashboards carry no tags: one is the stack's when it says so in its title widget.
        let owned = spec
            .body
            .to_string()
            .contains(&format!("# Watchpost {stack}\\n"));
        outputs.dashboard_url = Some(desired::dashboard_url(ctx, &dashboard));
        resources.push(found(
            ctx,
            Kind::CloudwatchDashboard,
            &dashboard,
            Some(dashboard.clone()),
            spec,
            owned,
        ));
    }
    if config.guardduty.manage_detector
        && let Some(detector) = ports
            .guardduty()
            .detector(&config.guardduty.features)
            .await
            .map_err(obs_err(region, "the GuardDuty detector"))?
    {
        let owned = is_owned(config, &detector.tags);
        resources.push(found(
            ctx,
            Kind::GuarddutyDetector,
            names::DETECTOR,
            Some(detector.id),
            detector.spec,
            owned,
        ));
    }
    Ok(())
}

/// The plan for one region.
pub async fn plan_region<P: Ports>(
    ports: &P,
    config: &Config,
    package: &Package,
    region: &str,
    mode: Mode,
) -> Result<(Plan, Observation), ObserveError> {
    let observation = observe(ports, config, region).await?;
    let mut ctx = observation.ctx.clone();
    let mut notes = observation.notes.clone();
    match package {
        Package::Ready { sha256, .. } => ctx.code_sha256 = Some(sha256.clone()),
        // Without a package the deployed code stays as it is (its hash is the observed one);
        // a function still to be created cannot be, and the plan says why.
        Package::Missing(why) if mode == Mode::Apply && ctx.code_sha256.is_none() => {
            notes.push(format!(
                "{region}: the enricher function cannot be created: {why}"
            ));
        }
        Package::Missing(_) => {}
    }
    let want = desired::desired(config, &ctx);
    let mut plan = diff(&want, &observation.resources, mode);
    plan.notes.extend(notes);
    Ok((plan, observation))
}

/// A change that failed, with the call and AWS's message.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceError {
    pub id: ResourceId,
    pub action: Action,
    pub message: String,
}

impl std::fmt::Display for ResourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({:?}): {}", self.id, self.action, self.message)
    }
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
    pub applied: Vec<ResourceId>,
    pub errors: Vec<ResourceError>,
}

fn spec<T: DeserializeOwned>(ctx: &Context, value: &Option<Value>) -> Result<T, String> {
    let value = value.as_ref().ok_or("the plan has no properties for it")?;
    serde_json::from_value(ctx.resolve(value)).map_err(|e| format!("unreadable plan entry: {e}"))
}

fn unresolved(value: &Value) -> Option<&'static str> {
    let text = value.to_string();
    [desired::GRAPH_ARN_UNKNOWN, desired::KEY_ARN_UNKNOWN]
        .into_iter()
        .find(|p| text.contains(p))
}

/// Applies exactly `changes` (one region's part of a plan, in order). Every change is tried;
/// failures are collected, not fatal. `progress` hears one line per change.
pub async fn apply_region<P: Ports>(
    ports: &P,
    config: &Config,
    package: &Package,
    region: &str,
    changes: &[Change],
    progress: &dyn Fn(&str),
) -> ApplyReport {
    let mut report = ApplyReport::default();
    if changes.is_empty() {
        return report;
    }
    // What apply needs to resolve placeholders: re-read, since the plan may be older.
    let mut ctx = match observe_context(ports, config, region).await {
        Ok(ctx) => ctx,
        Err(err) => {
            for change in changes {
                report.errors.push(ResourceError {
                    id: change.id.clone(),
                    action: change.action,
                    message: err.to_string(),
                });
            }
            return report;
        }
    };
    let mut i = 0;
    while i < changes.len() {
        let change = &changes[i];
        if change.id.kind == Kind::DetectiveMember {
            // Members go in batches: take every member change that follows.
            let mut j = i;
            while j < changes.len() && changes[j].id.kind == Kind::DetectiveMember {
                j += 1;
            }
            apply_members(ports, config, &ctx, &changes[i..j], progress, &mut report).await;
            i = j;
            continue;
        }
        progress(&format!("{} {}", change.action.symbol(), change.id));
        let outcome = match change
            .after
            .as_ref()
            .and_then(|a| unresolved(&ctx.resolve(a)))
        {
            Some(placeholder) => Err(format!(
                "{placeholder} is still unknown: the resource it comes from failed; fix that error and apply again"
            )),
            None => apply_one(ports, config, package, &mut ctx, change).await,
        };
        match outcome {
            Ok(()) => report.applied.push(change.id.clone()),
            Err(message) => report.errors.push(ResourceError {
                id: change.id.clone(),
                action: change.action,
                message,
            }),
        }
        i += 1;
    }
    report
}

async fn observe_context<P: Ports>(
    ports: &P,
    config: &Config,
    region: &str,
) -> Result<Context, PortError> {
    let identity = ports.sts().identity().await?;
    let graph_arn = match &config.detective.graph_arn {
        Some(arn) => Some(arn.clone()),
        None => ports.detective().list_graphs().await?.into_iter().next(),
    };
    let key_arn = ports
        .kms()
        .key_by_alias(&names::key_alias(&config.watchpost.stack))
        .await?
        .filter(|k| !k.pending_deletion)
        .map(|k| k.arn);
    Ok(Context {
        region: region.to_owned(),
        account_id: identity.account_id,
        partition: identity.partition,
        graph_arn,
        // Only the desired state reads it; apply works from the plan.
        graph_adopted: false,
        key_arn,
        code_sha256: None,
    })
}

fn physical(change: &Change) -> Result<&str, String> {
    change
        .physical_id
        .as_deref()
        .ok_or_else(|| "the plan does not say which resource to change".to_owned())
}

async fn apply_one<P: Ports>(
    ports: &P,
    config: &Config,
    package: &Package,
    ctx: &mut Context,
    change: &Change,
) -> Result<(), String> {
    if let Some(done) = apply_deployment(ports, config, package, ctx, change).await {
        return done;
    }
    let e = |err: PortError| err.to_string();
    let name = change.id.name.as_str();
    match (change.id.kind, change.action) {
        (Kind::DetectiveGraph, Action::Create) => {
            let want: GraphSpec = spec(ctx, &change.after)?;
            let arn = ports
                .detective()
                .create_graph(&want.tags)
                .await
                .map_err(e)?;
            ctx.graph_arn = Some(arn);
        }
        (Kind::DetectiveGraph, Action::Update) => {
            let want: GraphSpec = spec(ctx, &change.after)?;
            let had: GraphSpec = spec(ctx, &change.before)?;
            let arn = physical(change)?;
            let gone: Vec<String> = had
                .tags
                .keys()
                .filter(|k| !want.tags.contains_key(*k))
                .cloned()
                .collect();
            if !gone.is_empty() {
                ports.detective().untag_graph(arn, &gone).await.map_err(e)?;
            }
            ports
                .detective()
                .tag_graph(arn, &want.tags)
                .await
                .map_err(e)?;
        }
        (Kind::DetectiveGraph, Action::Delete) => {
            ports
                .detective()
                .delete_graph(physical(change)?)
                .await
                .map_err(e)?;
            ctx.graph_arn = None;
        }
        (Kind::DetectiveDatasources, Action::Create | Action::Update) => {
            let want: DatasourcesSpec = spec(ctx, &change.after)?;
            let graph = ctx.graph_arn.clone().ok_or("no Detective graph")?;
            ports
                .detective()
                .enable_datasource_packages(&graph, &want.enabled)
                .await
                .map_err(e)?;
        }
        (Kind::DetectiveDatasources, Action::Delete) => {}
        (Kind::DetectiveOrganization, Action::Create | Action::Update) => {
            let want: OrganizationSpec = spec(ctx, &change.after)?;
            let had: Option<OrganizationSpec> = change
                .before
                .as_ref()
                .map(|_| spec(ctx, &change.before))
                .transpose()?;
            if had.as_ref().map(|h| &h.admin_account_id) != Some(&want.admin_account_id) {
                ports
                    .detective()
                    .enable_organization_admin(&want.admin_account_id)
                    .await
                    .map_err(e)?;
            }
            let graph = ctx.graph_arn.clone().ok_or("no Detective graph")?;
            ports
                .detective()
                .set_auto_enable(&graph, want.auto_enable)
                .await
                .map_err(e)?;
        }
        (Kind::DetectiveOrganization, Action::Delete) => {
            ports
                .detective()
                .disable_organization_admin()
                .await
                .map_err(e)?;
        }
        (Kind::KmsKey, Action::Create) => {
            let want: KeySpec = spec(ctx, &change.after)?;
            let arn = ports.kms().create_key(name, &want).await.map_err(e)?;
            ctx.key_arn = Some(arn);
        }
        (Kind::KmsKey, Action::Update) => {
            let want: KeySpec = spec(ctx, &change.after)?;
            let had: KeySpec = spec(ctx, &change.before)?;
            let key_id = physical(change)?;
            if want.policy != had.policy {
                ports
                    .kms()
                    .put_key_policy(key_id, &want.policy)
                    .await
                    .map_err(e)?;
            }
            if want.tags != had.tags {
                ports.kms().tag_key(key_id, &want.tags).await.map_err(e)?;
            }
        }
        (Kind::KmsKey, Action::Delete) => {
            ports
                .kms()
                .delete_key(name, physical(change)?)
                .await
                .map_err(e)?;
            ctx.key_arn = None;
        }
        (Kind::SnsTopic, Action::Create) => {
            let want: TopicSpec = spec(ctx, &change.after)?;
            ports.sns().create_topic(name, &want).await.map_err(e)?;
        }
        (Kind::SnsTopic, Action::Update) => {
            let want: TopicSpec = spec(ctx, &change.after)?;
            let had: TopicSpec = spec(ctx, &change.before)?;
            let arn = physical(change)?;
            if want.policy != had.policy {
                let policy = want
                    .policy
                    .as_ref()
                    .map(Value::to_string)
                    .unwrap_or_default();
                ports
                    .sns()
                    .set_topic_attribute(arn, "Policy", &policy)
                    .await
                    .map_err(e)?;
            }
            if want.kms_master_key_id != had.kms_master_key_id {
                let key = want.kms_master_key_id.clone().unwrap_or_default();
                ports
                    .sns()
                    .set_topic_attribute(arn, "KmsMasterKeyId", &key)
                    .await
                    .map_err(e)?;
            }
            if want.tags != had.tags {
                ports.sns().tag_topic(arn, &want.tags).await.map_err(e)?;
            }
        }
        (Kind::SnsTopic, Action::Delete) => {
            ports
                .sns()
                .delete_topic(physical(change)?)
                .await
                .map_err(e)?;
        }
        (Kind::SnsSubscription, Action::Create) => {
            let want: SubscriptionSpec = spec(ctx, &change.after)?;
            ports.sns().subscribe(&want).await.map_err(e)?;
        }
        (Kind::SnsSubscription, Action::Update) => {
            let want: SubscriptionSpec = spec(ctx, &change.after)?;
            let arn = change.physical_id.as_deref().ok_or(
                "the subscription is pending confirmation: confirm it (or delete it in the console) and apply again",
            )?;
            ports
                .sns()
                .set_subscription_attributes(arn, &want)
                .await
                .map_err(e)?;
        }
        (Kind::SnsSubscription, Action::Delete) => {
            ports
                .sns()
                .unsubscribe(physical(change)?)
                .await
                .map_err(e)?;
        }
        (Kind::DynamodbTable, Action::Create) => {
            let want: TableSpec = spec(ctx, &change.after)?;
            ports
                .dynamodb()
                .create_table(name, &want)
                .await
                .map_err(e)?;
        }
        (Kind::DynamodbTable, Action::Update) => {
            let want: TableSpec = spec(ctx, &change.after)?;
            let had: TableSpec = spec(ctx, &change.before)?;
            let arn = physical(change)?;
            if want.partition_key != had.partition_key {
                return Err(format!(
                    "the table's partition key is `{}`, the enricher needs `{}`, and DynamoDB cannot change a key: delete the table (or name another in [enricher] state_table) and apply again",
                    had.partition_key, want.partition_key
                ));
            }
            let dynamodb = ports.dynamodb();
            if want.billing_mode != had.billing_mode {
                dynamodb
                    .set_billing_mode(name, &want.billing_mode)
                    .await
                    .map_err(e)?;
            }
            if want.sse_enabled != had.sse_enabled {
                dynamodb.set_sse(name, want.sse_enabled).await.map_err(e)?;
            }
            if want.ttl_attribute != had.ttl_attribute {
                // TTL moves to another attribute only by being disabled first.
                if let Some(old) = &had.ttl_attribute {
                    dynamodb.set_ttl(name, old, false).await.map_err(e)?;
                }
                if let Some(new) = &want.ttl_attribute {
                    dynamodb.set_ttl(name, new, true).await.map_err(e)?;
                }
            }
            if want.tags != had.tags {
                dynamodb.tag_table(arn, &want.tags).await.map_err(e)?;
            }
        }
        (Kind::DynamodbTable, Action::Delete) => {
            ports.dynamodb().delete_table(name).await.map_err(e)?;
        }
        (Kind::SqsQueue, Action::Create) => {
            let want: QueueSpec = spec(ctx, &change.after)?;
            ports.sqs().create_queue(name, &want).await.map_err(e)?;
        }
        (Kind::SqsQueue, Action::Update) => {
            let want: QueueSpec = spec(ctx, &change.after)?;
            let had: QueueSpec = spec(ctx, &change.before)?;
            let url = physical(change)?;
            if (
                want.sqs_managed_sse,
                want.message_retention_seconds,
                &want.policy,
            ) != (
                had.sqs_managed_sse,
                had.message_retention_seconds,
                &had.policy,
            ) {
                ports
                    .sqs()
                    .set_queue_attributes(url, &want)
                    .await
                    .map_err(e)?;
            }
            if want.tags != had.tags {
                ports.sqs().tag_queue(url, &want.tags).await.map_err(e)?;
            }
        }
        (Kind::SqsQueue, Action::Delete) => {
            ports
                .sqs()
                .delete_queue(physical(change)?)
                .await
                .map_err(e)?;
        }
        (kind, action) => {
            let _ = config;
            return Err(format!("{action:?} of {kind} is not supported"));
        }
    }
    Ok(())
}

/// Member changes in batches: removals (and the removal half of a changed email) first, then
/// invitations, [`limits::CREATE_MEMBERS_MAX`] per call. Accounts Detective reports as
/// unprocessed become errors of their own.
async fn apply_members<P: Ports>(
    ports: &P,
    config: &Config,
    ctx: &Context,
    changes: &[Change],
    progress: &dyn Fn(&str),
    report: &mut ApplyReport,
) {
    let Some(graph) = ctx.graph_arn.clone() else {
        for change in changes {
            report.errors.push(ResourceError {
                id: change.id.clone(),
                action: change.action,
                message: "no Detective graph to invite members into: see the graph's error".into(),
            });
        }
        return;
    };
    let by_account: BTreeMap<&str, &Change> =
        changes.iter().map(|c| (c.id.name.as_str(), c)).collect();
    let fail = |account: &str, message: String, report: &mut ApplyReport| {
        if let Some(change) = by_account.get(account) {
            report.errors.push(ResourceError {
                id: change.id.clone(),
                action: change.action,
                message,
            });
        }
    };
    let removals: Vec<String> = changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::Update))
        .map(|c| c.id.name.clone())
        .collect();
    let mut failed: std::collections::BTreeSet<String> = Default::default();
    for chunk in removals.chunks(limits::DELETE_MEMBERS_MAX) {
        progress(&format!(
            "- {} detective-member ×{}",
            ctx.region,
            chunk.len()
        ));
        match ports.detective().delete_members(&graph, chunk).await {
            Ok(unprocessed) => {
                for u in unprocessed {
                    failed.insert(u.account_id.clone());
                    fail(
                        &u.account_id,
                        format!("DeleteMembers: unprocessed: {}", u.reason),
                        report,
                    );
                }
            }
            Err(err) => {
                for account in chunk {
                    failed.insert(account.clone());
                    fail(account, err.to_string(), report);
                }
            }
        }
    }
    let invites: Vec<Invite> = changes
        .iter()
        .filter(|c| {
            matches!(c.action, Action::Create | Action::Update) && !failed.contains(&c.id.name)
        })
        .filter_map(|c| {
            let spec: MemberSpec = serde_json::from_value(c.after.clone()?).ok()?;
            Some(Invite {
                account_id: c.id.name.clone(),
                email: spec.email,
            })
        })
        .collect();
    let message = config.detective.invitation_message.as_deref();
    for chunk in invites.chunks(limits::CREATE_MEMBERS_MAX) {
        progress(&format!(
            "+ {} detective-member ×{}",
            ctx.region,
            chunk.len()
        ));
        match ports
            .detective()
            .create_members(
                &graph,
                chunk,
                message,
                config.detective.disable_email_notification,
            )
            .await
        {
            Ok(unprocessed) => {
                for u in unprocessed {
                    failed.insert(u.account_id.clone());
                    fail(
                        &u.account_id,
                        format!("CreateMembers: unprocessed: {}", u.reason),
                        report,
                    );
                }
            }
            Err(err) => {
                for invite in chunk {
                    failed.insert(invite.account_id.clone());
                    fail(&invite.account_id, err.to_string(), report);
                }
            }
        }
    }
    for change in changes {
        if !failed.contains(&change.id.name) {
            report.applied.push(change.id.clone());
        }
    }
}

/// Plans every region at once (in parallel) and merges the plans, regions in the given order.
pub async fn plan_all<P: Ports>(
    regions: &[(String, P)],
    config: &Config,
    package: &Package,
    mode: Mode,
) -> Result<(Plan, Vec<Observation>), ObserveError> {
    let results = futures_util::future::join_all(
        regions
            .iter()
            .map(|(region, ports)| plan_region(ports, config, package, region, mode)),
    )
    .await;
    let mut plan = Plan::default();
    let mut observations = Vec::new();
    for result in results {
        let (region_plan, observation) = result?;
        plan.changes.extend(region_plan.changes);
        plan.notes.extend(region_plan.notes);
        observations.push(observation);
    }
    Ok((plan, observations))
}

/// Applies a plan to every region at once (in parallel); per-resource errors from all regions.
pub async fn apply_all<P: Ports>(
    regions: &[(String, P)],
    config: &Config,
    package: &Package,
    plan: &Plan,
    progress: &dyn Fn(&str),
) -> ApplyReport {
    let by_region = plan.by_region();
    let empty = Vec::new();
    let reports = futures_util::future::join_all(regions.iter().map(|(region, ports)| {
        let changes = by_region.get(region).unwrap_or(&empty);
        apply_region(ports, config, package, region, changes, progress)
    }))
    .await;
    let mut report = ApplyReport::default();
    for r in reports {
        report.applied.extend(r.applied);
        report.errors.extend(r.errors);
    }
    report
}
