//! The order a batch run documents definitions in: callees before their
//! callers, so that a caller's prompt can show what the functions it calls
//! were documented to do.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// Groups `nodes` (`0..count`) into waves: every node's callees (edges
/// `from -> to` meaning `from` calls `to`) are in an earlier wave or in the
/// same strongly connected component (a cycle is one group, documented
/// together in the same wave). Within a wave, nodes are in ascending order.
/// Edges to nodes out of range and self-edges are ignored.
///
/// A node's wave is 1 + the highest wave of the components it calls, 0 when
/// it calls nothing.
pub fn callee_first_waves(count: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(count, edges.len());
    for _ in 0..count {
        graph.add_node(());
    }
    for &(from, to) in edges {
        if from != to && from < count && to < count {
            graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
        }
    }
    // Tarjan's algorithm yields each component after every component it
    // reaches, so a component's callees have their wave when it is reached.
    let components = tarjan_scc(&graph);
    let mut component_of = vec![usize::MAX; count];
    for (number, component) in components.iter().enumerate() {
        for node in component {
            if let Some(slot) = component_of.get_mut(node.index()) {
                *slot = number;
            }
        }
    }
    let mut wave_of_component = vec![0usize; components.len()];
    for (number, component) in components.iter().enumerate() {
        let wave = component
            .iter()
            .flat_map(|&node| graph.neighbors(node))
            .filter_map(|callee| component_of.get(callee.index()).copied())
            .filter(|&callee| callee != number)
            .filter_map(|callee| wave_of_component.get(callee).map(|wave| wave + 1))
            .max()
            .unwrap_or(0);
        if let Some(slot) = wave_of_component.get_mut(number) {
            *slot = wave;
        }
    }
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (node, &component) in component_of.iter().enumerate() {
        let Some(&wave) = wave_of_component.get(component) else { continue };
        if waves.len() <= wave {
            waves.resize_with(wave + 1, Vec::new);
        }
        if let Some(members) = waves.get_mut(wave) {
            members.push(node);
        }
    }
    waves
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_is_documented_from_its_end() {
        let (a, b, c) = (0, 1, 2);
        assert_eq!(callee_first_waves(3, &[(a, b), (b, c)]), vec![vec![c], vec![b], vec![a]]);
    }

    #[test]
    fn a_cycle_is_one_group_in_one_wave() {
        let (a, b, c, d) = (0, 1, 2, 3);
        let edges = [(a, b), (b, a), (a, c), (b, c), (d, a)];
        assert_eq!(callee_first_waves(4, &edges), vec![vec![c], vec![a, b], vec![d]]);
        // The numbering does not change the grouping.
        let (a, b, c, d) = (3, 1, 0, 2);
        let edges = [(a, b), (b, a), (a, c), (b, c), (d, a)];
        assert_eq!(callee_first_waves(4, &edges), vec![vec![c], vec![b, a], vec![d]]);
    }

    #[test]
    fn a_wave_follows_the_longest_path_below_it() {
        // 0 calls 1 and 3; 1 calls 2; 2 calls 3: 0 waits for the longer path.
        assert_eq!(callee_first_waves(4, &[(0, 1), (0, 3), (1, 2), (2, 3)]), vec![vec![3], vec![2], vec![1], vec![0]]);
    }

    #[test]
    fn self_edges_duplicates_and_out_of_range_edges_are_ignored() {
        let edges = [(0, 0), (0, 1), (0, 1), (1, 1), (2, 7), (9, 0)];
        assert_eq!(callee_first_waves(3, &edges), vec![vec![1, 2], vec![0]]);
    }

    #[test]
    fn nodes_that_call_nothing_share_the_first_wave() {
        assert_eq!(callee_first_waves(3, &[]), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn empty_input_gives_no_waves() {
        assert_eq!(callee_first_waves(0, &[]), Vec::<Vec<usize>>::new());
        assert_eq!(callee_first_waves(0, &[(0, 1)]), Vec::<Vec<usize>>::new());
    }
}
