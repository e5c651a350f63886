//! Cursor pagination. Records are keyed by UUIDv7 ids, which sort in creation order, so a page
//! is "the next `limit` ids after the cursor": stable, with no duplicates or gaps between pages
//! however records are added meanwhile.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppError, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    /// The id of the last record of the previous page.
    pub after: Option<String>,
}

impl PageRequest {
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<PageRequest, AppError> {
        let mut errors = Vec::new();
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => match decode_cursor(c) {
                Some(id) => Some(id),
                None => {
                    errors.push(FieldError::new(
                        "cursor",
                        "is not a cursor this API gave out",
                    ));
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(PageRequest { limit, after })
        } else {
            Err(AppError::Validation(errors))
        }
    }

    /// How many rows to fetch: one more than the page, to know whether another follows.
    /// Every row in one page: for a tally over a whole service (the dashboard), where a fixed
    /// number of queries matters more than the rows held at once.
    pub fn everything() -> PageRequest {
        PageRequest {
            limit: i64::from(u32::MAX),
            after: None,
        }
    }

    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Splits up to [`fetch`](Self::fetch) rows into the page and the id of its last row when
    /// another page follows: the one place lists and exports page.
    pub fn split<T>(
        &self,
        mut rows: Vec<T>,
        id_of: impl Fn(&T) -> &str,
    ) -> (Vec<T>, Option<String>) {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next = if more {
            rows.last().map(|last| id_of(last).to_string())
        } else {
            None
        };
        (rows, next)
    }
}

/// The cursor that continues after the record with this id.
pub fn encode_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(c: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(c).ok()?;
    let s = String::from_utf8(bytes).ok()?;
    uuid::Uuid::parse_str(&s).ok().map(|u| u.to_string())
}

/// A page of a list, as every list answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds the page from up to `limit + 1` rows fetched in id order.
    pub fn from_rows(rows: Vec<T>, req: &PageRequest, id_of: impl Fn(&T) -> &str) -> Page<T> {
        let (items, next) = req.split(rows, id_of);
        Page {
            items,
            next_cursor: next.map(|id| encode_cursor(&id)),
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// A whole, short list of reference data (`{"items": [...], "next_cursor": null}`).
pub fn whole<T>(items: Vec<T>) -> Page<T> {
    Page {
        items,
        next_cursor: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_the_range_are_refused_with_the_field() {
        for bad in [0, -1, 501] {
            match PageRequest::parse(Some(bad), None) {
                Err(AppError::Validation(e)) => assert_eq!(e[0].field, "limit"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, 50);
        assert_eq!(PageRequest::parse(Some(500), None).unwrap().limit, 500);
    }

    #[test]
    fn a_cursor_round_trips_and_a_forged_one_is_refused() {
        let id = uuid::Uuid::now_v7().to_string();
        let req = PageRequest::parse(Some(1), None).unwrap();
        let page = Page::from_rows(vec![id.clone(), "x".into()], &req, |s| s);
        let cursor = page.next_cursor.unwrap();
        assert_eq!(
            PageRequest::parse(None, Some(&cursor)).unwrap().after,
            Some(id)
        );
        assert!(PageRequest::parse(None, Some("not-a-cursor!")).is_err());
        let last = Page::from_rows(vec!["a".to_string()], &req, |s| s);
        assert!(last.next_cursor.is_none());
    }
}
