use super::*;

/// The textbook rotate-and-reflect construction (`xy2d`, order 16): the crate's facility order
/// was computed this way before the two curves were merged, and the merged one must equal it.
fn xy2d(mut x: u32, mut y: u32) -> u64 {
    let n: u32 = 1 << 16;
    let mut d: u64 = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

#[test]
fn branch_free_curve_equals_the_rotate_and_reflect_one() {
    // Every cell of the 256 × 256 corner, the grid's edges, and a spread of cells elsewhere
    // (all 2³² cells were compared once, offline, when the two copies were merged).
    let mut cells: Vec<(u32, u32)> = (0..256).flat_map(|x| (0..256).map(move |y| (x, y))).collect();
    cells.extend((0..65536).step_by(7).flat_map(|t| [(t, 0), (0, t), (t, 65535), (65535, t)]));
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        cells.push(((state & 0xFFFF) as u32, ((state >> 32) & 0xFFFF) as u32));
    }
    for (x, y) in cells {
        assert_eq!(u64::from(hilbert(x, y)), xy2d(x, y), "cell ({x}, {y})");
    }
}

#[test]
fn hilbert_curve_fills_the_origin_block_with_unit_steps() {
    // The first 4^k cells of the curve fill the 2^k × 2^k block at the origin, each a
    // grid neighbour of the previous one.
    let mut cells: Vec<(u32, u32, u32)> = (0..8).flat_map(|x| (0..8).map(move |y| (hilbert(x, y), x, y))).collect();
    cells.sort_unstable();
    for (k, w) in cells.windows(2).enumerate() {
        assert_eq!(w[0].0, k as u32);
        let step = w[0].1.abs_diff(w[1].1) + w[0].2.abs_diff(w[1].2);
        assert_eq!(step, 1, "{:?} -> {:?}", w[0], w[1]);
    }
}

#[test]
fn hilbert_curve_visits_neighbouring_cells_in_turn() {
    // The curve starts at (0, 0), so its first 4⁸ cells fill the 256 × 256 corner.
    let mut at: Vec<Option<(u32, u32)>> = vec![None; 1 << 16];
    for x in 0..256 {
        for y in 0..256 {
            let h = hilbert(x, y) as usize;
            assert!(at[h].is_none(), "({x}, {y}) and {:?} share {h}", at[h]);
            at[h] = Some((x, y));
        }
    }
    for w in at.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0].unwrap(), w[1].unwrap());
        assert_eq!(x0.abs_diff(x1) + y0.abs_diff(y1), 1, "{:?} then {:?}", w[0], w[1]);
    }
    assert_eq!(hilbert(0, 0), 0);
    let corners = [(0, 65535), (65535, 65535), (65535, 0)].map(|(x, y)| hilbert(x, y));
    assert!(corners.contains(&(u32::MAX)) && corners.iter().all(|&h| h >= 1 << 30));
}

#[test]
fn hilbert_order_is_a_permutation() {
    let pts: Vec<[f64; 2]> = (0..100).map(|i| [(i % 10) as f64, (i / 10) as f64]).collect();
    let mut o = hilbert_order(&pts);
    o.sort_unstable();
    assert_eq!(o, (0..100).collect::<Vec<u32>>());
    assert!(hilbert_order(&[]).is_empty());
}

#[test]
fn hilbert_order_follows_the_curve_with_ties_by_index() {
    // One scale for both axes over the bounding box; equal cells keep input order.
    let pts = [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0]];
    // The corners of the full grid: (0, 0), then up the left side, across and down.
    assert_eq!(hilbert_order(&pts), vec![2, 4, 0, 1, 3]);
}

#[test]
fn grid_scales_each_axis_to_the_box_and_clamps() {
    let g = HilbertGrid::new([0.0, 0.0, 10.0, 20.0]);
    assert_eq!(g.key([0.0, 0.0]), 0);
    assert_eq!(g.key([10.0, 0.0]), hilbert(65535, 0));
    assert_eq!(g.key([10.0, 20.0]), hilbert(65535, 65535));
    assert_eq!(g.key([-5.0, 99.0]), hilbert(0, 65535));
    assert_eq!(g.key([f64::NAN, 0.0]), 0);
}
