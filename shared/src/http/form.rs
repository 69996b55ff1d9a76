//! `application/x-www-form-urlencoded` bodies with PHP's bracket nesting: `tags[]=a`,
//! `tags[0]=a`, `organization[name]=Acme`. A plain key given twice keeps its last value, as PHP
//! does.

use serde_json::{Map, Value};

use super::ApiError;

/// Deepest bracket nesting accepted.
pub const MAX_DEPTH: usize = 8;

/// Parses a form body into a JSON object; objects whose keys are all indices become arrays.
pub fn parse(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let mut root = Map::new();
    for (key, value) in form_urlencoded::parse(body) {
        let (name, path) = split_key(&key);
        if name.is_empty() {
            continue;
        }
        if path.len() > MAX_DEPTH {
            return Err(ApiError::bad_request(format!(
                "Form field {name:?} is nested deeper than {MAX_DEPTH} levels"
            )));
        }
        insert(&mut root, name.to_string(), &path, value.into_owned());
    }
    Ok(root.into_iter().map(|(key, value)| (key, into_arrays(value))).collect())
}

/// Splits `a[b][]` into `a` and `["b", ""]`. A key whose brackets do not close is a plain name.
fn split_key(key: &str) -> (&str, Vec<&str>) {
    let Some(open) = key.find('[') else { return (key, Vec::new()) };
    let (name, mut rest) = key.split_at(open);
    let mut path = Vec::new();
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else { return (key, Vec::new()) };
        path.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    if rest.is_empty() { (name, path) } else { (key, Vec::new()) }
}

fn insert(map: &mut Map<String, Value>, key: String, path: &[&str], value: String) {
    let Some((next, rest)) = path.split_first() else {
        map.insert(key, Value::String(value));
        return;
    };
    let child = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    let Value::Object(child) = child else { unreachable!("child was just made an object") };
    let next = if next.is_empty() { next_index(child) } else { next.to_string() };
    insert(child, next, rest, value);
}

/// Returns the index that `[]` appends at: one past the largest numeric key.
fn next_index(map: &Map<String, Value>) -> String {
    let last = map.keys().filter_map(|key| key.parse::<u64>().ok()).max();
    last.map_or(0, |last| last + 1).to_string()
}

fn into_arrays(value: Value) -> Value {
    let Value::Object(map) = value else { return value };
    let mut indexed: Vec<(u64, Value)> = Vec::new();
    for (key, value) in &map {
        match key.parse::<u64>() {
            Ok(index) => indexed.push((index, value.clone())),
            Err(_) => return Value::Object(map.into_iter().map(|(k, v)| (k, into_arrays(v))).collect()),
        }
    }
    indexed.sort_by_key(|(index, _)| *index);
    Value::Array(indexed.into_iter().map(|(_, value)| into_arrays(value)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(body: &str) -> Value {
        Value::Object(parse(body.as_bytes()).unwrap())
    }

    #[test]
    fn form_reads_php_lists() {
        assert_eq!(form("tags[0]=vip&tags[1]=lead"), json!({"tags": ["vip", "lead"]}));
        assert_eq!(form("tags[]=vip&tags[]=lead"), json!({"tags": ["vip", "lead"]}));
        assert_eq!(form("tags[10]=b&tags[2]=a"), json!({"tags": ["a", "b"]}));
    }

    #[test]
    fn form_reads_nested_objects() {
        assert_eq!(
            form("organization[name]=Acme&interactions[0][source]=Website"),
            json!({"organization": {"name": "Acme"}, "interactions": [{"source": "Website"}]})
        );
    }

    #[test]
    fn form_decodes_plus_and_percent() {
        assert_eq!(form("email=a%2Bb%40x.test&first=Jo+Ann"), json!({"email": "a+b@x.test", "first": "Jo Ann"}));
    }

    #[test]
    fn form_keeps_unclosed_bracket_as_name() {
        assert_eq!(form("a[b=1"), json!({"a[b": "1"}));
    }

    #[test]
    fn form_rejects_deep_nesting() {
        let key = "a".to_string() + &"[x]".repeat(MAX_DEPTH + 1);
        assert!(parse(format!("{key}=1").as_bytes()).is_err());
    }
}
