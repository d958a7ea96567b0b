//! `result_indicators`: How a result is measured: measure, direction and baseline.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "result_indicators")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub result_id: String,
        pub project_id: String,
        pub measure: String,
        pub ascending: bool,
        pub counts_people: bool,
        pub title_ar: Option<String>,
        pub title_fr: Option<String>,
        pub title_en: Option<String>,
        pub description_ar: Option<String>,
        pub description_fr: Option<String>,
        pub description_en: Option<String>,
        pub baseline_year: Option<i32>,
        pub baseline_value: Option<f64>,
        pub baseline_comment: Option<String>,
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
