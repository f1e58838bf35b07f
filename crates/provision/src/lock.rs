//! The stack's lock, one per stack and region, held in AWS so that two people applying
//! different configs cannot delete each other's resources: an SSM parameter
//! `/watchpost/<stack>/lock` written only when it does not exist (PutParameter without
//! overwrite is a conditional write). Apply and destroy take it in every region before they
//! observe and release it when they are done; a second run meets it and is refused with who
//! holds it and since when. A run that died leaves it behind: `--force-unlock ID` removes it
//! (like Terraform's `force-unlock`), and only when the ID matches, so that one cannot take
//! away a lock someone took since.

use serde::{Deserialize, Serialize};

use crate::ports::Ports;
use crate::ports::{ParametersPort, PortError};

/// Who holds a lock, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Names this hold (for `--force-unlock`).
    pub id: String,
    /// Who: the caller's identity and where the command runs.
    pub holder: String,
    /// `apply` or `destroy`.
    pub operation: String,
    /// When it was taken (RFC 3339, UTC).
    pub since: String,
}

/// The lock's parameter for `stack` (SSM is regional: one lock per stack and region).
pub fn lock_parameter(stack: &str) -> String {
    format!("/watchpost/{stack}/lock")
}

/// Why the lock could not be taken or released.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{region}: stack {stack} is locked by {} since {} ({}, lock id {}): wait for that run to \
         finish; if it stopped without releasing the lock, run `watchpost {} --force-unlock {}`",
        held.holder, held.since, held.operation, held.id, held.operation, held.id
    )]
    Held {
        region: String,
        stack: String,
        held: Box<LockInfo>,
    },
    #[error("{region}: the lock of stack {stack} has id {}, not {given}: nothing removed", held.id)]
    OtherHolder {
        region: String,
        stack: String,
        given: String,
        held: Box<LockInfo>,
    },
    #[error("{region}: the lock of stack {stack}")]
    Port {
        region: String,
        stack: String,
        #[source]
        source: PortError,
    },
}

/// Reads the lock's holder; a value that does not parse still names itself.
fn parse(value: &str) -> LockInfo {
    serde_json::from_str(value).unwrap_or_else(|_| LockInfo {
        id: "unknown".into(),
        holder: format!("an unreadable lock ({value})"),
        operation: "apply".into(),
        since: "an unknown time".into(),
    })
}

/// Wraps a port's error with the lock's region and stack.
fn port_error<'a>(region: &'a str, stack: &'a str) -> impl Fn(PortError) -> LockError + Copy + 'a {
    move |source| LockError::Port {
        region: region.to_owned(),
        stack: stack.to_owned(),
        source,
    }
}

/// Takes the lock of `stack` in the ports' region, or says who holds it.
pub async fn acquire<P: Ports>(
    ports: &P,
    region: &str,
    stack: &str,
    lock: &LockInfo,
) -> Result<(), LockError> {
    let port_err = port_error(region, stack);
    let name = lock_parameter(stack);
    let value = serde_json::to_string(lock).expect("a lock serializes");
    // Twice at most: the holder may release between our write and our read.
    for _ in 0..2 {
        if ports
            .ssm()
            .create_parameter(&name, &value)
            .await
            .map_err(port_err)?
        {
            return Ok(());
        }
        if let Some(held) = ports.ssm().parameter(&name).await.map_err(port_err)? {
            let held = parse(&held);
            // Our own write: the SDK sent PutParameter again after the first one took effect
            // (its answer lost to a timeout), and the second found the lock in place.
            if held.id == lock.id {
                return Ok(());
            }
            return Err(LockError::Held {
                region: region.to_owned(),
                stack: stack.to_owned(),
                held: Box::new(held),
            });
        }
    }
    Err(port_err(PortError::Other {
        call: "PutParameter",
        code: "LockContended".into(),
        message: "the lock changed hands twice while it was being taken: try again".into(),
    }))
}

/// Releases the lock if it is still this one (`id`); a lock someone else holds now is left.
pub async fn release<P: Ports>(
    ports: &P,
    region: &str,
    stack: &str,
    id: &str,
) -> Result<(), LockError> {
    let port_err = port_error(region, stack);
    let name = lock_parameter(stack);
    match ports.ssm().parameter(&name).await.map_err(port_err)? {
        Some(value) if parse(&value).id == id => {
            ports.ssm().delete_parameter(&name).await.map_err(port_err)
        }
        _ => Ok(()),
    }
}

/// Removes a lock left behind, when its id is `id`. `Ok(None)` when there is no lock.
pub async fn force_unlock<P: Ports>(
    ports: &P,
    region: &str,
    stack: &str,
    id: &str,
) -> Result<Option<LockInfo>, LockError> {
    let port_err = port_error(region, stack);
    let name = lock_parameter(stack);
    let Some(value) = ports.ssm().parameter(&name).await.map_err(port_err)? else {
        return Ok(None);
    };
    let held = parse(&value);
    if held.id != id {
        return Err(LockError::OtherHolder {
            region: region.to_owned(),
            stack: stack.to_owned(),
            given: id.to_owned(),
            held: Box::new(held),
        });
    }
    ports
        .ssm()
        .delete_parameter(&name)
        .await
        .map_err(port_err)?;
    Ok(Some(held))
}

/// Takes the lock in every region, in order; when one is held elsewhere, releases those
/// already taken and says who holds it.
pub async fn acquire_all<P: Ports>(
    regions: &[(String, P)],
    stack: &str,
    lock: &LockInfo,
) -> Result<(), LockError> {
    for (i, (region, ports)) in regions.iter().enumerate() {
        if let Err(err) = acquire(ports, region, stack, lock).await {
            release_all(&regions[..i], stack, &lock.id).await;
            return Err(err);
        }
    }
    Ok(())
}

/// Releases this run's lock in every region; failures are reported, not fatal (the lock then
/// needs `--force-unlock`).
pub async fn release_all<P: Ports>(
    regions: &[(String, P)],
    stack: &str,
    id: &str,
) -> Vec<LockError> {
    let mut errors = Vec::new();
    for (region, ports) in regions {
        if let Err(err) = release(ports, region, stack, id).await {
            errors.push(err);
        }
    }
    errors
}
