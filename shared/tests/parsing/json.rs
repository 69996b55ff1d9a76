//! JSON bodies into the create and update inputs: wrong types, numbers as strings, huge
//! numbers, deep nesting, non-UTF-8, control characters and long strings.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use shared::http::read_object;
use shared::model::{CustomerChange, FieldDefinition, FieldErrors, Note, OrganizationChange, TrackRequest};
use shared::ApiError;

use super::support::{api_request, field_definitions};

fn read_json(body: impl Into<Vec<u8>>) -> Result<Map<String, Value>, ApiError> {
    read_object(&api_request(Some("application/json"), body.into()))
}

fn customer(body: Value) -> Result<CustomerChange, FieldErrors> {
    CustomerChange::from_body(body.as_object().unwrap(), field_definitions())
}

fn messages(errors: &FieldErrors, field: &str) -> Vec<String> {
    errors.get(field).cloned().unwrap_or_default()
}

#[test]
fn content_type_without_media_type_is_unsupported() {
    let body = br#"{"email": "a@example.test"}"#.to_vec();
    for content_type in [";;;", " ; charset=utf-8"] {
        let error = read_object(&api_request(Some(content_type), body.clone())).unwrap_err();
        assert_eq!(error.status.as_u16(), 415, "{content_type:?}");
    }
    let sniffed = read_object(&api_request(None, body)).unwrap();
    assert_eq!(sniffed["email"], "a@example.test");
}

#[test]
fn unreadable_bodies_are_bad_requests() {
    let nested = format!("{{\"first\":{}{}}}", "[".repeat(200), "]".repeat(200));
    let cases: [(Vec<u8>, &str); 5] = [
        (br#"{"assignedUser": 1e400}"#.to_vec(), "number out of range"),
        (b"{\"first\": \"\xFF\xFE\"}".to_vec(), "invalid unicode code point"),
        (b"{\"first\": \"a\x01b\"}".to_vec(), "control character (\\u0000-\\u001F) found"),
        (nested.into_bytes(), "recursion limit exceeded"),
        (b"[1]".to_vec(), "Request body must be a JSON object"),
    ];
    for (body, expected) in cases {
        let error = read_json(body.clone()).unwrap_err();
        assert_eq!(error.status.as_u16(), 400, "{}", String::from_utf8_lossy(&body));
        assert!(error.message.contains(expected), "{}", error.message);
    }
}

#[test]
fn huge_numbers_name_the_field() {
    let errors = customer(json!({"assignedUser": 18446744073709551616_u128 as f64})).unwrap_err();
    assert_eq!(messages(&errors, "assignedUser"), ["must be a whole number from 0 to 9223372036854775807"]);

    let body = read_json(r#"{"assignedUser": 18446744073709551616}"#).unwrap();
    let errors = CustomerChange::from_body(&body, &[]).unwrap_err();
    assert_eq!(messages(&errors, "assignedUser"), ["must be a whole number from 0 to 9223372036854775807"]);

    for raw in ["1e400", "-1e400", "NaN", "inf", "18446744073709551616x"] {
        let errors = customer(json!({"attr-number": raw})).unwrap_err();
        assert_eq!(messages(&errors, "attr-number"), ["must be a number"], "{raw}");
    }
    let large = customer(json!({"attr-number": "18446744073709551616"})).unwrap();
    let stored = large.attributes.values().next().cloned().flatten().map(|value| value.0);
    assert_eq!(stored, Some(json!(18446744073709551616_f64)));
}

#[test]
fn nesting_within_limit_names_the_field() {
    let body = format!("{{\"first\":{}{}}}", "[".repeat(100), "]".repeat(100));
    let errors = CustomerChange::from_body(&read_json(body).unwrap(), &[]).unwrap_err();
    assert_eq!(messages(&errors, "first"), ["must be a string"]);
}

/// Returns JSON values of a type that the customer field `field` rejects.
fn wrong_type(field: &'static str) -> BoxedStrategy<Value> {
    let containers = prop_oneof![
        Just(json!([])),
        Just(json!({})),
        Just(json!([{"a": 1}])),
        Just(json!({"a": [1]})),
    ];
    match field {
        "tags" => prop_oneof![Just(json!([[]])), Just(json!([{"a": 1}])), Just(json!({"0": ["vip"]}))].boxed(),
        "assignedUser" => prop_oneof![
            containers,
            Just(json!(true)),
            Just(json!(-1)),
            Just(json!(1.5)),
            "[a-z]{1,8}".prop_map(Value::String),
            (i64::MIN..0).prop_map(|n| Value::String(n.to_string())),
        ]
        .boxed(),
        _ => containers.boxed(),
    }
}

fn text_field() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["first", "middle", "last", "organizationId", "attr-text"])
}

proptest! {
    #[test]
    fn wrong_types_name_the_field(
        (field, value) in prop::sample::select(vec!["email", "first", "middle", "last", "assignedUser", "organizationId", "tags"])
            .prop_flat_map(|field| (Just(field), wrong_type(field)))
    ) {
        let errors = customer(json!({ field: value })).unwrap_err();
        prop_assert_eq!(errors.keys().collect::<Vec<_>>(), vec![field]);
    }

    #[test]
    fn numbers_as_strings_match_numbers(number in 0..i64::MAX, decimal in -1.0e12f64..1.0e12) {
        let from_number = customer(json!({"assignedUser": number, "attr-number": decimal})).unwrap();
        let from_text = customer(json!({"assignedUser": number.to_string(), "attr-number": decimal.to_string()})).unwrap();
        prop_assert_eq!(from_number, from_text);
    }

    #[test]
    fn control_characters_name_the_field(
        field in text_field(),
        control in prop::char::range('\0', '\u{1f}').prop_union(prop::char::range('\u{7f}', '\u{9f}')),
        before in "[a-z]{1,8}",
        after in "[a-z]{1,8}",
    ) {
        let value = format!("{before}{control}{after}");
        let errors = customer(json!({ field: value })).unwrap_err();
        prop_assert_eq!(messages(&errors, field), vec!["must not contain control characters".to_string()]);
        prop_assert_eq!(errors.len(), 1);

        let tag_errors = customer(json!({"tags": [value]})).unwrap_err();
        prop_assert_eq!(messages(&tag_errors, "tags"), vec!["must not contain control characters".to_string()]);
    }

    #[test]
    fn long_text_names_the_limit(
        field in prop::sample::select(vec!["first", "middle", "last", "attr-text"]),
        character in prop::sample::select(vec!['a', 'é', '中', '𝄞']),
        length in 995usize..1_005,
    ) {
        let result = customer(json!({ field: character.to_string().repeat(length) }));
        if length <= 1_000 {
            prop_assert!(result.is_ok(), "{length} characters were rejected");
        } else {
            let errors = result.unwrap_err();
            prop_assert_eq!(messages(&errors, field), vec!["must be at most 1000 characters".to_string()]);
        }
    }

    #[test]
    fn long_email_names_the_limit(local in 1usize..260) {
        let email = format!("{}@example.com", "a".repeat(local));
        let result = customer(json!({"email": email}));
        if email.len() <= 254 {
            prop_assert!(result.is_ok());
        } else {
            prop_assert_eq!(messages(&result.unwrap_err(), "email"), vec!["must be at most 254 bytes".to_string()]);
        }
    }

    #[test]
    fn long_tags_name_the_limit(length in 95usize..105, count in 45usize..56) {
        let long = customer(json!({"tags": ["𝄞".repeat(length)]}));
        if length <= 100 {
            prop_assert!(long.is_ok());
        } else {
            prop_assert_eq!(messages(&long.unwrap_err(), "tags"), vec!["each tag must be at most 100 characters".to_string()]);
        }

        let tags: Vec<String> = (0..count).map(|n| format!("tag{n}")).collect();
        let many = customer(json!({ "tags": tags }));
        if count <= 50 {
            prop_assert_eq!(many.unwrap().tags.map(|tags| tags.len()), Some(count));
        } else {
            prop_assert_eq!(messages(&many.unwrap_err(), "tags"), vec!["at most 50 tags".to_string()]);
        }
    }

    #[test]
    fn long_note_names_the_limit(length in 9_995usize..10_005) {
        let body = json!({"body": "𝄞".repeat(length)});
        let result = Note::from_body("c1", body.as_object().unwrap());
        if length <= 10_000 {
            prop_assert!(result.is_ok());
        } else {
            prop_assert_eq!(messages(&result.unwrap_err(), "body"), vec!["must be at most 10000 characters".to_string()]);
        }
    }

    #[test]
    fn any_object_gets_field_errors(body in json_object()) {
        let fields = field_definitions();
        let results = [
            CustomerChange::from_body(&body, fields).and_then(|change| change.into_new(fields)).err(),
            OrganizationChange::from_body(&body, fields).and_then(|change| change.into_new(fields)).err(),
            FieldDefinition::from_body(&body).err(),
            Note::from_body("c1", &body).err(),
            TrackRequest::from_body(&body).err(),
        ];
        let required = ["email", "name", "key", "type", "options", "body", "customer", "source", "description", "priority", "attributes"];
        for errors in results.into_iter().flatten() {
            prop_assert!(!errors.is_empty());
            for field in errors.keys() {
                prop_assert!(body.contains_key(field) || required.contains(&field.as_str()), "{field} is not in {body:?}");
            }
            prop_assert_eq!(ApiError::from(errors).status.as_u16(), 422);
        }
    }
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[0-9eE.+-]{1,12}".prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4).prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    let key = prop_oneof![
        prop::sample::select(vec![
            "email", "first", "tags", "assignedUser", "organizationId", "name", "zip", "key", "type", "options",
            "required", "body", "author", "customer", "source", "description", "priority", "attr-text",
            "attr-number", "attr-date", "attr-boolean", "attr-email", "attr-list", "attr-gone",
        ])
        .prop_map(str::to_string),
        any::<String>(),
    ];
    prop::collection::btree_map(key, value, 0..8).prop_map(|map| map.into_iter().collect())
}
