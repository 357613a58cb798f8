//! Ordering actions: edges come from resources (an action that needs
//! `mount:/mnt` depends on the action that produces it), never from list
//! position. Among actions that are ready together, phase order and then
//! creation order decide, so the same input always gives the same order.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use petgraph::graph::{DiGraph, NodeIndex};

use crate::plan::Action;
use crate::Phase;
use crate::Resource;

#[derive(Debug, Clone, PartialEq)]
pub enum OrderError {
    /// A resource no action produces.
    Missing { action: String, resource: String },
    /// Two actions produce the same resource.
    Duplicate {
        resource: String,
        first: String,
        second: String,
    },
    /// The actions depend on each other in a circle.
    Cycle { members: Vec<String> },
}

impl std::fmt::Display for OrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrderError::Missing { action, resource } => {
                write!(f, "{action} needs {resource}, which no action produces")
            }
            OrderError::Duplicate {
                resource,
                first,
                second,
            } => write!(f, "{resource} is produced by both {first} and {second}"),
            OrderError::Cycle { members } => write!(
                f,
                "actions depend on each other in a cycle: {}",
                members.join(" → ")
            ),
        }
    }
}

/// The dependency graph of the actions (edge: producer → consumer).
pub fn graph(actions: &[Action]) -> Result<DiGraph<usize, Resource>, OrderError> {
    graph_assuming(actions, &[])
}

/// [`graph`], with `assumed` resources taken as already there (what the
/// phases left out of a plan would have produced).
pub fn graph_assuming(
    actions: &[Action],
    assumed: &[Resource],
) -> Result<DiGraph<usize, Resource>, OrderError> {
    let mut g = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..actions.len()).map(|i| g.add_node(i)).collect();
    let mut producer: BTreeMap<&Resource, usize> = BTreeMap::new();
    for (i, a) in actions.iter().enumerate() {
        for r in &a.produces {
            if let Some(&j) = producer.get(r) {
                return Err(OrderError::Duplicate {
                    resource: r.to_string(),
                    first: actions[j].id.clone(),
                    second: a.id.clone(),
                });
            }
            producer.insert(r, i);
        }
    }
    // update_edge scans a node's edges; with thousands of inputs to one
    // action that is quadratic, so deduplicate here instead.
    let mut seen = std::collections::HashSet::new();
    for (i, a) in actions.iter().enumerate() {
        for r in &a.needs {
            match producer.get(r) {
                Some(&j) if j != i => {
                    if seen.insert((j, i)) {
                        g.add_edge(nodes[j], nodes[i], r.clone());
                    }
                }
                Some(_) => {}
                None if r.is_external() || assumed.contains(r) => {}
                None => {
                    return Err(OrderError::Missing {
                        action: a.id.clone(),
                        resource: r.to_string(),
                    })
                }
            }
        }
    }
    Ok(g)
}

/// Sort the actions: dependencies first; among ready ones, by phase and then
/// by creation order. Fills in each action's `deps`.
pub fn order(mut actions: Vec<Action>) -> Result<Vec<Action>, OrderError> {
    let g = graph(&actions)?;
    let phase_of = |a: &Action| a.phase;
    let mut indegree: Vec<usize> = g
        .node_indices()
        .map(|n| g.neighbors_directed(n, petgraph::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<(Phase, usize)>> = BinaryHeap::new();
    for (i, d) in indegree.iter().enumerate() {
        if *d == 0 {
            ready.push(Reverse((phase_of(&actions[i]), i)));
        }
    }
    let mut sorted = Vec::with_capacity(actions.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        sorted.push(i);
        for n in g.neighbors_directed(NodeIndex::new(i), petgraph::Outgoing) {
            let j = n.index();
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse((phase_of(&actions[j]), j)));
            }
        }
    }
    if sorted.len() < actions.len() {
        let sccs = petgraph::algo::tarjan_scc(&g);
        let members = sccs
            .into_iter()
            .find(|c| c.len() > 1)
            .map(|c| {
                let mut m: Vec<String> = c.iter().map(|n| actions[n.index()].id.clone()).collect();
                m.sort();
                m
            })
            .unwrap_or_default();
        return Err(OrderError::Cycle { members });
    }
    for (i, a) in actions.iter_mut().enumerate() {
        let mut deps: Vec<String> = Vec::new();
        for n in g.neighbors_directed(NodeIndex::new(i), petgraph::Incoming) {
            deps.push(n.index().to_string());
        }
        a.deps = deps;
    }
    // deps hold indices for now; turn them into ids.
    let ids: Vec<String> = actions.iter().map(|a| a.id.clone()).collect();
    for a in actions.iter_mut() {
        let mut d: Vec<String> = a
            .deps
            .iter()
            .map(|i| ids[i.parse::<usize>().expect("index")].clone())
            .collect();
        d.sort();
        a.deps = d;
    }
    let mut slots: Vec<Option<Action>> = actions.into_iter().map(Some).collect();
    Ok(sorted
        .into_iter()
        .map(|i| slots[i].take().expect("each once"))
        .collect())
}
