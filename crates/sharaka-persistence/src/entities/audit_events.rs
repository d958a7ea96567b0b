//! `audit_events`: one row per change: who, when, which record, which action, before and after.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub occurred_at: DateTimeUtc,
        pub actor: String,
        pub request_id: Option<String>,
        pub entity: String,
        pub record_id: String,
        pub action: String,
        pub reason: Option<String>,
        pub before_state: Option<String>,
        pub after_state: Option<String>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
