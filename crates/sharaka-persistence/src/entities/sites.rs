//! `sites`: Physical sites (facilities, campuses...) with their operator, region and parent site.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sites")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub site_type: String,
        pub name_ar: Option<String>,
        pub name_fr: Option<String>,
        pub name_en: Option<String>,
        pub operator_org_id: Option<String>,
        pub region_id: Option<String>,
        pub city: Option<String>,
        pub parent_site_id: Option<String>,
        pub status: String,
        pub opened_on: Option<String>,
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
