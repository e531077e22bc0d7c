//! Query strings read by hand: repeated keys (`tag=a=1&tag=b=2`) and clear errors for values
//! that do not parse.

use std::str::FromStr;

use crate::error::ApiError;

/// A request's query parameters, in order.
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned();
        Query(pairs.collect())
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `key` parsed, if given.
    pub fn parsed<T: FromStr>(&self, key: &str, expected: &str) -> Result<Option<T>, ApiError> {
        self.get(key)
            .map(|text| {
                text.parse().map_err(|_| {
                    ApiError::bad_request(format!("`{key}` is `{text}`; it must be {expected}"))
                })
            })
            .transpose()
    }

    /// `since`: a date (`2026-11-01`, `2026-11-01T09:30`) or a span back from now (`3d`).
    pub fn since(&self) -> Result<Option<kin_store::Timestamp>, ApiError> {
        self.get("since")
            .map(|text| {
                kin_store::Timestamp::parse(text, kin::lineage::now()).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "`since` is `{text}`; it must be a date (2026-11-01, 2026-11-01T09:30) or a span (3d, 12h)"
                    ))
                })
            })
            .transpose()
    }

    /// `key`, which the route needs.
    pub fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key)
            .ok_or_else(|| ApiError::bad_request(format!("the query needs `{key}`")))
    }
}
