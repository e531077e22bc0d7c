//! Data drift between a reference and a current table: one test per column, dataset drift by share.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::columns::{ColumnKind, Overrides, infer_kind};
use crate::stattest::{Bins, Counts, Sample, StatTest, StatTestError, default_test};
use crate::stattest::{format_number, population_std, sort_floats};
use crate::table::{Column, ColumnData, Dtype, NULL_CODE, Table};

/// What the user chose; `Default` is Evidently's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftOptions {
    /// Dataset drift when the share of drifted columns is at least this.
    pub drift_share: f64,
    pub overrides: Overrides,
    pub stattests: BTreeMap<String, StatTest>,
    pub thresholds: BTreeMap<String, f64>,
}

impl Default for DriftOptions {
    fn default() -> Self {
        DriftOptions {
            drift_share: 0.5,
            overrides: Overrides::default(),
            stattests: BTreeMap::new(),
            thresholds: BTreeMap::new(),
        }
    }
}

/// The verdict for one column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDrift {
    pub name: String,
    pub kind: ColumnKind,
    pub stattest: StatTest,
    pub score: f64,
    pub threshold: f64,
    pub drift: bool,
    pub reference_rows: usize,
    pub current_rows: usize,
    /// How the column's rows spread in both datasets (the report draws it).
    pub bins: Bins,
}

/// The verdict for the dataset; `columns` in table order.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftResult {
    pub dataset_drift: bool,
    pub drift_share: f64,
    pub drifted_columns: usize,
    pub columns: Vec<ColumnDrift>,
}

impl DriftResult {
    pub fn share_of_drifted_columns(&self) -> f64 {
        self.drifted_columns as f64 / self.columns.len() as f64
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DriftError {
    #[error("column `{column}` is not in the {side} data")]
    MissingColumn {
        column: String,
        side: Side,
        available: Vec<String>,
    },
    #[error("column `{column}` has no values in the {side} data (all missing)")]
    AllMissing { column: String, side: Side },
    #[error("column `{column}` is numerical but holds text in the {side} data")]
    NotNumeric { column: String, side: Side },
    #[error("column `{column}`: {source}")]
    Test {
        column: String,
        source: StatTestError,
    },
    #[error(
        "column `{column}` holds dates and times in the {side} data; drift leaves those out, as Evidently does"
    )]
    Datetime { column: String, side: Side },
    #[error("no columns to compare")]
    NoColumns,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Reference,
    Current,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Reference => "reference",
            Side::Current => "current",
        })
    }
}

/// Compares every column not ignored; columns must exist on both sides. Datetime columns
/// of the reference are left out, as Evidently's `DataDriftTable` leaves them out.
pub fn compute(
    reference: &Table,
    current: &Table,
    options: &DriftOptions,
) -> Result<DriftResult, DriftError> {
    let typed = options
        .overrides
        .numerical
        .iter()
        .chain(&options.overrides.categorical)
        .chain(options.stattests.keys())
        .chain(options.thresholds.keys());
    for name in options.overrides.ignore.iter().chain(typed.clone()) {
        if !reference.has_column(name) {
            return Err(missing(name, Side::Reference, reference));
        }
    }
    for name in typed {
        if reference
            .column(name)
            .is_some_and(|c| c.dtype == Dtype::Datetime)
        {
            return Err(DriftError::Datetime {
                column: name.clone(),
                side: Side::Reference,
            });
        }
    }
    let mut pairs = Vec::new();
    for column in &reference.columns {
        if options.overrides.ignores(&column.name) || column.dtype == Dtype::Datetime {
            continue;
        }
        let other = current
            .column(&column.name)
            .ok_or_else(|| missing(&column.name, Side::Current, current))?;
        if other.dtype == Dtype::Datetime {
            return Err(DriftError::Datetime {
                column: column.name.clone(),
                side: Side::Current,
            });
        }
        pairs.push((column, other));
    }
    for column in &current.columns {
        if !options.overrides.ignores(&column.name) && reference.column(&column.name).is_none() {
            return Err(missing(&column.name, Side::Reference, reference));
        }
    }
    if pairs.is_empty() {
        return Err(DriftError::NoColumns);
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(pairs.len());
    // Threads take the next column as they finish one: columns differ a lot in cost
    // (a numerical one sorts millions of values, a categorical one counts a few labels).
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((r, c)) = pairs.get(i) else {
                return done;
            };
            done.push((i, column_drift(r, c, options)));
        }
    };
    let mut results: Vec<(usize, Result<ColumnDrift, DriftError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for handle in handles {
            match handle.join() {
                Ok(part) => all.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    results.sort_by_key(|(i, _)| *i);
    let columns = results
        .into_iter()
        .map(|(_, result)| result)
        .collect::<Result<Vec<_>, _>>()?;
    let drifted_columns = columns.iter().filter(|c| c.drift).count();
    let share = drifted_columns as f64 / columns.len() as f64;
    Ok(DriftResult {
        dataset_drift: share >= options.drift_share,
        drift_share: options.drift_share,
        drifted_columns,
        columns,
    })
}

fn missing(name: &str, side: Side, table: &Table) -> DriftError {
    DriftError::MissingColumn {
        column: name.to_owned(),
        side,
        available: table.names(),
    }
}

fn column_drift(
    reference: &Column,
    current: &Column,
    options: &DriftOptions,
) -> Result<ColumnDrift, DriftError> {
    let name = &reference.name;
    let kind = infer_kind(reference, &options.overrides);
    let sample = prepare(reference, current, kind)?;
    let stattest = match options.stattests.get(name) {
        Some(test) => *test,
        None => default_test(kind, sample.reference_len(), sample.n_unique_up_to(6)),
    };
    let score = stattest.score(&sample).map_err(|source| DriftError::Test {
        column: name.clone(),
        source,
    })?;
    let threshold = options
        .thresholds
        .get(name)
        .copied()
        .unwrap_or(stattest.default_threshold());
    Ok(ColumnDrift {
        name: name.clone(),
        kind,
        stattest,
        score,
        threshold,
        drift: stattest.drifted(score, threshold),
        reference_rows: sample.reference_len(),
        current_rows: sample.current_len(),
        bins: Bins::of(&sample),
    })
}

/// Drops missing values and infinities, then shapes the column for the tests.
pub fn prepare(
    reference: &Column,
    current: &Column,
    kind: ColumnKind,
) -> Result<Sample, DriftError> {
    let name = &reference.name;
    let sample = match kind {
        ColumnKind::Numerical => {
            let (reference, reference_std) = finite_sorted(reference, Side::Reference)?;
            let (current, _) = finite_sorted(current, Side::Current)?;
            Sample::Numeric {
                reference,
                current,
                reference_std,
            }
        }
        ColumnKind::Categorical => {
            let mut counts = Counts::default();
            let mut index: HashMap<String, usize> = HashMap::new();
            add_counts(&mut counts, &mut index, &reference.data, true);
            add_counts(&mut counts, &mut index, &current.data, false);
            Sample::Categorical(counts)
        }
    };
    for (len, side) in [
        (sample.reference_len(), Side::Reference),
        (sample.current_len(), Side::Current),
    ] {
        if len == 0 {
            return Err(DriftError::AllMissing {
                column: name.clone(),
                side,
            });
        }
    }
    Ok(sample)
}

/// The finite values, sorted, and their population std in row order (as pandas gets it).
fn finite_sorted(column: &Column, side: Side) -> Result<(Vec<f64>, f64), DriftError> {
    match &column.data {
        ColumnData::Numbers(values) => {
            let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
            let std = population_std(&v);
            sort_floats(&mut v);
            Ok((v, std))
        }
        ColumnData::Text { .. } => Err(DriftError::NotNumeric {
            column: column.name.clone(),
            side,
        }),
    }
}

fn add_counts(
    counts: &mut Counts,
    index: &mut HashMap<String, usize>,
    data: &ColumnData,
    reference: bool,
) {
    let mut bump = |label: String, n: u64| {
        let i = *index.entry(label.clone()).or_insert_with(|| {
            counts.labels.push(label);
            counts.reference.push(0);
            counts.current.push(0);
            counts.labels.len() - 1
        });
        if reference {
            counts.reference[i] += n;
        } else {
            counts.current[i] += n;
        }
    };
    match data {
        ColumnData::Numbers(values) => {
            let mut finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
            finite.sort_unstable_by(f64::total_cmp);
            let mut i = 0;
            while i < finite.len() {
                let value = finite[i];
                let start = i;
                while finite.get(i).is_some_and(|x| *x == value) {
                    i += 1;
                }
                bump(format_number(value), (i - start) as u64);
            }
        }
        ColumnData::Text { dictionary, codes } => {
            let mut per_code = vec![0u64; dictionary.len()];
            for &c in codes.iter().filter(|c| **c != NULL_CODE) {
                if let Some(n) = per_code.get_mut(c as usize) {
                    *n += 1;
                }
            }
            for (label, n) in dictionary.iter().zip(per_code) {
                if n > 0 {
                    bump(label.clone(), n);
                }
            }
        }
    }
}
