//! An in-memory AWS account implementing every port, for engine tests: apply, re-plan, tamper
//! with it (drift), destroy. Deterministic ids; every call is logged by operation name.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

use crate::engine::Ports;
use crate::ports::*;

/// The account's state; tests may read and change it through [`FakeAccount::state`].
#[derive(Debug, Default)]
pub struct FakeState {
    pub calls: Vec<&'static str>,
    pub next_id: u32,
    pub graphs: BTreeMap<String, Tags>,
    /// Graph → account → member.
    pub members: BTreeMap<String, BTreeMap<String, MemberState>>,
    pub datasources: BTreeMap<String, BTreeMap<String, String>>,
    pub org_admins: Vec<String>,
    pub auto_enable: BTreeMap<String, bool>,
    /// Key id → (arn, spec, pending deletion).
    pub keys: BTreeMap<String, (String, KeySpec, bool)>,
    pub aliases: BTreeMap<String, String>,
    pub topics: BTreeMap<String, TopicSpec>,
    /// Subscription ARN (or `pending:n`) → spec.
    pub subscriptions: BTreeMap<String, SubscriptionSpec>,
    /// Table name → (ARN, spec).
    pub tables: BTreeMap<String, (String, TableSpec)>,
    /// Queue name → (URL, spec).
    pub queues: BTreeMap<String, (String, QueueSpec)>,
    /// Role name → spec.
    pub roles: BTreeMap<String, RoleSpec>,
    /// (role, policy name) → policy.
    pub role_policies: BTreeMap<(String, String), Value>,
    /// How many more CreateFunction calls fail as if IAM had not propagated the role yet.
    pub role_propagation_failures: u32,
    /// Function name → spec (its `code_sha256` is computed from the zip it got).
    pub functions: BTreeMap<String, FunctionSpec>,
    pub invoke_configs: BTreeMap<String, InvokeConfigSpec>,
    /// Function → statement id → permission.
    pub permissions: BTreeMap<String, BTreeMap<String, PermissionSpec>>,
    pub rules: BTreeMap<String, RuleSpec>,
    /// Rule → targets by id.
    pub targets: BTreeMap<String, BTreeMap<String, TargetSpec>>,
    pub alarms: BTreeMap<String, AlarmSpec>,
    pub dashboards: BTreeMap<String, DashboardSpec>,
    /// The detector: id, spec, tags.
    pub detector: Option<DetectorState>,
}

/// An account in one region.
#[derive(Debug)]
pub struct FakeAccount {
    pub account_id: String,
    pub region: String,
    state: Mutex<FakeState>,
}

impl FakeAccount {
    pub fn new(account_id: &str, region: &str) -> FakeAccount {
        FakeAccount {
            account_id: account_id.to_owned(),
            region: region.to_owned(),
            state: Mutex::new(FakeState::default()),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().expect("fake state")
    }

    fn call(&self, name: &'static str) -> MutexGuard<'_, FakeState> {
        let mut state = self.state();
        state.calls.push(name);
        state
    }

    /// How many times `operation` was called.
    pub fn count(&self, operation: &str) -> usize {
        self.state()
            .calls
            .iter()
            .filter(|c| **c == operation)
            .count()
    }

    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.region, self.account_id
        )
    }
}

fn not_found(call: &'static str, what: &str) -> PortError {
    PortError::NotFound {
        call,
        code: "ResourceNotFoundException".into(),
        message: format!("{what} does not exist"),
    }
}

impl StsPort for FakeAccount {
    async fn identity(&self) -> PortResult<Identity> {
        drop(self.call("GetCallerIdentity"));
        Ok(Identity {
            account_id: self.account_id.clone(),
            partition: "aws".into(),
        })
    }
}

impl DetectivePort for FakeAccount {
    async fn list_graphs(&self) -> PortResult<Vec<String>> {
        Ok(self.call("ListGraphs").graphs.keys().cloned().collect())
    }
    async fn create_graph(&self, tags: &Tags) -> PortResult<String> {
        let mut s = self.call("CreateGraph");
        if !s.graphs.is_empty() {
            return Err(PortError::AlreadyExists {
                call: "CreateGraph",
                code: "ConflictException".into(),
                message: "the account already has a graph".into(),
            });
        }
        s.next_id += 1;
        let arn = self.arn("detective", &format!("graph:{:032x}", s.next_id));
        s.graphs.insert(arn.clone(), tags.clone());
        Ok(arn)
    }
    async fn delete_graph(&self, graph_arn: &str) -> PortResult<()> {
        let mut s = self.call("DeleteGraph");
        s.members.remove(graph_arn);
        s.graphs
            .remove(graph_arn)
            .map(|_| ())
            .ok_or_else(|| not_found("DeleteGraph", graph_arn))
    }
    async fn graph_tags(&self, graph_arn: &str) -> PortResult<Tags> {
        let s = self.call("ListTagsForResource");
        s.graphs
            .get(graph_arn)
            .cloned()
            .ok_or_else(|| not_found("ListTagsForResource", graph_arn))
    }
    async fn tag_graph(&self, graph_arn: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let have = s
            .graphs
            .get_mut(graph_arn)
            .ok_or_else(|| not_found("TagResource", graph_arn))?;
        have.extend(tags.clone());
        Ok(())
    }
    async fn untag_graph(&self, graph_arn: &str, keys: &[String]) -> PortResult<()> {
        let mut s = self.call("UntagResource");
        let have = s
            .graphs
            .get_mut(graph_arn)
            .ok_or_else(|| not_found("UntagResource", graph_arn))?;
        for k in keys {
            have.remove(k);
        }
        Ok(())
    }
    async fn list_members(&self, graph_arn: &str) -> PortResult<Vec<MemberState>> {
        let s = self.call("ListMembers");
        Ok(s.members
            .get(graph_arn)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default())
    }
    async fn create_members(
        &self,
        graph_arn: &str,
        invites: &[Invite],
        _message: Option<&str>,
        _disable_email_notification: bool,
    ) -> PortResult<Vec<Unprocessed>> {
        let mut s = self.call("CreateMembers");
        assert!(
            invites.len() <= crate::limits::CREATE_MEMBERS_MAX,
            "CreateMembers takes at most 50"
        );
        let members = s.members.entry(graph_arn.to_owned()).or_default();
        let mut unprocessed = Vec::new();
        for invite in invites {
            if members.contains_key(&invite.account_id) {
                unprocessed.push(Unprocessed {
                    account_id: invite.account_id.clone(),
                    reason: "already a member".into(),
                });
                continue;
            }
            members.insert(
                invite.account_id.clone(),
                MemberState {
                    account_id: invite.account_id.clone(),
                    email: invite.email.clone(),
                    status: "INVITED".into(),
                },
            );
        }
        Ok(unprocessed)
    }
    async fn delete_members(
        &self,
        graph_arn: &str,
        account_ids: &[String],
    ) -> PortResult<Vec<Unprocessed>> {
        let mut s = self.call("DeleteMembers");
        let members = s.members.entry(graph_arn.to_owned()).or_default();
        for id in account_ids {
            members.remove(id);
        }
        Ok(Vec::new())
    }
    async fn datasource_packages(&self, graph_arn: &str) -> PortResult<BTreeMap<String, String>> {
        let s = self.call("ListDatasourcePackages");
        let mut out = BTreeMap::from([("DETECTIVE_CORE".to_owned(), "STARTED".to_owned())]);
        out.extend(s.datasources.get(graph_arn).cloned().unwrap_or_default());
        Ok(out)
    }
    async fn enable_datasource_packages(
        &self,
        graph_arn: &str,
        packages: &[String],
    ) -> PortResult<()> {
        let mut s = self.call("UpdateDatasourcePackages");
        let entry = s.datasources.entry(graph_arn.to_owned()).or_default();
        for p in packages {
            entry.insert(p.clone(), "STARTED".into());
        }
        Ok(())
    }
    async fn organization_admins(&self) -> PortResult<Vec<String>> {
        Ok(self
            .call("ListOrganizationAdminAccounts")
            .org_admins
            .clone())
    }
    async fn enable_organization_admin(&self, account_id: &str) -> PortResult<()> {
        self.call("EnableOrganizationAdminAccount").org_admins = vec![account_id.to_owned()];
        Ok(())
    }
    async fn disable_organization_admin(&self) -> PortResult<()> {
        self.call("DisableOrganizationAdminAccount")
            .org_admins
            .clear();
        Ok(())
    }
    async fn auto_enable(&self, graph_arn: &str) -> PortResult<bool> {
        Ok(self
            .call("DescribeOrganizationConfiguration")
            .auto_enable
            .get(graph_arn)
            .copied()
            .unwrap_or(false))
    }
    async fn set_auto_enable(&self, graph_arn: &str, auto_enable: bool) -> PortResult<()> {
        self.call("UpdateOrganizationConfiguration")
            .auto_enable
            .insert(graph_arn.to_owned(), auto_enable);
        Ok(())
    }
}

impl KmsPort for FakeAccount {
    async fn key_by_alias(&self, alias: &str) -> PortResult<Option<KeyState>> {
        let s = self.call("ListAliases");
        let Some(key_id) = s.aliases.get(alias) else {
            return Ok(None);
        };
        Ok(s.keys.get(key_id).map(|(arn, spec, pending)| KeyState {
            arn: arn.clone(),
            key_id: key_id.clone(),
            spec: spec.clone(),
            pending_deletion: *pending,
        }))
    }
    async fn create_key(&self, alias: &str, spec: &KeySpec) -> PortResult<String> {
        let mut s = self.call("CreateKey");
        s.next_id += 1;
        let key_id = format!("00000000-0000-0000-0000-{:012}", s.next_id);
        let arn = self.arn("kms", &format!("key/{key_id}"));
        s.keys
            .insert(key_id.clone(), (arn.clone(), spec.clone(), false));
        s.calls.push("CreateAlias");
        s.aliases.insert(alias.to_owned(), key_id);
        Ok(arn)
    }
    async fn put_key_policy(&self, key_id: &str, policy: &Value) -> PortResult<()> {
        let mut s = self.call("PutKeyPolicy");
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("PutKeyPolicy", key_id))?;
        key.1.policy = policy.clone();
        Ok(())
    }
    async fn tag_key(&self, key_id: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("TagResource", key_id))?;
        key.1.tags.extend(tags.clone());
        Ok(())
    }
    async fn delete_key(&self, alias: &str, key_id: &str) -> PortResult<()> {
        let mut s = self.call("ScheduleKeyDeletion");
        s.aliases.remove(alias);
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("ScheduleKeyDeletion", key_id))?;
        key.2 = true;
        Ok(())
    }
}

impl SnsPort for FakeAccount {
    async fn list_topics(&self) -> PortResult<Vec<String>> {
        Ok(self.call("ListTopics").topics.keys().cloned().collect())
    }
    async fn topic(&self, arn: &str) -> PortResult<Option<TopicSpec>> {
        Ok(self.call("GetTopicAttributes").topics.get(arn).cloned())
    }
    async fn create_topic(&self, name: &str, spec: &TopicSpec) -> PortResult<String> {
        let mut s = self.call("CreateTopic");
        let arn = self.arn("sns", name);
        s.topics.insert(arn.clone(), spec.clone());
        Ok(arn)
    }
    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> PortResult<()> {
        let mut s = self.call("SetTopicAttributes");
        let topic = s
            .topics
            .get_mut(arn)
            .ok_or_else(|| not_found("SetTopicAttributes", arn))?;
        match name {
            "Policy" => topic.policy = serde_json::from_str(value).ok(),
            "KmsMasterKeyId" => topic.kms_master_key_id = Some(value.to_owned()),
            _ => {}
        }
        Ok(())
    }
    async fn tag_topic(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let topic = s
            .topics
            .get_mut(arn)
            .ok_or_else(|| not_found("TagResource", arn))?;
        topic.tags.extend(tags.clone());
        Ok(())
    }
    async fn delete_topic(&self, arn: &str) -> PortResult<()> {
        let mut s = self.call("DeleteTopic");
        s.topics.remove(arn);
        s.subscriptions.retain(|_, sub| sub.topic_arn != arn);
        Ok(())
    }
    async fn subscriptions(&self, topic_arn: &str) -> PortResult<Vec<SubscriptionState>> {
        let s = self.call("ListSubscriptionsByTopic");
        if !s.topics.contains_key(topic_arn) {
            return Err(not_found("ListSubscriptionsByTopic", topic_arn));
        }
        Ok(s.subscriptions
            .iter()
            .filter(|(_, sub)| sub.topic_arn == topic_arn)
            .map(|(arn, sub)| {
                let pending = arn.starts_with("pending:");
                SubscriptionState {
                    arn: (!pending).then(|| arn.clone()),
                    spec: if pending {
                        SubscriptionSpec {
                            filter_policy: None,
                            raw_message_delivery: false,
                            ..sub.clone()
                        }
                    } else {
                        sub.clone()
                    },
                }
            })
            .collect())
    }
    async fn subscribe(&self, spec: &SubscriptionSpec) -> PortResult<Option<String>> {
        let mut s = self.call("Subscribe");
        if !s.topics.contains_key(&spec.topic_arn) {
            return Err(not_found("Subscribe", &spec.topic_arn));
        }
        s.next_id += 1;
        // Email subscriptions wait for the recipient to confirm.
        let pending = spec.protocol.starts_with("email");
        let arn = if pending {
            format!("pending:{}", s.next_id)
        } else {
            format!("{}:{:08}", spec.topic_arn, s.next_id)
        };
        s.subscriptions.insert(arn.clone(), spec.clone());
        Ok((!pending).then_some(arn))
    }
    async fn set_subscription_attributes(
        &self,
        arn: &str,
        spec: &SubscriptionSpec,
    ) -> PortResult<()> {
        let mut s = self.call("SetSubscriptionAttributes");
        let sub = s
            .subscriptions
            .get_mut(arn)
            .ok_or_else(|| not_found("SetSubscriptionAttributes", arn))?;
        sub.filter_policy = spec.filter_policy.clone();
        sub.raw_message_delivery = spec.raw_message_delivery;
        Ok(())
    }
    async fn unsubscribe(&self, arn: &str) -> PortResult<()> {
        self.call("Unsubscribe").subscriptions.remove(arn);
        Ok(())
    }
}

impl DynamodbPort for FakeAccount {
    async fn table(&self, name: &str) -> PortResult<Option<TableState>> {
        let mut s = self.call("DescribeTable");
        let table = s.tables.get(name).cloned();
        if table.is_some() {
            s.calls.push("DescribeTimeToLive");
            s.calls.push("ListTagsOfResource");
        }
        Ok(table.map(|(arn, spec)| TableState { arn, spec }))
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
            arn
        };
        if let Some(attribute) = &spec.ttl_attribute {
            self.set_ttl(name, attribute, true).await?;
        }
        Ok(arn)
    }
    async fn set_billing_mode(&self, name: &str, billing_mode: &str) -> PortResult<()> {
        let mut s = self.call("UpdateTable");
        let table = s
            .tables
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateTable", name))?;
        table.1.billing_mode = billing_mode.to_owned();
        Ok(())
    }
    async fn set_sse(&self, name: &str, enabled: bool) -> PortResult<()> {
        let mut s = self.call("UpdateTable");
        let table = s
            .tables
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateTable", name))?;
        table.1.sse_enabled = enabled;
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
        Ok(())
    }
    async fn delete_table(&self, name: &str) -> PortResult<()> {
        self.call("DeleteTable")
            .tables
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| not_found("DeleteTable", name))
    }
}

impl SqsPort for FakeAccount {
    async fn queue(&self, name: &str) -> PortResult<Option<QueueState>> {
        let mut s = self.call("GetQueueUrl");
        let queue = s.queues.get(name).cloned();
        if queue.is_some() {
            s.calls.push("GetQueueAttributes");
            s.calls.push("ListQueueTags");
        }
        Ok(queue.map(|(url, spec)| QueueState { url, spec }))
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

impl IamPort for FakeAccount {
    async fn role(&self, name: &str) -> PortResult<Option<(String, RoleSpec)>> {
        let s = self.call("GetRole");
        Ok(s.roles.get(name).map(|spec| {
            (
                format!("arn:aws:iam::{}:role/{name}", self.account_id),
                spec.clone(),
            )
        }))
    }
    async fn create_role(&self, name: &str, spec: &RoleSpec) -> PortResult<String> {
        let mut s = self.call("CreateRole");
        if s.roles.contains_key(name) {
            return Err(PortError::AlreadyExists {
                call: "CreateRole",
                code: "EntityAlreadyExists".into(),
                message: format!("Role with name {name} already exists."),
            });
        }
        s.roles.insert(name.to_owned(), spec.clone());
        Ok(format!("arn:aws:iam::{}:role/{name}", self.account_id))
    }
    async fn update_trust_policy(&self, name: &str, policy: &Value) -> PortResult<()> {
        let mut s = self.call("UpdateAssumeRolePolicy");
        let role = s
            .roles
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateAssumeRolePolicy", name))?;
        role.trust_policy = policy.clone();
        Ok(())
    }
    async fn update_description(&self, name: &str, description: &str) -> PortResult<()> {
        let mut s = self.call("UpdateRole");
        let role = s
            .roles
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateRole", name))?;
        role.description = description.to_owned();
        Ok(())
    }
    async fn tag_role(&self, name: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagRole");
        let role = s
            .roles
            .get_mut(name)
            .ok_or_else(|| not_found("TagRole", name))?;
        role.tags.extend(tags.clone());
        Ok(())
    }
    async fn delete_role(&self, name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteRole");
        if s.role_policies.keys().any(|(role, _)| role == name) {
            return Err(PortError::Other {
                call: "DeleteRole",
                code: "DeleteConflict".into(),
                message: "Cannot delete entity, must delete policies first.".into(),
            });
        }
        s.roles
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| not_found("DeleteRole", name))
    }
    async fn role_policy(&self, role: &str, policy_name: &str) -> PortResult<Option<Value>> {
        let s = self.call("GetRolePolicy");
        Ok(s.role_policies
            .get(&(role.to_owned(), policy_name.to_owned()))
            .cloned())
    }
    async fn put_role_policy(
        &self,
        role: &str,
        policy_name: &str,
        policy: &Value,
    ) -> PortResult<()> {
        let mut s = self.call("PutRolePolicy");
        if !s.roles.contains_key(role) {
            return Err(not_found("PutRolePolicy", role));
        }
        s.role_policies
            .insert((role.to_owned(), policy_name.to_owned()), policy.clone());
        Ok(())
    }
    async fn delete_role_policy(&self, role: &str, policy_name: &str) -> PortResult<()> {
        self.call("DeleteRolePolicy")
            .role_policies
            .remove(&(role.to_owned(), policy_name.to_owned()))
            .map(|_| ())
            .ok_or_else(|| not_found("DeleteRolePolicy", policy_name))
    }
}

impl LambdaPort for FakeAccount {
    async fn function(&self, name: &str) -> PortResult<Option<(String, FunctionSpec)>> {
        let s = self.call("GetFunction");
        Ok(s.functions.get(name).map(|spec| {
            (
                self.arn("lambda", &format!("function:{name}")),
                spec.clone(),
            )
        }))
    }
    async fn create_function(
        &self,
        name: &str,
        spec: &FunctionSpec,
        zip: &[u8],
    ) -> PortResult<String> {
        let mut s = self.call("CreateFunction");
        if s.role_propagation_failures > 0 {
            s.role_propagation_failures -= 1;
            return Err(PortError::Invalid {
                call: "CreateFunction",
                code: "InvalidParameterValueException".into(),
                message: "The role defined for the function cannot be assumed by Lambda.".into(),
            });
        }
        if !s
            .roles
            .keys()
            .any(|r| spec.role_arn.ends_with(&format!("/{r}")))
        {
            return Err(PortError::Invalid {
                call: "CreateFunction",
                code: "InvalidParameterValueException".into(),
                message: format!("The role {} does not exist.", spec.role_arn),
            });
        }
        let mut spec = spec.clone();
        spec.code_sha256 = crate::spec::Deferred::Known(
            crate::artifact::Package::from_bytes(zip.to_vec())
                .sha256()
                .unwrap_or_default()
                .to_owned(),
        );
        s.functions.insert(name.to_owned(), spec);
        Ok(self.arn("lambda", &format!("function:{name}")))
    }
    async fn update_code(&self, name: &str, zip: &[u8]) -> PortResult<()> {
        let mut s = self.call("UpdateFunctionCode");
        let function = s
            .functions
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateFunctionCode", name))?;
        function.code_sha256 = crate::spec::Deferred::Known(
            crate::artifact::Package::from_bytes(zip.to_vec())
                .sha256()
                .unwrap_or_default()
                .to_owned(),
        );
        Ok(())
    }
    async fn update_configuration(&self, name: &str, spec: &FunctionSpec) -> PortResult<()> {
        let mut s = self.call("UpdateFunctionConfiguration");
        let function = s
            .functions
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateFunctionConfiguration", name))?;
        *function = FunctionSpec {
            code_sha256: function.code_sha256.clone(),
            tags: function.tags.clone(),
            ..spec.clone()
        };
        Ok(())
    }
    async fn tag_function(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let name = crate::desired::names::arn_name(arn).to_owned();
        let function = s
            .functions
            .get_mut(&name)
            .ok_or_else(|| not_found("TagResource", arn))?;
        function.tags.extend(tags.clone());
        Ok(())
    }
    async fn delete_function(&self, name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteFunction");
        s.invoke_configs.remove(name);
        s.permissions.remove(name);
        s.functions
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| not_found("DeleteFunction", name))
    }
    async fn invoke_config(&self, name: &str) -> PortResult<Option<InvokeConfigSpec>> {
        Ok(self
            .call("GetFunctionEventInvokeConfig")
            .invoke_configs
            .get(name)
            .cloned())
    }
    async fn put_invoke_config(&self, name: &str, spec: &InvokeConfigSpec) -> PortResult<()> {
        let mut s = self.call("PutFunctionEventInvokeConfig");
        if !s.functions.contains_key(name) {
            return Err(not_found("PutFunctionEventInvokeConfig", name));
        }
        s.invoke_configs.insert(name.to_owned(), spec.clone());
        Ok(())
    }
    async fn delete_invoke_config(&self, name: &str) -> PortResult<()> {
        self.call("DeleteFunctionEventInvokeConfig")
            .invoke_configs
            .remove(name);
        Ok(())
    }
    async fn permissions(&self, name: &str) -> PortResult<BTreeMap<String, PermissionSpec>> {
        Ok(self
            .call("GetPolicy")
            .permissions
            .get(name)
            .cloned()
            .unwrap_or_default())
    }
    async fn add_permission(&self, name: &str, sid: &str, spec: &PermissionSpec) -> PortResult<()> {
        let mut s = self.call("AddPermission");
        if !s.functions.contains_key(name) {
            return Err(not_found("AddPermission", name));
        }
        s.permissions
            .entry(name.to_owned())
            .or_default()
            .insert(sid.to_owned(), spec.clone());
        Ok(())
    }
    async fn remove_permission(&self, name: &str, sid: &str) -> PortResult<()> {
        let mut s = self.call("RemovePermission");
        s.permissions
            .get_mut(name)
            .and_then(|p| p.remove(sid))
            .map(|_| ())
            .ok_or_else(|| not_found("RemovePermission", sid))
    }
}

impl EventsPort for FakeAccount {
    async fn rule(&self, name: &str) -> PortResult<Option<(String, RuleSpec)>> {
        let s = self.call("DescribeRule");
        Ok(s.rules
            .get(name)
            .map(|spec| (self.arn("events", &format!("rule/{name}")), spec.clone())))
    }
    async fn put_rule(&self, name: &str, spec: &RuleSpec) -> PortResult<String> {
        let mut s = self.call("PutRule");
        // PutRule leaves an existing rule's tags alone.
        let tags = s
            .rules
            .get(name)
            .map(|r| r.tags.clone())
            .unwrap_or_default();
        s.rules.insert(
            name.to_owned(),
            RuleSpec {
                tags,
                ..spec.clone()
            },
        );
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
        s.rules.remove(name);
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
        for target in targets {
            have.insert(target.id.clone(), target.clone());
        }
        Ok(())
    }
    async fn remove_targets(&self, rule: &str, ids: &[String]) -> PortResult<()> {
        let mut s = self.call("RemoveTargets");
        if let Some(have) = s.targets.get_mut(rule) {
            have.retain(|id, _| !ids.contains(id));
        }
        Ok(())
    }
}

impl CloudwatchPort for FakeAccount {
    async fn alarms(&self, prefix: &str) -> PortResult<BTreeMap<String, (String, AlarmSpec)>> {
        let s = self.call("DescribeAlarms");
        Ok(s.alarms
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(name, spec)| {
                (
                    name.clone(),
                    (
                        self.arn("cloudwatch", &format!("alarm:{name}")),
                        spec.clone(),
                    ),
                )
            })
            .collect())
    }
    async fn put_alarm(&self, name: &str, spec: &AlarmSpec) -> PortResult<()> {
        self.call("PutMetricAlarm")
            .alarms
            .insert(name.to_owned(), spec.clone());
        Ok(())
    }
    async fn delete_alarms(&self, names: &[String]) -> PortResult<()> {
        self.call("DeleteAlarms")
            .alarms
            .retain(|name, _| !names.contains(name));
        Ok(())
    }
    async fn dashboard(&self, name: &str) -> PortResult<Option<DashboardSpec>> {
        Ok(self.call("GetDashboard").dashboards.get(name).cloned())
    }
    async fn put_dashboard(&self, name: &str, spec: &DashboardSpec) -> PortResult<()> {
        self.call("PutDashboard")
            .dashboards
            .insert(name.to_owned(), spec.clone());
        Ok(())
    }
    async fn delete_dashboard(&self, name: &str) -> PortResult<()> {
        self.call("DeleteDashboards").dashboards.remove(name);
        Ok(())
    }
}

impl GuarddutyPort for FakeAccount {
    async fn detector(&self, features: &[String]) -> PortResult<Option<DetectorState>> {
        let s = self.call("ListDetectors");
        Ok(s.detector.clone().map(|mut d| {
            d.spec.features.retain(|f| features.contains(f));
            d
        }))
    }
    async fn create_detector(&self, spec: &DetectorSpec, tags: &Tags) -> PortResult<String> {
        let mut s = self.call("CreateDetector");
        if s.detector.is_some() {
            return Err(PortError::Invalid {
                call: "CreateDetector",
                code: "BadRequestException".into(),
                message: "The request is rejected because a detector already exists for the current account.".into(),
            });
        }
        s.next_id += 1;
        let id = format!("{:032x}", s.next_id);
        s.detector = Some(DetectorState {
            id: id.clone(),
            spec: spec.clone(),
            tags: tags.clone(),
        });
        Ok(id)
    }
    async fn update_detector(&self, id: &str, spec: &DetectorSpec) -> PortResult<()> {
        let mut s = self.call("UpdateDetector");
        let detector = s
            .detector
            .as_mut()
            .filter(|d| d.id == id)
            .ok_or_else(|| not_found("UpdateDetector", id))?;
        // Features not named stay as they are; named ones are enabled.
        for feature in &spec.features {
            if !detector.spec.features.contains(feature) {
                detector.spec.features.push(feature.clone());
            }
        }
        detector.spec.features.sort();
        detector.spec.finding_publishing_frequency = spec.finding_publishing_frequency.clone();
        Ok(())
    }
    async fn delete_detector(&self, id: &str) -> PortResult<()> {
        let mut s = self.call("DeleteDetector");
        if s.detector.as_ref().is_some_and(|d| d.id == id) {
            s.detector = None;
            Ok(())
        } else {
            Err(not_found("DeleteDetector", id))
        }
    }
}

impl Ports for FakeAccount {
    type Sts = Self;
    type Detective = Self;
    type Kms = Self;
    type Sns = Self;
    type Dynamodb = Self;
    type Sqs = Self;
    type Iam = Self;
    type Lambda = Self;
    type Events = Self;
    type Cloudwatch = Self;
    type Guardduty = Self;
    fn sts(&self) -> &Self {
        self
    }
    fn detective(&self) -> &Self {
        self
    }
    fn kms(&self) -> &Self {
        self
    }
    fn sns(&self) -> &Self {
        self
    }
    fn dynamodb(&self) -> &Self {
        self
    }
    fn sqs(&self) -> &Self {
        self
    }
    fn iam(&self) -> &Self {
        self
    }
    fn lambda(&self) -> &Self {
        self
    }
    fn events(&self) -> &Self {
        self
    }
    fn cloudwatch(&self) -> &Self {
        self
    }
    fn guardduty(&self) -> &Self {
        self
    }
}
