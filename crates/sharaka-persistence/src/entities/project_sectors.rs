//! `project_sectors`: Sectors of a project (vocabulary + code) with an optional percentage.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_sectors")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub project_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub vocabulary: i32,
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub percentage: Option<i32>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
