//! The one Hilbert curve of the crate: [`hilbert`] numbers the cells of a 65,536 × 65,536 grid
//! along the curve, [`hilbert_order`] sorts points by it. Both the facility queries
//! ([`crate::index`]) and the network's node numbering and segment index ([`crate::network`])
//! use it, so their orders are one curve's.
//!
//! It is the curve of the classic rotate-and-reflect construction (`xy2d`: first cell (0, 0),
//! second (1, 0)), computed by the branch-free bit construction flatbush uses; the two were
//! checked equal on all 2³² cells when the crate's two copies were merged.

/// Hilbert-curve index of cell (`x`, `y`) on a 65,536 × 65,536 grid (both below 2¹⁶).
///
/// The branch-free construction of "rawrunprotected" (public domain), as used by flatbush.
pub fn hilbert(x: u32, y: u32) -> u32 {
    let mut a = x ^ y;
    let mut b = 0xFFFF ^ a;
    let mut c = 0xFFFF ^ (x | y);
    let mut d = x & (y ^ 0xFFFF);

    let mut aa = a | (b >> 1);
    let mut bb = (a >> 1) ^ a;
    let mut cc = ((c >> 1) ^ (b & (d >> 1))) ^ c;
    let mut dd = ((a & (c >> 1)) ^ (d >> 1)) ^ d;

    a = aa;
    b = bb;
    c = cc;
    d = dd;
    aa = (a & (a >> 2)) ^ (b & (b >> 2));
    bb = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2));
    cc ^= (a & (c >> 2)) ^ (b & (d >> 2));
    dd ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2));

    a = aa;
    b = bb;
    c = cc;
    d = dd;
    aa = (a & (a >> 4)) ^ (b & (b >> 4));
    bb = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4));
    cc ^= (a & (c >> 4)) ^ (b & (d >> 4));
    dd ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4));

    a = aa;
    b = bb;
    c = cc;
    d = dd;
    cc ^= (a & (c >> 8)) ^ (b & (d >> 8));
    dd ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8));

    a = cc ^ (cc >> 1);
    b = dd ^ (dd >> 1);

    let mut i0 = x ^ y;
    let mut i1 = b | (0xFFFF ^ (i0 | a));

    i0 = spread_bits(i0);
    i1 = spread_bits(i1);
    (i1 << 1) | i0
}

/// Moves bit `k` of a 16-bit value to bit `2k`.
fn spread_bits(mut v: u32) -> u32 {
    v = (v | (v << 8)) & 0x00FF_00FF;
    v = (v | (v << 4)) & 0x0F0F_0F0F;
    v = (v | (v << 2)) & 0x3333_3333;
    (v | (v << 1)) & 0x5555_5555
}

/// Maps points of a bounding box onto the 65,536 × 65,536 Hilbert grid.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HilbertGrid {
    min: [f64; 2],
    scale: [f64; 2],
}

impl HilbertGrid {
    /// The grid over the bounding box `[min x, min y, max x, max y]`.
    pub(crate) fn new(bbox: [f64; 4]) -> Self {
        let scale = |lo: f64, hi: f64| if hi > lo { 65535.0 / (hi - lo) } else { 0.0 };
        HilbertGrid { min: [bbox[0], bbox[1]], scale: [scale(bbox[0], bbox[2]), scale(bbox[1], bbox[3])] }
    }

    /// The Hilbert index of point `p` (clamped into the box; `as` maps NaN to 0).
    #[inline]
    pub(crate) fn key(&self, p: [f64; 2]) -> u32 {
        let q = |k: usize| (((p[k] - self.min[k]) * self.scale[k]) as u32).min(65535);
        hilbert(q(0), q(1))
    }
}

/// Returns the indices of `points` in Hilbert-curve order over their bounding box (65,536² grid,
/// one scale for both axes), ties broken by index, so that consecutive queries are spatially close.
pub fn hilbert_order(points: &[[f64; 2]]) -> Vec<u32> {
    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in points {
        for k in 0..2 {
            min[k] = min[k].min(p[k]);
            max[k] = max[k].max(p[k]);
        }
    }
    let span = (max[0] - min[0]).max(max[1] - min[1]).max(1e-9);
    let scale = 65535.0 / span;
    let mut keyed: Vec<(u32, u32)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = ((p[0] - min[0]) * scale) as u32;
            let y = ((p[1] - min[1]) * scale) as u32;
            (hilbert(x.min(65535), y.min(65535)), i as u32)
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests;
