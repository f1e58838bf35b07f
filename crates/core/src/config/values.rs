//! Config values with their own syntax: durations (`90s`, `15m`, `24h`, `7d`), name patterns
//! (`*` and `?` wildcards, `{region}` and `{account}` placeholders) and IP/CIDR blocks. Each
//! checks itself while the TOML is read, so errors carry the line they came from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A span of time written with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    pub fn as_secs(self) -> u64 {
        self.0.as_secs()
    }
}

impl FromStr for Duration {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().map_err(|_| {
            format!("`{text}` is not a duration: write a number and a unit, e.g. `24h`")
        })?;
        let seconds = match unit.trim() {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            other => {
                return Err(format!(
                    "`{other}` is not a duration unit: use s, m, h or d (e.g. `24h`)"
                ));
            }
        };
        Ok(Duration(std::time::Duration::from_secs(
            number.saturating_mul(seconds),
        )))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.as_secs();
        match s {
            0 => write!(f, "0s"),
            s if s % 86_400 == 0 && s >= 2 * 86_400 => write!(f, "{}d", s / 86_400),
            s if s % 3_600 == 0 => write!(f, "{}h", s / 3_600),
            s if s % 60 == 0 => write!(f, "{}m", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

/// A name pattern: `*` any run of characters, `?` one character, and the placeholders
/// `{region}` and `{account}` standing for the finding's own region and account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(String);

impl Pattern {
    pub fn new(text: &str) -> Self {
        Pattern(text.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `name` matches, with placeholders filled in from the finding.
    pub fn matches(&self, name: &str, region: &str, account: &str) -> bool {
        if self.0.contains('{') {
            let filled = self
                .0
                .replace("{region}", region)
                .replace("{account}", account);
            glob_match(filled.as_bytes(), name.as_bytes())
        } else {
            glob_match(self.0.as_bytes(), name.as_bytes())
        }
    }

    /// Whether `name` matches, placeholders matching anything.
    pub fn matches_any_scope(&self, name: &str) -> bool {
        self.matches(name, "*", "*")
    }

    /// Whether `name` matches whatever the case of either (`Python-Requests/*` matches
    /// `python-requests/2.31`), placeholders matching anything: for values whose case means
    /// nothing, such as user agents.
    pub fn matches_ignoring_case(&self, name: &str) -> bool {
        Pattern(self.0.to_lowercase()).matches_any_scope(&name.to_lowercase())
    }
}

/// Iterative wildcard matching (linear backtracking on the last `*`), so that hostile names
/// cannot make matching slow.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        // A `*` in the pattern is a wildcard whatever the text holds, a `*` included: it is
        // looked at before the literal comparison.
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Err(serde::de::Error::custom(
                "an empty pattern matches nothing: remove it",
            ));
        }
        Ok(Pattern(text))
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An IP address or CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr(pub ipnet::IpNet);

impl Cidr {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        if let Ok(net) = text.parse::<ipnet::IpNet>() {
            return Ok(Cidr(net.trunc()));
        }
        text.parse::<std::net::IpAddr>()
            .map(|ip| Cidr(ipnet::IpNet::from(ip)))
            .map_err(|_| {
                format!("`{text}` is not an IP address or CIDR block (e.g. `203.0.113.0/24`)")
            })
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_units() {
        assert_eq!("90s".parse::<Duration>().unwrap().as_secs(), 90);
        assert_eq!("24h".parse::<Duration>().unwrap().as_secs(), 86_400);
        assert_eq!("7d".parse::<Duration>().unwrap().to_string(), "7d");
        assert!("24".parse::<Duration>().unwrap_err().contains("unit"));
        assert!("soon".parse::<Duration>().is_err());
    }

    #[test]
    fn patterns_match_wildcards_and_placeholders() {
        let role = Pattern::new("AmazonSageMaker-ExecutionRole-*");
        assert!(role.matches_any_scope("AmazonSageMaker-ExecutionRole-20240101T000000"));
        assert!(!role.matches_any_scope("AmazonSageMaker-Other"));
        let bucket = Pattern::new("sagemaker-{region}-{account}");
        assert!(bucket.matches(
            "sagemaker-us-east-1-123456789012",
            "us-east-1",
            "123456789012"
        ));
        assert!(!bucket.matches(
            "sagemaker-us-east-1-999999999999",
            "us-east-1",
            "123456789012"
        ));
        assert!(Pattern::new("a?c").matches_any_scope("abc"));
        // Pathological input stays linear.
        let hostile = "a".repeat(10_000);
        assert!(!Pattern::new("*a*a*a*a*b").matches_any_scope(&hostile));
    }

    #[test]
    fn a_wildcard_stays_a_wildcard_when_the_text_holds_a_star() {
        // The `*` of the pattern met the text's own `*` and was consumed as a literal, so the
        // rest of the text had no wildcard left to match it.
        assert!(Pattern::new("*x").matches_any_scope("*ax"));
        assert!(Pattern::new("a*c").matches_any_scope("a*bc"));
        assert!(Pattern::new("*").matches_any_scope("**"));
        assert!(Pattern::new("x*y*z").matches_any_scope("x*y*q*y*z"));
        // `?` is any one character, a star included.
        assert!(Pattern::new("a?c").matches_any_scope("a*c"));
        assert!(!Pattern::new("a*c").matches_any_scope("a*b"));
    }

    #[test]
    fn cidrs_accept_addresses_and_blocks() {
        let block: Cidr = "203.0.113.7/24".parse().unwrap();
        assert!(block.contains("203.0.113.200".parse().unwrap()));
        assert!(!block.contains("203.0.114.1".parse().unwrap()));
        let single: Cidr = "2001:db8::1".parse().unwrap();
        assert!(single.contains("2001:db8::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
    }
}
