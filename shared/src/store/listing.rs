//! The part of a filtered listing that both stores share. Each store reads the entries of every
//! filter's index: DynamoDB from its index items, the embedded store from memory. This module
//! picks the index that drives the order, keeps the entries that every filter matched, and cuts
//! the requested page out of them.

use std::collections::HashSet;

use crate::model::{Customer, ListQuery, Paging, Position};

/// Separates an indexed value from the customer id in an index item's sort key. Stored values
/// cannot contain control characters, so it never occurs inside a value.
pub const VALUE_END: char = '\u{1f}';
/// Marks an indexed value that was cut to [`MAX_INDEXED_BYTES`], so that it never matches an
/// exact filter.
pub const VALUE_CUT: char = '\u{1e}';
/// Maximum length of a value written into an index sort key, in bytes. DynamoDB allows 1,024
/// bytes for the whole key.
pub const MAX_INDEXED_BYTES: usize = 800;

/// Sort key of an index item: the value (cut to fit), its end mark, and the customer id.
pub fn index_sk(value: &str, customer_id: &str) -> String {
    if value.len() <= MAX_INDEXED_BYTES {
        return format!("{value}{VALUE_END}{customer_id}");
    }
    let mut cut = MAX_INDEXED_BYTES;
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{VALUE_CUT}{VALUE_END}{customer_id}", &value[..cut])
}

/// One entry of an index: the sort key that orders it and the customer it finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    pub sort_key: String,
    pub id: String,
}

/// The entries that one filter selects, in sort key order.
#[derive(Clone, Debug)]
pub struct FilterMatches {
    pub field: String,
    pub entries: Vec<IndexEntry>,
}

/// The customers of one page, in order, with the exact number of matches and the position of
/// the next page when one follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    pub ids: Vec<String>,
    pub total: u64,
    pub next: Option<Position>,
}

/// Selects the page that `query` requests. The filter with the fewest matches drives the order,
/// unless the query continues a cursor, which names the index it was cut from.
pub fn select(mut matches: Vec<FilterMatches>, query: &ListQuery) -> Selection {
    let driver_at = match &query.cursor {
        Some(position) => matches.iter().position(|m| m.field == position.field),
        None => (0..matches.len()).min_by_key(|at| matches[*at].entries.len()),
    };
    let Some(driver_at) = driver_at else {
        return Selection { ids: Vec::new(), total: 0, next: None };
    };
    let driver = matches.swap_remove(driver_at);
    let others: Vec<HashSet<&str>> = matches
        .iter()
        .map(|m| m.entries.iter().map(|entry| entry.id.as_str()).collect())
        .collect();
    let matched: Vec<&IndexEntry> = driver
        .entries
        .iter()
        .filter(|entry| others.iter().all(|ids| ids.contains(entry.id.as_str())))
        .collect();
    let total = matched.len() as u64;

    let Some(paging) = query.paging else {
        let ids = matched.into_iter().map(|entry| entry.id.clone()).collect();
        return Selection { ids, total, next: None };
    };
    let start = match &query.cursor {
        Some(position) => matched.partition_point(|entry| entry.sort_key.as_str() <= position.after.as_str()),
        None => paging.offset().min(matched.len()),
    };
    let end = (start + paging.per_page as usize).min(matched.len());
    let page = &matched[start..end];
    let next = (end < matched.len()).then(|| Position {
        field: driver.field.clone(),
        after: page.last().map_or_else(String::new, |entry| entry.sort_key.clone()),
    });
    Selection { ids: page.iter().map(|entry| entry.id.clone()).collect(), total, next }
}

/// Returns the size of `customers` as JSON, close to what a list response of them carries.
pub fn listed_bytes(customers: &[Customer]) -> usize {
    customers.iter().map(|customer| serde_json::to_vec(customer).map_or(0, |json| json.len())).sum()
}

/// Returns the position of the next page of an unfiltered list, when the page is full and the
/// total shows that more follow.
pub fn next_in_id_order(customers: &[Customer], paging: Paging, total: u64) -> Option<Position> {
    let last = customers.last().filter(|_| customers.len() == paging.per_page as usize)?;
    let listed = paging.offset() as u64 + u64::from(paging.per_page);
    (listed < total).then(|| Position { field: String::new(), after: last.id.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Paging;

    #[test]
    fn long_index_value_is_cut_and_marked() {
        let value = "é".repeat(500);
        let sk = index_sk(&value, "c1");
        assert!(sk.len() <= MAX_INDEXED_BYTES + 8);
        assert!(sk.ends_with("\u{1e}\u{1f}c1"));
    }

    fn matches(field: &str, ids: &[&str]) -> FilterMatches {
        let entries = ids
            .iter()
            .map(|id| IndexEntry { sort_key: format!("v\u{1f}{id}"), id: id.to_string() })
            .collect();
        FilterMatches { field: field.to_string(), entries }
    }

    fn paged(page: u32, per_page: u32) -> ListQuery {
        ListQuery { paging: Some(Paging { page, per_page }), ..ListQuery::default() }
    }

    #[test]
    fn fewest_matches_drive_and_others_intersect() {
        let selection = select(vec![matches("first", &["a", "b", "c", "d"]), matches("last", &["d", "b"])], &paged(1, 10));
        assert_eq!(selection.ids, ["d", "b"]);
        assert_eq!(selection.total, 2);
        assert_eq!(selection.next, None);
    }

    #[test]
    fn next_position_continues_where_the_page_ends() {
        let all = matches("first", &["a", "b", "c"]);
        let first = select(vec![all.clone()], &paged(1, 2));
        assert_eq!(first.ids, ["a", "b"]);
        let next = first.next.expect("a third entry follows");
        assert_eq!(next, Position { field: "first".into(), after: "v\u{1f}b".into() });

        let query = ListQuery { cursor: Some(next), ..paged(2, 2) };
        let second = select(vec![all], &query);
        assert_eq!(second.ids, ["c"]);
        assert_eq!(second.next, None);
    }

    #[test]
    fn page_past_end_keeps_total() {
        let selection = select(vec![matches("first", &["a", "b"])], &paged(5, 10));
        assert!(selection.ids.is_empty());
        assert_eq!(selection.total, 2);
    }
}
