//! `organisations`: Organisations, partner or home, with their hierarchy (`parent_id`).

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "organisations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name_ar: Option<String>,
        pub name_fr: Option<String>,
        pub name_en: Option<String>,
        pub acronym: Option<String>,
        pub category: String,
        pub iati_org_type: Option<i32>,
        pub legal_nature: Option<String>,
        pub country_code: Option<String>,
        pub parent_id: Option<String>,
        pub founded_on: Option<String>,
        pub website: Option<String>,
        pub description_ar: Option<String>,
        pub description_fr: Option<String>,
        pub description_en: Option<String>,
        pub identifiers: String,
        pub is_home: bool,
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
