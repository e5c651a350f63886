//! Small-number suppression for equality data: no count from 1 to 4 is published, nor any that
//! a published total would let a reader work out.
//!
//! The table is a set of cells and a set of constraints, each a group of cells one of which is
//! the sum of the rest (a total and its parts). Every count under the threshold is suppressed,
//! zero included, so a hidden cell never says that someone holds its value. Then any
//! constraint whose hidden cells add up to a small non-zero number (which a reader could work
//! out from the published ones), or that hides a single non-zero cell, takes the smallest
//! published cell in it too; this repeats until every constraint holds. Hidden cells that add
//! up to nothing give nobody away. Cells marked public (headcounts, published elsewhere) are
//! never suppressed; cells marked secret (a complement the report never lists) always are.

/// Counts under this are not published (NHS practice).
pub const THRESHOLD: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub count: i64,
    /// Published anyway (a headcount): never suppressed.
    pub public: bool,
    /// Never published (a complement used only in constraints): always suppressed.
    pub secret: bool,
}

/// Which cells to suppress.
pub fn suppress(cells: &[Cell], constraints: &[Vec<usize>], threshold: i64) -> Vec<bool> {
    let mut hidden: Vec<bool> = cells
        .iter()
        .map(|c| c.secret || (!c.public && c.count < threshold))
        .collect();
    loop {
        let mut changed = false;
        for group in constraints {
            let (n, sum) = group
                .iter()
                .filter(|&&i| hidden[i])
                .fold((0, 0), |(n, s), &i| (n + 1, s + cells[i].count));
            if n == 0 || sum == 0 || (n >= 2 && sum >= threshold) {
                continue;
            }
            let next = group
                .iter()
                .copied()
                .filter(|&i| !hidden[i] && !cells[i].public)
                .min_by_key(|&i| (cells[i].count == 0, cells[i].count, i));
            if let Some(i) = next {
                hidden[i] = true;
                changed = true;
            }
        }
        if !changed {
            return hidden;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(counts: &[i64]) -> Vec<Cell> {
        counts
            .iter()
            .map(|&count| Cell {
                count,
                public: false,
                secret: false,
            })
            .collect()
    }

    #[test]
    fn small_counts_are_hidden_zero_included_and_large_ones_shown() {
        let c = cells(&[0, 1, 4, 5, 12]);
        assert_eq!(
            suppress(&c, &[], THRESHOLD),
            vec![true, true, true, false, false]
        );
    }

    #[test]
    fn a_secret_complement_takes_its_partner_with_it() {
        // Headcount 7 (public) = 6 with no language recorded + 1 with one (secret): the 6
        // must go, or 7 - 6 tells of the one.
        let mut c = cells(&[7, 6, 1]);
        c[0].public = true;
        c[2].secret = true;
        assert_eq!(
            suppress(&c, &[vec![0, 1, 2]], THRESHOLD),
            vec![false, true, true]
        );
    }

    #[test]
    fn hidden_zeros_that_add_up_to_nothing_give_nobody_away() {
        let mut c = cells(&[40, 40, 0, 0]);
        c[0].public = true;
        assert_eq!(
            suppress(&c, &[vec![0, 1, 2, 3]], THRESHOLD),
            vec![false, false, true, true]
        );
    }

    #[test]
    fn a_lone_small_count_under_a_total_takes_another_with_it() {
        // total 20 (public) = 3 + 7 + 10: hiding only the 3 would leave 20 - 7 - 10.
        let mut c = cells(&[20, 3, 7, 10]);
        c[0].public = true;
        let hidden = suppress(&c, &[vec![0, 1, 2, 3]], THRESHOLD);
        assert_eq!(hidden, vec![false, true, true, false]);
    }

    #[test]
    fn two_small_counts_that_sum_under_the_threshold_take_a_third() {
        // 2 + 2 = 4 hidden would still tell the reader "4 between them".
        let mut c = cells(&[30, 2, 2, 6, 20]);
        c[0].public = true;
        let hidden = suppress(&c, &[vec![0, 1, 2, 3, 4]], THRESHOLD);
        assert_eq!(hidden, vec![false, true, true, true, false]);
    }

    #[test]
    fn suppression_follows_a_cell_into_its_other_totals() {
        // Two services (rows) by two categories; column totals are published as well.
        // service A: x=3, y=10 (headcount 13); service B: x=8, y=9 (headcount 17);
        // totals: x=11, y=19. Hiding A.x forces A.y (row), then the column totals must not
        // give them away: B.x and B.y follow, and so on until every group holds.
        let mut c = cells(&[13, 3, 10, 17, 8, 9, 30, 11, 19]);
        for i in [0, 3, 6] {
            c[i].public = true;
        }
        let groups = vec![
            vec![0, 1, 2],
            vec![3, 4, 5],
            vec![6, 7, 8],
            vec![7, 1, 4],
            vec![8, 2, 5],
        ];
        let hidden = suppress(&c, &groups, THRESHOLD);
        for g in &groups {
            let n = g.iter().filter(|&&i| hidden[i]).count();
            let sum: i64 = g.iter().filter(|&&i| hidden[i]).map(|&i| c[i].count).sum();
            assert!(n == 0 || (n >= 2 && sum >= THRESHOLD), "{g:?} {hidden:?}");
        }
        assert!(hidden[1], "the small count itself");
        assert!(
            !hidden[0] && !hidden[3] && !hidden[6],
            "headcounts stay public"
        );
    }

    #[test]
    fn nothing_small_means_nothing_hidden() {
        let c = cells(&[40, 15, 25]);
        assert_eq!(suppress(&c, &[vec![0, 1, 2]], THRESHOLD), vec![false; 3]);
    }
}
