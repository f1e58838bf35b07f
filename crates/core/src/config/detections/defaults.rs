//! The default detections, one row each: the CloudTrail calls, the severity, the component and
//! the rationale an alert shows.

use super::{DefaultDetection, Kind};
use crate::component::Component;

const BEDROCK: &str = "bedrock.amazonaws.com";
const SAGEMAKER: &str = "sagemaker.amazonaws.com";

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
];
