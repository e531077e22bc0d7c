//! The `.dvc` file `dvc import-url` writes: the stage's own `md5`, `frozen: true`, the source
//! as its one dependency and the downloaded copy as its one output.

use crate::dvc_file::{DvcOut, render_out};
use crate::lock_file::{ExternalField, ExternalVersion};
use crate::md5::{Md5, ObjectId};
use crate::python::{DumpOptions, dumps};
use crate::yaml::emit::to_yaml_document;
use crate::yaml::{Location, Map, Node, Value, parse_yaml};

/// Where an import's data came from, and the version it had then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSource {
    /// A URL (`s3://…`, `https://…`) or an absolute local path.
    pub path: String,
    pub version: SourceVersion,
    pub size: Option<u64>,
}

/// A source's version: a local file's md5, or what remote storage reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceVersion {
    Md5(ObjectId),
    External(ExternalVersion),
}

/// The keys DVC leaves out of a stage's `md5` (its `compute_md5`), at every depth.
const UNHASHED: &[&str] = &[
    "locked", "frozen", "metric", "persist", "isexec", "size", "nfiles",
];

/// The text of an import `.dvc` file, as `dvc import-url` writes it.
pub fn render_import_dvc_file(source: &ImportSource, out: &DvcOut) -> String {
    let mut dep = Map::new();
    let mut field = |key: &str, value: Value| {
        dep.insert(key.to_owned(), Location::UNKNOWN, Node::unlocated(value));
    };
    match &source.version {
        SourceVersion::Md5(id) => field("md5", Value::Str(id.to_string())),
        SourceVersion::External(version) => {
            field(version.field.key(), Value::Str(version.value.clone()));
        }
    }
    if let Some(size) = source.size {
        field("size", Value::Int(i64::try_from(size).unwrap_or(i64::MAX)));
    }
    if let SourceVersion::External(ExternalVersion {
        version_id: Some(version_id),
        ..
    }) = &source.version
    {
        field("version_id", Value::Str(version_id.clone()));
    }
    field("hash", Value::Str("md5".to_owned()));
    field("path", Value::Str(source.path.clone()));
    let list = |node: Node| Node::unlocated(Value::List(vec![node]));
    let deps = list(Node::unlocated(Value::Map(dep)));
    let outs = list(render_out(out));

    // The stage's md5: DVC's `dict_md5` of what the file holds besides it.
    let mut hashed = Map::new();
    hashed.insert("deps".to_owned(), Location::UNKNOWN, deps.clone());
    hashed.insert("outs".to_owned(), Location::UNKNOWN, outs.clone());
    let text = dumps(
        &Value::Map(hashed),
        DumpOptions {
            sort_keys: true,
            exclude: UNHASHED,
            indent: None,
        },
    );
    let md5 = Md5::of(text.as_bytes()).to_hex();

    let mut doc = Map::new();
    doc.insert(
        "md5".to_owned(),
        Location::UNKNOWN,
        Node::unlocated(Value::Str(md5)),
    );
    doc.insert(
        "frozen".to_owned(),
        Location::UNKNOWN,
        Node::unlocated(Value::Bool(true)),
    );
    doc.insert("deps".to_owned(), Location::UNKNOWN, deps);
    doc.insert("outs".to_owned(), Location::UNKNOWN, outs);
    to_yaml_document(&Value::Map(doc))
}

/// The source of an import `.dvc` file's text; `None` when it is no import (no single
/// dependency with a path and a version).
pub fn parse_import_source(text: &str) -> Option<ImportSource> {
    let doc = parse_yaml(text).ok()?;
    let deps = doc.as_map()?.get("deps")?.as_list()?;
    let [dep] = deps else { return None };
    let dep = dep.as_map()?;
    let path = dep.get("path")?.as_str()?.to_owned();
    let version = if let Some(md5) = dep.get("md5").and_then(Node::as_str) {
        SourceVersion::Md5(md5.parse().ok()?)
    } else {
        let field = [ExternalField::Etag, ExternalField::Checksum]
            .into_iter()
            .find(|f| dep.get(f.key()).is_some())?;
        SourceVersion::External(ExternalVersion {
            field,
            value: dep.get(field.key())?.as_str()?.to_owned(),
            version_id: crate::lock_file::version_id(dep, &path).ok()?,
        })
    };
    let size = match dep.get("size").map(|n| &n.value) {
        Some(Value::Int(n)) => u64::try_from(*n).ok(),
        _ => None,
    };
    Some(ImportSource {
        path,
        version,
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::md5::HashName;

    fn out(md5: &str, size: u64, path: &str) -> DvcOut {
        DvcOut {
            path: path.to_owned(),
            id: Some(md5.parse().expect("md5")),
            size: Some(size),
            nfiles: None,
            is_exec: false,
            push: true,
            remote: None,
            hash_name: HashName::Md5,
        }
    }

    /// What DVC 3 wrote for `dvc import-url http://127.0.0.1:54401/orders.csv data/web.csv`
    /// and for a local file.
    #[test]
    fn renders_what_dvc_writes_and_reads_it_back() {
        let web = ImportSource {
            path: "http://127.0.0.1:54401/orders.csv".to_owned(),
            version: SourceVersion::External(ExternalVersion {
                field: ExternalField::Checksum,
                value: "107456954541127641011355267383915709404".to_owned(),
                version_id: None,
            }),
            size: Some(11),
        };
        let text = render_import_dvc_file(
            &web,
            &out("9cc7c6aede6a8f6e74b420df863dd5ea", 11, "web.csv"),
        );
        assert_eq!(
            text,
            "md5: 66caa6c8a33adf2ca555faeacb9a25a1\nfrozen: true\ndeps:\n\
             - checksum: '107456954541127641011355267383915709404'\n  size: 11\n  hash: md5\n  \
             path: http://127.0.0.1:54401/orders.csv\nouts:\n\
             - md5: 9cc7c6aede6a8f6e74b420df863dd5ea\n  size: 11\n  hash: md5\n  path: web.csv\n"
        );
        assert_eq!(parse_import_source(&text), Some(web));

        // A GCS object: its generation is recorded as `version_id`, quoted.
        let gcs = ImportSource {
            path: "gs://raw/orders.csv".to_owned(),
            version: SourceVersion::External(ExternalVersion {
                field: ExternalField::Etag,
                value: "9cc7c6aede6a8f6e74b420df863dd5ea".to_owned(),
                version_id: Some("1796451758295268876".to_owned()),
            }),
            size: Some(11),
        };
        let text =
            render_import_dvc_file(&gcs, &out("9cc7c6aede6a8f6e74b420df863dd5ea", 11, "o.csv"));
        assert_eq!(
            text,
            "md5: 4bdf554b037aa3101ea3723e8f494541\nfrozen: true\ndeps:\n\
             - etag: 9cc7c6aede6a8f6e74b420df863dd5ea\n  size: 11\n  \
             version_id: '1796451758295268876'\n  hash: md5\n  path: gs://raw/orders.csv\n\
             outs:\n- md5: 9cc7c6aede6a8f6e74b420df863dd5ea\n  size: 11\n  hash: md5\n  \
             path: o.csv\n"
        );
        assert_eq!(parse_import_source(&text), Some(gcs));

        let local = ImportSource {
            path: "/tmp/ext/local.txt".to_owned(),
            version: SourceVersion::Md5("401b30e3b8b5d629635a5c613cdb7919".parse().expect("md5")),
            size: Some(2),
        };
        let text = render_import_dvc_file(
            &local,
            &out("401b30e3b8b5d629635a5c613cdb7919", 2, "local.txt"),
        );
        assert!(
            text.starts_with("md5: a570251d713e5affe6337624b128b3fd\nfrozen: true\n"),
            "{text}"
        );
    }
}
