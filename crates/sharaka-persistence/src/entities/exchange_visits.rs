//! `exchange_visits`: Exchange visits, incoming or outgoing.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "exchange_visits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub title_ar: Option<String>,
        pub title_fr: Option<String>,
        pub title_en: Option<String>,
        pub direction: String,
        pub visit_type: String,
        pub host_org_id: Option<String>,
        pub visitor_org_id: Option<String>,
        pub country_code: Option<String>,
        pub start_date: Option<String>,
        pub end_date: Option<String>,
        pub topics: String,
        pub status: String,
        pub project_id: Option<String>,
        pub agreement_id: Option<String>,
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
