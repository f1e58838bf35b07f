//! The shrunk cases the property found, kept as tests: each failed before its fix (the fault's
//! call number counts the calls of the code it was found on).

use watchpost_provision::fake::faults::Fault;

use crate::run::run;
use crate::world::{Case, Choices, Operation, Prior};

fn apply(config: usize, fault: Option<Fault>) -> Operation {
    Operation::Apply { config, fault }
}

fn destroy(config: usize, fault: Option<Fault>) -> Operation {
    Operation::Destroy { config, fault }
}

fn check(case: Case) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    if let Err(broken) = rt.block_on(run(&case)) {
        panic!("{broken}\n{case:#?}");
    }
}

/// The configs most shrunk cases share: organization mode, members only the config names (and
/// the organization's, with another email), usage alarms, operations alarms, adopt.
fn organization_config() -> Choices {
    Choices {
        list_enabled_by_organization: true,
        list_only_in_config: true,
        organization: true,
        usage: true,
        alarms: true,
        adopt: true,
        ..Choices::default()
    }
}

/// Destroy failed after disabling the organization administrator, before removing its record:
/// the next destroy no longer saw the administrator, and left the record.
#[test]
fn a_destroy_stopped_after_disabling_the_administrator_leaves_no_record() {
    check(Case {
        prior: Prior {
            untagged_alarm: true,
            ..Prior::default()
        },
        configs: vec![organization_config()],
        operations: vec![apply(0, None), destroy(0, Some(Fault::Fail(81)))],
    });
}

/// Apply was killed between PutRule and TagResource (its 44th call when found): the rule had
/// no tag, so no later run knew it as the stack's, and destroy left it. Every kill point of
/// the first apply, so that the case outlives changes in the number of calls before it.
#[test]
fn a_rule_created_by_an_apply_killed_before_tagging_it_is_the_stacks() {
    for kill in 0..120 {
        check(Case {
            prior: Prior {
                untagged_alarm: true,
                ..Prior::default()
            },
            configs: vec![Choices {
                list_enabled_by_organization: false,
                organization: false,
                ..organization_config()
            }],
            operations: vec![apply(0, Some(Fault::Kill(kill))), destroy(0, None)],
        });
    }
}

/// Destroy failed after deleting the stack's graph: the next destroy found no graph, so no
/// members, and left the records of the members it had invited.
#[test]
fn member_records_go_when_the_stacks_graph_is_gone() {
    check(Case {
        prior: Prior {
            untagged_alarm: true,
            other_stack: true,
            earlier_apply: true,
            hand_subscription_on_stack_topic: true,
            ..Prior::default()
        },
        configs: vec![organization_config()],
        operations: vec![destroy(0, Some(Fault::Fail(82)))],
    });
}

/// An adopted table keeps the tags its owner set: apply added the stack's tag, and the plan
/// after it wanted the owner's removed, for ever.
#[test]
fn an_adopted_table_keeps_its_own_tags_and_the_plan_converges() {
    check(Case {
        prior: Prior {
            untagged_table: true,
            ..Prior::default()
        },
        configs: vec![Choices {
            organization: true,
            usage: true,
            alarms: true,
            adopt: true,
            ..Choices::default()
        }],
        operations: vec![apply(0, Some(Fault::Fail(1)))],
    });
}

/// The detector an apply created while the config managed it was not read by a destroy whose
/// config does not: destroy left it.
#[test]
fn the_detector_the_stack_created_goes_with_destroy_whatever_the_config() {
    let managing = Choices {
        list_invited_by_team: true,
        list_only_in_config: true,
        organization: true,
        manage_detector: true,
        team_route: true,
        security_hub: true,
        ..Choices::default()
    };
    let not_managing = Choices {
        team_route: true,
        usage: true,
        adopt: true,
        ..Choices::default()
    };
    check(Case {
        prior: Prior::default(),
        configs: vec![not_managing, managing],
        operations: vec![apply(1, None), destroy(0, None)],
    });
}

/// Apply was killed between enabling the organization administrator and recording it: the
/// next apply took the administrator for one that was there before, and destroy left it.
#[test]
fn the_organization_administrator_is_recorded_before_it_is_enabled() {
    let managing = Choices {
        list_invited_by_team: true,
        list_only_in_config: true,
        organization: true,
        manage_detector: true,
        team_route: true,
        security_hub: true,
        ..Choices::default()
    };
    let not_managing = Choices {
        team_route: true,
        usage: true,
        adopt: true,
        ..Choices::default()
    };
    check(Case {
        prior: Prior {
            earlier_apply: true,
            ..Prior::default()
        },
        configs: vec![not_managing, managing],
        operations: vec![apply(1, Some(Fault::Kill(38))), destroy(0, None)],
    });
}

/// CreateKey took effect, lost its answer and was sent again: two keys with the stack's tag,
/// of which destroy deleted one per run.
#[test]
fn a_second_key_from_a_create_key_sent_twice_is_deleted() {
    check(Case {
        prior: Prior {
            untagged_table: true,
            untagged_alarm: true,
            ..Prior::default()
        },
        configs: vec![Choices {
            graph_arn: true,
            list_invited_by_team: true,
            list_enabled_by_organization: true,
            list_only_in_config: true,
            organization: true,
            team_route: true,
            usage: true,
            alarms: true,
            adopt: true,
            ..Choices::default()
        }],
        operations: vec![
            apply(0, Some(Fault::Retry(26))),
            destroy(0, Some(Fault::Lose(0))),
        ],
    });
}

/// Apply was killed between Subscribe and recording the subscription (its 27th call when
/// found), on the team's topic: no later run knew the subscription as the stack's, and destroy
/// left it. Every kill point of the first apply.
#[test]
fn a_subscription_made_by_an_apply_killed_before_its_record_is_the_stacks() {
    for kill in 0..120 {
        check(Case {
            prior: Prior {
                team_topic: true,
                ..Prior::default()
            },
            configs: vec![Choices {
                team_route: true,
                ..Choices::default()
            }],
            operations: vec![apply(0, Some(Fault::Kill(kill))), destroy(0, None)],
        });
    }
}
