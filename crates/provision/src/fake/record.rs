//! Who made what in the fake account, and what every mutating call touched: what the
//! property's first invariant is checked against. A thing Watchpost made (through the ports,
//! while the account's actor is Watchpost) is remembered as such; anything else in the account
//! was made by someone else: the generator of a prior state, or a test acting by hand.

use super::FakeState;

/// Who makes the calls the account receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Actor {
    /// The engine, through the ports.
    #[default]
    Watchpost,
    /// Someone else: a team, another tool, a test acting by hand.
    Someone,
}

/// One thing in the account, as precisely as a call can touch it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Thing {
    Graph(String),
    /// A graph's tag, by key.
    GraphTag(String, String),
    /// A member account of a graph.
    Member(String, String),
    /// A data source package of a graph.
    Datasource(String, String),
    /// The organization's Detective administrator.
    OrganizationAdmin(String),
    /// Whether the organization's new accounts join a graph by themselves.
    AutoEnable(String),
    Key(String),
    Alias(String),
    Topic(String),
    Subscription(String),
    Table(String),
    Queue(String),
    Role(String),
    RolePolicy(String, String),
    Function(String),
    InvokeConfig(String),
    Permission(String, String),
    Rule(String),
    Target(String, String),
    Alarm(String),
    Dashboard(String),
    Detector(String),
    Parameter(String),
}

/// What a call did to a thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    Create,
    Change,
    Delete,
}

/// One effect of one mutating call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touched {
    pub call: &'static str,
    pub by: Actor,
    pub touch: Touch,
    pub thing: Thing,
    /// Whether Watchpost had made the thing (before this call).
    pub own: bool,
}

impl FakeState {
    fn touched(&mut self, touch: Touch, thing: Thing) {
        let call = self.calls.last().copied().unwrap_or("?");
        let own = self.made_by_watchpost.contains(&thing);
        self.touches.push(Touched {
            call,
            by: self.actor,
            touch,
            thing,
            own,
        });
    }

    /// The current call created `thing`.
    pub(super) fn made(&mut self, thing: Thing) {
        self.touched(Touch::Create, thing.clone());
        if self.actor == Actor::Watchpost {
            self.made_by_watchpost.insert(thing);
        } else {
            self.made_by_watchpost.remove(&thing);
        }
    }

    /// The current call changed `thing`.
    pub(super) fn changed(&mut self, thing: Thing) {
        self.touched(Touch::Change, thing);
    }

    /// The current call deleted `thing` (who made it is remembered: a key scheduled for
    /// deletion is still there, and still Watchpost's or not).
    pub(super) fn deleted(&mut self, thing: Thing) {
        self.touched(Touch::Delete, thing);
    }

    /// Whether Watchpost made `thing` (and no one else made one of its name since).
    pub fn made_by_watchpost(&self, thing: &Thing) -> bool {
        self.made_by_watchpost.contains(thing)
    }
}
