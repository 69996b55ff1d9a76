//! `application/x-www-form-urlencoded` bodies with PHP's bracket nesting: `tags[]=a`,
//! `tags[0]=a`, `organization[name]=Acme`. A plain key given twice keeps its last value, as PHP
//! does.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::ApiError;

/// Deepest bracket nesting accepted.
pub const MAX_DEPTH: usize = 8;

/// Largest list index accepted, so that `[]` after it still has an index to append at.
pub const MAX_INDEX: u64 = u64::MAX - 1;

/// Parses a form body into a JSON object; objects whose keys are all indices become arrays.
/// Takes time linear in the size of the body, however many `[]` keys it has.
pub fn parse(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let mut root = Branch::default();
    for (key, value) in form_urlencoded::parse(body) {
        let (name, path) = split_key(&key);
        if name.is_empty() {
            continue;
        }
        if path.len() > MAX_DEPTH {
            return Err(ApiError::invalid_field(name, format!("is nested deeper than the limit of {MAX_DEPTH} levels")));
        }
        if root.insert(name.to_string(), &path, value.into_owned()).is_err() {
            return Err(ApiError::invalid_field(name, format!("has a list index larger than the limit of {MAX_INDEX}")));
        }
    }
    Ok(root.children.into_iter().map(|(key, node)| (key, node.into_value())).collect())
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

/// A form value while the body is read: a text value or a map of nested values.
enum Node {
    Text(String),
    Branch(Branch),
}

/// Nested values in the order their keys first appeared, and the index that `[]` appends at:
/// one past the largest numeric key, kept up to date on every insert so that appending never
/// scans the keys.
#[derive(Default)]
struct Branch {
    children: Vec<(String, Node)>,
    positions: HashMap<String, usize>,
    next_index: u64,
}

/// A key is an index larger than [`MAX_INDEX`].
struct IndexOverflow;

impl Branch {
    fn insert(&mut self, key: String, path: &[&str], value: String) -> Result<(), IndexOverflow> {
        if let Ok(index) = key.parse::<u64>() {
            self.next_index = self.next_index.max(index.checked_add(1).ok_or(IndexOverflow)?);
        }
        let Some((next, rest)) = path.split_first() else {
            *self.child(key) = Node::Text(value);
            return Ok(());
        };

        let child = self.child(key);
        if !matches!(child, Node::Branch(_)) {
            *child = Node::Branch(Branch::default());
        }
        let Node::Branch(child) = child else { unreachable!("child was just made a branch") };
        let next = if next.is_empty() { child.next_index.to_string() } else { next.to_string() };
        child.insert(next, rest, value)
    }

    /// Returns the child under `key`, adding an empty branch when there is none.
    fn child(&mut self, key: String) -> &mut Node {
        let position = match self.positions.get(&key) {
            Some(position) => *position,
            None => {
                self.positions.insert(key.clone(), self.children.len());
                self.children.push((key, Node::Branch(Branch::default())));
                self.children.len() - 1
            }
        };
        &mut self.children[position].1
    }
}

impl Node {
    /// Converts to JSON: a branch whose keys are all indices becomes an array ordered by index.
    fn into_value(self) -> Value {
        let branch = match self {
            Node::Text(text) => return Value::String(text),
            Node::Branch(branch) => branch,
        };
        let indices: Option<Vec<u64>> = branch.children.iter().map(|(key, _)| key.parse::<u64>().ok()).collect();
        let Some(indices) = indices else {
            return Value::Object(branch.children.into_iter().map(|(key, node)| (key, node.into_value())).collect());
        };

        let nodes = branch.children.into_iter().map(|(_, node)| node);
        let mut indexed: Vec<(u64, Node)> = indices.into_iter().zip(nodes).collect();
        indexed.sort_by_key(|(index, _)| *index);
        Value::Array(indexed.into_iter().map(|(_, node)| node.into_value()).collect())
    }
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
    fn form_rejects_index_past_maximum() {
        let error = parse(b"a[18446744073709551615]=").unwrap_err();
        assert_eq!(error.status.as_u16(), 422);
        assert_eq!(error.fields["a"], [format!("has a list index larger than the limit of {MAX_INDEX}")]);
        assert_eq!(form("a[18446744073709551614]=x"), json!({"a": ["x"]}));
    }

    #[test]
    fn form_appends_many_items_quickly() {
        // Finding each append index by scanning the keys made this body take minutes in a debug build.
        let body = "a[]=1&".repeat(40_000);
        let started = std::time::Instant::now();
        let parsed = form(&body);
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
        assert_eq!(parsed["a"].as_array().map(Vec::len), Some(40_000));
    }

    #[test]
    fn form_keeps_first_position_of_repeated_key() {
        assert_eq!(form("a=1&b=2&a=3"), json!({"a": "3", "b": "2"}));
        assert_eq!(parse(b"a=1&b=2&a=3").unwrap().keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(form("t[x]=1&t[]=2&t[y]=3"), json!({"t": {"x": "1", "0": "2", "y": "3"}}));
    }

    #[test]
    fn form_rejects_deep_nesting() {
        let key = "a".to_string() + &"[x]".repeat(MAX_DEPTH + 1);
        assert!(parse(format!("{key}=1").as_bytes()).is_err());
    }
}
