use super::{push_error, Customer, FieldDefinition, FieldErrors, FieldKey};

/// Largest `per_page` accepted.
pub const MAX_PER_PAGE: u32 = 1_000;

/// Maximum length of a filter value, in characters. Index keys keep 800 bytes of a value, which
/// is at least 200 characters, so a filter always compares within the indexed part.
pub const MAX_FILTER_CHARS: usize = 200;

/// Page size when a request gives `page` without `per_page`.
pub const DEFAULT_PER_PAGE: u32 = 25;

/// A field that lists can be filtered on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterField {
    Email,
    First,
    Middle,
    Last,
    OrganizationId,
    Attribute(FieldKey),
}

impl FilterField {
    /// Name of the field in queries, responses and index keys.
    pub fn name(&self) -> &str {
        match self {
            Self::Email => "email",
            Self::First => "first",
            Self::Middle => "middle",
            Self::Last => "last",
            Self::OrganizationId => "organization_id",
            Self::Attribute(key) => key.as_str(),
        }
    }
}

/// One filter: the customers whose field, in its index form, equals `value` or starts with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub field: FilterField,
    pub value: String,
    pub prefix: bool,
}

impl Filter {
    pub fn matches(&self, customer: &Customer) -> bool {
        customer.index_values().iter().any(|(field, value)| field == self.field.name() && self.accepts(value))
    }

    /// Checks whether a value of the filtered field, in its index form, passes.
    pub fn accepts(&self, value: &str) -> bool {
        if self.prefix { value.starts_with(&self.value) } else { value == self.value }
    }
}

/// Page number and size, both from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    /// Number of records before this page.
    pub fn offset(&self) -> usize {
        (self.page as usize - 1) * self.per_page as usize
    }

    pub fn total_pages(&self, total: u64) -> u64 {
        total.div_ceil(u64::from(self.per_page))
    }
}

/// Start of a page of a listing: right after the entry whose sort key is `after` in the
/// index of `field`. The field is empty for an unfiltered list, which runs in id order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    pub field: String,
    pub after: String,
}

/// Separates the parts of a cursor. Field names, ids and stored values never contain it.
const CURSOR_SEPARATOR: char = '\u{1d}';

/// Maximum cursor length accepted, in characters: the longest index sort key, a field name and a page
/// number, hex-encoded.
const MAX_CURSOR_CHARS: usize = 4_000;

/// A page number with the position where that page starts, as `meta.next` carries it: opaque to
/// clients, hex-encoded so that it needs no escaping in a query string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub page: u32,
    pub position: Position,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let Position { field, after } = &self.position;
        let text = format!("{}{CURSOR_SEPARATOR}{field}{CURSOR_SEPARATOR}{after}", self.page);
        hex::encode(text)
    }

    pub fn decode(raw: &str) -> Option<Self> {
        if raw.len() > MAX_CURSOR_CHARS {
            return None;
        }
        let text = String::from_utf8(hex::decode(raw.trim()).ok()?).ok()?;
        let mut parts = text.split(CURSOR_SEPARATOR);
        let page = parts.next()?.parse::<u32>().ok().filter(|page| *page >= 2)?;
        let field = parts.next()?.to_string();
        let after = parts.next()?.to_string();
        if after.is_empty() || parts.next().is_some() {
            return None;
        }
        Some(Self { page, position: Position { field, after } })
    }
}

/// A parsed `GET /customers` query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    /// `None` requests every match as a plain array.
    pub paging: Option<Paging>,
    /// Start of the page when the request continues from a cursor. `paging.page` is then the
    /// cursor's page number.
    pub cursor: Option<Position>,
}

impl ListQuery {
    /// Parses query parameters. Custom attribute filters are typed by `fields`; other unknown
    /// parameters are ignored, and empty values filter nothing.
    pub fn parse(pairs: &[(String, String)], fields: &[FieldDefinition]) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut query = Self::default();
        let mut page = None;
        let mut per_page = None;
        let mut cursor = None;

        for (name, raw) in pairs {
            match name.as_str() {
                "page" => page = parse_number(name, raw, u32::MAX, &mut errors),
                "per_page" => per_page = parse_number(name, raw, MAX_PER_PAGE, &mut errors),
                "cursor" if !raw.trim().is_empty() => match Cursor::decode(raw) {
                    Some(decoded) => cursor = Some(decoded),
                    None => push_error(&mut errors, name, "is not a cursor that this API issued".into()),
                },
                _ if name.contains('[') => reject_list(name, &mut errors),
                _ => {
                    if let Some(filter) = parse_filter(name, raw, fields, &mut errors) {
                        query.filters.push(filter);
                    }
                }
            }
        }

        if let Some(cursor) = cursor {
            if query.fits(&cursor.position) {
                page = Some(cursor.page);
                query.cursor = Some(cursor.position);
            } else {
                push_error(&mut errors, "cursor", "belongs to a list with other filters".into());
            }
        }
        if page.is_some() || per_page.is_some() {
            query.paging = Some(Paging {
                page: page.unwrap_or(1),
                per_page: per_page.unwrap_or(DEFAULT_PER_PAGE),
            });
        }
        if errors.is_empty() { Ok(query) } else { Err(errors) }
    }

    /// Whether a position can continue this query: it must be in the index of one of its
    /// filters, or in id order when there are none.
    fn fits(&self, position: &Position) -> bool {
        if self.filters.is_empty() {
            position.field.is_empty()
        } else {
            self.filters.iter().any(|filter| filter.field.name() == position.field)
        }
    }
}

/// Parameters that a customer list reads, besides custom attribute keys.
const LIST_PARAMETERS: [&str; 9] = ["page", "per_page", "cursor", "email", "first", "middle", "last", "organization_id", "organizationId"];

/// Message for a parameter sent as a list that takes one value.
pub const NOT_A_LIST: &str = "takes one value, not a list: send it without brackets";

/// Returns the parameter that `name` sends as a PHP-style list (`email[]`, `page[0]`), when
/// `takes_one` reports that the parameter takes one value. Other bracketed names are unknown
/// parameters, which lists ignore.
pub fn listed_parameter(name: &str, takes_one: impl Fn(&str) -> bool) -> Option<&str> {
    let base = &name[..name.find('[')?];
    takes_one(base).then_some(base)
}

fn reject_list(name: &str, errors: &mut FieldErrors) {
    let known = |base: &str| LIST_PARAMETERS.contains(&base) || base.starts_with(FieldKey::PREFIX);
    if let Some(base) = listed_parameter(name, known) {
        push_error(errors, base, NOT_A_LIST.into());
    }
}

fn parse_number(name: &str, raw: &str, max: u32, errors: &mut FieldErrors) -> Option<u32> {
    match raw.trim().parse::<u32>() {
        Ok(number) if (1..=max).contains(&number) => Some(number),
        _ => {
            push_error(errors, name, format!("must be a whole number from 1 to {max}"));
            None
        }
    }
}

fn parse_filter(
    name: &str,
    raw: &str,
    fields: &[FieldDefinition],
    errors: &mut FieldErrors,
) -> Option<Filter> {
    let value = raw.trim();
    // Unknown parameters are ignored whatever their length.
    let known = LIST_PARAMETERS.contains(&name) || name.starts_with(FieldKey::PREFIX);
    if value.is_empty() || !known {
        return None;
    }
    if value.chars().count() > MAX_FILTER_CHARS {
        push_error(errors, name, format!("must be at most {MAX_FILTER_CHARS} characters"));
        return None;
    }

    let text = |field| Some(Filter { field, value: value.to_lowercase(), prefix: true });
    match name {
        "email" => text(FilterField::Email),
        "first" => text(FilterField::First),
        "middle" => text(FilterField::Middle),
        "last" => text(FilterField::Last),
        "organization_id" | "organizationId" => Some(Filter {
            field: FilterField::OrganizationId,
            value: value.to_string(),
            prefix: false,
        }),
        key if key.starts_with(FieldKey::PREFIX) => {
            let key = FieldKey::parse(key).map_err(|e| push_error(errors, name, e)).ok()?;
            attribute_filter(key, value, fields, errors)
        }
        _ => None,
    }
}

fn attribute_filter(
    key: FieldKey,
    value: &str,
    fields: &[FieldDefinition],
    errors: &mut FieldErrors,
) -> Option<Filter> {
    let Some(field) = fields.iter().find(|field| field.key == key) else {
        // An attribute without a definition still matches values stored before it was removed.
        return Some(Filter { field: FilterField::Attribute(key), value: value.to_lowercase(), prefix: true });
    };
    match field.filter_form(value) {
        Some(form) => Some(Filter {
            prefix: field.field_type.filters_by_prefix(),
            field: FilterField::Attribute(key),
            value: form,
        }),
        None => {
            push_error(errors, key.as_str(), format!("is not a valid {:?} value", field.field_type).to_lowercase());
            None
        }
    }
}

impl Customer {
    /// Returns the values that filters compare with, as (field name, index form) pairs. Only
    /// fields that have a value appear, so no index item is ever written for a missing one.
    pub fn index_values(&self) -> Vec<(String, String)> {
        let mut values = vec![("email".to_string(), self.email.normalized())];
        let texts = [("first", &self.first), ("middle", &self.middle), ("last", &self.last)];
        for (name, value) in texts {
            if let Some(value) = value {
                values.push((name.to_string(), value.to_lowercase()));
            }
        }
        if let Some(organization_id) = &self.organization_id {
            values.push(("organization_id".to_string(), organization_id.clone()));
        }
        for (key, value) in &self.attributes {
            values.push((key.as_str().to_string(), value.index_form()));
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn page_alone_defaults_per_page() {
        let query = ListQuery::parse(&pairs(&[("page", "2")]), &[]).unwrap();
        assert_eq!(query.paging, Some(Paging { page: 2, per_page: 25 }));
    }

    #[test]
    fn no_paging_without_page_parameters() {
        let query = ListQuery::parse(&pairs(&[("email", "JDoe")]), &[]).unwrap();
        assert_eq!(query.paging, None);
        assert_eq!(query.filters[0].value, "jdoe");
        assert!(query.filters[0].prefix);
    }

    #[test]
    fn invalid_page_size_is_named() {
        let errors = ListQuery::parse(&pairs(&[("per_page", "0"), ("page", "x")]), &[]).unwrap_err();
        assert!(errors.contains_key("per_page"));
        assert!(errors.contains_key("page"));
    }

    #[test]
    fn organization_filter_is_exact() {
        let query = ListQuery::parse(&pairs(&[("organization_id", "Org1")]), &[]).unwrap();
        assert_eq!(query.filters[0], Filter { field: FilterField::OrganizationId, value: "Org1".into(), prefix: false });
    }
}
