//! Ordered parallel formatting: rows are formatted in parallel blocks and written in row order,
//! so every text layer is the same bytes whatever the thread count.

use std::io::Write;
use std::path::Path;

use super::werr;
use crate::error::Result;
use crate::progress::Step;

/// Rows formatted per parallel task, and tasks per round (bounds the text held in memory).
const BLOCK_ROWS: usize = 2048;
const BLOCKS_PER_ROUND: usize = 4;

/// Formats rows `0..rows` with `render` in parallel blocks and writes the blocks in row order,
/// so the output is the same bytes whatever the thread count. At most
/// `BLOCK_ROWS × BLOCKS_PER_ROUND` rows of text are held at once. Each block formatted advances
/// `step` by its rows.
pub(super) fn write_in_blocks<W, F>(w: &mut W, path: &Path, rows: usize, step: &Step, render: F) -> Result<()>
where
    W: Write + Send,
    F: Fn(std::ops::Range<usize>, &mut String) -> Result<()> + Sync,
{
    use rayon::prelude::*;
    let round = BLOCK_ROWS * BLOCKS_PER_ROUND;
    let format_round = |start: usize| -> Vec<Result<String>> {
        let end = (start + round).min(rows);
        (start..end)
            .step_by(BLOCK_ROWS)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|b| {
                let range = b..(b + BLOCK_ROWS).min(end);
                let mut s = String::with_capacity(range.len() * 1024);
                let n = range.len() as u64;
                let text = render(range, &mut s).map(|()| s);
                step.advance(n);
                text
            })
            .collect()
    };
    let write_round = |w: &mut W, texts: Vec<Result<String>>| -> Result<()> {
        for text in texts {
            w.write_all(text?.as_bytes()).map_err(werr(path))?;
        }
        Ok(())
    };
    // Round k is written while round k + 1 is formatted.
    let mut pending = if rows > 0 { format_round(0) } else { Vec::new() };
    let mut start = round;
    while start < rows {
        let (written, next) = rayon::join(|| write_round(w, pending), || format_round(start));
        written?;
        pending = next;
        start += round;
    }
    write_round(w, pending)
}
