//! `[metrics]`: a namespace CloudWatch takes, and is not AWS's own.

use super::{Checked, Source};
use crate::config::Config;

/// CloudWatch namespaces AWS keeps for itself (CloudWatch API reference, PutMetricData:
/// "You cannot specify a namespace that begins with \"AWS/\"").
const RESERVED_NAMESPACE_PREFIX: &str = "AWS/";
/// CloudWatch namespace length (CloudWatch API reference, PutMetricData: Namespace, "Minimum
/// length of 1. Maximum length of 255").
const NAMESPACE_MAX: usize = 255;

/// A namespace CloudWatch takes.
pub(super) fn namespace(config: &Config, src: &Source<'_>) -> Checked {
    let namespace = &config.metrics.namespace;
    let key = "metrics.namespace";
    if namespace.starts_with(RESERVED_NAMESPACE_PREFIX) {
        return src.fail(
            key,
            format!("`{namespace}` is in AWS's own namespaces"),
            "CloudWatch refuses namespaces that begin with `AWS/`: use your own, e.g. `Watchpost`",
        );
    }
    let printable = namespace.bytes().all(|b| (0x20..0x7f).contains(&b));
    if namespace.is_empty()
        || namespace.len() > NAMESPACE_MAX
        || namespace.starts_with(':')
        || !printable
    {
        return src.fail(
            key,
            format!("`{namespace}` is not a CloudWatch namespace"),
            "namespaces are 1–255 printable ASCII characters, not starting with `:`",
        );
    }
    Ok(())
}
