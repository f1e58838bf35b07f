//! The GuardDuty finding model (generated from the official API model) and the questions the
//! rest of Watchpost asks of a finding, answered in one place.

mod principal;
pub mod serde_helpers;
pub mod timestamp;
#[rustfmt::skip]
pub mod wire;

pub use principal::Principal;
pub use timestamp::Timestamp;
pub use wire::Finding;

use wire::{RemoteIpDetails, Tag};

/// Attack sequence indicator keys whose values are API calls, written `service:Operation`
/// (GuardDuty API reference, "Indicator").
pub const API_INDICATORS: &[&str] = &["HIGH_RISK_API", "UNUSUAL_API_FOR_ACCOUNT"];

/// `service.additionalInfo` key under which a Security Hub copy keeps the status that closed it
/// (`Suppressed`, `Resolved`, …): the reason its record gives for not alerting.
pub const SECURITY_HUB_STATUS: &str = "securityHubStatus";

/// Who or what acted, as far as the finding says: where the request came from and with what.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actor {
    pub ip_address: Option<String>,
    pub asn: Option<String>,
    pub asn_org: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub user_agent: Option<String>,
    /// `service:Api`, e.g. `bedrock:InvokeModel`.
    pub api: Option<String>,
    pub domain: Option<String>,
}

/// One API call the finding names: its service (e.g. `bedrock.amazonaws.com` or `bedrock`) and
/// operation name; `in_sequence` when an attack sequence's indicators name it rather than the
/// finding's own action.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCall {
    pub service: String,
    pub name: String,
    pub in_sequence: bool,
}

/// A value the finding names (an instance type, a bucket, a principal), and whether it was
/// seen among an attack sequence's resources or actors rather than the finding's own resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sighting<'a> {
    pub value: &'a str,
    pub in_sequence: bool,
}

impl<'a> Sighting<'a> {
    fn own(value: &'a str) -> Self {
        Sighting {
            value,
            in_sequence: false,
        }
    }

    fn in_sequence(value: &'a str) -> Self {
        Sighting {
            value,
            in_sequence: true,
        }
    }
}

impl Finding {
    /// The finding's type, e.g. `CryptoCurrency:EC2/BitcoinTool.B!DNS`.
    pub fn finding_type(&self) -> &str {
        &self.r#type
    }

    /// The resource type GuardDuty reports (`Instance`, `AccessKey`, `S3Bucket`, …), possibly one
    /// this version does not know.
    pub fn resource_type(&self) -> &str {
        self.resource.resource_type.as_deref().unwrap_or("Unknown")
    }

    /// Whether the finding has been archived (by a user or a suppression rule).
    pub fn is_archived(&self) -> bool {
        self.service
            .as_ref()
            .and_then(|s| s.archived)
            .unwrap_or(false)
    }

    /// The status under which Security Hub closed its copy of the finding, when it did.
    pub fn security_hub_status(&self) -> Option<&str> {
        self.service
            .as_ref()?
            .additional_info
            .as_ref()?
            .get(SECURITY_HUB_STATUS)?
            .as_str()
    }

    /// Whether GuardDuty generated this as a sample (`service.additionalInfo.sample: true`).
    pub fn is_sample(&self) -> bool {
        let sample = self
            .service
            .as_ref()
            .and_then(|s| s.additional_info.as_ref())
            .and_then(|info| info.get("sample"));
        match sample {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }

    /// How many times GuardDuty has seen this activity (`service.count`); 1 when absent.
    pub fn count(&self) -> i64 {
        self.service.as_ref().and_then(|s| s.count).unwrap_or(1)
    }

    /// When the activity was first and last seen, as written in the finding.
    pub fn first_last_seen(&self) -> (Option<&str>, Option<&str>) {
        let service = self.service.as_ref();
        (
            service.and_then(|s| s.event_first_seen.as_deref()),
            service.and_then(|s| s.event_last_seen.as_deref()),
        )
    }

    /// Every API call the finding mentions: the action's call and, for attack sequences, the
    /// APIs named in its signals' indicators.
    pub fn api_calls(&self) -> Vec<ApiCall> {
        let mut calls = Vec::new();
        let Some(service) = &self.service else {
            return calls;
        };
        if let Some(call) = service
            .action
            .as_ref()
            .and_then(|a| a.aws_api_call_action.as_ref())
            && let Some(name) = &call.api
        {
            calls.push(ApiCall {
                service: call.service_name.clone().unwrap_or_default(),
                name: name.clone(),
                in_sequence: false,
            });
        }
        if let Some(sequence) = service.detection.as_ref().and_then(|d| d.sequence.as_ref()) {
            let indicators = sequence.sequence_indicators.iter().chain(
                sequence
                    .signals
                    .iter()
                    .flat_map(|s| s.signal_indicators.iter()),
            );
            for indicator in indicators {
                if !indicator
                    .key
                    .as_deref()
                    .is_some_and(|k| API_INDICATORS.contains(&k))
                {
                    continue;
                }
                for value in &indicator.values {
                    // Sequence indicators write APIs as `service:Operation`.
                    if let Some((svc, name)) = value.split_once(':') {
                        let call = ApiCall {
                            service: svc.to_owned(),
                            name: name.to_owned(),
                            in_sequence: true,
                        };
                        // Signals repeat the sequence's indicators: each call once.
                        if !calls.contains(&call) {
                            calls.push(call);
                        }
                    }
                }
            }
        }
        calls
    }

    /// Instance types the finding's resource runs on (EC2 instance, or sequence resources).
    pub fn instance_types(&self) -> Vec<Sighting<'_>> {
        let mut types: Vec<Sighting<'_>> = self
            .resource
            .instance_details
            .iter()
            .filter_map(|i| i.instance_type.as_deref())
            .map(Sighting::own)
            .collect();
        for resource in self.sequence_resources() {
            if let Some(t) = resource
                .data
                .as_ref()
                .and_then(|d| d.ec2_instance.as_ref())
                .and_then(|i| i.instance_type.as_deref())
            {
                types.push(Sighting::in_sequence(t));
            }
        }
        types
    }

    /// S3 bucket names the finding involves.
    pub fn bucket_names(&self) -> Vec<Sighting<'_>> {
        let mut names: Vec<Sighting<'_>> = self
            .resource
            .s3_bucket_details
            .iter()
            .filter_map(|b| b.name.as_deref())
            .map(Sighting::own)
            .collect();
        for resource in self.sequence_resources() {
            // GuardDuty writes `S3_BUCKET`; some exporters the CloudFormation name.
            if matches!(
                resource.resource_type.as_deref(),
                Some("S3_BUCKET" | "AWS::S3::Bucket")
            ) && let Some(name) = resource.name.as_deref()
            {
                names.push(Sighting::in_sequence(name));
            }
        }
        names
    }

    /// The IAM principal names (user or role session) behind the finding's access key, and the
    /// actors of an attack sequence.
    pub fn principal_names(&self) -> Vec<Sighting<'_>> {
        let mut names = Vec::new();
        if let Some(key) = &self.resource.access_key_details
            && let Some(user) = key.user_name.as_deref()
        {
            names.push(Sighting::own(user));
        }
        for actor in self.sequence_actors() {
            if let Some(name) = actor.user.as_ref().and_then(|u| u.name.as_deref()) {
                names.push(Sighting::in_sequence(name));
            }
        }
        names
    }

    /// Every tag on every resource of the finding, as `(resource, key, value)`.
    pub fn resource_tags(&self) -> Vec<(&'static str, &str, &str)> {
        let r = &self.resource;
        let mut lists: Vec<(&'static str, &[Tag])> = Vec::new();
        if let Some(i) = &r.instance_details {
            lists.push(("instance", &i.tags));
        }
        for b in &r.s3_bucket_details {
            lists.push(("bucket", &b.tags));
        }
        if let Some(c) = &r.eks_cluster_details {
            lists.push(("EKS cluster", &c.tags));
        }
        if let Some(c) = &r.ecs_cluster_details {
            lists.push(("ECS cluster", &c.tags));
        }
        if let Some(l) = &r.lambda_details {
            lists.push(("Lambda function", &l.tags));
        }
        if let Some(d) = &r.rds_db_instance_details {
            lists.push(("RDS instance", &d.tags));
        }
        for resource in self.sequence_resources() {
            lists.push(("attack sequence resource", &resource.tags));
        }
        lists
            .into_iter()
            .flat_map(|(what, tags)| {
                tags.iter().filter_map(move |tag| {
                    Some((
                        what,
                        tag.key.as_deref()?,
                        tag.value.as_deref().unwrap_or(""),
                    ))
                })
            })
            .collect()
    }

    /// The one identifier a person would use for the affected resource.
    pub fn resource_label(&self) -> String {
        let r = &self.resource;
        // S3 findings also carry the access key that acted; the bucket is what they are about.
        let bucket = r.s3_bucket_details.first().and_then(|b| b.name.clone());
        let bucket_first = bucket
            .clone()
            .filter(|_| self.resource_type() == "S3Bucket");
        let first = [
            bucket_first,
            r.instance_details
                .as_ref()
                .and_then(|i| i.instance_id.clone()),
            r.access_key_details.as_ref().and_then(|k| {
                k.user_name
                    .clone()
                    .or_else(|| k.access_key_id.clone())
                    .or_else(|| k.principal_id.clone())
            }),
            bucket,
            r.eks_cluster_details.as_ref().and_then(|c| c.name.clone()),
            r.ecs_cluster_details.as_ref().and_then(|c| c.name.clone()),
            r.lambda_details
                .as_ref()
                .and_then(|l| l.function_name.clone()),
            r.rds_db_instance_details
                .as_ref()
                .and_then(|d| d.db_instance_identifier.clone()),
            r.rds_limitless_db_details
                .as_ref()
                .and_then(|d| d.db_shard_group_identifier.clone()),
            r.rds_db_user_details.as_ref().and_then(|u| u.user.clone()),
            r.container_details
                .as_ref()
                .and_then(|c| c.name.clone().or_else(|| c.image.clone())),
            // ARNs are too long for a subject; their last part (`snap-…`, `ami-…`) is the id.
            r.ebs_snapshot_details
                .as_ref()
                .and_then(|s| s.snapshot_arn.as_deref().map(arn_resource_id)),
            r.ec2_image_details
                .as_ref()
                .and_then(|i| i.image_arn.as_deref().map(arn_resource_id)),
            r.recovery_point_details
                .as_ref()
                .and_then(|p| p.recovery_point_arn.as_deref().map(arn_resource_id)),
            r.kubernetes_details
                .as_ref()
                .and_then(|k| k.kubernetes_workload_details.as_ref())
                .and_then(|w| w.name.clone()),
            self.sequence_actors()
                .find_map(|a| a.user.as_ref().and_then(|u| u.name.clone())),
            // A model is what a usage alarm is about (its only detail).
            r.model_details.first().and_then(|m| m.model_id.clone()),
        ];
        first
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(|| self.resource_type().to_owned())
    }

    /// Where the activity came from: the first remote IP detail and user agent in the action.
    pub fn actor(&self) -> Actor {
        let mut actor = Actor::default();
        let Some(action) = self.service.as_ref().and_then(|s| s.action.as_ref()) else {
            return actor;
        };
        let remote: Option<&RemoteIpDetails> = action
            .aws_api_call_action
            .as_ref()
            .and_then(|a| a.remote_ip_details.as_deref())
            .or_else(|| {
                action
                    .network_connection_action
                    .as_ref()
                    .and_then(|n| n.remote_ip_details.as_deref())
            })
            .or_else(|| {
                action
                    .kubernetes_api_call_action
                    .as_ref()
                    .and_then(|k| k.remote_ip_details.as_deref())
            })
            .or_else(|| {
                action
                    .rds_login_attempt_action
                    .as_ref()
                    .and_then(|r| r.remote_ip_details.as_deref())
            })
            .or_else(|| {
                action
                    .port_probe_action
                    .as_ref()
                    .and_then(|p| p.port_probe_details.first())
                    .and_then(|d| d.remote_ip_details.as_deref())
            });
        if let Some(remote) = remote {
            actor.ip_address = remote
                .ip_address_v4
                .clone()
                .or_else(|| remote.ip_address_v6.clone());
            if let Some(org) = &remote.organization {
                actor.asn = org.asn.clone();
                actor.asn_org = org.asn_org.clone().or_else(|| org.org.clone());
            }
            actor.country = remote.country.as_ref().and_then(|c| c.country_name.clone());
            actor.city = remote.city.as_ref().and_then(|c| c.city_name.clone());
        }
        if let Some(call) = &action.aws_api_call_action {
            actor.user_agent = call.user_agent.clone();
            actor.api = call.api.as_ref().map(|api| match &call.service_name {
                Some(service) => format!("{service}:{api}"),
                None => api.clone(),
            });
        }
        if let Some(k8s) = &action.kubernetes_api_call_action {
            actor.user_agent = actor.user_agent.take().or_else(|| k8s.user_agent.clone());
        }
        if let Some(dns) = &action.dns_request_action {
            actor.domain = dns.domain.clone();
        }
        actor
    }

    /// The IAM principal the activity used, as an ARN Detective can profile, when the finding
    /// tells enough to build one (an IAM user name with an `IAMUser` user type, or a role).
    /// For an attack sequence, its first actor's principal.
    pub fn principal_arn(&self) -> Option<String> {
        let partition = self.partition.as_deref().unwrap_or("aws");
        let Some(key) = self.resource.access_key_details.as_ref() else {
            return self
                .sequence_actors()
                .filter_map(Principal::of)
                .find_map(|p| p.arn(partition, &self.account_id));
        };
        let name = key.user_name.as_deref()?;
        match key.user_type.as_deref() {
            Some("IAMUser") => Some(format!(
                "arn:{partition}:iam::{}:user/{name}",
                self.account_id
            )),
            Some("AssumedRole") | Some("Role") => Some(format!(
                "arn:{partition}:iam::{}:role/{name}",
                self.account_id
            )),
            _ => None,
        }
    }

    /// The attack sequence the finding carries (`service.detection.sequence`).
    pub(crate) fn sequence(&self) -> Option<&wire::Sequence> {
        self.service
            .as_ref()
            .and_then(|s| s.detection.as_ref())
            .and_then(|d| d.sequence.as_deref())
    }

    fn sequence_resources(&self) -> impl Iterator<Item = &wire::ResourceV2> {
        self.sequence().into_iter().flat_map(|s| s.resources.iter())
    }

    fn sequence_actors(&self) -> impl Iterator<Item = &wire::Actor> {
        self.sequence().into_iter().flat_map(|s| s.actors.iter())
    }

    /// The signals of an attack sequence (empty for other findings).
    pub fn sequence_signals(&self) -> impl Iterator<Item = &wire::Signal> {
        self.sequence().into_iter().flat_map(|s| s.signals.iter())
    }
}

/// The resource id at the end of an ARN (`arn:aws:ec2:…:snapshot/snap-0a9b…` → `snap-0a9b…`).
fn arn_resource_id(arn: &str) -> String {
    arn.rsplit(['/', ':'])
        .find(|part| !part.is_empty())
        .unwrap_or(arn)
        .to_owned()
}
