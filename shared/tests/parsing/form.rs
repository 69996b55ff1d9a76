//! Form bodies with PHP bracket nesting: deep keys, malformed brackets and repeated keys.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use shared::http::{read_object, MAX_BODY_BYTES};

use super::support::api_request;

const FORM: &str = "application/x-www-form-urlencoded";

fn read_form(body: &str) -> Result<Map<String, Value>, shared::ApiError> {
    read_object(&api_request(Some(FORM), body.to_string()))
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn repeated_and_mixed_keys() {
    let cases = [
        ("a=1&a[b]=2", json!({"a": {"b": "2"}})),
        ("a[b]=2&a=1", json!({"a": "1"})),
        ("a[]=1&a[x]=2", json!({"a": {"0": "1", "x": "2"}})),
        ("a[0]=1&a[0]=2", json!({"a": ["2"]})),
        ("a[2]=x&a[]=y", json!({"a": ["x", "y"]})),
        ("a[b]=1&a[b][]=2", json!({"a": {"b": ["2"]}})),
        ("a[]]=1&[b]=2&a]=3", json!({"a[]]": "1", "a]": "3"})),
        ("a[b=1&a[=2", json!({"a[b": "1", "a[": "2"})),
    ];
    for (body, expected) in cases {
        assert_eq!(Value::Object(read_form(body).unwrap()), expected, "{body}");
    }
}

#[test]
fn form_with_charset_parameter_is_read() {
    let request = api_request(Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"), "first=Jo+Ann");
    assert_eq!(Value::Object(read_object(&request).unwrap()), json!({"first": "Jo Ann"}));
}

#[test]
fn oversized_form_names_the_limit() {
    let body = format!("first={}", "a".repeat(MAX_BODY_BYTES));
    let error = read_form(&body).unwrap_err();
    assert_eq!(error.status.as_u16(), 413);
    assert_eq!(error.message, "Request body is larger than the limit of 262144 bytes");
}

proptest! {
    #[test]
    fn plain_keys_keep_last_value(pairs in prop::collection::vec(("[a-z]{1,2}", any::<String>()), 1..8)) {
        let body: Vec<String> = pairs.iter().map(|(key, value)| format!("{key}={}", encode(value))).collect();
        let parsed = read_form(&body.join("&")).unwrap();

        for (key, _) in &pairs {
            let last = pairs.iter().rev().find(|(other, _)| other == key).map(|(_, value)| Value::String(value.clone()));
            prop_assert_eq!(parsed.get(key), last.as_ref());
        }
        let mut keys: Vec<&String> = pairs.iter().map(|(key, _)| key).collect();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(parsed.len(), keys.len());
    }

    #[test]
    fn appended_items_keep_order(values in prop::collection::vec(any::<String>(), 1..20)) {
        let body: Vec<String> = values.iter().map(|value| format!("tags%5B%5D={}", encode(value))).collect();
        let parsed = read_form(&body.join("&")).unwrap();
        prop_assert_eq!(&parsed["tags"], &json!(values));
    }

    #[test]
    fn nesting_deeper_than_eight_is_rejected(name in "[a-z]{1,6}", path in prop::collection::vec("[a-z]{1,3}", 0..16)) {
        let key: String = name.clone() + &path.iter().map(|segment| format!("[{segment}]")).collect::<String>();
        let result = read_form(&format!("{key}=v"));

        if path.len() <= 8 {
            let parsed = Value::Object(result.unwrap());
            let pointer: String = std::iter::once(&name).chain(&path).map(|segment| format!("/{segment}")).collect();
            prop_assert_eq!(parsed.pointer(&pointer), Some(&json!("v")), "{}", key);
        } else {
            let error = result.unwrap_err();
            prop_assert_eq!(error.status.as_u16(), 422);
            prop_assert_eq!(&error.fields[&name], &vec!["is nested deeper than the limit of 8 levels".to_string()]);
        }
    }

    #[test]
    fn malformed_brackets_are_read(pairs in prop::collection::vec(("[a-z0-9\\[\\]]{0,16}", "[a-z%+]{0,6}"), 0..8)) {
        let body: Vec<String> = pairs.iter().map(|(key, value)| format!("{key}={value}")).collect();
        let body = body.join("&");
        match read_form(&body) {
            Ok(parsed) => {
                for key in parsed.keys() {
                    prop_assert!(!key.is_empty(), "{body}");
                    prop_assert!(pairs.iter().any(|(raw, _)| raw.starts_with(key.as_str())), "{key} in {body}");
                }
            }
            Err(error) => {
                prop_assert_eq!(error.status.as_u16(), 422);
                let messages: Vec<&String> = error.fields.values().flatten().collect();
                prop_assert!(messages.iter().all(|m| m.contains("nested deeper than the limit of 8 levels")), "{:?}", messages);
            }
        }
    }

    #[test]
    fn any_bytes_are_read_or_rejected(body in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Err(error) = read_object(&api_request(Some(FORM), body)) {
            prop_assert!([400, 422].contains(&error.status.as_u16()), "{}", error.status);
        }
    }
}
