//! `contributions`: Contributions of an organisation to a project, agreement or training session.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "contributions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub contributor_org_id: String,
        pub project_id: Option<String>,
        pub agreement_id: Option<String>,
        pub training_session_id: Option<String>,
        pub contribution_type: String,
        pub description_ar: Option<String>,
        pub description_fr: Option<String>,
        pub description_en: Option<String>,
        pub quantity: Option<String>,
        pub unit: Option<String>,
        pub amount_minor: Option<i64>,
        pub currency: Option<String>,
        pub status: String,
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
