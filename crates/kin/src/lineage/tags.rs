//! Run tags: key-value business context (`project=pricing`, `regulatory=gdpr`) on the runs a
//! command records, resolved once per command from `.kin/config.toml`, `KIN_TAGS` and `--tag`.

use std::fmt;
use std::path::{Path, PathBuf};

use kin_store::Tags;

use crate::env;
use crate::kin_config::{self, KinConfigError};

/// Where a tag was given, so that an error can point there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagOrigin {
    /// `--tag` on the command line.
    Cli,
    /// The `KIN_TAGS` environment variable.
    Env,
    /// The `[tags]` table of a settings file.
    Config(PathBuf),
    /// A run record pulled from a remote (hostile until checked).
    Record,
}

impl fmt::Display for TagOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagOrigin::Cli => f.write_str("`--tag`"),
            TagOrigin::Env => write!(f, "`{}`", env::KIN_TAGS),
            TagOrigin::Config(path) => write!(f, "`[tags]` of `{}`", path.display()),
            TagOrigin::Record => f.write_str("a lineage record"),
        }
    }
}

/// Why tags could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TagError {
    #[error("tag `{text}` in {origin} has no `=`: write KEY=VALUE")]
    NoValue { origin: TagOrigin, text: String },
    #[error("tag `{text}` in {origin} has an empty key: write KEY=VALUE")]
    EmptyKey { origin: TagOrigin, text: String },
    #[error("tag `{key}` in {origin} has an empty value")]
    EmptyValue { origin: TagOrigin, key: String },
    #[error("tag key `{key}` in {origin} holds `{bad}`: keys are letters, digits and `_ - . / :`")]
    BadKey {
        origin: TagOrigin,
        key: String,
        bad: char,
    },
    #[error("the value of tag `{key}` in {origin} holds a control character")]
    BadValue { origin: TagOrigin, key: String },
    #[error("tag `{key}` in {origin} is {kind}: a tag's value is a string, number or boolean")]
    NotScalar {
        origin: TagOrigin,
        key: String,
        kind: &'static str,
    },
    #[error("`tags` in `{}` is not a table: write `[tags]` and `key = \"value\"` lines", path.display())]
    NotATable { path: PathBuf },
    #[error(transparent)]
    Config(#[from] KinConfigError),
}

fn check_key(key: &str, origin: &TagOrigin) -> Result<(), TagError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-./:".contains(c);
    match key.chars().find(|c| !allowed(*c)) {
        Some(bad) => Err(TagError::BadKey {
            origin: origin.clone(),
            key: key.to_owned(),
            bad,
        }),
        None => Ok(()),
    }
}

/// A checked tag: a key of letters, digits and `_ - . / :`, and a value that is not empty and
/// holds no control characters (it is printed on one line).
pub(crate) fn tag(
    key: &str,
    value: &str,
    origin: &TagOrigin,
) -> Result<(String, String), TagError> {
    check_key(key, origin)?;
    if value.is_empty() {
        return Err(TagError::EmptyValue {
            origin: origin.clone(),
            key: key.to_owned(),
        });
    }
    if value.chars().any(char::is_control) {
        return Err(TagError::BadValue {
            origin: origin.clone(),
            key: key.to_owned(),
        });
    }
    Ok((key.to_owned(), value.to_owned()))
}

/// `KEY=VALUE` split at its first `=` (the value may itself hold `=`).
fn split<'t>(text: &'t str, origin: &TagOrigin) -> Result<(&'t str, &'t str), TagError> {
    match text.split_once('=') {
        None => Err(TagError::NoValue {
            origin: origin.clone(),
            text: text.to_owned(),
        }),
        Some((key, _)) if key.trim().is_empty() => Err(TagError::EmptyKey {
            origin: origin.clone(),
            text: text.to_owned(),
        }),
        Some(pair) => Ok(pair),
    }
}

/// Reads one `KEY=VALUE`, as `--tag` takes it.
pub fn parse_tag(text: &str, origin: TagOrigin) -> Result<(String, String), TagError> {
    let (key, value) = split(text, &origin)?;
    tag(key, value, &origin)
}

/// `KIN_TAGS`' form: `KEY=VALUE` pairs separated by commas, blanks around keys and values
/// trimmed; an empty item (a trailing comma) is skipped.
pub fn parse_list(text: &str, origin: TagOrigin) -> Result<Vec<(String, String)>, TagError> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (key, value) = split(item, &origin)?;
            tag(key.trim(), value.trim(), &origin)
        })
        .collect()
}

/// The `[tags]` table of a settings file's text (`path` names it in errors). Numbers and
/// booleans are kept as TOML writes them (`year = 2026` is `year=2026`).
pub(crate) fn config_tags(
    config: &toml::Table,
    path: &Path,
) -> Result<Vec<(String, String)>, TagError> {
    let Some(section) = config.get("tags") else {
        return Ok(Vec::new());
    };
    let toml::Value::Table(table) = section else {
        return Err(TagError::NotATable {
            path: path.to_path_buf(),
        });
    };
    let origin = TagOrigin::Config(path.to_path_buf());
    table
        .iter()
        .map(|(key, value)| {
            let text = match value {
                toml::Value::String(text) => text.clone(),
                toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => {
                    value.to_string()
                }
                toml::Value::Array(_) | toml::Value::Table(_) | toml::Value::Datetime(_) => {
                    return Err(TagError::NotScalar {
                        origin: origin.clone(),
                        key: key.clone(),
                        kind: match value {
                            toml::Value::Array(_) => "a list",
                            toml::Value::Table(_) => "a table",
                            _ => "a date",
                        },
                    });
                }
            };
            tag(key, &text, &origin)
        })
        .collect()
}

/// Layers of tags, lowest precedence first: per key, a later layer's value replaces an
/// earlier one's (and within a layer, a later tag an earlier one).
pub fn merge(layers: &[&[(String, String)]]) -> Tags {
    layers
        .iter()
        .flat_map(|layer| layer.iter().cloned())
        .collect()
}

/// The tags for the runs this command records: `.kin/config.toml`'s `[tags]`, then
/// `KIN_TAGS`, then `cli` (`--tag`), the later one winning per key.
pub fn resolve(root: &Path, cli: &[(String, String)]) -> Result<Tags, TagError> {
    let config = kin_config::load(root)?;
    let from_config = config_tags(&config, Path::new(kin_config::CONFIG_FILE))?;
    let from_env = match std::env::var(env::KIN_TAGS) {
        Ok(text) => parse_list(&text, TagOrigin::Env)?,
        Err(_) => Vec::new(),
    };
    Ok(merge(&[&from_config, &from_env, cli]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_tag_is_key_equals_value() {
        assert_eq!(
            parse_tag("hypothesis=lr=0.1 helps", TagOrigin::Cli).expect("tag"),
            ("hypothesis".to_owned(), "lr=0.1 helps".to_owned())
        );
        for (text, error) in [
            ("novalue", "has no `=`"),
            ("=x", "has an empty key"),
            ("k=", "has an empty value"),
            ("a b=1", "holds ` `"),
            ("k=a\nb", "control character"),
        ] {
            let message = parse_tag(text, TagOrigin::Cli).expect_err(text).to_string();
            assert!(message.contains(error), "{text}: {message}");
            assert!(message.contains("`--tag`"), "{message}");
        }
    }

    #[test]
    fn kin_tags_is_a_comma_separated_list() {
        assert_eq!(
            parse_list(" project = pricing, regulatory=gdpr,", TagOrigin::Env).expect("list"),
            pairs(&[("project", "pricing"), ("regulatory", "gdpr")])
        );
        let message = parse_list("a=1,b", TagOrigin::Env)
            .expect_err("b")
            .to_string();
        assert_eq!(message, "tag `b` in `KIN_TAGS` has no `=`: write KEY=VALUE");
        assert!(parse_list("", TagOrigin::Env).expect("empty").is_empty());
    }

    #[test]
    fn later_layers_win_per_key() {
        let config = pairs(&[("project", "pricing"), ("team", "risk")]);
        let env = pairs(&[("project", "churn"), ("run", "nightly")]);
        let cli = pairs(&[("run", "manual"), ("run", "manual-2")]);
        let tags = merge(&[&config, &env, &cli]);
        let expected: Tags = pairs(&[("project", "churn"), ("run", "manual-2"), ("team", "risk")])
            .into_iter()
            .collect();
        assert_eq!(tags, expected);
    }

    #[test]
    fn config_tags_take_scalars_and_refuse_the_rest() {
        let path = Path::new(".kin/config.toml");
        let table = kin_config::parse(
            "[tags]\nproject = \"pricing\"\nyear = 2026\nlive = true\n",
            path,
        )
        .expect("toml");
        assert_eq!(
            config_tags(&table, path).expect("tags"),
            pairs(&[("project", "pricing"), ("year", "2026"), ("live", "true")])
        );
        let table = kin_config::parse("[tags]\nowners = [\"ana\"]\n", path).expect("toml");
        let message = config_tags(&table, path).expect_err("array").to_string();
        assert_eq!(
            message,
            "tag `owners` in `[tags]` of `.kin/config.toml` is a list: a tag's value is a string, number or boolean"
        );
        let table = kin_config::parse("tags = 3\n", path).expect("toml");
        assert!(matches!(
            config_tags(&table, path),
            Err(TagError::NotATable { .. })
        ));
        let table = kin_config::parse("# nothing\n", path).expect("toml");
        assert!(config_tags(&table, path).expect("none").is_empty());
    }
}
