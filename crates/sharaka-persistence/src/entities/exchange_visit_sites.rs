//! `exchange_visit_sites`: Link table: sites visited during an exchange visit.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "exchange_visit_sites")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub exchange_visit_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub site_id: String,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
