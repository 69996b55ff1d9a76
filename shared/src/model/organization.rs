use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::field::{apply_attributes, check_attribute_count, check_required, parse_attribute};
use super::list::{Paging, DEFAULT_PER_PAGE, MAX_FILTER_CHARS, MAX_PER_PAGE};
use super::{
    optional_text, push_error, AttributeChanges, AttributeValue, FieldDefinition, FieldErrors, FieldKey, Timestamp,
};

/// Fields that organization responses contain and clients echo back on update.
const READ_ONLY_FIELDS: [&str; 4] = ["id", "created_at", "updated_at", "customers"];

/// An organization that customers belong to. Names need not be unique.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<FieldKey, AttributeValue>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub version: u64,
}

/// The fields a create or update request sets; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrganizationChange {
    pub name: Option<String>,
    pub address: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub state: Option<Option<String>>,
    pub zip: Option<Option<String>>,
    pub attributes: AttributeChanges,
    /// The versions the stored record must have for the update to apply.
    pub if_match: crate::model::IfMatch,
    /// Revision of the definitions that the attribute values were checked against.
    pub checked_against: Option<u64>,
}

/// A checked create request: it contains a name and every required attribute. Its id is chosen
/// before the write, as a new customer's is.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOrganization {
    pub id: String,
    change: OrganizationChange,
}

impl OrganizationChange {
    /// Records that the attribute values were checked against `definitions`.
    pub fn checked_against(self, definitions: &crate::model::Definitions) -> Self {
        Self { checked_against: Some(definitions.revision), ..self }
    }

    /// Returns the definitions revision that the write requires, when it sets attribute values.
    pub fn definitions_guard(&self) -> Option<u64> {
        crate::model::definitions::guard(self.checked_against, &self.attributes)
    }

    /// Parses a create or update body, checking custom attributes against `fields`.
    pub fn from_body(body: &Map<String, Value>, fields: &[FieldDefinition]) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut change = Self::default();
        for (name, raw) in body {
            match name.as_str() {
                "name" => match optional_text("name", raw, &mut errors) {
                    Some(value) => change.name = Some(value),
                    None if !errors.contains_key("name") => push_error(&mut errors, "name", "must not be empty".into()),
                    None => {}
                },
                "address" => change.address = Some(optional_text("address", raw, &mut errors)),
                "city" => change.city = Some(optional_text("city", raw, &mut errors)),
                "state" => change.state = Some(optional_text("state", raw, &mut errors)),
                "zip" => change.zip = Some(optional_text("zip", raw, &mut errors)),
                key if READ_ONLY_FIELDS.contains(&key) => {}
                key if key.starts_with(FieldKey::PREFIX) => {
                    parse_attribute(key, raw, fields, &mut change.attributes, &mut errors)
                }
                other => push_error(&mut errors, other, "is not a known field".into()),
            }
        }
        check_attribute_count(&change.attributes, &mut errors);
        if errors.is_empty() { Ok(change) } else { Err(errors) }
    }

    /// Checks what needs no attribute definitions: the standard fields and the number of custom
    /// attributes. A body over one of their limits thus fails before the definitions are read.
    pub fn check_without_definitions(body: &Map<String, Value>) -> Result<(), FieldErrors> {
        match Self::from_body(body, &[]) {
            Ok(_) => Ok(()),
            Err(errors) => super::field::definition_free_errors(errors, body),
        }
    }

    /// Checks that the change can create an organization.
    pub fn into_new(self, fields: &[FieldDefinition]) -> Result<NewOrganization, FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.name.is_none() {
            push_error(&mut errors, "name", "is required".into());
        }
        check_required(&self.attributes, fields, true, &mut errors);
        if errors.is_empty() { Ok(NewOrganization { id: crate::model::new_id(), change: self }) } else { Err(errors) }
    }

    /// Checks that an update does not clear a required attribute.
    pub fn check_update(&self, fields: &[FieldDefinition]) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        check_required(&self.attributes, fields, false, &mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    pub fn apply(&self, organization: &mut Organization, now: Timestamp) {
        if let Some(name) = &self.name {
            organization.name.clone_from(name);
        }
        for (target, change) in [
            (&mut organization.address, &self.address),
            (&mut organization.city, &self.city),
            (&mut organization.state, &self.state),
            (&mut organization.zip, &self.zip),
        ] {
            if let Some(value) = change {
                target.clone_from(value);
            }
        }
        apply_attributes(&mut organization.attributes, &self.attributes);
        organization.updated_at = now.max(Timestamp(organization.updated_at.0 + 1));
        organization.version += 1;
    }
}

impl NewOrganization {
    /// Returns the definitions revision that the create requires, when it sets attribute values.
    pub fn definitions_guard(&self) -> Option<u64> {
        self.change.definitions_guard()
    }

    pub fn into_organization(self, now: Timestamp) -> Organization {
        let mut organization = Organization {
            id: self.id,
            name: String::new(),
            address: None,
            city: None,
            state: None,
            zip: None,
            attributes: BTreeMap::new(),
            created_at: now,
            updated_at: now,
            version: 0,
        };
        self.change.apply(&mut organization, now);
        organization.updated_at = now;
        organization.version = crate::model::FIRST_VERSION;
        organization
    }
}

impl Organization {
    /// Tells whether `other` has the same fields as this organization, apart from `updated_at`
    /// and `version`, which every write changes.
    pub fn same_fields(&self, other: &Organization) -> bool {
        *self == Organization { updated_at: self.updated_at, version: self.version, ..other.clone() }
    }

    /// Builds the documented shape, without the `customers` list.
    pub fn to_json(&self) -> Map<String, Value> {
        crate::model::views::to_object(&crate::model::views::OrganizationView(self))
    }

    /// Lowercase name that the name search compares prefixes with.
    pub fn search_name(&self) -> String {
        self.name.to_lowercase()
    }
}

/// A parsed `GET /organizations` query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrganizationQuery {
    /// Lowercase prefix of the name, when the request filters by name.
    pub name: Option<String>,
    pub paging: Option<Paging>,
}

impl OrganizationQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut query = Self::default();
        let mut page = None;
        let mut per_page = None;
        for (name, raw) in pairs {
            let number = |max: u32, errors: &mut FieldErrors| match raw.trim().parse::<u32>() {
                Ok(number) if (1..=max).contains(&number) => Some(number),
                _ => {
                    push_error(errors, name, format!("must be a whole number from 1 to {max}"));
                    None
                }
            };
            match name.as_str() {
                "page" => page = number(u32::MAX, &mut errors),
                "per_page" => per_page = number(MAX_PER_PAGE, &mut errors),
                "name" if raw.chars().count() > MAX_FILTER_CHARS => {
                    push_error(&mut errors, "name", format!("must be at most {MAX_FILTER_CHARS} characters"))
                }
                "name" if !raw.trim().is_empty() => query.name = Some(raw.trim().to_lowercase()),
                _ => {
                    if let Some(base) = super::list::listed_parameter(name, |base| ["page", "per_page", "name"].contains(&base)) {
                        push_error(&mut errors, base, super::list::NOT_A_LIST.into());
                    }
                }
            }
        }
        if page.is_some() || per_page.is_some() {
            query.paging = Some(Paging { page: page.unwrap_or(1), per_page: per_page.unwrap_or(DEFAULT_PER_PAGE) });
        }
        if errors.is_empty() { Ok(query) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn organization_needs_name() {
        let errors = OrganizationChange::from_body(json!({"city": "Townsville"}).as_object().unwrap(), &[])
            .unwrap()
            .into_new(&[])
            .unwrap_err();
        assert_eq!(errors["name"], vec!["is required"]);
    }

    #[test]
    fn organization_ignores_echoed_fields() {
        let body = json!({"id": "x", "customers": [{"id": "c"}], "created_at": "2016-09-12 18:45:29", "zip": "45342"});
        let change = OrganizationChange::from_body(body.as_object().unwrap(), &[]).unwrap();
        assert_eq!(change.zip, Some(Some("45342".to_string())));
    }
}
