//! The closest served path to a path nobody serves: "no such path" answers with it, so a typo
//! (`/competencies` for `/competences`, `/docs` for `/docs/`) says what was meant. The list of
//! served paths comes from the OpenAPI document (see `openapi::not_found`).

/// Pages and files served beside the API.
pub const OTHER_PATHS: &[&str] = &[
    "/",
    "/docs/",
    "/health",
    "/version",
    "/metrics",
    "/accept-invite",
    "/reset-password",
    "/api/v1/openapi.json",
];

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = here;
        }
    }
    row[b.len()]
}

/// How far `asked` is from the template `known` (a `{...}` segment matches anything), or
/// `None` when they have a different number of segments.
fn cost(known: &str, asked: &str) -> Option<usize> {
    let k: Vec<&str> = known.trim_end_matches('/').split('/').collect();
    let a: Vec<&str> = asked.trim_end_matches('/').split('/').collect();
    if k.len() != a.len() {
        return None;
    }
    Some(
        k.iter()
            .zip(&a)
            .map(|(k, a)| {
                if k.starts_with('{') {
                    0
                } else {
                    distance(k, a)
                }
            })
            .sum(),
    )
}

/// The served path closest to `asked`, if one is close enough to be what was meant, with the
/// asked segments filled in where the template has parameters.
pub fn closest(asked: &str, known: &[String]) -> Option<String> {
    if asked.len() > 300 {
        return None;
    }
    let (best, c) = known
        .iter()
        .filter_map(|k| cost(k, asked).map(|c| (k, c)))
        .min_by_key(|(_, c)| *c)?;
    let limit = (asked.len() / 5).clamp(1, 4);
    if c > limit {
        return None;
    }
    let filled: Vec<String> = best
        .split('/')
        .zip(asked.split('/').chain(std::iter::repeat("")))
        .map(|(k, a)| {
            if k.starts_with('{') && !a.is_empty() {
                a.to_string()
            } else {
                k.to_string()
            }
        })
        .collect();
    Some(filled.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        [
            "/api/v1/competences/{id}",
            "/api/v1/practitioners",
            "/api/v1/practitioners/{id}",
        ]
        .iter()
        .map(|p| p.to_string())
        .chain(OTHER_PATHS.iter().map(|p| p.to_string()))
        .collect()
    }

    fn closest(asked: &str) -> Option<String> {
        super::closest(asked, &known())
    }

    #[test]
    fn typos_find_the_path_that_was_meant() {
        assert_eq!(
            closest("/api/v1/competencies/abc").as_deref(),
            Some("/api/v1/competences/abc")
        );
        assert_eq!(closest("/docs").as_deref(), Some("/docs/"));
        assert_eq!(
            closest("/api/v1/practitioner").as_deref(),
            Some("/api/v1/practitioners")
        );
        assert_eq!(closest("/api/v1/zzzzzzzzzzzzz"), None);
        assert_eq!(closest("/nothing/like/anything/at/all"), None);
    }
}
