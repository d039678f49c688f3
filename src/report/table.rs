//! The POA&M and gap lists as rows, for CSV and XLSX. The POA&M uses the
//! columns of FedRAMP's POA&M template (Rev5, "Open POA&M Items"), so a
//! team can paste it into the sheet FedRAMP asks for; columns Aegis has no
//! data for stay empty rather than invented.

use super::view::{PoamItem, View};
use crate::output::escape;

/// FedRAMP POA&M template columns, in the template's order.
pub const POAM_COLUMNS: [&str; 31] = [
    "POAM ID",
    "Controls",
    "Weakness Name",
    "Weakness Description",
    "Weakness Detector Source",
    "Weakness Source Identifier",
    "Asset Identifier",
    "Point of Contact",
    "Resources Required",
    "Overall Remediation Plan",
    "Original Detection Date",
    "Scheduled Completion Date",
    "Planned Milestones",
    "Milestone Changes",
    "Status Date",
    "Vendor Dependency",
    "Last Vendor Check-in Date",
    "Vendor Dependent Product Name",
    "Original Risk Rating",
    "Adjusted Risk Rating",
    "Risk Adjustment",
    "False Positive",
    "Operational Requirement",
    "Deviation Rationale",
    "Supporting Documents",
    "Comments",
    "Auto-Approve",
    "Binding Operational Directive 22-01 tracking",
    "Binding Operational Directive 22-01 Due Date",
    "CVE",
    "Service Name",
];

pub const GAP_COLUMNS: [&str; 9] = [
    "system",
    "framework",
    "baseline",
    "control",
    "title",
    "status",
    "reasons",
    "poam",
    "exceptions",
];

/// A report as a table: a header row and data rows.
pub struct Table {
    pub sheet: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

pub fn poam(view: &View) -> Table {
    Table {
        sheet: "Open POA&M Items",
        columns: POAM_COLUMNS.to_vec(),
        rows: view.poam.iter().map(|p| poam_row(p, &view.as_of)).collect(),
    }
}

fn poam_row(p: &PoamItem, as_of: &str) -> Vec<String> {
    let mut row = vec![String::new(); POAM_COLUMNS.len()];
    let mut set = |column: &str, value: String| {
        if let Some(i) = POAM_COLUMNS.iter().position(|c| *c == column) {
            row[i] = value;
        }
    };
    set("POAM ID", p.id.clone());
    set("Controls", p.control.clone());
    set(
        "Weakness Name",
        if p.title.is_empty() {
            format!("{}: {}", p.control, p.reasons.join(", "))
        } else {
            format!("{} {}: {}", p.control, p.title, p.reasons.join(", "))
        },
    );
    set("Weakness Description", p.description.clone());
    set("Weakness Detector Source", "aegis gap engine".to_string());
    set("Weakness Source Identifier", p.reasons.join(", "));
    set("Asset Identifier", p.system.clone());
    set("Point of Contact", p.owner.clone().unwrap_or_default());
    set("Status Date", as_of.to_string());
    set("Original Risk Rating", p.risk.clone().unwrap_or_default());
    set("Supporting Documents", p.evidence.join(", "));
    set(
        "Comments",
        match p.baseline.as_deref() {
            Some(b) => format!("{} baseline {b}; {}", p.framework, p.status),
            None => format!("{}; {}", p.framework, p.status),
        },
    );
    set(
        "Deviation Rationale",
        if p.exceptions.is_empty() {
            String::new()
        } else {
            format!("covered by exception {}", p.exceptions.join(", "))
        },
    );
    row
}

pub fn gaps(view: &View) -> Table {
    let mut rows = Vec::new();
    for sys in &view.systems {
        for s in &sys.selections {
            for c in s
                .statuses
                .iter()
                .filter(|c| c.gap || !c.exceptions.is_empty())
            {
                let mut reasons: Vec<&str> = c.reasons.iter().map(|g| g.reason.as_str()).collect();
                reasons.dedup();
                rows.push(vec![
                    sys.id.to_string(),
                    s.framework.to_string(),
                    s.baseline.unwrap_or("").to_string(),
                    c.control.to_string(),
                    c.title.to_string(),
                    c.status.to_string(),
                    reasons.join(", "),
                    c.poam.unwrap_or("").to_string(),
                    c.exceptions.join(", "),
                ]);
            }
        }
    }
    Table {
        sheet: "Gaps",
        columns: GAP_COLUMNS.to_vec(),
        rows,
    }
}

impl Table {
    /// CSV; a cell a spreadsheet would run as a formula stays text.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(&self.columns);
        for row in &self.rows {
            let _ = w.write_record(row.iter().map(|c| escape::csv_cell(c).into_owned()));
        }
        w.into_inner().unwrap_or_default()
    }

    /// XLSX: one sheet, a bold frozen header, every cell written as text
    /// (never a formula, whatever it starts with).
    pub fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        // A fixed creation time keeps the file byte-identical run to run.
        let props = rust_xlsxwriter::DocProperties::new()
            .set_creation_datetime(&rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?);
        book.set_properties(&props);
        let sheet = book.add_worksheet();
        sheet.set_name(self.sheet)?;
        let bold = Format::new().set_bold().set_text_wrap();
        let wrap = Format::new().set_text_wrap();
        for (c, name) in self.columns.iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, col, *name, &bold)?;
            sheet.set_column_width(col, 18)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                let col = u16::try_from(c).unwrap_or(u16::MAX);
                sheet.write_string_with_format(r, col, escape::text(cell).as_ref(), &wrap)?;
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(
            0,
            0,
            u32::try_from(self.rows.len()).unwrap_or(u32::MAX),
            u16::try_from(self.columns.len().saturating_sub(1)).unwrap_or(0),
        )?;
        book.save_to_buffer()
    }
}
