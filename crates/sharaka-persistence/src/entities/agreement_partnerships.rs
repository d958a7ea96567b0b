//! `agreement_partnerships`: Link table: which partnerships an agreement belongs to.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreement_partnerships")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub agreement_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub partnership_id: String,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
