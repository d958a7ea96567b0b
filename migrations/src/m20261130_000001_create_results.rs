//! Creates IATI's result model on projects (issue 5): `project_results`, `result_indicators`,
//! `indicator_periods` (target and actual of one period) and `indicator_period_values` (a target
//! or an actual broken down by sex, audience or region).
//!
//! Indicators, periods and values repeat their project's id (periods also their result's): a
//! result never moves to another project, and the copy lets access filters and the dashboards'
//! `GROUP BY` reach the project without a chain of joins. Values are `DOUBLE PRECISION` (IATI
//! values are decimals of any scale; percentages and counts alike).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectResults {
    Table,
    Id,
    ProjectId,
    ResultType,
    AggregationStatus,
    TitleAr,
    TitleFr,
    TitleEn,
    DescriptionAr,
    DescriptionFr,
    DescriptionEn,
}

#[derive(DeriveIden, Clone, Copy)]
enum ResultIndicators {
    Table,
    Id,
    ResultId,
    ProjectId,
    Measure,
    Ascending,
    CountsPeople,
    TitleAr,
    TitleFr,
    TitleEn,
    DescriptionAr,
    DescriptionFr,
    DescriptionEn,
    BaselineYear,
    BaselineValue,
    BaselineComment,
}

#[derive(DeriveIden, Clone, Copy)]
enum IndicatorPeriods {
    Table,
    Id,
    IndicatorId,
    ResultId,
    ProjectId,
    PeriodStart,
    PeriodEnd,
    TargetValue,
    TargetComment,
    ActualValue,
    ActualComment,
}

#[derive(DeriveIden, Clone, Copy)]
enum IndicatorPeriodValues {
    Table,
    Id,
    PeriodId,
    ProjectId,
    Kind,
    Dimension,
    DimensionValue,
    Value,
}

#[derive(DeriveIden, Clone, Copy)]
enum Common {
    Version,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
    Demo,
}

/// The columns every mutable record carries, as in the first migration.
fn with_common(mut table: TableCreateStatement) -> TableCreateStatement {
    table
        .col(integer(Common::Version).default(1))
        .col(timestamp_with_time_zone(Common::CreatedAt).default(Expr::current_timestamp()))
        .col(timestamp_with_time_zone(Common::UpdatedAt).default(Expr::current_timestamp()))
        .col(timestamp_with_time_zone_null(Common::ArchivedAt))
        .col(boolean(Common::Demo).default(false));
    table
}

fn fk<T: IntoIden, C: IntoIden, RT: IntoIden, RC: IntoIden>(
    table: T,
    column: C,
    ref_table: RT,
    ref_column: RC,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(ref_table, ref_column)
        .on_delete(on_delete)
        .to_owned()
}

/// Index named `idx_<table>_<columns>`, as in the first migration.
fn index<T: IntoIden>(table: T, columns: &[&'static str]) -> IndexCreateStatement {
    let table_iden = table.into_iden();
    let name = format!("idx_{}_{}", table_iden, columns.join("_"));
    let mut stmt = Index::create();
    stmt.name(name).table(table_iden);
    for column in columns {
        stmt.col(Alias::new(*column));
    }
    stmt.to_owned()
}

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict};

        // A project with results is referenced: deleting it is refused, archiving is the way.
        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(ProjectResults::Table)
                        .col(string(ProjectResults::Id).primary_key())
                        .col(string(ProjectResults::ProjectId))
                        .col(string(ProjectResults::ResultType))
                        .col(boolean(ProjectResults::AggregationStatus).default(false))
                        .col(text_null(ProjectResults::TitleAr))
                        .col(text_null(ProjectResults::TitleFr))
                        .col(text_null(ProjectResults::TitleEn))
                        .col(text_null(ProjectResults::DescriptionAr))
                        .col(text_null(ProjectResults::DescriptionFr))
                        .col(text_null(ProjectResults::DescriptionEn))
                        .foreign_key(&mut fk(
                            ProjectResults::Table,
                            ProjectResults::ProjectId,
                            Projects::Table,
                            Projects::Id,
                            Restrict,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(ResultIndicators::Table)
                        .col(string(ResultIndicators::Id).primary_key())
                        .col(string(ResultIndicators::ResultId))
                        .col(string(ResultIndicators::ProjectId))
                        .col(string(ResultIndicators::Measure))
                        .col(boolean(ResultIndicators::Ascending).default(true))
                        .col(boolean(ResultIndicators::CountsPeople).default(false))
                        .col(text_null(ResultIndicators::TitleAr))
                        .col(text_null(ResultIndicators::TitleFr))
                        .col(text_null(ResultIndicators::TitleEn))
                        .col(text_null(ResultIndicators::DescriptionAr))
                        .col(text_null(ResultIndicators::DescriptionFr))
                        .col(text_null(ResultIndicators::DescriptionEn))
                        .col(integer_null(ResultIndicators::BaselineYear))
                        .col(double_null(ResultIndicators::BaselineValue))
                        .col(text_null(ResultIndicators::BaselineComment))
                        .foreign_key(&mut fk(
                            ResultIndicators::Table,
                            ResultIndicators::ResultId,
                            ProjectResults::Table,
                            ProjectResults::Id,
                            Cascade,
                        ))
                        .foreign_key(&mut fk(
                            ResultIndicators::Table,
                            ResultIndicators::ProjectId,
                            Projects::Table,
                            Projects::Id,
                            Restrict,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(IndicatorPeriods::Table)
                        .col(string(IndicatorPeriods::Id).primary_key())
                        .col(string(IndicatorPeriods::IndicatorId))
                        .col(string(IndicatorPeriods::ResultId))
                        .col(string(IndicatorPeriods::ProjectId))
                        .col(string(IndicatorPeriods::PeriodStart))
                        .col(string(IndicatorPeriods::PeriodEnd))
                        .col(double_null(IndicatorPeriods::TargetValue))
                        .col(text_null(IndicatorPeriods::TargetComment))
                        .col(double_null(IndicatorPeriods::ActualValue))
                        .col(text_null(IndicatorPeriods::ActualComment))
                        .foreign_key(&mut fk(
                            IndicatorPeriods::Table,
                            IndicatorPeriods::IndicatorId,
                            ResultIndicators::Table,
                            ResultIndicators::Id,
                            Cascade,
                        ))
                        .foreign_key(&mut fk(
                            IndicatorPeriods::Table,
                            IndicatorPeriods::ResultId,
                            ProjectResults::Table,
                            ProjectResults::Id,
                            Cascade,
                        ))
                        .foreign_key(&mut fk(
                            IndicatorPeriods::Table,
                            IndicatorPeriods::ProjectId,
                            Projects::Table,
                            Projects::Id,
                            Restrict,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        // Rows of a period, like a session's tallies: no version of their own (the period's
        // covers them) and rewritten whole when the period's target or actual changes.
        manager
            .create_table(
                Table::create()
                    .table(IndicatorPeriodValues::Table)
                    .if_not_exists()
                    .col(string(IndicatorPeriodValues::Id).primary_key())
                    .col(string(IndicatorPeriodValues::PeriodId))
                    .col(string(IndicatorPeriodValues::ProjectId))
                    .col(string(IndicatorPeriodValues::Kind))
                    .col(string(IndicatorPeriodValues::Dimension))
                    .col(string(IndicatorPeriodValues::DimensionValue))
                    .col(double(IndicatorPeriodValues::Value))
                    .foreign_key(&mut fk(
                        IndicatorPeriodValues::Table,
                        IndicatorPeriodValues::PeriodId,
                        IndicatorPeriods::Table,
                        IndicatorPeriods::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        IndicatorPeriodValues::Table,
                        IndicatorPeriodValues::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;

        let indexes = [
            index(ProjectResults::Table, &["project_id"]),
            index(ResultIndicators::Table, &["result_id"]),
            index(ResultIndicators::Table, &["project_id"]),
            index(IndicatorPeriods::Table, &["indicator_id"]),
            index(IndicatorPeriods::Table, &["project_id"]),
            index(IndicatorPeriodValues::Table, &["period_id"]),
            index(IndicatorPeriodValues::Table, &["project_id"]),
        ];
        for mut stmt in indexes {
            manager
                .create_index(stmt.if_not_exists().to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents, so that foreign keys never block the drop.
        let tables: [DynIden; 4] = [
            IndicatorPeriodValues::Table.into_iden(),
            IndicatorPeriods::Table.into_iden(),
            ResultIndicators::Table.into_iden(),
            ProjectResults::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
