//! `training_providers`: Link table: organisations providing a training session.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "training_providers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub training_session_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: String,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
