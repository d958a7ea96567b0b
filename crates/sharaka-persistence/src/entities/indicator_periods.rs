//! `indicator_periods`: One reporting period of an indicator: its target and its actual.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "indicator_periods")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub indicator_id: String,
        pub result_id: String,
        pub project_id: String,
        pub period_start: String,
        pub period_end: String,
        pub target_value: Option<f64>,
        pub target_comment: Option<String>,
        pub actual_value: Option<f64>,
        pub actual_comment: Option<String>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub archived_at: Option<DateTimeUtc>,
        pub demo: bool,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
