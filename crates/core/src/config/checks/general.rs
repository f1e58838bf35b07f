//! `[watchpost]`: the stack's name, its regions (checked by shape, so that a new region needs
//! no release), and the resources it may adopt.

use std::collections::BTreeSet;

use watchpost_contract::stack::ADOPTABLE_KINDS;

use super::{Checked, Source, did_you_mean, is_resource_name, suggest};
use crate::config::Config;

/// Region names: `<area>[-<qualifier>]-<direction>-<n>` (AWS general reference, "Regions and
/// endpoints"). Checked by shape so that a new region needs no release; these are the areas
/// and directions in use.
const REGION_AREAS: &[&str] = &["af", "ap", "ca", "cn", "eu", "il", "me", "mx", "sa", "us"];
const REGION_QUALIFIERS: &[&str] = &["gov", "iso", "isob", "isoe", "isof"];
const REGION_DIRECTIONS: &[&str] = &[
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
const KNOWN_REGIONS: &[&str] = &[
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

/// The stack names and tags everything: Watchpost's own rule for its shape.
pub(super) fn stack(config: &Config, src: &Source<'_>) -> Checked {
    if !is_resource_name(&config.watchpost.stack, 32) {
        return src.fail_text(
            "watchpost.stack".into(),
            "stack",
            format!("`{}` cannot name AWS resources", config.watchpost.stack),
            "use 1–32 letters, digits, `-` or `_`",
        );
    }
    Ok(())
}

/// Regions are region codes, each listed once.
pub(super) fn regions(config: &Config, src: &Source<'_>) -> Checked {
    let mut seen = BTreeSet::new();
    for (i, region) in config.watchpost.regions.iter().enumerate() {
        let key = format!("watchpost.regions[{i}]");
        if !is_region(region) {
            let hint = match did_you_mean(region, KNOWN_REGIONS) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "write a region code such as `us-east-1` or `eu-central-1`".to_owned(),
            };
            return src.fail(&key, format!("`{region}` is not an AWS region"), hint);
        }
        if !seen.insert(region.as_str()) {
            return src.fail(
                &key,
                format!("`{region}` is listed twice"),
                "list each region once: Watchpost provisions every region in the list",
            );
        }
    }
    Ok(())
}

/// Adopted resources are named `kind:name`, of a kind Watchpost adopts.
pub(super) fn adopt(config: &Config, src: &Source<'_>) -> Checked {
    for (i, entry) in config.watchpost.adopt.iter().enumerate() {
        let key = format!("watchpost.adopt[{i}]");
        let Some((kind, name)) = entry.split_once(':') else {
            return src.fail(
                &key,
                format!("`{entry}` names no resource"),
                "write `kind:name` as the plan shows it, e.g. `dynamodb-table:watchpost-alert-state`",
            );
        };
        if !ADOPTABLE_KINDS.contains(&kind) {
            return src.fail(
                &key,
                format!("`{kind}` is not a kind Watchpost adopts"),
                suggest(kind, ADOPTABLE_KINDS),
            );
        }
        if name.is_empty() {
            return src.fail(
                &key,
                format!("`{entry}` names no resource"),
                "write `kind:name` as the plan shows it, e.g. `dynamodb-table:watchpost-alert-state`",
            );
        }
    }
    Ok(())
}

/// Whether `name` has the shape of an AWS region code (`us-east-1`, `us-gov-west-1`).
pub(super) fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let (area, qualifier, direction, number) = match parts.as_slice() {
        [area, direction, number] => (*area, None, *direction, *number),
        [area, qualifier, direction, number] => (*area, Some(*qualifier), *direction, *number),
        _ => return false,
    };
    REGION_AREAS.contains(&area)
        && qualifier.is_none_or(|q| REGION_QUALIFIERS.contains(&q))
        && REGION_DIRECTIONS.contains(&direction)
        && (1..=2).contains(&number.len())
        && !number.starts_with('0')
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_are_checked_by_shape() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-5",
            "mx-central-1",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "us-east",
            "useast-1",
            "us-est-1",
            "US-EAST-1",
            "us-east-01",
            "xx-east-1",
            "",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
