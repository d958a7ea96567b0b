//! `commitments`: Commitments a party made under an agreement.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "commitments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub agreement_id: String,
        pub party_org_id: String,
        pub kind: String,
        pub description_ar: Option<String>,
        pub description_fr: Option<String>,
        pub description_en: Option<String>,
        pub due_on: Option<String>,
        pub status: String,
        pub illustrative: bool,
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
