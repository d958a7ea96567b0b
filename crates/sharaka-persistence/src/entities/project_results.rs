//! `project_results`: A project's results (IATI `result`), at one level of the results chain.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_results")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub project_id: String,
        pub result_type: String,
        pub aggregation_status: bool,
        pub title_ar: Option<String>,
        pub title_fr: Option<String>,
        pub title_en: Option<String>,
        pub description_ar: Option<String>,
        pub description_fr: Option<String>,
        pub description_en: Option<String>,
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
