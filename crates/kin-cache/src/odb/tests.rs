//! The object database's own tests: content naming, read-only objects, crash leftovers, and
//! DVC 2's objects.

use std::os::unix::fs::PermissionsExt;

use super::*;

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            let sub = entry.file_name().to_string_lossy().to_string();
            found.extend(files_under(&path).into_iter().map(|f| format!("{sub}/{f}")));
        } else {
            found.push(entry.file_name().to_string_lossy().to_string());
        }
    }
    found.sort();
    found
}

#[test]
fn a_writer_of_unnamed_files_leaves_no_marker_and_no_temp() {
    let dir = tempfile::tempdir().expect("tmp");
    let source = dir.path().join("a.txt");
    std::fs::write(&source, b"a\n").expect("write");
    let big = dir.path().join("big.bin");
    std::fs::write(&big, vec![1u8; (SINGLE_PASS_ABOVE + 1) as usize]).expect("write");
    let odb = ObjectDb::in_dvc_dir(&dir.path().join(".dvc"));
    odb.ingest_file(&source, None, 2).expect("ingest");
    odb.ingest_file(&big, None, SINGLE_PASS_ABOVE + 1)
        .expect("ingest big");
    odb.insert_bytes(&ObjectId::dir(Md5::of(b"[]")), b"[]")
        .expect("manifest");
    let mut found = files_under(odb.root());
    found.retain(|f| f.contains(".tmp"));
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(odb.list().len(), 3);
}

#[test]
fn a_writer_marks_the_cache_while_it_writes_and_its_death_gets_its_temps_removed() {
    let dir = tempfile::tempdir().expect("tmp");
    let dvc = dir.path().join(".dvc");
    let source = dir.path().join("a.txt");
    std::fs::write(&source, b"a\n").expect("write");
    // Named temps, as on a filesystem without unnamed files.
    let mut odb = ObjectDb::in_dvc_dir(&dvc);
    odb.link_method = LinkMethod::named_temps_only();
    odb.ingest_file(&source, None, 2).expect("ingest");
    let root = odb.root().to_path_buf();
    let marker = format!(".tmp-{}-writing-", std::process::id());
    assert!(
        files_under(&root).iter().any(|f| f.starts_with(&marker)),
        "{:?}",
        files_under(&root)
    );
    drop(odb);
    assert_eq!(files_under(&root), ["60/b725f10c9c85c70d97880dfe8191b3"]);

    // A temp of a dead process (no pid is this large) without its marker is left alone:
    // only a dead writer's marker makes the prefix directories worth listing.
    let dead = u32::MAX - 1;
    std::fs::write(root.join(format!("60/.tmp-{dead}-7")), b"partial").expect("write");
    ObjectDb::in_dvc_dir(&dvc).remove_stale_temps();
    assert_eq!(files_under(&root).len(), 2);
    std::fs::write(root.join(format!(".tmp-{dead}-writing-0")), b"").expect("write");
    ObjectDb::in_dvc_dir(&dvc).remove_stale_temps();
    assert_eq!(files_under(&root), ["60/b725f10c9c85c70d97880dfe8191b3"]);
}

#[test]
fn ingest_names_by_content_and_is_read_only() {
    let dir = tempfile::tempdir().expect("tmp");
    let odb = ObjectDb::in_dvc_dir(&dir.path().join(".dvc"));
    let source = dir.path().join("a.txt");
    std::fs::write(&source, b"a\n").expect("write");
    let (md5, size) = odb.ingest_file(&source, None, 2).expect("ingest");
    assert_eq!(size, 2);
    let path = odb.object_path(&ObjectId::file(md5));
    assert!(
        path.ends_with("files/md5/60/b725f10c9c85c70d97880dfe8191b3"),
        "{}",
        path.display()
    );
    assert_eq!(
        std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
        0o444
    );
    assert_eq!(odb.list(), vec![ObjectId::file(md5)]);
    let wrong = Md5::of(b"other");
    assert!(matches!(
        odb.ingest_file(&source, Some(wrong), 2),
        Err(CacheError::Changed { .. })
    ));
    assert!(matches!(
        odb.ingest_file(&source, Some(wrong), 64 << 20),
        Err(CacheError::Changed { .. })
    ));
    let leftovers: Vec<_> = std::fs::read_dir(odb.root())
        .expect("read")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|name| name.starts_with(".tmp") && !name.contains("-writing-"))
        .collect();
    assert!(leftovers.is_empty(), "temp files remain: {leftovers:?}");
}

#[test]
fn dvc2_objects_keep_their_bytes_under_their_dos2unix_name_at_the_top_level() {
    let dir = tempfile::tempdir().expect("tmp");
    let dvc = dir.path().join(".dvc");
    let legacy = ObjectDb::legacy_in_dvc_dir(&dvc);
    let source = dir.path().join("t.txt");
    std::fs::write(&source, b"a\r\nb\r\n").expect("write");
    let (md5, size) = legacy.ingest_file(&source, None, 6).expect("ingest");
    assert_eq!(size, 6);
    // md5("a\nb\n"), as DVC 2 named it; the object holds the CRLF bytes.
    assert_eq!(md5.to_string(), "dd8c6a395b5dd36c56d23275028f526c");
    let path = legacy.object_path(&ObjectId::file(md5));
    assert_eq!(path, dvc.join("cache/dd/8c6a395b5dd36c56d23275028f526c"));
    assert_eq!(std::fs::read(&path).expect("object"), b"a\r\nb\r\n");
    // DVC 3's objects below `files/md5` are not DVC 2 objects.
    ObjectDb::in_dvc_dir(&dvc)
        .ingest_file(&source, None, 6)
        .expect("ingest");
    assert_eq!(legacy.list(), vec![ObjectId::file(md5)]);
    // A download is verified by the same hash.
    let other = ObjectDb::legacy_in_dvc_dir(&dir.path().join("other"));
    let id = ObjectId::file(md5);
    other
        .insert_verified(&id, &mut |sink| sink.write_all(b"a\r\nb\r\n"))
        .expect("verified");
    assert!(matches!(
        other.insert_verified(&id, &mut |sink| sink.write_all(b"a\r\nc\r\n")),
        Err(CacheError::Corrupt { .. })
    ));
}
