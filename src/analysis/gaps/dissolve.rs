//! Dissolving gap cells into gap areas: edge-connected cells lacking one category become one
//! ranked area with its exact outline.

use super::grid::Grid;
use super::outline::outline;
use super::{CellKey, GapArea, GapCell, by_first_cell, by_size};

/// The gap areas of judged category `j` (profile index `category`), ranked.
pub(super) fn dissolve(grid: &Grid, cells: &[GapCell], j: usize, category: usize) -> Vec<GapArea> {
    let is_gap = |i: usize| cells[i].gap_households[j] > 0.0 || cells[i].gap_population[j] > 0.0;
    let find = |k: CellKey| cells.binary_search_by(|c| c.key.cmp(&k)).ok();
    let mut seen = vec![false; cells.len()];
    let mut areas = Vec::new();
    let mut stack = Vec::new();
    for first in 0..cells.len() {
        if seen[first] || !is_gap(first) {
            continue;
        }
        seen[first] = true;
        stack.push(first);
        let mut members = Vec::new();
        while let Some(i) = stack.pop() {
            members.push(i);
            for n in grid.neighbours(cells[i].key) {
                if let Some(n) = find(n)
                    && !seen[n]
                    && is_gap(n)
                {
                    seen[n] = true;
                    stack.push(n);
                }
            }
        }
        members.sort_unstable();
        let (mut households, mut population, mut cx, mut cy) = (0.0, 0.0, 0.0, 0.0);
        for &i in &members {
            households += cells[i].gap_households[j];
            population += cells[i].gap_population[j];
            let c = grid.centre(cells[i].key);
            cx += c[0];
            cy += c[1];
        }
        let n = members.len() as f64;
        let polygon = outline(grid, members.iter().map(|&i| cells[i].key));
        areas.push(GapArea {
            category,
            rank: 0,
            households,
            population,
            area_m2: n * grid.cell_m * grid.cell_m,
            cells: members,
            polygon,
            centroid: [cx / n, cy / n],
        });
    }
    areas.sort_by(|x, y| by_size(x, y).then_with(|| by_first_cell(x, y, cells)));
    for (k, a) in areas.iter_mut().enumerate() {
        a.rank = k + 1;
    }
    areas
}
