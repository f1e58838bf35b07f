//! The default detections, one row each: the CloudTrail calls, the severity, the component and
//! the rationale an alert shows.

use super::{Condition, DefaultDetection, Kind, Literal};
use crate::component::Component;

const BEDROCK: &str = "bedrock.amazonaws.com";
const SAGEMAKER: &str = "sagemaker.amazonaws.com";
/// IAM's calls reach EventBridge in us-east-1 only (IAM is global): these detections fire
/// where the stack runs in us-east-1.
const IAM: &str = "iam.amazonaws.com";

/// The Bedrock console names the IAM user behind a long-term API key `BedrockAPIKey-…`.
const BEDROCK_API_KEY_USER: &str = "BedrockAPIKey-";
/// Bedrock records a call made with a Bedrock API key with this flag (Bedrock user guide,
/// "API keys").
pub const BEARER_TOKEN: &str = "additionalEventData.callWithBearerToken";
/// Guardrail filter strengths that let most of what the filter is for through.
const WEAK_FILTER: &[Literal] = &[Literal::Str("NONE"), Literal::Str("LOW")];

/// The default detections. Severities follow GuardDuty's bands (LOW < 4.0 ≤ MEDIUM < 7.0 ≤
/// HIGH < 9.0 ≤ CRITICAL); each is raised a band for a long-term key or an unusual user agent.
/// Request parameter names are those of the APIs' requests (Bedrock and SageMaker API
/// references), which CloudTrail records as `requestParameters`.
pub const DEFAULTS: &[DefaultDetection] = &[
    DefaultDetection {
        id: "model-access-granted",
        event_source: BEDROCK,
        event_names: &[
            "PutUseCaseForModelAccess",
            "CreateFoundationModelAgreement",
            "PutFoundationModelEntitlement",
        ],
        severity: 5.0,
        component: Some(Component::MlControlPlane),
        rationale: "Access to a foundation model was granted: the first step of using stolen credentials to run models on this account's bill (LLMjacking).",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Sysdig Threat Research Team, \"LLMjacking: Stolen Cloud Credentials Used in New AI Attack\" (2024): the attackers' first calls grant themselves model access",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["modelId"],
    },
    DefaultDetection {
        id: "invocation-logging-removed",
        event_source: BEDROCK,
        event_names: &["DeleteModelInvocationLoggingConfiguration"],
        severity: 7.5,
        component: Some(Component::MlControlPlane),
        rationale: "Bedrock model-invocation logging was turned off: whatever runs next leaves no prompt or usage record.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "GuardDuty finding type DefenseEvasion:IAMUser/BedrockLoggingDisabled (GuardDuty user guide, \"AI Protection finding types\")",
            "Elastic detection rule \"AWS Bedrock Model Invocation Logging Disabled or Tampered\" (elastic/detection-rules)",
        ],
        accelerated_instance_parameters: &[],
        parameters: &[],
    },
    DefaultDetection {
        id: "invocation-logging-redirected",
        event_source: BEDROCK,
        event_names: &["PutModelInvocationLoggingConfiguration"],
        severity: 7.0,
        component: Some(Component::MlControlPlane),
        rationale: "Bedrock model-invocation logging was pointed away from the log group you read, or stopped carrying prompts: the invocations that follow are logged where nobody looks, or without their text.",
        // Before `invocation-logging-changed`: the first detection whose conditions hold wins.
        conditions: &[Condition::AnyOf(&[
            Condition::NotInvocationLogGroup {
                path: "requestParameters.loggingConfig.cloudWatchConfig.logGroupName",
            },
            Condition::Equals {
                path: "requestParameters.loggingConfig.textDataDeliveryEnabled",
                values: &[Literal::Bool(false)],
            },
        ])],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Elastic detection rule \"AWS Bedrock Model Invocation Logging Disabled or Tampered\" (elastic/detection-rules)",
            "Sysdig Threat Research Team, \"The Growing Dangers of LLMjacking\" (2024): attackers turn invocation logging off or away before they use the models",
        ],
        accelerated_instance_parameters: &[],
        parameters: &[
            "loggingConfig.cloudWatchConfig.logGroupName",
            "loggingConfig.s3Config.bucketName",
            "loggingConfig.textDataDeliveryEnabled",
        ],
    },
    DefaultDetection {
        id: "invocation-logging-changed",
        event_source: BEDROCK,
        event_names: &["PutModelInvocationLoggingConfiguration"],
        severity: 5.0,
        component: Some(Component::MlControlPlane),
        rationale: "Bedrock model-invocation logging was reconfigured: logs may now go somewhere nobody reads, or stop carrying prompts.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Elastic detection rule \"AWS Bedrock Model Invocation Logging Disabled or Tampered\" (elastic/detection-rules)",
        ],
        accelerated_instance_parameters: &[],
        parameters: &[
            "loggingConfig.cloudWatchConfig.logGroupName",
            "loggingConfig.s3Config.bucketName",
            "loggingConfig.textDataDeliveryEnabled",
        ],
    },
    DefaultDetection {
        id: "guardrail-deleted",
        event_source: BEDROCK,
        event_names: &["DeleteGuardrail"],
        severity: 7.0,
        component: Some(Component::MlControlPlane),
        rationale: "A Bedrock guardrail was deleted: the models it protected now answer without its filters.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Elastic detection rule \"AWS Bedrock Guardrail Deleted or Weakened\" (elastic/detection-rules)",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["guardrailIdentifier", "guardrailVersion"],
    },
    DefaultDetection {
        id: "guardrail-weakened",
        event_source: BEDROCK,
        event_names: &["UpdateGuardrail"],
        severity: 6.5,
        component: Some(Component::MlControlPlane),
        rationale: "A Bedrock guardrail was weakened: a content filter's input strength set to NONE or LOW (or its output strength to LOW), a filter that no longer blocks or is switched off, or every content filter removed (an update replaces the whole guardrail).",
        // Before `guardrail-updated`: the first detection whose conditions hold wins. CloudTrail
        // may record an update without its policies (hidden): that one is `guardrail-updated`.
        conditions: &[Condition::AnyOf(&[
            Condition::EmptyList {
                path: "requestParameters.contentPolicyConfig.filtersConfig",
            },
            Condition::Equals {
                path: "requestParameters.contentPolicyConfig.filtersConfig[].inputStrength",
                values: WEAK_FILTER,
            },
            // Not NONE: a prompt-attack filter has no output side, and must say NONE there.
            Condition::Equals {
                path: "requestParameters.contentPolicyConfig.filtersConfig[].outputStrength",
                values: &[Literal::Str("LOW")],
            },
            Condition::Equals {
                path: "requestParameters.contentPolicyConfig.filtersConfig[].inputAction",
                values: &[Literal::Str("NONE")],
            },
            Condition::Equals {
                path: "requestParameters.contentPolicyConfig.filtersConfig[].outputAction",
                values: &[Literal::Str("NONE")],
            },
            Condition::Equals {
                path: "requestParameters.contentPolicyConfig.filtersConfig[].inputEnabled",
                values: &[Literal::Bool(false)],
            },
            Condition::Equals {
                path: "requestParameters.contentPolicyConfig.filtersConfig[].outputEnabled",
                values: &[Literal::Bool(false)],
            },
        ])],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Elastic detection rule \"AWS Bedrock Guardrail Deleted or Weakened\" (elastic/detection-rules)",
            "Bedrock API reference, UpdateGuardrail: the request replaces every policy of the guardrail; filter strengths NONE, LOW, MEDIUM, HIGH",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["guardrailIdentifier", "name"],
    },
    DefaultDetection {
        id: "guardrail-updated",
        event_source: BEDROCK,
        event_names: &["UpdateGuardrail"],
        severity: 4.0,
        component: Some(Component::MlControlPlane),
        rationale: "A Bedrock guardrail was changed: an update can weaken or remove its filters; compare it with the previous version.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Elastic detection rule \"AWS Bedrock Guardrail Deleted or Weakened\" (elastic/detection-rules)",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["guardrailIdentifier", "name"],
    },
    DefaultDetection {
        id: "enforced-guardrail-removed",
        event_source: BEDROCK,
        event_names: &["DeleteEnforcedGuardrailConfiguration"],
        severity: 7.0,
        component: Some(Component::MlControlPlane),
        rationale: "The guardrail the account enforces on every model invocation was removed: models now answer without it, whatever the caller asks for.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Elastic detection rule \"AWS Bedrock Guardrail Deleted or Weakened\" (elastic/detection-rules)",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["configId"],
    },
    DefaultDetection {
        id: "enforced-guardrail-changed",
        event_source: BEDROCK,
        event_names: &["PutEnforcedGuardrailConfiguration"],
        severity: 5.0,
        component: Some(Component::MlControlPlane),
        rationale: "The guardrail the account enforces on every model invocation was replaced or changed: check which guardrail and version it names now, and which models it leaves out.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Elastic detection rule \"AWS Bedrock Guardrail Deleted or Weakened\" (elastic/detection-rules)",
        ],
        accelerated_instance_parameters: &[],
        parameters: &[
            "configId",
            "guardrailInferenceConfig.guardrailIdentifier",
            "guardrailInferenceConfig.guardrailVersion",
        ],
    },
    DefaultDetection {
        id: "provisioned-throughput-purchased",
        event_source: BEDROCK,
        event_names: &["CreateProvisionedModelThroughput"],
        severity: 6.0,
        component: Some(Component::MlControlPlane),
        rationale: "Provisioned throughput was bought: an hourly commitment billed whether or not it is used.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Bedrock user guide, \"Increase model invocation capacity with Provisioned Throughput\": billed hourly for the term, used or not",
        ],
        accelerated_instance_parameters: &[],
        parameters: &[
            "modelId",
            "modelUnits",
            "commitmentDuration",
            "provisionedModelName",
        ],
    },
    DefaultDetection {
        id: "provisioned-throughput-changed",
        event_source: BEDROCK,
        event_names: &["UpdateProvisionedModelThroughput"],
        severity: 5.0,
        component: Some(Component::MlControlPlane),
        rationale: "Provisioned throughput was pointed at another model or renamed: capacity the account pays for by the hour now serves whatever model it names.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Bedrock API reference, UpdateProvisionedModelThroughput: desiredModelId changes the model a purchased throughput serves",
        ],
        accelerated_instance_parameters: &[],
        parameters: &[
            "provisionedModelId",
            "desiredModelId",
            "desiredProvisionedModelName",
        ],
    },
    DefaultDetection {
        id: "inference-profile-created",
        event_source: BEDROCK,
        event_names: &["CreateInferenceProfile"],
        severity: 4.0,
        component: Some(Component::MlControlPlane),
        rationale: "An application inference profile was created: it can route a model's invocations across Regions and carries its own cost tags, a way to run models outside the Regions and budgets you watch.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Bedrock user guide, \"Set up a model invocation resource using inference profiles\": cross-Region profiles send invocations to other Regions",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["inferenceProfileName", "modelSource.copyFrom"],
    },
    DefaultDetection {
        id: "custom-model-created",
        event_source: BEDROCK,
        event_names: &[
            "CreateModelCustomizationJob",
            "CreateModelImportJob",
            "CreateCustomModel",
        ],
        severity: 4.0,
        component: Some(Component::MlControlPlane),
        rationale: "A custom or imported model was created: training data and weights leave or enter the account, and hosting it is billed.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "Bedrock user guide, \"Customize your model\" and \"Import a customized model\": training data and weights move, and the custom model is billed to host",
        ],
        accelerated_instance_parameters: &[],
        parameters: &[
            "jobName",
            "baseModelIdentifier",
            "customModelName",
            "importedModelName",
            "modelName",
        ],
    },
    DefaultDetection {
        id: "bedrock-api-key-created",
        event_source: IAM,
        event_names: &["CreateServiceSpecificCredential"],
        severity: 6.0,
        component: Some(Component::MlIdentity),
        rationale: "A long-term Bedrock API key was created: a bearer token that invokes models without AWS signing, valid until it expires or is deleted, and as easy to leak as a password.",
        conditions: &[Condition::Equals {
            path: "requestParameters.serviceName",
            values: &[Literal::Str("bedrock.amazonaws.com")],
        }],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "BeyondTrust, \"The AWS Bedrock API Keys Security Guide Part 2: Detection, Prevention, and Response\" (2025)",
            "IAM user guide, \"API keys for Amazon Bedrock\": long-term keys are service-specific credentials of an IAM user",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["userName", "serviceName", "credentialAgeDays"],
    },
    DefaultDetection {
        id: "bedrock-api-key-user-created",
        event_source: IAM,
        event_names: &["CreateUser"],
        severity: 5.0,
        component: Some(Component::MlIdentity),
        rationale: "An IAM user for a Bedrock API key was created (the console names them BedrockAPIKey-…): a long-lived identity with Bedrock access behind a bearer token.",
        conditions: &[Condition::StartsWith {
            path: "requestParameters.userName",
            prefix: BEDROCK_API_KEY_USER,
        }],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "BeyondTrust, \"The AWS Bedrock API Keys Security Guide Part 2: Detection, Prevention, and Response\" (2025)",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["userName", "path"],
    },
    DefaultDetection {
        id: "bedrock-api-key-user-access-key",
        event_source: IAM,
        event_names: &["CreateAccessKey"],
        severity: 8.0,
        component: Some(Component::MlIdentity),
        rationale: "An access key was created for a Bedrock API key's user: that user's policy reaches far beyond invoking models, and now it has signed long-term credentials too.",
        conditions: &[Condition::AnyOf(&[
            Condition::StartsWith {
                path: "requestParameters.userName",
                prefix: BEDROCK_API_KEY_USER,
            },
            Condition::StartsWith {
                path: "userIdentity.userName",
                prefix: BEDROCK_API_KEY_USER,
            },
        ])],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "BeyondTrust, \"The AWS Bedrock API Keys Security Guide Part 2: Detection, Prevention, and Response\" (2025)",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["userName"],
    },
    DefaultDetection {
        id: "bedrock-api-key-control-call",
        event_source: BEDROCK,
        event_names: &[
            "DeleteAutomatedReasoningPolicy",
            "DeleteCustomModel",
            "DeleteCustomModelDeployment",
            "DeleteFoundationModelAgreement",
            "DeleteImportedModel",
            "DeleteInferenceProfile",
            "DeleteMarketplaceModelEndpoint",
            "DeletePromptRouter",
            "DeleteProvisionedModelThroughput",
            "DeleteResourcePolicy",
            "PutResourcePolicy",
        ],
        severity: 7.0,
        component: Some(Component::MlControlPlane),
        rationale: "A Bedrock resource was deleted, or a resource policy changed, with a Bedrock API key: these keys are meant for invoking models, and whoever holds a leaked one should not be removing or opening up resources.",
        conditions: &[Condition::Equals {
            path: BEARER_TOKEN,
            values: &[Literal::Bool(true)],
        }],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "BeyondTrust, \"The AWS Bedrock API Keys Security Guide Part 2: Detection, Prevention, and Response\" (2025)",
            "Bedrock user guide, \"API keys\": calls made with an API key are recorded with additionalEventData.callWithBearerToken",
        ],
        accelerated_instance_parameters: &[],
        parameters: &[
            "modelIdentifier",
            "modelId",
            "inferenceProfileIdentifier",
            "resourceArn",
        ],
    },
    DefaultDetection {
        id: "sagemaker-presigned-url",
        event_source: SAGEMAKER,
        event_names: &[
            "CreatePresignedNotebookInstanceUrl",
            "CreatePresignedDomainUrl",
        ],
        severity: 5.0,
        component: Some(Component::MlControlPlane),
        rationale: "A presigned SageMaker notebook or Studio URL was created from outside the allowed networks: whoever holds it gets a shell with the notebook's role.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "SageMaker developer guide, \"Control access to a notebook instance by IP address\": a presigned URL opens the notebook with its role",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["notebookInstanceName", "domainId", "userProfileName"],
    },
    DefaultDetection {
        id: "accelerated-training-job",
        event_source: SAGEMAKER,
        event_names: &[
            "CreateTrainingJob",
            "CreateProcessingJob",
            "CreateHyperParameterTuningJob",
        ],
        severity: 5.0,
        component: Some(Component::AcceleratedCompute),
        rationale: "A training or processing job on accelerated instances was started by a principal outside the allowlist: GPUs are what stolen credentials are used for.",
        conditions: &[],
        kind: Kind::Ai,
        enabled: true,
        deployers: false,
        sources: &[
            "GuardDuty finding types CryptoCurrency:EC2/* and the EC2 user guide, \"Accelerated computing instances\": GPUs are what stolen credentials are spent on",
        ],
        accelerated_instance_parameters: &[
            "resourceConfig.instanceType",
            "processingResources.clusterConfig.instanceType",
            "trainingJobDefinition.resourceConfig.instanceType",
        ],
        parameters: &[
            "trainingJobName",
            "processingJobName",
            "hyperParameterTuningJobName",
            "resourceConfig.instanceType",
            "resourceConfig.instanceCount",
            "processingResources.clusterConfig.instanceType",
            "processingResources.clusterConfig.instanceCount",
        ],
    },
    DefaultDetection {
        id: "model-availability-probed",
        event_source: BEDROCK,
        event_names: &[
            "GetFoundationModelAvailability",
            "GetUseCaseForModelAccess",
            "ListFoundationModels",
        ],
        severity: 3.0,
        component: Some(Component::MlControlPlane),
        rationale: "A long-term access key asked which foundation models it may use: what stolen keys are tried for within minutes of a leak, before the models are turned on and invoked (LLMjacking).",
        conditions: &[Condition::StartsWith {
            path: "userIdentity.accessKeyId",
            prefix: "AKIA",
        }],
        kind: Kind::Reconnaissance,
        // Read-only: seen only by a rule in the state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
        enabled: false,
        deployers: false,
        sources: &[
            "Elastic detection rule \"AWS Bedrock Foundation Model Enumeration Followed by Invocation via Long-Term Key\" (elastic/detection-rules)",
            "AlphaSOC detection \"Suspicious AWS Bedrock API usage via programmatic access\" (GetFoundationModelAvailability, GetUseCaseForModelAccess)",
            "Entro Labs, LLMjacking research (2025): leaked AWS keys were tried with GetFoundationModelAvailability within 17 minutes on average",
        ],
        accelerated_instance_parameters: &[],
        parameters: &["modelId", "byProvider"],
    },
];
