//! `GET /reports/representation`: ethnicity (NHS ethnic category and its broad group) and
//! languages spoken, in aggregate only, with small counts suppressed; and specialist interests,
//! which are not special-category data, for planning.
//!
//! The table is always worked out for every service and the registry as a whole, then cut to
//! what the caller may see, so the same cell is hidden in every view and no two views can be
//! subtracted from each other to reveal it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::queries::{for_each_practitioner, service_names};
use super::suppression::{suppress, Cell, THRESHOLD};
use super::workforce::in_post;
use super::{service_in_scope, PostRow};
use crate::auth::policy::PeopleScope;
use crate::error::AppError;
use crate::http::report::CsvRecord;
use crate::people::json_list;
use crate::people::rules::ETHNIC_CATEGORIES as CATEGORIES;

const GROUPS: [(&str, &str); 7] = [
    ("white", "White"),
    ("mixed", "Mixed"),
    ("asian", "Asian or Asian British"),
    ("black", "Black or Black British"),
    ("other", "Other ethnic groups"),
    ("not_stated", "Not stated"),
    ("not_recorded", "Not recorded"),
];

const NOT_RECORDED: &str = "not_recorded";

crate::db_enum! {
    /// Which table a count belongs to.
    pub enum Dimension("representation dimension") {
        /// Practitioners in post: published in the workforce report too, never suppressed.
        Headcount => "headcount",
        EthnicGroup => "ethnic_group",
        Ethnicity => "ethnicity",
        Language => "language",
        /// Not special-category data: shown whatever the count.
        SpecialistInterest => "specialist_interest",
    }
}

/// A service (`None`: the registry as a whole), a dimension and a value.
type Key = (Option<String>, Dimension, String);

/// People with at least one language not listed on its own.
pub const OTHER_LANGUAGES: &str = "other_languages";
/// People with at least one language recorded: never listed, but it and `not_recorded` add up
/// to the headcount, so it takes part in suppression.
const LANGUAGE_RECORDED: &str = "recorded";

/// The counts behind the report, before suppression.
#[derive(Debug, Default)]
pub struct Counts {
    pub cells: BTreeMap<Key, i64>,
    services: BTreeSet<Option<String>>,
    /// People by service and the exact set of languages they speak; turned into cells once
    /// every person is counted, when it is known which languages are common enough to list.
    language_sets: BTreeMap<(Option<String>, Vec<String>), i64>,
}

impl Counts {
    fn bump(&mut self, service: &Option<String>, d: Dimension, v: &str, n: i64) {
        for s in [service.clone(), None] {
            *self.cells.entry((s, d, v.to_string())).or_default() += n;
        }
    }

    /// Counts one person in post.
    pub fn add(&mut self, p: &PostRow) {
        let s = &p.service_id;
        self.services.insert(s.clone());
        self.bump(s, Dimension::Headcount, "all", 1);
        let category = p
            .ethnicity
            .as_deref()
            .and_then(|code| CATEGORIES.iter().find(|x| x.0 == code));
        match category {
            Some((c, _, group)) => {
                self.bump(s, Dimension::Ethnicity, c, 1);
                self.bump(s, Dimension::EthnicGroup, group, 1);
            }
            None => {
                self.bump(s, Dimension::Ethnicity, NOT_RECORDED, 1);
                self.bump(s, Dimension::EthnicGroup, NOT_RECORDED, 1);
            }
        }
        let mut languages: Vec<String> = json_list(&p.languages)
            .iter()
            .map(|l| language_key(l.trim()))
            .filter(|l| !l.is_empty())
            .collect();
        languages.sort();
        languages.dedup();
        *self
            .language_sets
            .entry((s.clone(), languages))
            .or_default() += 1;
        let mut interests: Vec<String> = json_list(&p.specialist_interests)
            .iter()
            .map(|i| crate::people::queries::interest_key(i))
            .filter(|i| !i.is_empty())
            .collect();
        interests.sort();
        interests.dedup();
        for i in &interests {
            self.bump(s, Dimension::SpecialistInterest, i, 1);
        }
    }

    /// Once everyone is counted: every scope lists the same values whoever holds them (every
    /// ethnic category and group, zero or not; the languages that at least 5 people speak
    /// across the registry, the rest folded into "other languages"), so a listed or hidden
    /// value never says that someone holds it.
    pub fn finish(&mut self) {
        let mut speakers: BTreeMap<&str, i64> = BTreeMap::new();
        for ((_, set), n) in &self.language_sets {
            for l in set {
                *speakers.entry(l.as_str()).or_default() += n;
            }
        }
        let listed: BTreeSet<String> = speakers
            .into_iter()
            .filter(|(_, n)| *n >= THRESHOLD)
            .map(|(l, _)| l.to_string())
            .collect();
        let scopes: Vec<Option<String>> = std::iter::once(None)
            .chain(self.services.iter().cloned())
            .collect();
        for s in &scopes {
            for c in CATEGORIES.iter().map(|c| c.0).chain([NOT_RECORDED]) {
                self.cells
                    .entry((s.clone(), Dimension::Ethnicity, c.to_string()))
                    .or_default();
            }
            for (g, _) in GROUPS {
                self.cells
                    .entry((s.clone(), Dimension::EthnicGroup, g.to_string()))
                    .or_default();
            }
            for l in listed.iter().map(String::as_str).chain([
                OTHER_LANGUAGES,
                NOT_RECORDED,
                LANGUAGE_RECORDED,
            ]) {
                self.cells
                    .entry((s.clone(), Dimension::Language, l.to_string()))
                    .or_default();
            }
        }
        let sets = std::mem::take(&mut self.language_sets);
        for ((s, set), n) in &sets {
            if set.is_empty() {
                self.bump(s, Dimension::Language, NOT_RECORDED, *n);
                continue;
            }
            self.bump(s, Dimension::Language, LANGUAGE_RECORDED, *n);
            for l in set.iter().filter(|l| listed.contains(*l)) {
                self.bump(s, Dimension::Language, l, *n);
            }
            if set.iter().any(|l| !listed.contains(l)) {
                self.bump(s, Dimension::Language, OTHER_LANGUAGES, *n);
            }
        }
    }

    /// Whether a cell is never listed.
    fn secret(k: &Key) -> bool {
        k.1 == Dimension::Language && k.2 == LANGUAGE_RECORDED
    }

    /// Which cells to hide. The sums that hold: within each service (and the whole), the
    /// ethnic categories and the broad groups each add up to the headcount, and each group's
    /// categories to the group; the people with no language recorded and those with one add up
    /// to the headcount; across services, each cell of the whole is the sum of the services'
    /// cells. Languages are many per person, so no other sum holds for them.
    pub fn suppressed(&self) -> BTreeMap<Key, bool> {
        let keys: Vec<&Key> = self.cells.keys().collect();
        let index: BTreeMap<&Key, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let cells: Vec<Cell> = keys
            .iter()
            .map(|k| Cell {
                count: self.cells[*k],
                public: matches!(k.1, Dimension::Headcount | Dimension::SpecialistInterest),
                secret: Self::secret(k),
            })
            .collect();
        let at = |s: &Option<String>, d: Dimension, v: &str| {
            index.get(&(s.clone(), d, v.to_string())).copied()
        };
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let scopes: Vec<Option<String>> = std::iter::once(None)
            .chain(self.services.iter().cloned())
            .collect();
        for s in &scopes {
            let head = at(s, Dimension::Headcount, "all");
            let mut by_category: Vec<usize> = head.into_iter().collect();
            by_category.extend(
                CATEGORIES
                    .iter()
                    .map(|c| c.0)
                    .chain([NOT_RECORDED])
                    .filter_map(|c| at(s, Dimension::Ethnicity, c)),
            );
            groups.push(by_category);
            let mut by_group: Vec<usize> = head.into_iter().collect();
            by_group.extend(
                GROUPS
                    .iter()
                    .filter_map(|g| at(s, Dimension::EthnicGroup, g.0)),
            );
            groups.push(by_group);
            for (g, _) in GROUPS {
                let mut members: Vec<usize> =
                    at(s, Dimension::EthnicGroup, g).into_iter().collect();
                members.extend(
                    CATEGORIES
                        .iter()
                        .filter(|c| c.2 == g)
                        .filter_map(|c| at(s, Dimension::Ethnicity, c.0)),
                );
                if g == NOT_RECORDED {
                    members.extend(at(s, Dimension::Ethnicity, NOT_RECORDED));
                }
                groups.push(members);
            }
            let mut by_language: Vec<usize> = head.into_iter().collect();
            by_language.extend(at(s, Dimension::Language, NOT_RECORDED));
            by_language.extend(at(s, Dimension::Language, LANGUAGE_RECORDED));
            groups.push(by_language);
        }
        for (k, &i) in &index {
            if k.0.is_some() || matches!(k.1, Dimension::Headcount | Dimension::SpecialistInterest)
            {
                continue;
            }
            let mut column = vec![i];
            column.extend(self.services.iter().filter_map(|s| at(s, k.1, &k.2)));
            groups.push(column);
        }
        let hidden = suppress(&cells, &groups, THRESHOLD);
        keys.into_iter().cloned().zip(hidden).collect()
    }
}

/// Languages are counted case-blind, under their first spelling's capitalised form.
fn language_key(l: &str) -> String {
    let lower = l.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => lower,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RepresentationQuery {
    /// One service; admins see every service and the registry as a whole without it.
    pub service_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RepresentationRow {
    /// Null for the registry as a whole.
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    pub dimension: Dimension,
    /// An ethnic category code, a broad group, a language, an interest, or `not_recorded`.
    pub value: String,
    pub label: String,
    /// Null when suppressed.
    pub count: Option<i64>,
    /// Hidden because it is under 5, or because a published total would give it away.
    pub suppressed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RepresentationReport {
    pub items: Vec<RepresentationRow>,
    /// Always null: the rows are aggregates, one page long.
    pub next_cursor: Option<String>,
    /// Counts under this are never published.
    pub suppression_threshold: i64,
    /// The day the counts describe (people in post on it).
    #[schema(value_type = String, format = Date)]
    pub as_of: chrono::NaiveDate,
}

fn label(d: Dimension, v: &str) -> String {
    let found = match d {
        Dimension::Ethnicity => CATEGORIES.iter().find(|c| c.0 == v).map(|c| c.1),
        Dimension::EthnicGroup => GROUPS.iter().find(|g| g.0 == v).map(|g| g.1),
        Dimension::Headcount => Some("Practitioners in post"),
        Dimension::Language if v == OTHER_LANGUAGES => Some("Other languages"),
        _ => None,
    };
    match found {
        Some(l) => l.to_string(),
        None if v == NOT_RECORDED => "Not recorded".to_string(),
        None => v.to_string(),
    }
}

fn build(
    conn: &mut crate::db::DbConn,
    only: Option<String>,
    today: chrono::NaiveDate,
) -> Result<RepresentationReport, AppError> {
    let names = service_names(conn)?;
    let mut counts = Counts::default();
    for_each_practitioner(conn, None, (today, today), |p| {
        if in_post(p, today) {
            counts.add(p)
        }
    })?;
    counts.finish();
    let hidden = counts.suppressed();
    let items = counts
        .cells
        .iter()
        .filter(|(k, _)| !Counts::secret(k))
        .filter(|(k, _)| match &only {
            Some(s) => k.0.as_deref() == Some(s.as_str()),
            None => true,
        })
        .map(|(k, &n)| {
            let h = hidden.get(k).copied().unwrap_or(true);
            RepresentationRow {
                service_name: k.0.as_ref().and_then(|s| names.get(s).cloned()),
                service_id: k.0.clone(),
                dimension: k.1,
                label: label(k.1, &k.2),
                value: k.2.clone(),
                count: (!h).then_some(n),
                suppressed: h,
            }
        })
        .collect();
    Ok(RepresentationReport {
        items,
        next_cursor: None,
        suppression_threshold: THRESHOLD,
        as_of: today,
    })
}

impl CsvRecord for RepresentationRow {
    const FILE: &'static str = "representation.csv";
    const HEADER: &'static [&'static str] = &[
        "service_id",
        "service_name",
        "dimension",
        "value",
        "label",
        "count",
        "suppressed",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.service_id.clone().unwrap_or_default(),
            self.service_name.clone().unwrap_or_default(),
            self.dimension.as_str().to_string(),
            self.value.clone(),
            self.label.clone(),
            self.count.map(|n| n.to_string()).unwrap_or_default(),
            self.suppressed.to_string(),
        ]
    }
}

/// The representation report a caller asks for: the service in their scope, or (admins) all.
pub fn representation_report(
    conn: &mut crate::db::DbConn,
    scope: PeopleScope,
    q: RepresentationQuery,
    at: chrono::NaiveDateTime,
) -> Result<RepresentationReport, AppError> {
    let only = service_in_scope(scope, q.service_id)?;
    build(conn, only, at.date())
}

#[cfg(test)]
#[path = "representation_tests.rs"]
mod tests;
