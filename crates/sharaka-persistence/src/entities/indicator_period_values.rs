//! `indicator_period_values`: A period's target or actual broken down by sex, audience or region.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "indicator_period_values")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub period_id: String,
        pub project_id: String,
        pub kind: String,
        pub dimension: String,
        pub dimension_value: String,
        pub value: f64,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
