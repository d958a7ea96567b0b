//! `training_sessions`: Training sessions, with their venue, audience and series.

use sea_orm::entity::prelude::*;

super::model! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "training_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub title_ar: Option<String>,
        pub title_fr: Option<String>,
        pub title_en: Option<String>,
        pub project_id: Option<String>,
        pub agreement_id: Option<String>,
        pub organiser_org_id: Option<String>,
        pub audience: String,
        pub staff_category: Option<String>,
        pub topics: String,
        pub delivery_mode: Option<String>,
        pub venue_site_id: Option<String>,
        pub venue_country: Option<String>,
        pub venue_city: Option<String>,
        pub start_date: Option<String>,
        pub end_date: Option<String>,
        pub contact_hours: Option<f64>,
        pub status: String,
        pub series_id: Option<String>,
        pub cycle_number: Option<i32>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub archived_at: Option<DateTimeUtc>,
        pub demo: bool,
        /// The session's tallies as a JSON array of `[sex, age_band, enrolled, attended,
        /// completed]` arrays in id order, kept by triggers from `training_tallies` (migrations
        /// `m20261204_000001_session_tallies` and `m20261205_000001_compact_tally_copies`);
        /// `NULL` only if written by hand.
        pub tallies: Option<String>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
