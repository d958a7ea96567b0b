//! `agreements`: Agreements, with their lifecycle dates and parent/superseded agreements.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreements")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub reference: Option<String>,
        pub agreement_type: String,
        pub status: String,
        pub title_ar: Option<String>,
        pub title_fr: Option<String>,
        pub title_en: Option<String>,
        pub objectives_ar: Option<String>,
        pub objectives_fr: Option<String>,
        pub objectives_en: Option<String>,
        pub themes: String,
        pub drafted_on: Option<String>,
        pub agreed_on: Option<String>,
        pub signed_on: Option<String>,
        pub effective_from: Option<String>,
        pub effective_to: Option<String>,
        pub terminated_on: Option<String>,
        pub parent_agreement_id: Option<String>,
        pub supersedes_id: Option<String>,
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
