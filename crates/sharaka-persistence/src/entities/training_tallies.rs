//! `training_tallies`: Aggregate attendance of a training session by sex and age band.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "training_tallies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub training_session_id: String,
        pub sex: String,
        pub age_band: Option<String>,
        pub enrolled: i32,
        pub attended: i32,
        pub completed: i32,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
