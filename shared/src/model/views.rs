//! The response shapes of records, serialized straight from the records. Responses write them
//! into their body without a `serde_json::Value` in between, and the `to_json` methods that
//! still need a `Value` build it from the same code, so each shape is written down once.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::{AttributeValue, Customer, FieldKey, Interaction, Note, Organization};

/// A customer as responses show it: its fields, then its custom attributes by key.
pub struct CustomerView<'a> {
    pub customer: &'a Customer,
    /// The organization id to show: the customer's, or none when that organization is gone.
    pub organization_id: Option<&'a str>,
    /// `Some` adds `avatar`, the image's URL or null; lists and details show it.
    pub avatar: Option<Option<&'a str>>,
}

impl<'a> CustomerView<'a> {
    /// Creates the view of the customer's own fields, without `avatar`.
    pub fn new(customer: &'a Customer) -> Self {
        Self { customer, organization_id: customer.organization_id.as_deref(), avatar: None }
    }

    fn write_entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        let customer = self.customer;
        map.serialize_entry("id", &customer.id)?;
        map.serialize_entry("email", customer.email.as_str())?;
        map.serialize_entry("first", &customer.first)?;
        map.serialize_entry("middle", &customer.middle)?;
        map.serialize_entry("last", &customer.last)?;
        map.serialize_entry("organization_id", &self.organization_id)?;
        map.serialize_entry("assigned_user", &customer.assigned_user)?;
        map.serialize_entry("created_at", &customer.created_at.to_api_string())?;
        map.serialize_entry("updated_at", &customer.updated_at.to_api_string())?;
        map.serialize_entry("tags", &customer.tags)?;
        write_attributes(map, &customer.attributes)?;
        if let Some(avatar) = self.avatar {
            map.serialize_entry("avatar", &avatar)?;
        }
        Ok(())
    }
}

impl Serialize for CustomerView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.write_entries(&mut map)?;
        map.end()
    }
}

/// `GET /customers/{id}`: the customer with its avatar, then its newest interactions, its
/// organization (or null) and its newest notes.
pub struct CustomerDetailsView<'a> {
    pub customer: CustomerView<'a>,
    pub interactions: &'a [Interaction],
    pub organization: Option<&'a Organization>,
    pub notes: &'a [Note],
}

impl Serialize for CustomerDetailsView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.customer.write_entries(&mut map)?;
        map.serialize_entry("interactions", &Interactions(self.interactions))?;
        map.serialize_entry("organization", &self.organization.map(OrganizationView))?;
        map.serialize_entry("notes", &Notes(self.notes))?;
        map.end()
    }
}

/// An organization without its `customers` list.
pub struct OrganizationView<'a>(pub &'a Organization);

impl Serialize for OrganizationView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let organization = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &organization.id)?;
        map.serialize_entry("name", &organization.name)?;
        map.serialize_entry("address", &organization.address)?;
        map.serialize_entry("city", &organization.city)?;
        map.serialize_entry("state", &organization.state)?;
        map.serialize_entry("zip", &organization.zip)?;
        map.serialize_entry("created_at", &organization.created_at.to_api_string())?;
        map.serialize_entry("updated_at", &organization.updated_at.to_api_string())?;
        write_attributes(&mut map, &organization.attributes)?;
        map.end()
    }
}

/// One interaction of a customer.
pub struct InteractionView<'a>(pub &'a Interaction);

impl Serialize for InteractionView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let interaction = self.0;
        let mut map = serializer.serialize_map(Some(6))?;
        map.serialize_entry("id", &interaction.id)?;
        map.serialize_entry("customer_id", &interaction.customer_id)?;
        map.serialize_entry("description", &interaction.description)?;
        map.serialize_entry("source", &interaction.source)?;
        map.serialize_entry("priority", &interaction.priority)?;
        map.serialize_entry("created_at", &interaction.created_at.to_api_string())?;
        map.end()
    }
}

/// One note of a customer.
pub struct NoteView<'a>(pub &'a Note);

impl Serialize for NoteView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let note = self.0;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("id", &note.id)?;
        map.serialize_entry("body", &note.body)?;
        map.serialize_entry("author", &note.author)?;
        map.serialize_entry("created_at", &note.created_at.to_api_string())?;
        map.end()
    }
}

/// Interactions, each in its view.
struct Interactions<'a>(&'a [Interaction]);

impl Serialize for Interactions<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(InteractionView))
    }
}

/// Notes, each in its view.
struct Notes<'a>(&'a [Note]);

impl Serialize for Notes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(NoteView))
    }
}

fn write_attributes<M: SerializeMap>(map: &mut M, attributes: &std::collections::BTreeMap<FieldKey, AttributeValue>) -> Result<(), M::Error> {
    for (key, value) in attributes {
        map.serialize_entry(key.as_str(), &value.0)?;
    }
    Ok(())
}

/// Builds the `Value` of a view, for the responses that still assemble one.
pub fn to_object(view: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(view) {
        Ok(Value::Object(map)) => map,
        // Every view above is a map of strings, numbers and JSON values, which always converts.
        _ => Map::new(),
    }
}
