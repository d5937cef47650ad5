use super::*;
use crate::fixtures::SplitMix64;
use geo::{Area, BoundingRect, Validation};

const C: f64 = 100.0;

/// [`bin`] with weights and uncovered flags given as functions of the residence.
fn bin_with(
    g: &Grid,
    points: &[[f64; 2]],
    judged: usize,
    weights: impl Fn(usize) -> (f64, f64),
    uncovered: impl Fn(usize, usize) -> bool,
) -> Result<Vec<GapCell>> {
    let w: Vec<[f64; 2]> = (0..points.len()).map(|r| weights(r).into()).collect();
    let words = judged.div_ceil(64).max(1);
    let mut masks = vec![0u64; points.len() * words];
    for r in 0..points.len() {
        for j in (0..judged).filter(|&j| uncovered(r, j)) {
            masks[r * words + j / 64] |= 1 << (j % 64);
        }
    }
    bin(g, points, &w, &masks, judged)
}

fn square_outline(keys: &[(i32, i32)]) -> MultiPolygon<f64> {
    outline(&Grid::new(C, CellShape::Square), keys.iter().map(|&(a, b)| CellKey(a, b)))
}

fn assert_simple_rings(mp: &MultiPolygon<f64>) {
    assert!(mp.is_valid(), "{mp:?}");
    for p in &mp.0 {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            let mut v: Vec<(i64, i64)> = ring.0[..ring.0.len() - 1].iter().map(|c| (c.x as i64, c.y as i64)).collect();
            let n = v.len();
            v.sort_unstable();
            v.dedup();
            assert_eq!(v.len(), n, "a ring passes a vertex twice: {ring:?}");
        }
    }
}

#[test]
fn two_adjacent_squares_make_a_rectangle() {
    let mp = square_outline(&[(0, 0), (0, 1)]);
    assert_eq!(mp.0.len(), 1);
    assert!(mp.0[0].interiors().is_empty());
    assert_eq!(mp.signed_area(), 2.0 * C * C, "shell counter-clockwise");
    let b = mp.bounding_rect().unwrap();
    assert_eq!((b.min().x, b.min().y, b.max().x, b.max().y), (0.0, 0.0, 2.0 * C, C));
    assert_simple_rings(&mp);
}

#[test]
fn an_l_is_one_ring_of_eight_corners() {
    let mp = square_outline(&[(0, 0), (0, 1), (1, 0)]);
    assert_eq!(mp.0.len(), 1);
    assert!(mp.0[0].interiors().is_empty());
    assert_eq!(mp.0[0].exterior().0.len(), 9, "8 corners, closed");
    assert_eq!(mp.unsigned_area(), 3.0 * C * C);
    assert_simple_rings(&mp);
}

#[test]
fn a_ring_of_eight_squares_has_a_hole() {
    let keys: Vec<(i32, i32)> = (0..3).flat_map(|a| (0..3).map(move |b| (a, b))).filter(|&k| k != (1, 1)).collect();
    let mp = square_outline(&keys);
    assert_eq!(mp.0.len(), 1);
    let p = &mp.0[0];
    assert_eq!(p.interiors().len(), 1);
    assert_eq!(p.interiors()[0].0.len(), 5);
    assert_eq!(Polygon::new(p.interiors()[0].clone(), vec![]).signed_area(), -C * C, "hole clockwise");
    assert_eq!(mp.unsigned_area(), 8.0 * C * C);
    assert_simple_rings(&mp);
}

#[test]
fn a_hole_touching_the_outside_at_a_corner_stays_a_hole() {
    // 3 × 3 minus the centre and the corner (2, 2): the hole meets the outside at one point.
    let keys: Vec<(i32, i32)> =
        (0..3).flat_map(|a| (0..3).map(move |b| (a, b))).filter(|&k| k != (1, 1) && k != (2, 2)).collect();
    let mp = square_outline(&keys);
    assert_eq!(mp.0.len(), 1);
    assert_eq!(mp.0[0].interiors().len(), 1);
    assert_eq!(mp.unsigned_area(), 7.0 * C * C);
    assert_simple_rings(&mp);
    // Cells (0, 0) and (1, 1) touch at a corner and are joined round the left of (1, 0),
    // which becomes a hole meeting the outside at that corner.
    let mp = square_outline(&[(0, 0), (0, -1), (1, -1), (2, -1), (2, 0), (2, 1), (1, 1)]);
    assert_eq!(mp.0.len(), 1);
    assert_eq!(mp.0[0].interiors().len(), 1);
    assert_eq!(mp.unsigned_area(), 7.0 * C * C);
    assert_simple_rings(&mp);
}

#[test]
fn holes_go_to_their_own_shell_among_several() {
    // A 7 × 7 frame around a 5 × 5 hole holding a one-cell island, and a separate 3 × 3
    // ring: the frame's hole must go to the frame (not to the island inside it, nor to the
    // other ring), the ring's to the ring.
    let mut keys: Vec<(i32, i32)> =
        (0..7).flat_map(|a| (0..7).map(move |b| (a, b))).filter(|&(a, b)| a % 6 == 0 || b % 6 == 0).collect();
    keys.push((3, 3));
    keys.extend((20..23).flat_map(|a| (0..3).map(move |b| (a, b))).filter(|&k| k != (21, 1)));
    let mp = square_outline(&keys);
    // Each polygon's own area (exterior minus holes): a hole given to the wrong shell
    // changes two of them.
    let mut areas: Vec<(f64, usize)> =
        mp.0.iter().map(|p| (p.unsigned_area() / (C * C), p.interiors().len())).collect();
    areas.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(areas, vec![(1.0, 0), (8.0, 1), (24.0, 1)], "island, ring, frame");
    assert_eq!(mp.unsigned_area(), (24.0 + 1.0 + 8.0) * C * C);
    assert_simple_rings(&mp);
}

#[test]
fn separate_cells_give_separate_shells() {
    let mp = square_outline(&[(0, 0), (5, 5)]);
    assert_eq!(mp.0.len(), 2);
    assert_eq!(mp.unsigned_area(), 2.0 * C * C);
}

#[test]
fn hexagons_have_the_cell_area_and_six_edge_neighbours() {
    let g = Grid::new(C, CellShape::Hex);
    let k = CellKey(3, -1);
    let p = g.polygon(k);
    assert!((p.signed_area() - C * C).abs() < 1e-6, "{}", p.signed_area());
    let own: Vec<Vertex> = g.corners(k).collect();
    for n in g.neighbours(k) {
        let shared = g.corners(n).filter(|v| own.contains(v)).count();
        assert_eq!(shared, 2, "{n:?} shares an edge with {k:?}");
        let mp = outline(&g, [k, n].into_iter());
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].exterior().0.len(), 11, "10 corners, closed");
        assert!((mp.unsigned_area() - 2.0 * C * C).abs() < 1e-6);
    }
    // Cells two steps away share no corner.
    let far = CellKey(5, -1);
    assert_eq!(g.corners(far).filter(|v| own.contains(v)).count(), 0);
    // The ring of six around a hexagon has a hexagonal hole.
    let ring: Vec<CellKey> = g.neighbours(k).collect();
    let mp = outline(&g, ring.into_iter());
    assert_eq!(mp.0.len(), 1);
    assert_eq!(mp.0[0].interiors().len(), 1);
    assert!((mp.unsigned_area() - 6.0 * C * C).abs() < 1e-6);
    assert_simple_rings(&mp);
    assert_eq!(g.id(k), "q3r-1");
    assert_eq!(Grid::new(C, CellShape::Square).id(CellKey(12, -3)), "r12c-3");
}

#[test]
fn a_hexagon_holds_the_points_nearest_its_centre() {
    let g = Grid::new(C, CellShape::Hex);
    let mut rng = SplitMix64::new(7);
    for _ in 0..20_000 {
        let p = [(rng.uniform() - 0.5) * 4000.0, (rng.uniform() - 0.5) * 4000.0];
        let k = g.key_of(p).unwrap();
        let d = |k: CellKey| {
            let c = g.centre(k);
            (c[0] - p[0]).hypot(c[1] - p[1])
        };
        // The oracle: no cell within two rings has a nearer centre.
        for da in -2..=2 {
            for db in -2..=2 {
                let other = CellKey(k.0 + da, k.1 + db);
                assert!(d(other) >= d(k) - 1e-9, "{p:?} in {k:?} but {other:?} is nearer");
            }
        }
        assert!(d(k) <= g.side + 1e-9);
    }
    for k in [CellKey(0, 0), CellKey(-4, 7), CellKey(1000, -2000)] {
        assert_eq!(g.key_of(g.centre(k)), Some(k));
    }
}

#[test]
fn cell_and_area_sums_match_a_brute_force_sum_over_residences() {
    for shape in [CellShape::Square, CellShape::Hex] {
        let g = Grid::new(C, shape);
        let mut rng = SplitMix64::new(42);
        let n = 5_000;
        let points: Vec<[f64; 2]> =
            (0..n).map(|_| [(rng.uniform() - 0.5) * 3000.0, (rng.uniform() - 0.5) * 3000.0]).collect();
        let hh: Vec<f64> = (0..n).map(|_| (rng.uniform() * 50.0).floor()).collect();
        // Two categories: uncovered west of x = 200 m, and nowhere.
        let uncovered = |r: usize, j: usize| j == 0 && points[r][0] < 200.0;
        let cells = bin_with(&g, &points, 2, |r| (hh[r], hh[r] * 2.5), uncovered).unwrap();
        assert!(cells.windows(2).all(|w| w[0].key < w[1].key));
        for cell in &cells {
            let members: Vec<usize> = (0..n).filter(|&r| g.key_of(points[r]) == Some(cell.key)).collect();
            assert_eq!(cell.residences, members.len());
            let want_hh: f64 = members.iter().map(|&r| hh[r]).sum();
            let want_gap: f64 = members.iter().filter(|&&r| uncovered(r, 0)).map(|&r| hh[r]).sum();
            assert_eq!(cell.households, want_hh);
            assert_eq!(cell.gap_households[0], want_gap);
            assert_eq!(cell.gap_households[1], 0.0);
        }
        assert_eq!(cells.iter().map(|c| c.residences).sum::<usize>(), n);
        let areas = dissolve(&g, &cells, 0, 7);
        let total_gap: f64 = (0..n).filter(|&r| uncovered(r, 0)).map(|r| hh[r]).sum();
        let area_hh: f64 = areas.iter().map(|a| a.households).sum();
        assert!((area_hh - total_gap).abs() < 1e-6, "{area_hh} vs {total_gap}");
        for a in &areas {
            assert_eq!(a.category, 7);
            assert!((a.polygon.unsigned_area() - a.area_m2).abs() < 1e-3 * a.area_m2);
            assert!(a.polygon.is_valid());
        }
        assert!(dissolve(&g, &cells, 1, 8).is_empty());
    }
}

#[test]
fn separate_blobs_are_ranked_by_population() {
    let g = Grid::new(C, CellShape::Square);
    // Blob A: 2 cells with 10 + 10 households; blob B: 1 cell with 30; between them a gap.
    let points = [[50.0, 50.0], [150.0, 50.0], [550.0, 50.0], [550.0, 60.0]];
    let hh = [10.0, 10.0, 25.0, 5.0];
    let cells = bin_with(&g, &points, 1, |r| (hh[r], hh[r] * 2.0), |_, _| true).unwrap();
    let areas = dissolve(&g, &cells, 0, 0);
    assert_eq!(areas.len(), 2);
    assert_eq!((areas[0].rank, areas[0].population, areas[0].cells.len()), (1, 60.0, 1));
    assert_eq!((areas[1].rank, areas[1].population, areas[1].cells.len()), (2, 40.0, 2));
    assert_eq!(areas[1].area_m2, 2.0 * C * C);
    assert_eq!(areas[1].centroid, [C, C / 2.0]);
    // A covered cell (no uncovered households) joins no area.
    let cells = bin_with(&g, &points, 1, |r| (hh[r], hh[r]), |r, _| r != 1).unwrap();
    let areas = dissolve(&g, &cells, 0, 0);
    assert_eq!(areas.len(), 2);
    assert!(areas.iter().all(|a| a.cells.len() == 1));
}

#[test]
fn analysis_gaps_match_covered_residence_by_residence() {
    use crate::analysis::{AnalysisOptions, analyze};
    use crate::model::{Facility, Residence};
    use crate::standards::StandardProfile;
    let p = StandardProfile::built_in("gb50180-2018").unwrap();
    let at = |dx: f64, dy: f64| [116.4 + dx / 85_000.0, 39.9 + dy / 111_000.0];
    let mut rng = SplitMix64::new(3);
    let residences: Vec<Residence> = (0..3000)
        .map(|i| {
            let lonlat = at((rng.uniform() - 0.5) * 6000.0, (rng.uniform() - 0.5) * 6000.0);
            let households = 1.0 + (rng.uniform() * 90.0).floor();
            Residence::point(format!("r{i}"), households, households * 2.62, lonlat)
        })
        .collect();
    let facilities: Vec<Facility> = ["clinic", "market", "kindergarten", "clinic", "market"]
        .iter()
        .enumerate()
        .map(|(i, cat)| {
            let lonlat = at((rng.uniform() - 0.5) * 6000.0, (rng.uniform() - 0.5) * 6000.0);
            Facility::point(format!("f{i}"), p.index_of(cat).unwrap(), lonlat)
        })
        .collect();
    let a = analyze(p, residences, facilities, None, AnalysisOptions::default(), crate::progress::SILENT).unwrap();
    for shape in [CellShape::Square, CellShape::Hex] {
        let gaps = a.gaps(200.0, shape).unwrap();
        let grid = Grid::new(200.0, shape);
        assert_eq!(gaps.categories.len(), a.radii_m.iter().filter(|r| r.is_some()).count());
        for (j, &c) in gaps.categories.iter().enumerate() {
            let mut want = std::collections::BTreeMap::new();
            for (r, res) in a.residences.iter().enumerate() {
                if a.covered(r, c) == Some(false) {
                    *want.entry(grid.key_of(res.xy).unwrap()).or_insert(0.0) += res.households;
                }
            }
            for cell in &gaps.cells {
                assert_eq!(cell.gap_households[j], want.get(&cell.key).copied().unwrap_or(0.0), "{shape:?} {c}");
            }
            let in_areas: f64 = gaps.areas.iter().filter(|g| g.category == c).map(|g| g.households).sum();
            assert_eq!(in_areas, want.values().sum::<f64>());
        }
        let s = gaps.summary(&a);
        assert_eq!(s.cells, gaps.cells.len());
        assert!(s.largest.len() <= LARGEST_IN_SUMMARY);
        assert!(s.largest.windows(2).all(|w| w[0].population >= w[1].population));
    }
}

#[test]
fn bad_cell_sizes_are_refused() {
    for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        assert!(check_cell_m(bad).is_err());
    }
    let g = Grid::new(1e-6, CellShape::Square);
    assert!(bin_with(&g, &[[5000.0, 0.0]], 0, |_| (1.0, 1.0), |_, _| false).is_err());
    assert_eq!(CellShape::parse("hex"), Some(CellShape::Hex));
    assert_eq!(CellShape::parse("Square"), Some(CellShape::Square));
    assert_eq!(CellShape::parse("round"), None);
}
