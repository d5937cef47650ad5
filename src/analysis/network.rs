//! Walking-network distances for the analysis: the network built from the lines in the local
//! projection, residences and facilities snapped onto it, one multi-source search per category
//! (every facility serving the category is a source; the search stops at the category's
//! radius), and each facility's reach along the network.
//!
//! Categories run in parallel, each with its own Dijkstra scratch; every search writes its own
//! slots, so the answer does not depend on the thread count.

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::{Reach, round_decimetre};
use crate::crs::LocalProjection;
use crate::error::Result;
use crate::model::{Facility, NetworkLines, Residence};
use crate::network::{BuildReport, DijkstraScratch, NetworkOptions, Snap, WalkingNetwork};
use crate::progress::Step;
use crate::standards::StandardProfile;

/// The network side of an analysis: the graph, where every point met it, and what was
/// dropped or could not be reached.
#[derive(Debug)]
pub struct NetworkAnalysis {
    /// The walking graph, in the analysis's local metres.
    pub network: WalkingNetwork,
    /// What building it found and dropped.
    pub build: BuildReport,
    /// Network features read and those skipped as not walkable.
    pub features: usize,
    /// Network features skipped because their `foot` attribute forbids walking.
    pub not_walkable: usize,
    /// Options the network was built and snapped with.
    pub options: NetworkOptions,
    /// Where each residence meets the network (input order).
    pub residence_snaps: Vec<Snap>,
    /// Where each facility meets the network (input order).
    pub facility_snaps: Vec<Snap>,
    /// Search cutoff per category, metres (its judging radius, or the largest radius for a
    /// category without one).
    pub cutoffs_m: Vec<f64>,
}

impl NetworkAnalysis {
    /// Indices of the residences farther than `max_snap_m` from every edge.
    pub fn unreachable_residences(&self) -> impl Iterator<Item = usize> + '_ {
        self.residence_snaps.iter().enumerate().filter(|(_, s)| !s.is_snapped()).map(|(i, _)| i)
    }

    /// Indices of the facilities farther than `max_snap_m` from every edge.
    pub fn unreachable_facilities(&self) -> impl Iterator<Item = usize> + '_ {
        self.facility_snaps.iter().enumerate().filter(|(_, s)| !s.is_snapped()).map(|(i, _)| i)
    }
}

/// Network distances per category, category-major in residence input order.
#[derive(Debug, Clone, Default)]
pub struct NetworkCoverage {
    residences: usize,
    /// Metres rounded to 0.1; NaN when not reached within the cutoff or unreachable.
    dist: Vec<f32>,
    /// Nearest facility along the network; `u32::MAX` when none.
    nearest: Vec<u32>,
}

impl NetworkCoverage {
    /// Network distance from residence `r` to the nearest facility serving category `c`.
    #[inline]
    pub fn distance(&self, r: usize, c: usize) -> Option<f64> {
        let d = self.dist[c * self.residences + r];
        (!d.is_nan()).then(|| round_decimetre(f64::from(d)))
    }

    /// The facility behind [`NetworkCoverage::distance`].
    #[inline]
    pub fn nearest(&self, r: usize, c: usize) -> Option<usize> {
        let n = self.nearest[c * self.residences + r];
        (n != u32::MAX).then_some(n as usize)
    }
}

/// Projects the lines, builds the network and snaps residences and facilities onto it;
/// `lap` is called with the name of each step as it ends.
pub fn build(
    lines: NetworkLines,
    projection: &LocalProjection,
    residences: &[Residence],
    facilities: &[Facility],
    options: &NetworkOptions,
    cutoffs_m: Vec<f64>,
    lap: &mut dyn FnMut(&'static str),
) -> Result<NetworkAnalysis> {
    let NetworkLines { lonlat, directions, features, not_walkable } = lines;
    let projected: Vec<Vec<[f64; 2]>> = lonlat
        .into_par_iter()
        .with_min_len(256)
        .map(|line| line.into_iter().map(|p| projection.forward(p[0], p[1])).collect())
        .collect();
    let (network, build) = WalkingNetwork::build_directed(&projected, &directions, options)?;
    drop(projected);
    lap("network build");
    let points: Vec<[f64; 2]> = residences.iter().map(|r| r.xy).collect();
    let residence_snaps = network.snap(&points, options.max_snap_m);
    let points: Vec<[f64; 2]> = facilities.iter().map(|f| f.xy).collect();
    let facility_snaps = network.snap(&points, options.max_snap_m);
    lap("network snap");
    Ok(NetworkAnalysis {
        network,
        build,
        features,
        not_walkable,
        options: options.clone(),
        residence_snaps,
        facility_snaps,
        cutoffs_m,
    })
}

/// The facilities serving each category, in facility order.
pub(super) fn sources_per_category(profile: &StandardProfile, facilities: &[Facility]) -> Vec<Vec<u32>> {
    (0..profile.categories.len())
        .map(|c| {
            let serving = profile.served_by(c);
            (0..facilities.len() as u32).filter(|&f| serving.contains(&facilities[f as usize].category)).collect()
        })
        .collect()
}

/// One multi-source search per category (in parallel): the nearest serving facility along the
/// network of every residence, within the category's cutoff. A distance that rounds (to 0.1 m)
/// above the cutoff counts as not reached, so a written distance never exceeds the radius.
/// Each category searched advances `step` by one.
pub(super) fn nearest_all(net: &NetworkAnalysis, sources: &[Vec<u32>], step: &Step) -> NetworkCoverage {
    let residences = net.residence_snaps.len();
    let categories = sources.len();
    let mut dist = vec![f32::NAN; residences * categories];
    let mut nearest = vec![u32::MAX; residences * categories];
    if residences > 0 {
        dist.par_chunks_mut(residences).zip(nearest.par_chunks_mut(residences)).enumerate().for_each_init(
            DijkstraScratch::new,
            |scratch, (c, (dist, nearest))| {
                let snaps: Vec<Snap> = sources[c].iter().map(|&f| net.facility_snaps[f as usize]).collect();
                if snaps.iter().all(|s| !s.is_snapped()) {
                    step.advance(1);
                    return;
                }
                let cutoff = net.cutoffs_m[c];
                // Search a hair beyond the cutoff so that rounding decides as for straight lines.
                let answers = net.network.nearest_sources(&snaps, &net.residence_snaps, cutoff + 0.05, scratch);
                for (r, answer) in answers.into_iter().enumerate() {
                    if let Some((s, d)) = answer {
                        let d = round_decimetre(d);
                        if d <= cutoff {
                            dist[r] = d as f32;
                            nearest[r] = sources[c][s as usize];
                        }
                    }
                }
                step.advance(1);
            },
        );
    } else {
        step.advance(categories as u64);
    }
    NetworkCoverage { residences, dist, nearest }
}

/// Households and residents each facility reaches along the network within its category's
/// radius (`None` for a category without one, or a facility off the network: zero reach).
/// Candidates come from an R-tree of residences within the radius in a straight line (the
/// network distance is never shorter); one single-source search per facility, in parallel.
/// Each facility done advances `step` by one.
pub(super) fn facility_reach(
    net: &NetworkAnalysis,
    residences: &[Residence],
    facilities: &[Facility],
    radii_m: &[Option<f64>],
    step: &Step,
) -> Vec<Option<Reach>> {
    let tree: RTree<GeomWithData<[f64; 2], u32>> =
        RTree::bulk_load(residences.iter().enumerate().map(|(i, r)| GeomWithData::new(r.xy, i as u32)).collect());
    facilities
        .par_iter()
        .enumerate()
        .with_min_len(8)
        .map_init(
            || (DijkstraScratch::new(), Vec::new(), Vec::new()),
            |(scratch, candidates, targets), (f, facility)| {
                step.advance(1);
                let radius = radii_m[facility.category]?;
                let source = net.facility_snaps[f];
                if !source.is_snapped() {
                    return Some(Reach::default());
                }
                candidates.clear();
                candidates.extend(tree.locate_within_distance(facility.xy, (radius + 0.05).powi(2)).map(|g| g.data));
                // A fixed order, so that the sums below do not depend on the tree's layout.
                candidates.sort_unstable();
                targets.clear();
                targets.extend(candidates.iter().map(|&r| net.residence_snaps[r as usize]));
                let answers = net.network.nearest_sources(&[source], targets, radius + 0.05, scratch);
                let mut reach = Reach::default();
                for (&r, answer) in candidates.iter().zip(answers) {
                    if answer.is_some_and(|(_, d)| round_decimetre(d) <= radius) {
                        reach.households += residences[r as usize].households;
                        reach.population += residences[r as usize].population;
                    }
                }
                Some(reach)
            },
        )
        .collect()
}

/// Median of network ÷ straight-line distance over the given pairs, ignoring straight lines
/// under 1 m (where the ratio says nothing). `None` when there is no pair.
pub(super) fn median_ratio(ratios: &mut [f32]) -> Option<f64> {
    if ratios.is_empty() {
        return None;
    }
    let mid = ratios.len() / 2;
    let (_, &mut upper, _) = ratios.select_nth_unstable_by(mid, f32::total_cmp);
    let median = if ratios.len() % 2 == 1 {
        f64::from(upper)
    } else {
        let lower = ratios[..mid].iter().copied().max_by(f32::total_cmp).unwrap_or(upper);
        (f64::from(lower) + f64::from(upper)) / 2.0
    };
    Some((median * 1000.0).round() / 1000.0)
}
