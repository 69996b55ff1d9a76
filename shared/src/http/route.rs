/// The routes of the API. Each belongs to one Lambda function; a function may serve several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Root,
    Customers,
    Customer,
    Fields,
    Field,
    Avatar,
    Latest,
    Activity,
    Notes,
    Note,
    Organizations,
    Organization,
    Attributes,
    Attribute,
    Track,
}

impl Route {
    pub const ALL: [Route; 15] = [
        Self::Root,
        Self::Customers,
        Self::Customer,
        Self::Fields,
        Self::Field,
        Self::Avatar,
        Self::Latest,
        Self::Activity,
        Self::Notes,
        Self::Note,
        Self::Organizations,
        Self::Organization,
        Self::Attributes,
        Self::Attribute,
        Self::Track,
    ];

    /// Returns the route as API Gateway and `template.yaml` write it.
    pub fn pattern(self) -> &'static str {
        match self {
            Self::Root => "/",
            Self::Customers => "/customers",
            Self::Customer => "/customers/{id}",
            Self::Fields => "/customers/fields",
            Self::Field => "/customers/fields/{key}",
            Self::Avatar => "/customers/{id}/avatar",
            Self::Latest => "/customers/latest",
            Self::Activity => "/customers/activity",
            Self::Notes => "/customers/{id}/notes",
            Self::Note => "/customers/{id}/notes/{note_id}",
            Self::Organizations => "/organizations",
            Self::Organization => "/organizations/{id}",
            Self::Attributes => "/attributes/{scope}",
            Self::Attribute => "/attributes/{scope}/{key}",
            Self::Track => "/track",
        }
    }

    /// Methods the route serves.
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            Self::Customers | Self::Fields | Self::Organizations | Self::Attributes => &["GET", "POST"],
            Self::Customer | Self::Organization => &["GET", "POST", "DELETE"],
            Self::Field | Self::Note | Self::Attribute => &["DELETE"],
            Self::Avatar | Self::Notes | Self::Track => &["POST"],
            Self::Root | Self::Latest | Self::Activity => &["GET"],
        }
    }

    /// Names of the path parameters, in the order of [`Route::pattern`].
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            Self::Customer | Self::Avatar | Self::Notes | Self::Organization => &["id"],
            Self::Note => &["id", "note_id"],
            Self::Field => &["key"],
            Self::Attributes => &["scope"],
            Self::Attribute => &["scope", "key"],
            _ => &[],
        }
    }

    /// Resolves decoded path segments to a route and its path parameters. Static segments win
    /// over parameters, as in API Gateway.
    pub fn resolve(segments: &[String]) -> Option<(Route, Vec<String>)> {
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        let found = match parts.as_slice() {
            [] => (Self::Root, vec![]),
            ["customers"] => (Self::Customers, vec![]),
            ["customers", "fields"] => (Self::Fields, vec![]),
            ["customers", "latest"] => (Self::Latest, vec![]),
            ["customers", "activity"] => (Self::Activity, vec![]),
            ["customers", "fields", key] => (Self::Field, vec![*key]),
            ["customers", id, "avatar"] => (Self::Avatar, vec![*id]),
            ["customers", id, "notes"] => (Self::Notes, vec![*id]),
            ["customers", id, "notes", note_id] => (Self::Note, vec![*id, *note_id]),
            ["customers", id] => (Self::Customer, vec![*id]),
            ["organizations"] => (Self::Organizations, vec![]),
            ["organizations", id] => (Self::Organization, vec![*id]),
            ["attributes", scope] => (Self::Attributes, vec![*scope]),
            ["attributes", scope, key] => (Self::Attribute, vec![*scope, *key]),
            ["track"] => (Self::Track, vec![]),
            _ => return None,
        };
        Some((found.0, found.1.into_iter().map(str::to_string).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(path: &[&str]) -> Option<(Route, Vec<String>)> {
        Route::resolve(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn static_segments_win_over_ids() {
        assert_eq!(resolve(&["customers", "latest"]), Some((Route::Latest, vec![])));
        assert_eq!(resolve(&["customers", "abc"]), Some((Route::Customer, vec!["abc".into()])));
    }

    #[test]
    fn two_parameters_keep_their_order() {
        assert_eq!(resolve(&["customers", "c1", "notes", "n1"]), Some((Route::Note, vec!["c1".into(), "n1".into()])));
    }

    #[test]
    fn unknown_paths_resolve_to_nothing() {
        assert_eq!(resolve(&["customers", "a", "b"]), None);
        assert_eq!(resolve(&["customer"]), None);
    }
}
