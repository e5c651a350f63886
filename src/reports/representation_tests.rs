//! Tests of the representation report's counting and suppression.
use super::*;

fn person(service: &str, ethnicity: Option<&str>, languages: &[&str]) -> PostRow {
    PostRow {
        id: "p".into(),
        service_id: Some(service.into()),
        practitioner_role: Some("pwp".into()),
        stage: None,
        wte: Some(1.0),
        started_on: None,
        left_on: None,
        active: true,
        ethnicity: ethnicity.map(str::to_string),
        languages: serde_json::to_string(languages).unwrap(),
        specialist_interests: "[]".into(),
    }
}

fn shown(
    c: &Counts,
    h: &BTreeMap<Key, bool>,
    s: Option<&str>,
    d: Dimension,
    v: &str,
) -> Option<i64> {
    let k = (s.map(str::to_string), d, v.to_string());
    (!h[&k]).then(|| c.cells[&k])
}

#[test]
fn a_small_group_is_hidden_everywhere_it_could_be_worked_out() {
    let mut c = Counts::default();
    for _ in 0..10 {
        c.add(&person("a", Some("A"), &["English"]));
    }
    for _ in 0..3 {
        c.add(&person("a", Some("H"), &["English", "Gujarati"]));
    }
    for _ in 0..8 {
        c.add(&person("b", Some("A"), &["english"]));
    }
    for _ in 0..6 {
        c.add(&person("b", Some("H"), &[]));
    }
    c.finish();
    let h = c.suppressed();
    use Dimension::*;
    assert_eq!(
        shown(&c, &h, Some("a"), Ethnicity, "H"),
        None,
        "3 is under 5"
    );
    assert_eq!(
        shown(&c, &h, Some("a"), Ethnicity, "A"),
        None,
        "13 - 10 would give the 3 away"
    );
    assert_eq!(shown(&c, &h, Some("a"), Headcount, "all"), Some(13));
    // Across services: 9 Indian in all, 6 in b, would give a's 3 away, so b's or the
    // whole's is hidden too.
    let b = shown(&c, &h, Some("b"), Ethnicity, "H");
    let all = shown(&c, &h, None, Ethnicity, "H");
    assert!(b.is_none() || all.is_none(), "{b:?} {all:?}");
    // Three speak Gujarati in the whole registry: not listed anywhere, folded into
    // "other languages", which is itself too small to show.
    assert!(!c
        .cells
        .contains_key(&(Some("a".into()), Language, "Gujarati".to_string())));
    assert_eq!(shown(&c, &h, Some("a"), Language, OTHER_LANGUAGES), None);
    assert_eq!(
        c.cells[&(None, Language, "English".to_string())],
        21,
        "languages are counted case-blind"
    );
}

#[test]
fn one_speaker_in_a_small_service_cannot_be_worked_out() {
    // The attack: a service of 7, one person with ethnicity K who speaks Sylheti, six with
    // nothing recorded. Before, the lead saw headcount 7, Sylheti suppressed and
    // not_recorded 6: 7 - 6 = one Sylheti speaker.
    let mut c = Counts::default();
    c.add(&person("a", Some("K"), &["Sylheti"]));
    for _ in 0..6 {
        c.add(&person("a", None, &[]));
    }
    for _ in 0..30 {
        c.add(&person("b", Some("A"), &["English"]));
    }
    c.finish();
    let h = c.suppressed();
    use Dimension::*;
    assert_eq!(shown(&c, &h, Some("a"), Headcount, "all"), Some(7));
    // Sylheti is not even listed: nobody learns the registry has a speaker.
    assert!(!c.cells.keys().any(|k| k.2 == "Sylheti"));
    assert_eq!(shown(&c, &h, Some("a"), Language, NOT_RECORDED), None);
    assert_eq!(shown(&c, &h, Some("a"), Language, OTHER_LANGUAGES), None);
    assert_eq!(shown(&c, &h, Some("a"), Ethnicity, NOT_RECORDED), None);
    assert_eq!(shown(&c, &h, Some("a"), Ethnicity, "K"), None);
    // Every category is listed in every scope, held or not, so a listed value tells nothing.
    for (code, _, _) in CATEGORIES.iter() {
        for s in [None, Some("a".to_string()), Some("b".to_string())] {
            assert!(c.cells.contains_key(&(s, Ethnicity, code.to_string())));
        }
    }
    // No sum lets a reader work out a small non-zero count: in each scope, headcount
    // minus the published parts is 0 or at least 5.
    for s in [None, Some("a".to_string()), Some("b".to_string())] {
        let head = c.cells[&(s.clone(), Headcount, "all".to_string())];
        for d in [Ethnicity, EthnicGroup] {
            let published: i64 = c
                .cells
                .iter()
                .filter(|(k, _)| k.0 == s && k.1 == d && !h[*k])
                .map(|(_, n)| n)
                .sum();
            let rest = head - published;
            assert!(rest == 0 || rest >= THRESHOLD, "{s:?} {d:?}: {rest}");
        }
        let nr = shown(&c, &h, s.as_deref(), Language, NOT_RECORDED);
        if let Some(nr) = nr {
            let rest = head - nr;
            assert!(rest == 0 || rest >= THRESHOLD, "{s:?} languages: {rest}");
        }
    }
}

#[test]
fn nothing_is_hidden_when_every_count_is_large() {
    let mut c = Counts::default();
    for _ in 0..5 {
        c.add(&person("a", Some("A"), &["English"]));
        c.add(&person("a", Some("N"), &["English"]));
    }
    c.finish();
    let h = c.suppressed();
    // Only the cells that hold nobody are hidden, and they add up to nothing.
    for (k, &hid) in &h {
        if !Counts::secret(k) {
            assert_eq!(hid, c.cells[k] == 0, "{k:?}");
        }
    }
}
