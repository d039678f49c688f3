//! The 5 × 5 heat map of likelihood by impact: which risks sit in each
//! cell, and the band a cell's score falls in. The terminal table
//! (`aegis risk heatmap`) and the report's SVG both read this grid.

use crate::output::escape;
use std::fmt::Write as _;

/// Risk ids per cell; `cells[likelihood - 1][impact - 1]`, ids sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    cells: [[Vec<String>; 5]; 5],
}

/// How serious a cell's score (likelihood × impact) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Band {
    /// 1 to 4.
    Low,
    /// 5 to 9.
    Medium,
    /// 10 to 16.
    High,
    /// 20 and 25.
    Critical,
}

impl Band {
    pub fn of(score: u32) -> Band {
        match score {
            0..=4 => Band::Low,
            5..=9 => Band::Medium,
            10..=16 => Band::High,
            _ => Band::Critical,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
            Band::Critical => "critical",
        }
    }

    /// A light fill that keeps black text readable (the SVG).
    pub fn fill(self) -> &'static str {
        match self {
            Band::Low => "#d9f0d3",
            Band::Medium => "#fff2b3",
            Band::High => "#fdd0a2",
            Band::Critical => "#f4a6a6",
        }
    }

    /// Black text on a background colour (the terminal).
    fn ansi(self) -> &'static str {
        match self {
            Band::Low => "\x1b[30;42m",
            Band::Medium => "\x1b[30;43m",
            Band::High => "\x1b[30;45m",
            Band::Critical => "\x1b[30;41m",
        }
    }
}

impl Grid {
    /// The grid of `(id, likelihood, impact)`; ratings outside 1..=5 (which
    /// validation does not let through) are left out.
    pub fn of<'a>(ratings: impl IntoIterator<Item = (&'a str, u8, u8)>) -> Grid {
        let mut g = Grid::default();
        for (id, l, i) in ratings {
            if (1..=5).contains(&l) && (1..=5).contains(&i) {
                g.cells[usize::from(l - 1)][usize::from(i - 1)].push(id.to_string());
            }
        }
        for row in &mut g.cells {
            for cell in row {
                cell.sort();
            }
        }
        g
    }

    /// The ids at `likelihood`, `impact` (1..=5 each).
    pub fn at(&self, likelihood: u8, impact: u8) -> &[String] {
        let (l, i) = (usize::from(likelihood), usize::from(impact));
        if (1..=5).contains(&l) && (1..=5).contains(&i) {
            &self.cells[l - 1][i - 1]
        } else {
            &[]
        }
    }

    pub fn total(&self) -> usize {
        self.cells.iter().flatten().map(Vec::len).sum()
    }

    /// The terminal table: likelihood 5 at the top, impact 1 to 5 across;
    /// each cell its count and ids. With `color`, cells are painted by band;
    /// without, every cell names its band's letter so nothing rests on
    /// colour alone.
    pub fn table(&self, title: &str, color: bool) -> String {
        let text = |l: u8, i: u8| {
            let ids = self.at(l, i);
            let band = Band::of(u32::from(l) * u32::from(i));
            let mark = band.name()[..1].to_uppercase();
            if ids.is_empty() {
                format!("{mark} .")
            } else {
                let shown: Vec<String> = ids.iter().map(|s| escape::text(s).into_owned()).collect();
                format!("{mark} {} {}", ids.len(), shown.join(" "))
            }
        };
        let widths: Vec<usize> = (1..=5u8)
            .map(|i| {
                (1..=5u8)
                    .map(|l| text(l, i).chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(10)
            })
            .collect();
        let mut out = String::new();
        let _ = writeln!(out, "{title}\n");
        out.push_str("likelihood |");
        for (i, w) in widths.iter().enumerate() {
            let _ = write!(out, " {:<w$} |", format!("impact {}", i + 1));
        }
        out.push('\n');
        out.push_str("-----------+");
        for w in &widths {
            out.push_str(&"-".repeat(w + 2));
            out.push('+');
        }
        out.push('\n');
        for l in (1..=5u8).rev() {
            let _ = write!(out, "{l:>10} |");
            for (i, w) in (1..=5u8).zip(&widths) {
                let cell = format!(" {:<w$} ", text(l, i));
                if color {
                    let band = Band::of(u32::from(l) * u32::from(i));
                    let _ = write!(out, "{}{cell}\x1b[0m|", band.ansi());
                } else {
                    let _ = write!(out, "{cell}|");
                }
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "\n{} risk(s). Bands by likelihood x impact: L low 1-4, M medium 5-9, H high 10-16, C critical 20-25.",
            self.total()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_hold_sorted_ids_and_bands_follow_the_score() {
        let g = Grid::of([("R-2", 2, 4), ("R-1", 2, 4), ("R-3", 5, 5), ("bad", 0, 3)]);
        assert_eq!(g.at(2, 4), ["R-1", "R-2"]);
        assert_eq!(g.at(5, 5), ["R-3"]);
        assert_eq!(g.total(), 3);
        assert_eq!(Band::of(4), Band::Low);
        assert_eq!(Band::of(5), Band::Medium);
        assert_eq!(Band::of(16), Band::High);
        assert_eq!(Band::of(20), Band::Critical);
    }

    #[test]
    fn colour_only_when_asked() {
        let g = Grid::of([("R-1", 1, 1)]);
        assert!(!g.table("t", false).contains('\x1b'));
        assert!(g.table("t", true).contains("\x1b[30;42m"));
    }
}
