//! What AWS accepts for the values a config sets, each limit with where AWS states it. The
//! checks that use them live in [`super::aws`]; the provisioning engine relies on them having
//! run (a config that loads is one AWS will take).

/// Lambda function memory, MiB (Lambda API reference, CreateFunction: "MemorySize … Minimum
/// value of 128. Maximum value of 10240").
pub const LAMBDA_MEMORY_MB: (u32, u32) = (128, 10_240);
/// Lambda function timeout, seconds (Lambda API reference, CreateFunction: "Timeout … The
/// maximum allowed value is 900 seconds", minimum 1).
pub const LAMBDA_TIMEOUT_S: (u32, u32) = (1, 900);
/// Lambda environment variables, all keys and values together (Lambda developer guide, quotas:
/// "Environment variables: 4 KB, for all environment variables associated with the function").
pub const LAMBDA_ENV_MAX_BYTES: usize = 4 * 1024;
/// A function name on its own (Lambda API reference, CreateFunction: "If you specify only the
/// function name, it is limited to 64 characters in length"; pattern `[a-zA-Z0-9-_]+`).
pub const LAMBDA_FUNCTION_NAME_MAX: usize = 64;
/// The enricher's time besides Detective: state reads and writes and one publish per route.
/// Not an AWS limit: the timeout must leave this much beyond `detective.budget_ms`, or a slow
/// Detective answer makes Lambda stop the function before it has delivered the alert.
pub const ENRICHER_WORK_BESIDES_DETECTIVE_MS: u64 = 5_000;

/// DynamoDB table names (DynamoDB developer guide, "Naming rules": "between 3 and 255
/// characters long", `a-z A-Z 0-9 _ - .`).
pub const DYNAMODB_TABLE_NAME: (usize, usize) = (3, 255);

/// EventBridge rate units (EventBridge user guide, "Rate expressions": "minute | minutes |
/// hour | hours | day | days"; singular exactly when the value is 1).
pub const RATE_UNITS: &[(&str, &str)] =
    &[("minute", "minutes"), ("hour", "hours"), ("day", "days")];
/// EventBridge cron fields (EventBridge user guide, "Cron expressions": six fields, Minutes
/// 0-59, Hours 0-23, Day-of-month 1-31, Month 1-12 or JAN-DEC, Day-of-week 1-7 or SUN-SAT, Year
/// 1970-2199).
pub const CRON_FIELDS: &[(&str, u32, u32)] = &[
    ("minutes", 0, 59),
    ("hours", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 1, 7),
    ("year", 1970, 2199),
];

/// Keys in one SNS filter policy (SNS developer guide, "Filter policy constraints": "A filter
/// policy can have a maximum of five keys").
pub const FILTER_POLICY_MAX_KEYS: usize = 5;
/// Combinations of values in one SNS filter policy (same page: "The total combination of
/// values in a filter policy must not exceed 150", the product of the arrays' lengths).
pub const FILTER_POLICY_MAX_COMBINATIONS: usize = 150;
/// An SNS filter policy's JSON (same page: "The maximum size of a filter policy is 256 KB").
pub const FILTER_POLICY_MAX_BYTES: usize = 256 * 1024;
/// Operators an SNS filter policy may use in place of a value (SNS developer guide,
/// "Filter policy value matching": prefix, suffix, anything-but, numeric, exists,
/// equals-ignore-case, cidr).
pub const FILTER_POLICY_OPERATORS: &[&str] = &[
    "prefix",
    "suffix",
    "anything-but",
    "numeric",
    "exists",
    "equals-ignore-case",
    "cidr",
];
/// An SMS endpoint is an E.164 number: `+`, then at most 15 digits (SNS developer guide,
/// "Publishing SMS messages": "can have a maximum of 15 digits … prefixed with the plus sign").
pub const E164_MAX_DIGITS: usize = 15;
/// SQS queue names (SQS API reference, CreateQueue: "QueueName … up to 80 characters …
/// alphanumeric characters, hyphens (-), and underscores (_)", `.fifo` suffix for FIFO).
pub const SQS_QUEUE_NAME_MAX: usize = 80;
/// SNS topic names (SNS API reference, CreateTopic: "Topic names must be made up of only
/// uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be
/// between 1 and 256 characters long").
pub const SNS_TOPIC_NAME_MAX: usize = 256;

/// Optional Detective data source packages (Detective API reference,
/// UpdateDatasourcePackages: "DETECTIVE_CORE | EKS_AUDIT | ASFF_SECURITYHUB_FINDING"; the core
/// package is on for every graph).
pub const DETECTIVE_OPTIONAL_PACKAGES: &[&str] = &["EKS_AUDIT", "ASFF_SECURITYHUB_FINDING"];
/// Always on in a behavior graph, so never something to enable.
pub const DETECTIVE_CORE_PACKAGE: &str = "DETECTIVE_CORE";
/// Detective's invitation message (Detective API reference, CreateMembers: `Message`,
/// "Minimum length of 1. Maximum length of 1000").
pub const DETECTIVE_MESSAGE_CHARS: (usize, usize) = (1, 1000);
/// Tags per behavior graph (Detective API reference, CreateGraph: "You can add up to 50
/// tags"), one of which is Watchpost's own `watchpost:stack`.
pub const DETECTIVE_MAX_TAGS: usize = 50;
/// Tag keys and values (Detective API reference, TagResource: "Each tag key can contain up to
/// 128 characters. Each tag value can contain up to 256 characters"; keys match
/// `^(?!aws:)[a-zA-Z+-=._:/]+$`).
pub const TAG_KEY_MAX: usize = 128;
pub const TAG_VALUE_MAX: usize = 256;
/// Reserved for AWS in tag keys (Tagging AWS resources: "Do not use aws:, AWS:, or any upper
/// or lowercase combination of such as a prefix").
pub const RESERVED_TAG_PREFIX: &str = "aws:";

/// GuardDuty detector features (GuardDuty API reference, CreateDetector: DetectorFeature).
pub const GUARDDUTY_FEATURES: &[&str] = &[
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "EKS_RUNTIME_MONITORING",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
    "AI_ANALYST",
];
/// GuardDuty refuses both together (GuardDuty API reference, DetectorFeatureConfiguration:
/// "Specifying both EKS Runtime Monitoring … and Runtime Monitoring … will cause an error").
pub const GUARDDUTY_EXCLUSIVE_FEATURES: (&str, &str) =
    ("EKS_RUNTIME_MONITORING", "RUNTIME_MONITORING");
/// GuardDuty finding publishing frequencies (GuardDuty API reference,
/// FindingPublishingFrequency).
pub const GUARDDUTY_FREQUENCIES: &[&str] = &["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"];

/// CloudWatch namespaces AWS keeps for itself (CloudWatch API reference, PutMetricData:
/// "You cannot specify a namespace that begins with \"AWS/\"").
pub const RESERVED_NAMESPACE_PREFIX: &str = "AWS/";
/// CloudWatch namespace length (CloudWatch API reference, PutMetricData: Namespace, "Minimum
/// length of 1. Maximum length of 255").
pub const NAMESPACE_MAX: usize = 255;

/// Region names: `<area>[-<qualifier>]-<direction>-<n>` (AWS general reference, "Regions and
/// endpoints"). Checked by shape so that a new region needs no release; these are the areas
/// and directions in use.
pub const REGION_AREAS: &[&str] = &["af", "ap", "ca", "cn", "eu", "il", "me", "mx", "sa", "us"];
pub const REGION_QUALIFIERS: &[&str] = &["gov", "iso", "isob", "isoe", "isof"];
pub const REGION_DIRECTIONS: &[&str] = &[
    "central",
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
];
/// Regions a did-you-mean can suggest (AWS general reference, "Regions and endpoints").
pub const KNOWN_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
];
