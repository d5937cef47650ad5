use std::f64::consts::PI;

use super::skeleton::dist_to_segment;
use super::*;
use geo::{Area, BooleanOps, Contains, Validation};
use proptest::prelude::*;

const R: f64 = 10.0;

/// Lower bound of the area of an arc-approximated disc of radius r, relative to π r².
fn disc_ratio() -> f64 {
    let n = ARC_SEGMENTS_PER_CIRCLE as f64;
    n / 2.0 * (TAU / n).sin() / PI
}

fn assert_area_close(mp: &MultiPolygon<f64>, exact_rect: f64, exact_disc: f64) {
    let area = mp.unsigned_area();
    // i_overlay snaps to a grid of about 10⁻⁹ of the extent: allow 10⁻⁶ of the area.
    let lo = (exact_rect + exact_disc * disc_ratio()) * (1.0 - 1e-6);
    let hi = (exact_rect + exact_disc) * (1.0 + 1e-6);
    assert!(lo <= area && area <= hi, "area {area} not in [{lo}, {hi}]");
}

fn inside(mp: &MultiPolygon<f64>, p: [f64; 2]) -> bool {
    mp.contains(&geo::Point::new(p[0], p[1]))
}

#[test]
fn single_segment_is_a_capsule() {
    let mp = catchment_polygon(&[[[0.0, 0.0], [100.0, 0.0]]], R);
    assert_eq!(mp.0.len(), 1);
    assert!(mp.0[0].interiors().is_empty());
    assert!(mp.is_valid());
    assert_area_close(&mp, 2.0 * 100.0 * R, PI * R * R);
    // Same for a diagonal segment, reversed.
    let mp = catchment_polygon(&[[[70.0, 80.0], [10.0, 0.0]]], R);
    assert_area_close(&mp, 2.0 * 100.0 * R, PI * R * R);
    // Vertex count: 4 rectangle corners plus two half circles (17 chords each, with margins).
    assert!(mp.0[0].exterior().0.len() <= 4 + 2 * (ARC_SEGMENTS_PER_CIRCLE / 2 + 2) + 1);
}

#[test]
fn l_shape() {
    let parts = [[[0.0, 0.0], [100.0, 0.0]], [[100.0, 0.0], [100.0, 100.0]]];
    let mp = catchment_polygon(&parts, R);
    assert_eq!(mp.0.len(), 1);
    assert!(mp.is_valid());
    // Two rectangles minus their overlap, two end half-discs and the outer quarter disc.
    assert_area_close(&mp, 2.0 * 2000.0 - R * R, 1.25 * PI * R * R);
    assert!(inside(&mp, [105.0, -5.0])); // outer corner, 7.07 m away
    assert!(!inside(&mp, [108.0, -8.0])); // 11.3 m away
    assert!(inside(&mp, [95.0, 5.0]));
}

#[test]
fn square_loop_has_a_hole() {
    let c = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]];
    let parts: Vec<_> = (0..4).map(|i| [c[i], c[(i + 1) % 4]]).collect();
    let mp = catchment_polygon(&parts, R);
    assert_eq!(mp.0.len(), 1);
    assert_eq!(mp.0[0].interiors().len(), 1);
    assert!(mp.is_valid());
    assert_area_close(&mp, 120.0 * 120.0 - 4.0 * R * R - 80.0 * 80.0, PI * R * R);
    assert!(!inside(&mp, [50.0, 50.0]));
}

#[test]
fn disjoint_parts_give_two_polygons() {
    let parts = [[[0.0, 0.0], [50.0, 0.0]], [[0.0, 100.0], [50.0, 100.0]], [[50.0, 100.0], [50.0, 150.0]]];
    let mp = catchment_polygon(&parts, R);
    assert_eq!(mp.0.len(), 2);
    assert!(mp.is_valid());
}

#[test]
fn empty_zero_length_and_bad_input() {
    assert!(catchment_polygon(&[], R).0.is_empty());
    assert!(catchment_polygon(&[[[0.0, 0.0], [1.0, 0.0]]], 0.0).0.is_empty());
    assert!(catchment_polygon(&[[[0.0, 0.0], [1.0, 0.0]]], -1.0).0.is_empty());
    assert!(catchment_polygon(&[[[0.0, 0.0], [1.0, 0.0]]], f64::NAN).0.is_empty());
    assert!(catchment_polygon(&[[[0.0, 0.0], [1.0, 0.0]]], f64::INFINITY).0.is_empty());
    assert!(catchment_polygon(&[[[f64::NAN, 0.0], [1.0, 0.0]]], R).0.is_empty());
    // A zero-length part is a point: a disc.
    let mp = catchment_polygon(&[[[5.0, 5.0], [5.0, 5.0]]], R);
    assert_eq!(mp.0.len(), 1);
    assert_area_close(&mp, 0.0, PI * R * R);
    // A zero-length part on a segment's end adds nothing; -0.0 and 0.0 are one node.
    let mp = catchment_polygon(&[[[0.0, 0.0], [100.0, 0.0]], [[-0.0, 0.0], [0.0, -0.0]]], R);
    assert_area_close(&mp, 2000.0, PI * R * R);
    // Non-finite parts are skipped, the others kept.
    let mp = catchment_polygon(&[[[0.0, 0.0], [100.0, 0.0]], [[f64::INFINITY, 0.0], [0.0, 0.0]]], R);
    assert_area_close(&mp, 2000.0, PI * R * R);
}

#[test]
fn duplicates_and_collinear_overlaps() {
    let parts = [
        [[0.0, 0.0], [10.0, 0.0]],
        [[10.0, 0.0], [0.0, 0.0]],
        [[5.0, 0.0], [15.0, 0.0]],
        [[0.0, 0.0], [15.0, 0.0]],
        [[7.0, 0.0], [7.0, 0.0]],
    ];
    let mp = catchment_polygon(&parts, R);
    assert_eq!(mp.0.len(), 1);
    assert!(mp.is_valid());
    assert_area_close(&mp, 2.0 * 15.0 * R, PI * R * R);
}

#[test]
fn closed_loop_smaller_than_tolerance_collapses_to_a_point() {
    let e = R * SIMPLIFY_FRACTION / 4.0;
    let c = [[0.0, 0.0], [e, 0.0], [e, e], [0.0, e]];
    let parts: Vec<_> = (0..4).map(|i| [c[i], c[(i + 1) % 4]]).collect();
    let mp = catchment_polygon(&parts, R);
    assert_eq!(mp.0.len(), 1);
    assert!(mp.is_valid());
    for p in c {
        assert!(inside(&mp, p));
    }
}

#[test]
fn order_and_direction_do_not_matter() {
    let mut parts: Vec<[[f64; 2]; 2]> = (0..40)
        .map(|i| {
            let x = (i % 7) as f64 * 30.0;
            let y = (i / 7) as f64 * 30.0;
            if i % 2 == 0 { [[x, y], [x + 30.0, y]] } else { [[x, y], [x, y + 30.0]] }
        })
        .collect();
    let a = catchment_polygon(&parts, 8.0);
    parts.reverse();
    for p in parts.iter_mut().step_by(3) {
        p.swap(0, 1);
    }
    let b = catchment_polygon(&parts, 8.0);
    assert_eq!(a, b);
}

#[test]
fn dense_curvy_street_is_simplified() {
    // A 1 km arc of radius 1 km with a vertex every metre.
    let pts: Vec<[f64; 2]> =
        (0..=1000).map(|i| [1000.0 * (i as f64 / 1000.0).cos(), 1000.0 * (i as f64 / 1000.0).sin()]).collect();
    let parts: Vec<_> = pts.windows(2).map(|w| [w[0], w[1]]).collect();
    let r = 50.0;
    let mp = catchment_polygon(&parts, r);
    assert_eq!(mp.0.len(), 1);
    assert!(mp.is_valid());
    let n = mp.0[0].exterior().0.len();
    assert!(n < 200, "{n} vertices");
    // The annulus sector plus two end half discs.
    let exact = 0.5 * ((1000.0 + r).powi(2) - (1000.0 - r).powi(2)) + PI * r * r;
    let area = mp.unsigned_area();
    assert!((area - exact).abs() < 0.011 * exact, "{area} vs {exact}");
    for p in &pts {
        assert!(inside(&mp, *p));
    }
}

#[test]
fn dissolve_unions_and_orients() {
    let a = catchment_polygon(&[[[0.0, 0.0], [100.0, 0.0]]], R);
    let b = catchment_polygon(&[[[50.0, 0.0], [150.0, 0.0]]], R);
    let c = catchment_polygon(&[[[0.0, 500.0], [10.0, 500.0]]], R);
    // Clockwise exterior: dissolve must orient it.
    let c_cw = MultiPolygon::new(c.0.iter().map(|p| p.orient(Direction::Reversed)).collect());
    let d = dissolve(&[a.clone(), b.clone(), c_cw, MultiPolygon::new(vec![])]);
    assert_eq!(d.0.len(), 2);
    assert!(d.is_valid());
    let expected = a.union(&b).union(&c).unsigned_area();
    // Snapping to 1 mm moves the boundary by at most 0.7 mm.
    assert!((d.unsigned_area() - expected).abs() < 1e-4 * expected);
    assert!(dissolve(&[]).0.is_empty());
    assert!(dissolve(&[MultiPolygon::new(vec![])]).0.is_empty());
}

#[test]
fn dissolve_of_overlapping_catchments_equals_catchment_of_all_parts() {
    // Overlapping windows of one jittered grid: their catchments share boundaries that each
    // union rounds onto its own grid.
    let jit = |i: usize, j: usize| (((i * 7919 + j * 104729) % 1000) as f64 / 1000.0 - 0.5) * 8.0;
    let p = |i: usize, j: usize| [i as f64 * 40.0 + jit(i, j), j as f64 * 40.0 + jit(j, i)];
    let window = |i0: usize, j0: usize| {
        let mut parts = Vec::new();
        for i in i0..i0 + 12 {
            for j in j0..j0 + 12 {
                parts.push([p(i, j), p(i + 1, j)]);
                parts.push([p(i, j), p(i, j + 1)]);
            }
        }
        parts
    };
    let windows: Vec<Vec<[[f64; 2]; 2]>> = (0..16).map(|k| window(1 + (k % 4) * 4, 1 + (k / 4) * 4)).collect();
    let r = 12.0; // 40 m blocks, 12 m buffer: a hole in every block
    let catchments: Vec<MultiPolygon<f64>> = windows.iter().map(|w| catchment_polygon(w, r)).collect();
    let d = dissolve(&catchments);
    assert!(d.is_valid());
    let all: Vec<[[f64; 2]; 2]> = windows.concat();
    let direct = catchment_polygon(&all, r);
    assert!((d.unsigned_area() / direct.unsigned_area() - 1.0).abs() < 1e-4);
    let count = |mp: &MultiPolygon<f64>| mp.0.iter().map(|p| p.interiors().len()).sum::<usize>();
    assert_eq!(count(&d), count(&direct));
    let vertices = |mp: &MultiPolygon<f64>| {
        mp.0.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum()
    };
    let (vd, vdirect): (usize, usize) = (vertices(&d), vertices(&direct));
    assert!(vd < vdirect + vdirect / 10, "{vd} vertices vs {vdirect}");
}

#[test]
fn huge_input_does_not_panic() {
    // 20,000 random-ish segments, many crossing, some tiny.
    let mut rng = crate::fixtures::SplitMix64::new(7);
    let mut next = move || rng.uniform();
    let parts: Vec<[[f64; 2]; 2]> = (0..20_000)
        .map(|_| {
            let a = [next() * 3000.0, next() * 3000.0];
            let l = if next() < 0.1 { 1e-9 } else { next() * 60.0 };
            [a, [a[0] + l, a[1] + next() * l]]
        })
        .collect();
    let mp = catchment_polygon(&parts, 25.0);
    assert!(!mp.0.is_empty());
    for s in parts.iter().step_by(97) {
        assert!(inside(&mp, s[0]) && inside(&mp, s[1]));
    }
}

/// Area of the reference buffer: geo's capsule of every segment, unioned.
fn capsule_union_area(parts: &[[[f64; 2]; 2]], r: f64) -> f64 {
    use geo::{Buffer, Line};
    let caps: Vec<MultiPolygon<f64>> = parts.iter().map(|s| Line::new(s[0], s[1]).buffer(r)).collect();
    unary_union(&caps).unsigned_area()
}

/// The unit edges of an `n` × `n` lattice of spacing `h` (nodes shared).
fn lattice(n: usize, h: f64) -> Vec<[[f64; 2]; 2]> {
    let p = |i: usize, j: usize| [i as f64 * h, j as f64 * h];
    let mut parts = Vec::new();
    for i in 0..n {
        for j in 0..n {
            if i + 1 < n {
                parts.push([p(i, j), p(i + 1, j)]);
            }
            if j + 1 < n {
                parts.push([p(i, j), p(i, j + 1)]);
            }
        }
    }
    parts
}

#[test]
fn dense_grid_is_filled_and_matches_capsules() {
    // 15 m blocks, 10 m buffer: every block is covered, no hole.
    let parts = lattice(8, 15.0);
    let mp = catchment_polygon(&parts, R);
    assert_eq!(mp.0.len(), 1);
    assert!(mp.0[0].interiors().is_empty());
    assert!(mp.is_valid());
    let (ours, reference) = (mp.unsigned_area(), capsule_union_area(&parts, R));
    assert!((ours / reference - 1.0).abs() < 0.005, "{ours} vs {reference}");
    // 30 m blocks: a 10 m hole in each of the 7 × 7 blocks.
    let parts = lattice(8, 30.0);
    let mp = catchment_polygon(&parts, R);
    assert_eq!(mp.0.len(), 1);
    assert_eq!(mp.0[0].interiors().len(), 49);
    let (ours, reference) = (mp.unsigned_area(), capsule_union_area(&parts, R));
    assert!((ours / reference - 1.0).abs() < 0.005, "{ours} vs {reference}");
}

#[test]
fn dead_end_leaving_its_block_keeps_its_buffer() {
    // A 20 m block (covered for r = 15) with a dead end hanging from its corner that crosses
    // the block's east side without a node and ends 20 m outside.
    let c = [[0.0, 0.0], [20.0, 0.0], [20.0, 20.0], [0.0, 20.0]];
    let mut parts: Vec<_> = (0..4).map(|i| [c[i], c[(i + 1) % 4]]).collect();
    parts.push([[0.0, 0.0], [40.0, 10.0]]);
    let mp = catchment_polygon(&parts, 15.0);
    assert!(mp.is_valid());
    assert!(inside(&mp, [52.0, 10.0]));
    assert!(inside(&mp, [40.0, 23.0]));
    let (ours, reference) = (mp.unsigned_area(), capsule_union_area(&parts, 15.0));
    assert!((ours / reference - 1.0).abs() < 0.005, "{ours} vs {reference}");
}

#[test]
fn crossing_lines_without_shared_nodes() {
    // Five horizontal and five vertical 80 m lines, 15 m apart, crossing without nodes:
    // there are no faces, only lines.
    let mut parts = Vec::new();
    for k in 0..5 {
        let c = 10.0 + 15.0 * k as f64;
        parts.push([[0.0, c], [80.0, c]]);
        parts.push([[c, 0.0], [c, 80.0]]);
    }
    let mp = catchment_polygon(&parts, R);
    assert!(mp.is_valid());
    assert!(mp.0[0].interiors().is_empty());
    let (ours, reference) = (mp.unsigned_area(), capsule_union_area(&parts, R));
    assert!((ours / reference - 1.0).abs() < 0.005, "{ours} vs {reference}");
}

#[test]
fn extreme_coordinates_do_not_panic() {
    for scale in [1e-300, 1e-12, 1e9, 1e150, 1e300] {
        let parts = [[[0.0, 0.0], [scale, 0.0]], [[scale, 0.0], [scale, scale]], [[-scale, 3.0 * scale], [0.0, 0.0]]];
        for r in [1e-300, 1e-9, 1.0, 1e6, 1e300] {
            let _ = catchment_polygon(&parts, r);
        }
    }
    let _ = catchment_polygon(&[[[f64::MAX, f64::MAX], [-f64::MAX, -f64::MAX]]], 1.0);
    let _ = catchment_polygon(&[[[f64::MAX, 0.0], [f64::MAX, 0.0]]], f64::MAX);
}

/// Exact distance from `p` to the nearest segment.
fn dist_to_parts(parts: &[[[f64; 2]; 2]], p: [f64; 2]) -> f64 {
    parts.iter().map(|s| dist_to_segment(p, s[0], s[1])).fold(f64::INFINITY, f64::min)
}

/// Random segment sets on a coarse lattice (so that endpoints are shared, segments repeat,
/// overlap and are collinear) plus free segments, some of zero length.
fn segment_sets() -> impl Strategy<Value = Vec<[[f64; 2]; 2]>> {
    let lattice = (0i32..8, 0i32..8).prop_map(|(x, y)| [x as f64 * 25.0, y as f64 * 25.0]);
    let free = (0.0..200.0f64, 0.0..200.0f64).prop_map(|(x, y)| [x, y]);
    let pt = prop_oneof![3 => lattice, 1 => free];
    let seg = prop_oneof![
        6 => (pt.clone(), pt.clone()).prop_map(|(a, b)| [a, b]),
        1 => pt.prop_map(|a| [a, a]),
    ];
    prop::collection::vec(seg, 1..25)
}

/// Jittered lattices with missing edges and a few extra free segments crossing them, so
/// that faces are covered or not, planar or not.
fn grids() -> impl Strategy<Value = Vec<[[f64; 2]; 2]>> {
    (2usize..7, 10.0..40.0f64).prop_flat_map(|(n, h)| {
        let jitter = prop::collection::vec((-0.3..0.3f64, -0.3..0.3f64), n * n);
        let keep = prop::collection::vec(prop::bool::weighted(0.85), 2 * n * n);
        let free = (0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64);
        let extra = prop::collection::vec(free, 0..4);
        (jitter, keep, extra).prop_map(move |(jitter, keep, extra)| {
            let p = |i: usize, j: usize| {
                let (dx, dy) = jitter[j * n + i];
                [(i as f64 + dx) * h, (j as f64 + dy) * h]
            };
            let mut parts = Vec::new();
            for i in 0..n {
                for j in 0..n {
                    if i + 1 < n && keep[2 * (j * n + i)] {
                        parts.push([p(i, j), p(i + 1, j)]);
                    }
                    if j + 1 < n && keep[2 * (j * n + i) + 1] {
                        parts.push([p(i, j), p(i, j + 1)]);
                    }
                }
            }
            // Extra segments, half of them hanging from a lattice node (dead ends that may
            // cross blocks without meeting their streets).
            let span = (n - 1) as f64 * h;
            for (k, &(a, b, c, d)) in extra.iter().enumerate() {
                let start = if k % 2 == 0 {
                    p(((a * n as f64) as usize).min(n - 1), ((b * n as f64) as usize).min(n - 1))
                } else {
                    [a * span, b * span]
                };
                parts.push([start, [c * span, d * span]]);
            }
            parts
        })
    })
}

/// Checks the tolerance band of `catchment_polygon(parts, r)` at `samples` (fractions of a
/// 200 m square) and at points along every segment.
fn check_band(parts: &[[[f64; 2]; 2]], r: f64, samples: &[(f64, f64)]) -> Result<(), TestCaseError> {
    let mp = catchment_polygon(parts, r);
    prop_assert!(mp.is_valid(), "invalid: {:?}", mp.validation_errors());
    let tau = r * (SIMPLIFY_FRACTION + SNAP_FRACTION * std::f64::consts::FRAC_1_SQRT_2);
    let inner = r * (PI / ARC_SEGMENTS_PER_CIRCLE as f64).cos() - tau - 1e-6;
    let outer = r + tau + 1e-6;
    for s in parts {
        for t in (0..=10).map(|k| k as f64 / 10.0) {
            let p = [s[0][0] + t * (s[1][0] - s[0][0]), s[0][1] + t * (s[1][1] - s[0][1])];
            prop_assert!(inside(&mp, p), "segment point {p:?} outside");
        }
    }
    for &(u, v) in samples {
        let p = [u * 200.0, v * 200.0];
        let d = dist_to_parts(parts, p);
        if d <= inner {
            prop_assert!(inside(&mp, p), "{p:?} at {d} (inner bound {inner}) is outside");
        } else if d > outer {
            prop_assert!(!inside(&mp, p), "{p:?} at {d} (outer bound {outer}) is inside");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn inside_iff_within_buffer(
        parts in segment_sets(),
        r in 1.0..40.0f64,
        samples in prop::collection::vec((-0.2..1.2f64, -0.2..1.2f64), 300),
    ) {
        check_band(&parts, r, &samples)?;
    }

    #[test]
    fn grids_inside_iff_within_buffer(
        parts in grids(),
        r in 2.0..30.0f64,
        samples in prop::collection::vec((-0.2..1.2f64, -0.2..1.2f64), 300),
    ) {
        check_band(&parts, r, &samples)?;
    }
}
