//! Charts drawn on the server as SVG, written by hand rather than with a plotting crate: a
//! few rectangles and labels need no dependency, the markup stays small, and every part can
//! carry what assistive technology reads (`role="img"`, a title and a description naming every
//! figure, a title on each bar). No chart stands alone: each page shows the same numbers in a
//! table, and each state has its words in the legend and a fill pattern as well as a colour.

use std::fmt::Write;

/// One part of a stacked bar.
pub struct Segment {
    pub value: i64,
    /// The CSS class that fills it (`seg-good`, `seg-soon`, `seg-bad`).
    pub class: &'static str,
    /// What it counts, in words ("compliant").
    pub words: &'static str,
}

pub struct Bar {
    pub label: String,
    pub segments: Vec<Segment>,
}

const WIDTH: i64 = 640;
const LABEL: i64 = 190;
const ROW: i64 = 34;
const BAR: i64 = 24;

/// Escapes text for SVG (XML) content and attributes.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The fill patterns that tell the states apart without colour, named for their chart.
fn patterns(id: &str) -> String {
    format!(
        r#"<defs><pattern id="{id}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" class="seg-soon"/><line x1="0" y1="0" x2="0" y2="8" class="hatch-line"/></pattern><pattern id="{id}-dots" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" class="seg-bad"/><circle cx="4" cy="4" r="1.6" class="dot"/></pattern></defs>"#
    )
}

/// How a segment is filled: a pattern (an attribute, which a class would override) or a class.
fn fill(id: &str, class: &str) -> String {
    match class {
        "seg-soon" => format!(r#"fill="url(#{id}-hatch)""#),
        "seg-bad" => format!(r#"fill="url(#{id}-dots)""#),
        _ => format!(r#"class="{class}""#),
    }
}

/// Horizontal bars, each split into its segments in proportion to the bar's total.
pub fn stacked_bars(id: &str, title: &str, bars: &[Bar]) -> String {
    let height = ROW * bars.len() as i64 + 8;
    let mut desc = Vec::new();
    let mut body = String::new();
    for (i, bar) in bars.iter().enumerate() {
        let y = 4 + ROW * i as i64;
        let total: i64 = bar.segments.iter().map(|s| s.value).sum();
        let parts: Vec<String> = bar
            .segments
            .iter()
            .map(|s| format!("{} {}", s.value, s.words))
            .collect();
        desc.push(format!("{}: {}", bar.label, parts.join(", ")));
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" class="chart-label" text-anchor="end">{}</text>"#,
            LABEL - 8,
            y + BAR / 2 + 5,
            esc(&bar.label)
        );
        if total == 0 {
            let _ = write!(
                body,
                r#"<text x="{LABEL}" y="{}" class="chart-note">nobody</text>"#,
                y + BAR / 2 + 5
            );
            continue;
        }
        let span = WIDTH - LABEL - 4;
        let mut x = LABEL;
        for (n, s) in bar.segments.iter().enumerate() {
            if s.value == 0 {
                continue;
            }
            let mut w = span * s.value / total;
            if n == bar.segments.len() - 1 || x + w > LABEL + span {
                w = LABEL + span - x;
            }
            let _ = write!(
                body,
                r#"<rect x="{x}" y="{y}" width="{w}" height="{BAR}" {}><title>{}: {} {}</title></rect>"#,
                fill(id, s.class),
                esc(&bar.label),
                s.value,
                s.words
            );
            if w >= 28 {
                let _ = write!(
                    body,
                    r#"<text x="{}" y="{}" class="{}" text-anchor="middle">{}</text>"#,
                    x + w / 2,
                    y + BAR / 2 + 5,
                    if s.class == "seg-soon" {
                        "chart-value-dark"
                    } else {
                        "chart-value"
                    },
                    s.value
                );
            }
            x += w;
        }
    }
    frame(id, title, &desc.join("; "), height, &body)
}

/// Vertical columns, one a label (`labels` and `values` pair up), scaled to the largest.
pub fn columns(id: &str, title: &str, labels: &[String], values: &[i64]) -> String {
    let height = 180;
    let base = height - 28;
    let top = 22;
    let most = values.iter().copied().max().unwrap_or(0).max(1);
    let n = labels.len().max(1) as i64;
    let step = (WIDTH - 8) / n;
    let mut body = String::new();
    let mut desc = Vec::new();
    for (i, (label, value)) in labels.iter().zip(values).enumerate() {
        desc.push(format!("{label}: {value}"));
        let x = 4 + step * i as i64;
        let h = (base - top) * value / most;
        let _ = write!(
            body,
            r#"<rect x="{}" y="{}" width="{}" height="{h}" class="col"><title>{}: {value}</title></rect><text x="{}" y="{}" class="chart-value-dark" text-anchor="middle">{value}</text><text x="{}" y="{}" class="chart-label" text-anchor="middle">{}</text>"#,
            x + 6,
            base - h,
            step - 12,
            esc(label),
            x + step / 2,
            base - h - 6,
            x + step / 2,
            height - 8,
            esc(label)
        );
    }
    let _ = write!(
        body,
        r#"<line x1="4" y1="{base}" x2="{}" y2="{base}" class="axis"/>"#,
        WIDTH - 4
    );
    frame(id, title, &desc.join("; "), height, &body)
}

fn frame(id: &str, title: &str, desc: &str, height: i64, body: &str) -> String {
    format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{}{body}</svg>"#,
        esc(title),
        esc(desc),
        patterns(id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_names_every_figure_and_escapes_its_labels() {
        let svg = stacked_bars(
            "c",
            "Supervision <by type>",
            &[Bar {
                label: "Case & management".into(),
                segments: vec![
                    Segment {
                        value: 3,
                        class: "seg-good",
                        words: "compliant",
                    },
                    Segment {
                        value: 1,
                        class: "seg-bad",
                        words: "overdue",
                    },
                ],
            }],
        );
        assert!(svg.contains("<title id=\"c-title\">Supervision &lt;by type&gt;</title>"));
        assert!(svg.contains("Case &amp; management: 3 compliant, 1 overdue"));
        assert!(svg.contains("role=\"img\""));
        // The segments fill the bar exactly.
        assert!(
            svg.contains(r#"x="190" y="4" width="334" height="24" class="seg-good""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"x="524" y="4" width="112" height="24" fill="url(#c-dots)""#),
            "{svg}"
        );
    }

    #[test]
    fn columns_scale_to_the_largest() {
        let svg = columns("e", "Expiring", &["Dec".into(), "Jan".into()], &[0, 4]);
        assert!(svg.contains("Dec: 0; Jan: 4"));
        assert!(svg.contains(r#"height="130" class="col""#), "{svg}");
    }
}
