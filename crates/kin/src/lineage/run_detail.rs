//! Everything recorded about one run beyond its row: what `kin run show` and the HTTP API's
//! run page show.

use kin_store::{ArtifactVersion, Environment, LineageStore, Run, StoreError};

/// A run's inputs and outputs (each sorted by path) and its environment.
#[derive(Clone, Debug)]
pub struct RunDetail {
    pub inputs: Vec<ArtifactVersion>,
    pub outputs: Vec<ArtifactVersion>,
    pub environment: Option<Environment>,
}

impl RunDetail {
    pub fn read(store: &dyn LineageStore, run: &Run) -> Result<Self, StoreError> {
        let versions = |ids: Vec<_>| -> Result<Vec<ArtifactVersion>, StoreError> {
            let mut versions = ids
                .into_iter()
                .map(|id| store.version_by_id(id))
                .collect::<Result<Vec<_>, _>>()?;
            versions.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(versions)
        };
        Ok(RunDetail {
            inputs: versions(store.inputs(run.key)?)?,
            outputs: versions(store.outputs(run.key)?)?,
            environment: match &run.environment {
                Some(hash) => store.environment(hash)?,
                None => None,
            },
        })
    }
}
