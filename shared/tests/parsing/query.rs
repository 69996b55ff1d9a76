//! Query strings: decoding, repeated keys, empty values and invalid percent-encoding, then the
//! list parameters read from them.

use proptest::prelude::*;
use shared::http::{query_limit, Route};
use shared::model::{ListQuery, OrganizationQuery};

use super::support::{api_request, edge, field_definitions};

fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
    raw.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect()
}

fn parsed_query(query: &str) -> Vec<(String, String)> {
    let (status, body, parsed) = edge(&[Route::Customers], &format!("/customers?{query}"));
    assert_eq!(status, 200, "{query:?}: {body}");
    parsed.expect("the handler ran").query
}

#[test]
fn query_decoding_cases() {
    let cases: [(&str, &[(&str, &str)]); 9] = [
        ("email=a+b", &[("email", "a b")]),
        ("email=a%2Bb", &[("email", "a+b")]),
        ("email=", &[("email", "")]),
        ("email", &[("email", "")]),
        ("a=1&a=2", &[("a", "1"), ("a", "2")]),
        ("a=%ZZ&b=%4", &[("a", "%ZZ"), ("b", "%4")]),
        ("a=%FF%FE", &[("a", "\u{FFFD}\u{FFFD}")]),
        ("&&=x&", &[("", "x")]),
        ("a=%00", &[("a", "\0")]),
    ];
    for (query, expected) in cases {
        assert_eq!(parsed_query(query), pairs(expected), "{query:?}");
    }
}

#[test]
fn repeated_page_parameters_keep_last() {
    let query = ListQuery::parse(&pairs(&[("page", "3"), ("per_page", "5"), ("page", "2")]), &[]).unwrap();
    assert_eq!(query.paging.map(|paging| (paging.page, paging.per_page)), Some((2, 5)));
}

#[test]
fn repeated_filters_all_apply() {
    let query = ListQuery::parse(&pairs(&[("email", "a"), ("email", "B")]), &[]).unwrap();
    let values: Vec<&str> = query.filters.iter().map(|filter| filter.value.as_str()).collect();
    assert_eq!(values, ["a", "b"]);
}

#[test]
fn bracketed_list_parameters_are_refused() {
    let errors = ListQuery::parse(&pairs(&[("email[]", "a"), ("page[0]", "2"), ("attr-number[x]", "1")]), field_definitions()).unwrap_err();
    let named: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(named, ["attr-number", "email", "page"]);
    assert_eq!(errors["email"], ["takes one value, not a list: send it without brackets"]);
}

#[test]
fn bracketed_organization_and_limit_parameters_are_refused() {
    let errors = OrganizationQuery::parse(&pairs(&[("name[]", "acme"), ("per_page[]", "5")])).unwrap_err();
    assert_eq!(errors.keys().collect::<Vec<_>>(), ["name", "per_page"]);

    let mut request = api_request(None, "");
    request.query = pairs(&[("limit[]", "5")]);
    let error = query_limit(&request, 25, 100).unwrap_err();
    assert_eq!(error.status.as_u16(), 422);
    assert_eq!(error.fields["limit"], ["takes one value, not a list: send it without brackets"]);
}

#[test]
fn long_unknown_parameters_are_ignored() {
    let long = "x".repeat(201);
    assert_eq!(ListQuery::parse(&pairs(&[("utm_campaign", &long)]), &[]).unwrap(), ListQuery::default());
    let errors = ListQuery::parse(&pairs(&[("first", &long)]), &[]).unwrap_err();
    assert_eq!(errors["first"], ["must be at most 200 characters"]);
}

#[test]
fn other_bracketed_parameters_are_ignored() {
    let query = ListQuery::parse(&pairs(&[("utm[source]", "mail"), ("emails[]", "a")]), &[]).unwrap();
    assert_eq!(query, ListQuery::default());
}

#[test]
fn empty_filter_values_filter_nothing() {
    let query = ListQuery::parse(&pairs(&[("email", ""), ("first", "  "), ("attr-number", "")]), field_definitions());
    assert_eq!(query.unwrap().filters, Vec::new());
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z+%=&\\[\\] ]{0,12}", any::<String>()]
}

proptest! {
    #[test]
    fn query_pairs_round_trip(pairs in prop::collection::vec((any_text(), any_text()), 0..6)) {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &pairs {
            serializer.append_pair(key, value);
        }
        let query = serializer.finish();

        prop_assert_eq!(parsed_query(&query), pairs);
    }

    #[test]
    fn raw_query_never_fails_the_edge(query in "([a-z_]{0,8}(=[a-zA-Z0-9+%]{0,8})?&?){0,6}") {
        let (status, _, parsed) = edge(&[Route::Customers], &format!("/customers?{query}"));
        prop_assert_eq!(status, 200);
        prop_assert!(parsed.is_some());
    }

    #[test]
    fn per_page_accepts_only_range(raw in prop_oneof!["[ +-]?[0-9]{1,12} ?", any::<String>()]) {
        let result = ListQuery::parse(&pairs(&[("per_page", &raw)]), &[]);
        let valid = raw.trim().parse::<u32>().is_ok_and(|number| (1..=1_000).contains(&number));
        match result {
            Ok(query) => {
                prop_assert!(valid, "{raw:?} was accepted");
                prop_assert_eq!(query.paging.map(|paging| paging.per_page), raw.trim().parse::<u32>().ok());
            }
            Err(errors) => {
                prop_assert!(!valid, "{raw:?} was rejected");
                prop_assert_eq!(&errors["per_page"], &vec!["must be a whole number from 1 to 1000".to_string()]);
                prop_assert_eq!(errors.len(), 1);
            }
        }
    }

    #[test]
    fn limit_accepts_only_range(raw in prop_oneof!["[ +-]?[0-9]{1,22}", any::<String>()]) {
        let mut request = api_request(None, "");
        request.query = pairs(&[("limit", &raw)]);
        let valid = raw.trim().parse::<usize>().is_ok_and(|number| (1..=100).contains(&number));
        match query_limit(&request, 25, 100) {
            Ok(limit) => prop_assert_eq!(Some(limit), raw.trim().parse::<usize>().ok().filter(|_| valid)),
            Err(error) => {
                prop_assert!(!valid, "{raw:?} was rejected");
                prop_assert_eq!(error.status.as_u16(), 422);
                prop_assert_eq!(&error.fields["limit"], &vec!["must be a whole number from 1 to 100".to_string()]);
            }
        }
    }

    #[test]
    fn long_filter_values_name_the_field(
        name in prop::sample::select(vec!["email", "first", "middle", "last", "organization_id", "attr-text"]),
        character in prop::sample::select(vec!['a', 'é', '中', '𝄞']),
        length in 190usize..210,
    ) {
        let value = character.to_string().repeat(length);
        let result = ListQuery::parse(&pairs(&[(name, &value)]), field_definitions());
        if length <= 200 {
            prop_assert!(result.is_ok(), "{length} characters were rejected");
        } else {
            let errors = result.unwrap_err();
            prop_assert_eq!(&errors[name], &vec!["must be at most 200 characters".to_string()]);
        }
    }

    #[test]
    fn list_errors_name_parameters(
        query in prop::collection::vec((
            prop::sample::select(vec!["page", "per_page", "cursor", "email", "attr-number", "attr-date", "attr-boolean", "attr-list", "attr-gone", "attr-BAD", "other"]),
            prop_oneof!["[0-9a-f]{0,12}", "[a-zA-Z0-9 .:-]{0,12}", any::<String>()],
        ), 0..6)
    ) {
        let query: Vec<(String, String)> = query.into_iter().map(|(key, value)| (key.to_string(), value)).collect();
        if let Err(errors) = ListQuery::parse(&query, field_definitions()) {
            prop_assert!(!errors.is_empty());
            for field in errors.keys() {
                prop_assert!(query.iter().any(|(key, _)| key == field), "{field} is not a parameter of {query:?}");
            }
        }
    }
}
