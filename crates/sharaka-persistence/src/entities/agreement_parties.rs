//! `agreement_parties`: Parties to an agreement and their role.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreement_parties")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub agreement_id: String,
        pub organisation_id: String,
        pub role: String,
        pub signed_on: Option<String>,
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
