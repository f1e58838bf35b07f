//! Who is calling, and where: the account and region of a request, read from its SigV4
//! `Authorization` header. Signatures are not verified (this is a local emulator).

/// The account used when the access key id is not a 12-digit account id.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// The region used when a request carries no SigV4 credential scope (e.g. curl by hand).
pub const DEFAULT_REGION: &str = "us-east-1";

/// The calling account and the region the request was signed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    pub region: String,
}

impl Caller {
    /// Reads `Credential=AKID/date/region/service/aws4_request` from an Authorization header.
    /// Requests without one are treated as the default account in the default region, so that
    /// the emulator can be poked with curl.
    pub fn from_authorization(header: Option<&str>) -> Caller {
        let scope = header.and_then(|h| {
            let start = h.find("Credential=")? + "Credential=".len();
            let rest = &h[start..];
            let end = rest.find([',', ' ']).unwrap_or(rest.len());
            Some(&rest[..end])
        });
        let mut parts = scope.unwrap_or_default().split('/');
        let key = parts.next().unwrap_or_default();
        let _date = parts.next();
        let region = parts
            .next()
            .filter(|r| !r.is_empty())
            .unwrap_or(DEFAULT_REGION);
        let account = if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) {
            key
        } else {
            DEFAULT_ACCOUNT
        };
        Caller {
            account: account.to_string(),
            region: region.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_digit_key_is_the_account() {
        let h = "AWS4-HMAC-SHA256 Credential=111122223333/20260101/eu-west-1/detective/aws4_request, SignedHeaders=host, Signature=abc";
        let c = Caller::from_authorization(Some(h));
        assert_eq!(
            c,
            Caller {
                account: "111122223333".into(),
                region: "eu-west-1".into()
            }
        );
    }

    #[test]
    fn other_keys_map_to_the_default_account() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-west-2/detective/aws4_request,SignedHeaders=host";
        let c = Caller::from_authorization(Some(h));
        assert_eq!(c.account, DEFAULT_ACCOUNT);
        assert_eq!(c.region, "us-west-2");
        assert_eq!(Caller::from_authorization(None).region, DEFAULT_REGION);
    }
}
