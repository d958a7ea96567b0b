//! Disclosure control for figures that count prisoners and juveniles (DOMAIN.md §4.1 principle 4,
//! §4.6), applied to roles outside the administration (`PARTNER`, `PUBLIC`). Pure functions over
//! already-aggregated cells, so the rule is tested without a database.
//!
//! The rule, for one measure of one table (cells keyed by their dimension values):
//! 1. **Primary**: a *protected* cell (one that counts people of an audience other than STAFF,
//!    STAFF_TRAINERS, PARTNER_STAFF or JUSTICE_ACTORS) whose value is between 1 and
//!    `threshold − 1` is suppressed. Zero is shown: it discloses nobody.
//! 2. **Secondary**: for each dimension, take each *line* of cells that agree on every other
//!    dimension (with one dimension, the whole table). When exactly one cell of a line is
//!    suppressed, its line total (available from a coarser query) minus the others would give it
//!    away, so the smallest other non-zero cell of the line is suppressed too (protected cells
//!    first). Repeated until nothing changes, since a new suppression can leave another line with
//!    a single one.
//! 3. **Totals** of a protected measure are rounded to the nearest multiple of the threshold, and
//!    suppressed like a cell when between 1 and `threshold − 1`.
//!
//! Staff and professional audiences are never suppressed by rule 1; they can only be hidden by
//! rule 2, to protect a neighbouring cell. Differencing across arbitrary filters (two periods
//! that differ by one session) is not prevented; totals rounding limits what it yields.

use std::collections::HashMap;

/// The default threshold: counts from 1 to 4 are shown as `"<5"`.
pub const DEFAULT_THRESHOLD: i64 = 5;

/// One cell before control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Its dimension values.
    pub keys: Vec<Option<String>>,
    /// Its exact value.
    pub value: i64,
    /// Whether it counts protected people.
    pub protected: bool,
    /// Suppressed by a rule outside this table (e.g. the sex split's complement).
    pub forced: bool,
}

/// Which cells to suppress (same order as `cells`).
pub fn suppress(cells: &[Cell], threshold: i64) -> Vec<bool> {
    let mut out: Vec<bool> = cells
        .iter()
        .map(|c| c.forced || (c.protected && c.value >= 1 && c.value < threshold))
        .collect();
    let dims = cells.first().map_or(0, |c| c.keys.len());
    if dims == 0 {
        return out;
    }
    loop {
        let mut changed = false;
        for dim in 0..dims {
            // Lines along `dim`: cells equal on every other key.
            let mut lines: HashMap<Vec<Option<String>>, Vec<usize>> = HashMap::new();
            for (i, cell) in cells.iter().enumerate() {
                let mut line = cell.keys.clone();
                line.remove(dim);
                lines.entry(line).or_default().push(i);
            }
            for members in lines.values() {
                let suppressed = members.iter().filter(|&&i| out[i]).count();
                if suppressed != 1 {
                    continue;
                }
                let next = members
                    .iter()
                    .copied()
                    .filter(|&i| !out[i] && cells[i].value > 0)
                    .min_by_key(|&i| (!cells[i].protected, cells[i].value));
                if let Some(i) = next {
                    out[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return out;
        }
    }
}

/// How a total of a protected measure is shown: `None` when suppressed, else the value rounded
/// to the nearest multiple of `threshold` (halves up).
pub fn protect_total(value: i64, threshold: i64) -> Option<i64> {
    if value >= 1 && value < threshold {
        None
    } else {
        Some((value + threshold / 2) / threshold * threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(key: &str, value: i64, protected: bool) -> Cell {
        Cell {
            keys: vec![Some(key.to_owned())],
            value,
            protected,
            forced: false,
        }
    }

    #[test]
    fn primary_thresholds() {
        let cells = [
            cell("a", 0, true),
            cell("b", 1, true),
            cell("c", 4, true),
            cell("d", 5, true),
            cell("e", 3, false),
        ];
        assert_eq!(suppress(&cells, 5), vec![false, true, true, false, false]);
    }

    #[test]
    fn a_lone_suppressed_cell_takes_the_next_smallest_with_it() {
        let cells = [cell("a", 3, true), cell("b", 40, true), cell("c", 7, true)];
        assert_eq!(suppress(&cells, 5), vec![true, false, true]);
    }

    #[test]
    fn secondary_suppression_runs_along_every_dimension() {
        let c = |a: &str, b: &str, v| Cell {
            keys: vec![Some(a.into()), Some(b.into())],
            value: v,
            protected: true,
            forced: false,
        };
        // Row x: 2 (primary) and 50; column 1: 2 and 9.
        let cells = [
            c("x", "1", 2),
            c("x", "2", 50),
            c("y", "1", 9),
            c("y", "2", 60),
        ];
        let out = suppress(&cells, 5);
        assert_eq!(out, vec![true, true, true, true]);
    }

    #[test]
    fn totals_round_to_the_threshold() {
        assert_eq!(protect_total(0, 5), Some(0));
        assert_eq!(protect_total(3, 5), None);
        assert_eq!(protect_total(12, 5), Some(10));
        assert_eq!(protect_total(13, 5), Some(15));
    }
}
