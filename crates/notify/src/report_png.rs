//! The charts of the summary e-mail (docs/behaviour.md, "The report by e-mail"): drawn
//! as SVG here, rendered to PNG by resvg (most mail clients show no SVG) with the font
//! bundled in the binary (DejaVu Sans, `fonts/`), so text never renders blank for want
//! of a system font. Each has axes, units and a text equivalent (its `alt`).

use std::sync::{Arc, OnceLock};

use overdue_types::reports::{AlertsReport, AvailabilityReport};
use resvg::{tiny_skia, usvg};

use crate::text::html as esc;

/// The bundled font.
const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// Its family name, as SVG text asks for it.
const FAMILY: &str = "DejaVu Sans";

/// Chart width and height (CSS pixels); rendered at twice that for sharp text.
const W: f64 = 600.0;
const H: f64 = 240.0;
const SCALE: f32 = 2.0;

/// Colours per reason (the dashboard's order).
const REASONS: &[(&str, &str)] = &[
    ("missed", "#c0392b"),
    ("failed", "#e67e22"),
    ("hung", "#8e44ad"),
    ("step", "#9b59b6"),
    ("stall", "#2c3e50"),
    ("too_short", "#16a085"),
    ("problem", "#2980b9"),
    ("breach", "#d35400"),
    ("channel", "#7f8c8d"),
    ("event", "#95a5a6"),
];

/// A chart ready for the message: its PNG and its words.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Its `Content-ID` (without brackets).
    pub cid: String,
    /// The PNG.
    pub png: Vec<u8>,
    /// What it shows, in words (the image's `alt`).
    pub alt: String,
}

fn options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(FONT.to_vec());
        usvg::Options {
            font_family: FAMILY.into(),
            fontdb: Arc::new(db),
            ..usvg::Options::default()
        }
    })
}

/// Renders `svg` to PNG (at twice its size).
pub fn png(svg: &str) -> Result<Vec<u8>, String> {
    let tree = usvg::Tree::from_str(svg, options()).map_err(|e| format!("chart: {e}"))?;
    let size = tree.size();
    let (w, h) = (
        (size.width() * SCALE).ceil() as u32,
        (size.height() * SCALE).ceil() as u32,
    );
    let mut pixmap = tiny_skia::Pixmap::new(w.max(1), h.max(1)).ok_or("chart: no room")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| format!("chart: {e}"))
}

/// A round top for a count axis: 1, 2, 5 times a power of ten.
fn nice_top(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= max.max(1) {
                return step * m;
            }
        }
        step *= 10;
    }
}

fn text(x: f64, y: f64, anchor: &str, size: u32, body: &str) -> String {
    format!(
        r##"<text x="{x:.1}" y="{y:.1}" font-family="{FAMILY}" font-size="{size}" text-anchor="{anchor}" fill="#222">{}</text>"##,
        esc(body)
    )
}

/// Alerts per day, bars stacked by reason, with a count axis and the first and last
/// dates.
pub fn alerts(r: &AlertsReport) -> Chart {
    let (left, right, top, bottom) = (44.0, 12.0, 34.0, 34.0);
    let (pw, ph) = (W - left - right, H - top - bottom);
    let max = r.rows.iter().map(|d| d.total).max().unwrap_or(0);
    let y_top = nice_top(max);
    let n = r.rows.len().max(1) as f64;
    let slot = pw / n;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">"##
    );
    svg.push_str(&text(left, 18.0, "start", 14, "Alerts per day (count)"));
    // The count axis: 0, half, top, with light lines across.
    for v in [0, y_top / 2, y_top] {
        let y = top + ph - ph * v as f64 / y_top as f64;
        svg.push_str(&format!(
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd" stroke-width="1"/>"##,
            left + pw
        ));
        svg.push_str(&text(left - 6.0, y + 4.0, "end", 11, &v.to_string()));
    }
    for (i, day) in r.rows.iter().enumerate() {
        let x = left + slot * i as f64 + slot * 0.1;
        let mut y = top + ph;
        for (reason, colour) in REASONS {
            let k = day.by_reason.get(*reason).copied().unwrap_or(0);
            if k == 0 {
                continue;
            }
            let h = ph * k as f64 / y_top as f64;
            y -= h;
            svg.push_str(&format!(
                r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}" fill="{colour}"/>"##,
                (slot * 0.8).max(1.0)
            ));
        }
    }
    svg.push_str(&format!(
        r##"<line x1="{left}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#444" stroke-width="1"/>"##,
        top + ph,
        left + pw
    ));
    if let (Some(first), Some(last)) = (r.rows.first(), r.rows.last()) {
        svg.push_str(&text(left, H - 12.0, "start", 11, &first.date));
        svg.push_str(&text(left + pw, H - 12.0, "end", 11, &last.date));
    }
    // The legend: the reasons present.
    let mut lx = W - right;
    for (reason, colour) in REASONS.iter().rev() {
        if r.by_reason.get(*reason).copied().unwrap_or(0) == 0 {
            continue;
        }
        let label = reason.replace('_', " ");
        lx -= 14.0 + 7.0 * label.len() as f64;
        svg.push_str(&format!(
            r##"<rect x="{lx:.1}" y="8" width="10" height="10" fill="{colour}"/>"##
        ));
        svg.push_str(&text(lx + 13.0, 17.0, "start", 11, &label));
    }
    svg.push_str("</svg>");
    let reasons: Vec<String> = r
        .by_reason
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{} {n}", k.replace('_', " ")))
        .collect();
    let worst = r
        .rows
        .iter()
        .max_by_key(|d| d.total)
        .filter(|d| d.total > 0);
    let alt = format!(
        "Alerts per day: {} in all{}{}.",
        r.total,
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(", "))
        },
        worst
            .map(|d| format!("; the most on {}: {}", d.date, d.total))
            .unwrap_or_default()
    );
    Chart {
        cid: "alerts-chart".into(),
        png: png(&svg).unwrap_or_default(),
        alt,
    }
}

/// The lowest monitors' availability as horizontal bars against the target line; `None`
/// when no monitor has a figure.
pub fn availability(r: &AvailabilityReport) -> Option<Chart> {
    let rows: Vec<(&str, f64)> = r
        .rows
        .iter()
        .filter_map(|m| m.availability.map(|a| (m.name.as_str(), a)))
        .take(10)
        .collect();
    if rows.is_empty() {
        return None;
    }
    let lowest = rows.iter().map(|r| r.1).fold(100.0, f64::min).min(r.target);
    // The axis starts at a round figure under the lowest, so small gaps show.
    let lo = [0.0, 50.0, 80.0, 90.0, 95.0, 98.0, 99.0]
        .into_iter()
        .rev()
        .find(|l| *l < lowest)
        .unwrap_or(0.0);
    let (left, right, top, row_h) = (170.0, 60.0, 34.0, 20.0);
    let h = top + row_h * rows.len() as f64 + 30.0;
    let pw = W - left - right;
    let x_of = |v: f64| left + pw * (v - lo) / (100.0 - lo);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}">"##
    );
    svg.push_str(&text(
        12.0,
        18.0,
        "start",
        14,
        &format!("Availability, the lowest (%; target {} %)", r.target),
    ));
    // The target line first: the figures are written over it.
    let tx = x_of(r.target);
    svg.push_str(&format!(
        r##"<line x1="{tx:.1}" y1="{top}" x2="{tx:.1}" y2="{:.1}" stroke="#222" stroke-width="1.5" stroke-dasharray="4 3"/>"##,
        top + row_h * rows.len() as f64
    ));
    for (i, (name, a)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let short: String = name.chars().take(24).collect();
        svg.push_str(&text(left - 6.0, y + 13.0, "end", 11, &short));
        let colour = if *a >= r.target - 1e-9 {
            "#27ae60"
        } else {
            "#c0392b"
        };
        svg.push_str(&format!(
            r##"<rect x="{left}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"/>"##,
            y + 3.0,
            (x_of(*a) - left).max(1.0),
            row_h - 6.0
        ));
        // On white: the figure stays readable over the target line.
        let figure = format!("{a} %");
        svg.push_str(&format!(
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="14" fill="#fff"/>"##,
            x_of(*a) + 2.0,
            y + 2.0,
            7.0 * figure.len() as f64 + 4.0
        ));
        svg.push_str(&text(x_of(*a) + 4.0, y + 13.0, "start", 11, &figure));
    }
    let bottom = top + row_h * rows.len() as f64;
    svg.push_str(&format!(
        r##"<line x1="{left}" y1="{bottom:.1}" x2="{:.1}" y2="{bottom:.1}" stroke="#444" stroke-width="1"/>"##,
        left + pw
    ));
    svg.push_str(&text(left, bottom + 16.0, "start", 11, &format!("{lo} %")));
    svg.push_str(&text(left + pw, bottom + 16.0, "end", 11, "100 %"));
    svg.push_str("</svg>");
    let words: Vec<String> = rows.iter().map(|(n, a)| format!("{n} {a} %")).collect();
    Some(Chart {
        cid: "availability-chart".into(),
        png: png(&svg).unwrap_or_default(),
        alt: format!(
            "Availability against the target of {} %: {}.",
            r.target,
            words.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text renders with the bundled font: a chart with words differs from one without.
    #[test]
    fn text_is_drawn_with_the_bundled_font() {
        let blank =
            png(r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="30"></svg>"#)
                .unwrap();
        let words = png(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="30">{}</svg>"#,
            text(5.0, 20.0, "start", 14, "Alerts <&>")
        ))
        .unwrap();
        assert!(words.starts_with(b"\x89PNG"));
        let decoded = tiny_skia::Pixmap::decode_png(&words).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (200, 60));
        let dark = decoded.pixels().iter().filter(|p| p.red() < 128).count();
        assert!(dark > 50, "the text left {dark} dark pixels");
        assert_ne!(blank, words);
    }

    fn span() -> overdue_types::reports::ReportSpan {
        overdue_types::reports::ReportSpan {
            from: String::new(),
            to: String::new(),
            previous_from: String::new(),
            scope: "project".into(),
            tz: "UTC".into(),
        }
    }

    /// Both charts of a month, written where the suite's screenshots go, to be looked at.
    #[test]
    fn a_months_charts() {
        use overdue_types::reports::{AlertsRow, AvailabilityRow};
        let rows: Vec<AlertsRow> = (1..=30)
            .map(|d| {
                let by_reason: std::collections::BTreeMap<String, i64> = [
                    ("failed".to_string(), (d * 7) % 5),
                    ("missed".to_string(), (d * 3) % 4),
                    ("problem".to_string(), i64::from(d % 9 == 0) * 6),
                ]
                .into_iter()
                .collect();
                AlertsRow {
                    date: format!("2026-11-{d:02}"),
                    total: by_reason.values().sum(),
                    by_reason,
                    by_severity: Default::default(),
                }
            })
            .collect();
        let mut by_reason = std::collections::BTreeMap::new();
        for r in &rows {
            for (k, n) in &r.by_reason {
                *by_reason.entry(k.clone()).or_insert(0) += n;
            }
        }
        let a = AlertsReport {
            span: span(),
            grain: "day".into(),
            total: rows.iter().map(|r| r.total).sum(),
            previous_total: 40,
            by_reason,
            by_severity: Default::default(),
            by_tag: Default::default(),
            rows,
        };
        let chart = alerts(&a);
        assert!(chart
            .alt
            .starts_with(&format!("Alerts per day: {} in all", a.total)));
        let avail = AvailabilityReport {
            span: span(),
            target: 99.5,
            counted: 3,
            meeting: 1,
            rows: [
                ("nightly import & <export>", 97.25),
                ("shop sync", 99.1),
                ("billing", 99.97),
            ]
            .into_iter()
            .map(|(n, a)| AvailabilityRow {
                monitor: "x".into(),
                name: n.into(),
                availability: Some(a),
                previous: None,
                down_s: 0,
                met: Some(a >= 99.5),
                link: String::new(),
            })
            .collect(),
        };
        let bars = availability(&avail).unwrap();
        assert!(
            bars.alt.contains("nightly import & <export> 97.25 %"),
            "{}",
            bars.alt
        );
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        for c in [&chart, &bars] {
            assert!(c.png.starts_with(b"\x89PNG"), "{}", c.cid);
            std::fs::write(dir.join(format!("mail-{}.png", c.cid)), &c.png).unwrap();
        }
    }

    #[test]
    fn round_tops() {
        assert_eq!(nice_top(0), 1);
        assert_eq!(nice_top(3), 5);
        assert_eq!(nice_top(11), 20);
        assert_eq!(nice_top(100), 100);
    }
}
