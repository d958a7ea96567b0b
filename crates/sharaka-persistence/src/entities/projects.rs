//! `projects`: Projects (IATI activities), with their parent project.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub iati_identifier: Option<String>,
        pub title_ar: Option<String>,
        pub title_fr: Option<String>,
        pub title_en: Option<String>,
        pub description_ar: Option<String>,
        pub description_fr: Option<String>,
        pub description_en: Option<String>,
        pub status: i32,
        pub planned_start: Option<String>,
        pub actual_start: Option<String>,
        pub planned_end: Option<String>,
        pub actual_end: Option<String>,
        pub parent_project_id: Option<String>,
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
