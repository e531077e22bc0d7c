//! Re-adding data whose `.dvc` file already exists: only the hash fields of its output change,
//! as DVC's round-trip editing does; comments, `desc`, `meta`, `remote`, `push` and the rest
//! stay as they were written.

use crate::dvc_file::{DvcOut, render_dvc_file};

/// The keys that describe content and are rewritten on every add.
const HASH_KEYS: [&str; 5] = ["md5", "size", "nfiles", "isexec", "hash"];

/// `existing` with its single output's hash fields replaced by `out`'s. `None` when the file
/// is not the block-style, one-output layout DVC writes (the caller then writes it anew).
pub fn update_dvc_text(existing: &str, out: &DvcOut) -> Option<String> {
    let lines: Vec<&str> = existing.lines().collect();
    let outs_at = lines.iter().position(|l| l.trim_end() == "outs:")?;
    let start = outs_at + 1;
    if !lines.get(start)?.starts_with("- ") {
        return None;
    }
    let end = (start + 1..lines.len())
        .find(|&i| !lines[i].starts_with("  ") && !lines[i].trim().is_empty())
        .unwrap_or(lines.len());
    if lines.get(end).is_some_and(|l| l.starts_with("- ")) {
        return None; // more than one output
    }
    // The entry as items: a `key: ...` line at indent 2 and the deeper lines under it.
    let mut items: Vec<(String, Vec<String>)> = Vec::new();
    for (offset, line) in lines[start..end].iter().enumerate() {
        let body = if offset == 0 { &line[2..] } else { line };
        let indented = if offset == 0 {
            "  ".to_owned() + body
        } else {
            body.to_string()
        };
        let is_key = indented.starts_with("  ") && !indented[2..].starts_with([' ', '-', '#']);
        match (is_key, indented[2..].split_once(':')) {
            (true, Some((key, _))) => items.push((key.trim().to_owned(), vec![indented])),
            _ => items.last_mut()?.1.push(indented),
        }
    }
    if !items.iter().any(|(key, _)| key == "path") {
        return None;
    }
    // DVC rewrites the entry with `apply_diff`: a key it keeps stays where it was, a key it
    // drops goes, and a key it adds (`hash` once DVC 2's hash is replaced, `isexec`,
    // `nfiles`) comes last, in the order DVC writes keys.
    let fresh = render_dvc_file(std::slice::from_ref(out));
    let fresh: Vec<(String, String)> = fresh
        .lines()
        .skip(1)
        .map(|l| format!("  {}", l.trim_start_matches("- ").trim_start()))
        .filter_map(|l| {
            let key = HASH_KEYS
                .iter()
                .find(|k| l[2..].starts_with(&format!("{k}:")))?;
            Some(((*key).to_owned(), l))
        })
        .collect();
    let mut entry: Vec<String> = Vec::new();
    for (key, item_lines) in &items {
        if !HASH_KEYS.contains(&key.as_str()) {
            entry.extend(item_lines.iter().cloned());
        } else if let Some((_, line)) = fresh.iter().find(|(k, _)| k == key) {
            entry.push(line.clone());
        }
    }
    for (key, line) in &fresh {
        if !items.iter().any(|(k, _)| k == key) {
            entry.push(line.clone());
        }
    }
    if let Some(first) = entry.first_mut() {
        first.replace_range(..2, "- ");
    }
    let mut out_lines: Vec<String> = lines[..start].iter().map(|l| (*l).to_owned()).collect();
    out_lines.extend(entry);
    out_lines.extend(lines[end..].iter().map(|l| (*l).to_owned()));
    let mut text = out_lines.join("\n");
    text.push('\n');
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::md5::HashName;

    fn out(md5: &str, size: u64, nfiles: Option<u64>) -> DvcOut {
        DvcOut {
            path: "f.txt".to_owned(),
            id: Some(md5.parse().expect("md5")),
            size: Some(size),
            nfiles,
            is_exec: false,
            push: true,
            remote: None,
            hash_name: HashName::Md5,
        }
    }

    #[test]
    fn keeps_everything_but_the_hash_fields_as_dvc_does() {
        let existing = "# my note\ndesc: top level description\nmeta:\n  owner: ana\nouts:\n- md5: 60b725f10c9c85c70d97880dfe8191b3\n  size: 2\n  hash: md5\n  path: f.txt\n  desc: the data\n  remote: other\n  push: false\n  type: dataset\n  labels: [x, y]\n  meta: {k: v}\n";
        let updated = update_dvc_text(existing, &out("3b5d5c3712955042212316173ccf37be", 2, None));
        // What DVC 3.67 wrote for the same re-add.
        assert_eq!(
            updated.as_deref(),
            Some(
                "# my note\ndesc: top level description\nmeta:\n  owner: ana\nouts:\n- md5: 3b5d5c3712955042212316173ccf37be\n  size: 2\n  hash: md5\n  path: f.txt\n  desc: the data\n  remote: other\n  push: false\n  type: dataset\n  labels: [x, y]\n  meta: {k: v}\n"
            )
        );
    }

    #[test]
    fn nested_values_and_new_fields() {
        let existing = "outs:\n- md5: 60b725f10c9c85c70d97880dfe8191b3\n  size: 2\n  hash: md5\n  path: f.txt\n  meta:\n    owner: ana\n    tags:\n    - a\n";
        let updated = update_dvc_text(
            existing,
            &out("3b5d5c3712955042212316173ccf37be.dir", 9, Some(3)),
        );
        assert_eq!(
            updated.as_deref(),
            Some(
                "outs:\n- md5: 3b5d5c3712955042212316173ccf37be.dir\n  size: 9\n  hash: md5\n  path: f.txt\n  meta:\n    owner: ana\n    tags:\n    - a\n  nfiles: 3\n"
            )
        );
    }

    #[test]
    fn keys_dvc_adds_come_last() {
        // Each expectation is what DVC 3.67 wrote for the same change.
        let existing = "outs:\n- md5: 60b725f10c9c85c70d97880dfe8191b3\n  size: 2\n  hash: md5\n  path: f.txt\n";
        let exec = DvcOut {
            is_exec: true,
            ..out("3b5d5c3712955042212316173ccf37be", 2, None)
        };
        assert_eq!(
            update_dvc_text(existing, &exec).as_deref(),
            Some(
                "outs:\n- md5: 3b5d5c3712955042212316173ccf37be\n  size: 2\n  hash: md5\n  path: f.txt\n  isexec: true\n"
            )
        );
        // DVC 2's entry whose content changed: DVC 3's hash, with `hash: md5` after all.
        let dvc2 = "outs:\n- md5: 60b725f10c9c85c70d97880dfe8191b3\n  size: 2\n  path: f.txt\n  desc: hello\n";
        assert_eq!(
            update_dvc_text(dvc2, &out("fa1f726044eed39debea9998ab700388", 3, None)).as_deref(),
            Some(
                "outs:\n- md5: fa1f726044eed39debea9998ab700388\n  size: 3\n  path: f.txt\n  desc: hello\n  hash: md5\n"
            )
        );
        // Unchanged, it keeps DVC 2's hash and stays as it was.
        let legacy = DvcOut {
            hash_name: HashName::Md5Dos2Unix,
            ..out("60b725f10c9c85c70d97880dfe8191b3", 2, None)
        };
        assert_eq!(update_dvc_text(dvc2, &legacy).as_deref(), Some(dvc2));
    }

    #[test]
    fn other_layouts_are_left_to_a_full_rewrite() {
        let new = out("3b5d5c3712955042212316173ccf37be", 2, None);
        assert_eq!(update_dvc_text("outs: [{path: f.txt}]\n", &new), None);
        assert_eq!(update_dvc_text("outs:\n- path: a\n- path: b\n", &new), None);
        assert_eq!(update_dvc_text("md5: x\n", &new), None);
    }
}
