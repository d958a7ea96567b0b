//! Sea-orm entities, one module per table. They are private to the persistence crate (repositories
//! map them to domain types) and hand-maintained to match the migrations in `migrations/src/`.
//!
//! Each `Model` is declared through [`model!`], which adds a [`Positional`] decoder to sea-orm's
//! derives: reads select an entity's columns in the order of its fields, so a row is decoded
//! column by column by position. Sea-orm's own decoder looks every column up by name, formats
//! that name into a new string first, and formats an error message for every NULL column it
//! meets; on a dashboard's rows that was most of the decoding's cost.

use sea_orm::sea_query::{Alias, Query};
use sea_orm::sqlx;
use sea_orm::{ConnectionTrait, DbErr, EntityName as _, FromQueryResult, QueryResult};

/// A model that can be read from a row whose first columns are its fields, in order.
pub trait Positional: FromQueryResult + Sized {
    /// The fields' names, in order: the columns a row must start with.
    const NAMES: &'static [&'static str];
    /// Reads the model from the row's first columns. Rows that sqlx did not produce (none in
    /// the server) fall back to sea-orm's decoding by name.
    fn read(row: &QueryResult) -> Result<Self, DbErr>;
    /// Reads the model from a row that starts with only some of its columns, in order: the row
    /// holds field `i` when bit `i` of `present` is set, and it is read when that bit of
    /// `wanted` is set too; a field not read is its type's default (see `resource::Columns`).
    /// Every bit set in both reads as [`Positional::read`] does.
    fn read_some(row: &QueryResult, present: u64, wanted: u64) -> Result<Self, DbErr>;
}

/// The bits of the first `n` columns of a row (see `resource::Columns`).
pub(crate) fn every(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1 << n) - 1 }
}

/// A field from the next column of a row, when the row holds the field (its bit in `present`)
/// and `wanted` has its bit; the field's default otherwise. A column held but not wanted is
/// skipped. `bit` is the field's index, moved on to the next field.
#[inline]
pub(crate) fn some_at<'r, R, T>(
    row: &'r R,
    index: &mut usize,
    bit: &mut u32,
    present: u64,
    wanted: u64,
) -> Result<T, DbErr>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    T: sqlx::Decode<'r, R::Database> + Default,
{
    let mask = 1 << *bit;
    *bit += 1;
    if present & mask == 0 {
        return Ok(T::default());
    }
    if wanted & mask == 0 {
        *index += 1;
        return Ok(T::default());
    }
    at(row, index)
}

/// Reads column `*index` of a sqlx row and moves `index` on to the next column.
///
/// Without sqlx's check that the column's SQL type suits the field's Rust type (a quarter of
/// the decoding's cost): the migrations fix the columns' types, and [`compare_decoders`],
/// tested on both backends, checks every entity against sea-orm's type-checked decoding. A
/// value that does not decode is still an error, never a panic.
pub(crate) fn at<'r, R, T>(row: &'r R, index: &mut usize) -> Result<T, DbErr>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    T: sqlx::Decode<'r, R::Database>,
{
    let i = *index;
    *index += 1;
    row.try_get_unchecked(i)
        .map_err(|e| DbErr::Type(format!("column {i} of a row: {e}")))
}

/// Reads column `index` of a row: a parent id or a row number after a record's columns.
pub(crate) fn value_at<T>(row: &QueryResult, index: usize) -> Result<T, DbErr>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sea_orm::TryGetable,
{
    let mut index = index;
    if let Some(row) = row.try_as_pg_row() {
        return at(row, &mut index);
    }
    if let Some(row) = row.try_as_sqlite_row() {
        return at(row, &mut index);
    }
    row.try_get_by_index(index)
}

/// Reads the text in column `index` of a row, borrowed from the row where the driver allows it
/// (a parent id that is compared before it is kept, see `resource::in_row_order`).
pub(crate) fn str_at(row: &QueryResult, index: usize) -> Result<std::borrow::Cow<'_, str>, DbErr> {
    let mut index = index;
    if let Some(row) = row.try_as_pg_row() {
        return at::<_, &str>(row, &mut index).map(std::borrow::Cow::Borrowed);
    }
    if let Some(row) = row.try_as_sqlite_row() {
        return at::<_, &str>(row, &mut index).map(std::borrow::Cow::Borrowed);
    }
    row.try_get_by_index::<String>(index)
        .map(std::borrow::Cow::Owned)
}

/// Declares an entity's `Model` as written, and its [`Positional`] decoder.
macro_rules! model {
    (
        $(#[$($attr:tt)*])*
        pub struct Model {
            $(
                $(#[$($field_attr:tt)*])*
                pub $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$($attr)*])*
        pub struct Model {
            $(
                $(#[$($field_attr)*])*
                pub $field: $ty,
            )*
        }

        impl $crate::entities::Positional for Model {
            const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            fn read(row: &sea_orm::QueryResult) -> Result<Self, sea_orm::DbErr> {
                let mut index = 0;
                if let Some(row) = row.try_as_pg_row() {
                    return Ok(Self {
                        $($field: $crate::entities::at(row, &mut index)?,)*
                    });
                }
                if let Some(row) = row.try_as_sqlite_row() {
                    return Ok(Self {
                        $($field: $crate::entities::at(row, &mut index)?,)*
                    });
                }
                <Self as sea_orm::FromQueryResult>::from_query_result(row, "")
            }

            fn read_some(
                row: &sea_orm::QueryResult,
                present: u64,
                wanted: u64,
            ) -> Result<Self, sea_orm::DbErr> {
                const { assert!(<Self as $crate::entities::Positional>::NAMES.len() <= 64) };
                let (mut index, mut bit) = (0, 0);
                if let Some(row) = row.try_as_pg_row() {
                    return Ok(Self {
                        $($field: $crate::entities::some_at(row, &mut index, &mut bit, present, wanted)?,)*
                    });
                }
                if let Some(row) = row.try_as_sqlite_row() {
                    return Ok(Self {
                        $($field: $crate::entities::some_at(row, &mut index, &mut bit, present, wanted)?,)*
                    });
                }
                let every = $crate::entities::every(<Self as $crate::entities::Positional>::NAMES.len());
                if present & wanted & every == every {
                    return <Self as sea_orm::FromQueryResult>::from_query_result(row, "");
                }
                Err(sea_orm::DbErr::Type(
                    "a row of some columns, from a driver other than sqlx".to_owned(),
                ))
            }
        }
    };
}
pub(crate) use model;

/// Calls `$callback!` with every entity module.
macro_rules! all_entities {
    ($callback:ident) => {
        $callback!(
            agreement_parties,
            agreement_partnerships,
            agreements,
            audit_events,
            commitments,
            contributions,
            exchange_visit_sites,
            exchange_visit_tallies,
            exchange_visits,
            indicator_period_values,
            indicator_periods,
            organisations,
            partnerships,
            project_agreements,
            project_participants,
            project_regions,
            project_results,
            project_sectors,
            project_sites,
            projects,
            regions,
            result_indicators,
            sites,
            training_providers,
            training_sessions,
            training_tallies,
        )
    };
}

/// Reads every row of every entity with both decoders: the positional one must give what
/// sea-orm's decoding by name, which checks each column's SQL type, gives. Returns how many
/// rows were compared; an error names the first table whose rows differ.
pub(crate) async fn compare_decoders<C: ConnectionTrait>(c: &C) -> Result<usize, DbErr> {
    let mut compared = 0;
    macro_rules! compare {
        ($($module:ident),* $(,)?) => {
            $(
                let table = $module::Entity.table_name();
                let select = Query::select()
                    .columns(<$module::Model as Positional>::NAMES.iter().map(|n| Alias::new(*n)))
                    .from(Alias::new(table))
                    .to_owned();
                for row in c.query_all(&select).await? {
                    let by_position = <$module::Model as Positional>::read(&row)?;
                    let by_name = <$module::Model as FromQueryResult>::from_query_result(&row, "")?;
                    if by_position != by_name {
                        return Err(DbErr::Type(format!(
                            "{table}: read by position as {by_position:?}, by name as {by_name:?}"
                        )));
                    }
                    compared += 1;
                }
            )*
        };
    }
    all_entities!(compare);
    Ok(compared)
}

pub mod agreement_parties;
pub mod agreement_partnerships;
pub mod agreements;
pub mod audit_events;
pub mod commitments;
pub mod contributions;
pub mod exchange_visit_sites;
pub mod exchange_visit_tallies;
pub mod exchange_visits;
pub mod indicator_period_values;
pub mod indicator_periods;
pub mod organisations;
pub mod partnerships;
pub mod project_agreements;
pub mod project_participants;
pub mod project_regions;
pub mod project_results;
pub mod project_sectors;
pub mod project_sites;
pub mod projects;
pub mod regions;
pub mod result_indicators;
pub mod sites;
pub mod training_providers;
pub mod training_sessions;
pub mod training_tallies;

#[cfg(test)]
mod tests {
    use sea_orm::{IdenStatic as _, Iterable as _};

    use super::*;

    macro_rules! check_names {
        ($($module:ident),* $(,)?) => {
            $(
                let columns: Vec<&str> = $module::Column::iter().map(|c| c.as_str()).collect();
                assert_eq!(
                    <$module::Model as Positional>::NAMES,
                    &columns[..],
                    "{}: a positional read would put a value in the wrong field",
                    stringify!($module),
                );
            )*
        };
    }

    #[test]
    fn every_model_reads_its_columns_in_the_order_they_are_selected() {
        all_entities!(check_names);
    }
}
