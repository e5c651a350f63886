//! Rules about people that need no database.

/// NHS ethnic category codes (the 2001 census categories used by NHS data sets; Z: not
/// stated) with their names and the broad group each belongs to.
pub const ETHNIC_CATEGORIES: [(&str, &str, &str); 17] = [
    ("A", "White - British", "white"),
    ("B", "White - Irish", "white"),
    ("C", "White - Any other White background", "white"),
    ("D", "Mixed - White and Black Caribbean", "mixed"),
    ("E", "Mixed - White and Black African", "mixed"),
    ("F", "Mixed - White and Asian", "mixed"),
    ("G", "Mixed - Any other mixed background", "mixed"),
    ("H", "Asian or Asian British - Indian", "asian"),
    ("J", "Asian or Asian British - Pakistani", "asian"),
    ("K", "Asian or Asian British - Bangladeshi", "asian"),
    (
        "L",
        "Asian or Asian British - Any other Asian background",
        "asian",
    ),
    ("M", "Black or Black British - Caribbean", "black"),
    ("N", "Black or Black British - African", "black"),
    (
        "P",
        "Black or Black British - Any other Black background",
        "black",
    ),
    ("R", "Other ethnic groups - Chinese", "other"),
    ("S", "Other ethnic groups - Any other ethnic group", "other"),
    ("Z", "Not stated", "not_stated"),
];

pub fn valid_ethnicity(code: &str) -> bool {
    ETHNIC_CATEGORIES.iter().any(|c| c.0 == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethnic_codes_are_checked() {
        assert!(valid_ethnicity("A"));
        assert!(valid_ethnicity("Z"));
        assert!(!valid_ethnicity("I"));
        assert!(!valid_ethnicity("white"));
    }
}
