//! Turns a predictions table into group labels, labels and predictions.

use crate::stattest::format_number;
use crate::table::{Column, ColumnData, NULL_CODE, Table};

use super::{FairnessError, Predictions};

/// Reads the sensitive, label and prediction columns; rows must have no missing values.
pub fn predictions_from_table(
    table: &Table,
    sensitive: &str,
    label: &str,
    prediction: &str,
) -> Result<Predictions, FairnessError> {
    let column = |name: &str| {
        table
            .column(name)
            .ok_or_else(|| FairnessError::MissingColumn {
                column: name.to_owned(),
                available: table.names(),
            })
    };
    Ok(Predictions {
        groups: groups(column(sensitive)?)?,
        y_true: numbers(column(label)?)?,
        y_pred: numbers(column(prediction)?)?,
    })
}

fn groups(column: &Column) -> Result<Vec<String>, FairnessError> {
    let missing = || FairnessError::MissingValues {
        column: column.name.clone(),
    };
    match &column.data {
        ColumnData::Numbers(values) => values
            .iter()
            .map(|v| {
                if v.is_nan() {
                    Err(missing())
                } else {
                    Ok(format_number(*v))
                }
            })
            .collect(),
        ColumnData::Text { dictionary, codes } => codes
            .iter()
            .map(|c| {
                if *c == NULL_CODE {
                    Err(missing())
                } else {
                    dictionary.get(*c as usize).cloned().ok_or_else(missing)
                }
            })
            .collect(),
    }
}

/// Numbers, with `True`/`False` read as 1/0.
fn numbers(column: &Column) -> Result<Vec<f64>, FairnessError> {
    let missing = || FairnessError::MissingValues {
        column: column.name.clone(),
    };
    match &column.data {
        ColumnData::Numbers(values) => {
            if values.iter().any(|v| v.is_nan()) {
                return Err(missing());
            }
            Ok(values.clone())
        }
        ColumnData::Text { dictionary, codes } => codes
            .iter()
            .map(|c| match dictionary.get(*c as usize).map(String::as_str) {
                Some("True") => Ok(1.0),
                Some("False") => Ok(0.0),
                None => Err(missing()),
                Some(other) => Err(FairnessError::NotNumeric {
                    column: column.name.clone(),
                    value: other.to_owned(),
                }),
            })
            .collect(),
    }
}
