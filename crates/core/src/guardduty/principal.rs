//! The IAM principal a finding names, as GuardDuty names it: an attack sequence's actor (user,
//! access key, session) read into one shape, and the ARN Detective profiles it by.

use super::wire::Actor;

/// The principal an attack sequence's actor used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Principal<'a> {
    /// `IAMUser`, `AssumedRole`, `Root`, …
    pub kind: Option<&'a str>,
    pub name: Option<&'a str>,
    /// The principal id (`AIDA…`, `AROA…:session`).
    pub uid: Option<&'a str>,
    /// The access key it signed with.
    pub credential: Option<&'a str>,
    /// The account the activity took place in.
    pub account: Option<&'a str>,
    pub session: Option<&'a str>,
    /// `ENABLED` or `DISABLED`.
    pub mfa: Option<&'a str>,
    /// Who issued the session: the role's (or user's) ARN.
    pub issuer: Option<&'a str>,
}

impl<'a> Principal<'a> {
    /// The principal an actor names, when it names a user.
    pub fn of(actor: &'a Actor) -> Option<Self> {
        let user = actor.user.as_deref()?;
        let session = actor.session.as_deref();
        Some(Principal {
            kind: user.r#type.as_deref(),
            name: user.name.as_deref(),
            uid: user.uid.as_deref(),
            credential: user.credential_uid.as_deref(),
            account: user.account.as_ref().and_then(|a| a.uid.as_deref()),
            session: session.and_then(|s| s.uid.as_deref()),
            mfa: session.and_then(|s| s.mfa_status.as_deref()),
            issuer: session.and_then(|s| s.issuer.as_deref()),
        })
    }

    /// The IAM principal as an ARN Detective can profile: an IAM user by its name, a role by
    /// its session's issuer (the role, never the session name its assumer chose), or by name.
    pub fn arn(&self, partition: &str, account: &str) -> Option<String> {
        let account = self.account.filter(|a| !a.is_empty()).unwrap_or(account);
        match self.kind? {
            "IAMUser" => Some(format!(
                "arn:{partition}:iam::{account}:user/{}",
                self.name?
            )),
            "AssumedRole" | "Role" => match self.issuer.filter(|i| i.starts_with("arn:")) {
                Some(issuer) => Some(issuer.to_owned()),
                None => Some(format!(
                    "arn:{partition}:iam::{account}:role/{}",
                    self.name?
                )),
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_principal_becomes_an_arn_detective_profiles() {
        let user = Principal {
            kind: Some("IAMUser"),
            name: Some("ml-ci"),
            ..Principal::default()
        };
        assert_eq!(
            user.arn("aws", "111122223333").as_deref(),
            Some("arn:aws:iam::111122223333:user/ml-ci")
        );
        let role = Principal {
            kind: Some("AssumedRole"),
            name: Some("session-name"),
            issuer: Some("arn:aws:iam::111122223333:role/trainer"),
            ..Principal::default()
        };
        assert_eq!(
            role.arn("aws", "111122223333").as_deref(),
            Some("arn:aws:iam::111122223333:role/trainer")
        );
        let root = Principal {
            kind: Some("Root"),
            ..Principal::default()
        };
        assert_eq!(root.arn("aws", "111122223333"), None);
    }
}
