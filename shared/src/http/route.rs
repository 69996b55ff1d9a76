/// The routes of the API, one Lambda function each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Customers,
    Customer,
    Fields,
    Field,
    Avatar,
    Latest,
    Activity,
}

impl Route {
    pub const ALL: [Route; 7] =
        [Self::Customers, Self::Customer, Self::Fields, Self::Field, Self::Avatar, Self::Latest, Self::Activity];

    /// The route as API Gateway and `template.yaml` write it.
    pub fn pattern(self) -> &'static str {
        match self {
            Self::Customers => "/customers",
            Self::Customer => "/customers/{id}",
            Self::Fields => "/customers/fields",
            Self::Field => "/customers/fields/{key}",
            Self::Avatar => "/customers/{id}/avatar",
            Self::Latest => "/customers/latest",
            Self::Activity => "/customers/activity",
        }
    }

    /// Methods the route serves.
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            Self::Customers | Self::Fields => &["GET", "POST"],
            Self::Customer => &["GET", "POST", "DELETE"],
            Self::Field => &["DELETE"],
            Self::Avatar => &["POST"],
            Self::Latest | Self::Activity => &["GET"],
        }
    }

    /// Resolves decoded path segments to a route and its path parameter. Static segments win
    /// over `{id}`, as in API Gateway.
    pub fn resolve(segments: &[String]) -> Option<(Route, Option<String>)> {
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        match parts.as_slice() {
            ["customers"] => Some((Self::Customers, None)),
            ["customers", "fields"] => Some((Self::Fields, None)),
            ["customers", "latest"] => Some((Self::Latest, None)),
            ["customers", "activity"] => Some((Self::Activity, None)),
            ["customers", "fields", key] => Some((Self::Field, Some(key.to_string()))),
            ["customers", id, "avatar"] => Some((Self::Avatar, Some(id.to_string()))),
            ["customers", id] => Some((Self::Customer, Some(id.to_string()))),
            _ => None,
        }
    }

    /// Name of the path parameter, as in [`Route::pattern`].
    pub fn parameter(self) -> Option<&'static str> {
        match self {
            Self::Customer | Self::Avatar => Some("id"),
            Self::Field => Some("key"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(path: &[&str]) -> Option<(Route, Option<String>)> {
        Route::resolve(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn static_segments_win_over_ids() {
        assert_eq!(resolve(&["customers", "latest"]), Some((Route::Latest, None)));
        assert_eq!(resolve(&["customers", "abc"]), Some((Route::Customer, Some("abc".into()))));
    }

    #[test]
    fn unknown_paths_resolve_to_nothing() {
        assert_eq!(resolve(&["customers", "a", "b"]), None);
        assert_eq!(resolve(&[]), None);
    }
}
