//! `.dvc` data sources in a repro plan, as `dvc repro` treats them: data that changed since
//! its `.dvc` file was written is recorded again (cached, `.dvc` updated) before the stages
//! using it run; missing data fails like a missing dep. Data recorded by DVC 2 is compared by
//! DVC 2's hash, as DVC compares it.

use super::changes::{Change, ChangeKind};
use super::stage_run::Shared;
use super::{ReproError, StageOutcome};
use crate::data::add::Ingest;
use crate::data::{DataError, NoProgress};
use crate::paths::{refuse_symlinked_dirs, wdir_join};
use crate::rwlock::PathLocks;
use kin_cache::dvc_file::read_dvc_file;
use kin_format::repo_path::RepoPath;

/// Verifies the data of the `.dvc` file `node` names and re-records what changed.
pub(crate) fn process_data_source(
    shared: &Shared<'_>,
    node: usize,
) -> Result<StageOutcome, ReproError> {
    let dvc_file = shared.project.graph.nodes[node].address.clone();
    let events = shared.events;
    let _hold = shared.hold()?;
    let outs = read_dvc_file(&shared.root.join(&dvc_file)).map_err(DataError::from)?;
    let dir = dvc_file.rsplit_once('/').map_or("", |(d, _)| d);
    let mut changes = Vec::new();
    for out in &outs {
        let written = wdir_join(dir, &out.path);
        let rel = RepoPath::parse(&written).map_err(|reason| DataError::UnsafePath {
            path: written.clone(),
            reason,
        })?;
        let current = shared
            .workspace()
            .hash_as(rel.as_str(), out.hash_name)?
            .map(|h| h.id);
        match current {
            None => {
                return Err(ReproError::MissingDataSource {
                    dvc_file,
                    path: written,
                });
            }
            Some(id) if Some(id) != out.id => changes.push(Change::Out {
                path: rel,
                kind: ChangeKind::Modified,
                recorded: out.id,
                current: Some(id),
            }),
            Some(_) => {}
        }
    }
    if changes.is_empty() {
        events.data_source_unchanged(&dvc_file);
        return Ok(StageOutcome::UpToDate);
    }
    events.data_source_changed(&dvc_file);
    if shared.options.dry {
        return Ok(StageOutcome::WouldRun(changes));
    }
    let paths: Vec<RepoPath> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Out { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    let absolute: Vec<_> = paths.iter().map(|p| shared.root.join(p)).collect();
    let _locks = PathLocks::acquire(&shared.root.join(".dvc"), &[], &absolute)?;
    let mut workspace = shared.workspace();
    let caches = workspace.caches();
    let ingest = Ingest {
        root: &shared.root,
        caches: &caches,
        link_types: &shared.link_types,
        recorder: &shared.recorder,
        source: None,
    };
    for rel in &paths {
        refuse_symlinked_dirs(&shared.root, rel.as_str())?;
        workspace.forget(rel.as_str());
        // A failure to record lineage does not undo the data's new record; it is reported.
        ingest.record(
            rel,
            &dvc_file,
            workspace.state_mut(),
            shared.recorder.start(),
            &NoProgress,
            events,
        )?;
    }
    Ok(StageOutcome::Verified)
}
