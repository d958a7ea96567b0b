//! Identifiers of the graph's records. Each kind has its own type so that an agreement's id can
//! never be passed where an organisation's is expected.

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The record kind this identifier names, as used in global IDs.
            pub const KIND: &'static str = $kind;

            /// Wraps a stored identifier. Identifiers are opaque, non-empty and at most 128 bytes.
            pub fn parse(raw: &str) -> Result<Self, crate::DomainError> {
                if raw.is_empty() || raw.len() > 128 || raw.chars().any(char::is_control) {
                    return Err(crate::DomainError::field(
                        "id",
                        crate::Problem::InvalidId { kind: $kind },
                    ));
                }
                Ok(Self(raw.to_owned()))
            }

            /// Wraps an identifier read from storage, which was validated when written.
            pub fn from_trusted(raw: String) -> Self {
                Self(raw)
            }

            /// The identifier's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The identifier's text, owned.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(/// Identifies an organisation.
    OrganisationId, "Organisation");
id_type!(/// Identifies a region by its ISO 3166-2 code (`MA-01` … `MA-12`).
    RegionId, "Region");
id_type!(/// Identifies a site.
    SiteId, "Site");
id_type!(/// Identifies a partnership.
    PartnershipId, "Partnership");
id_type!(/// Identifies an agreement.
    AgreementId, "Agreement");
id_type!(/// Identifies a party to an agreement.
    AgreementPartyId, "AgreementParty");
id_type!(/// Identifies a commitment.
    CommitmentId, "Commitment");
id_type!(/// Identifies a project.
    ProjectId, "Project");
id_type!(/// Identifies a contribution.
    ContributionId, "Contribution");
id_type!(/// Identifies a training session.
    TrainingSessionId, "TrainingSession");
id_type!(/// Identifies an exchange visit.
    ExchangeVisitId, "ExchangeVisit");
id_type!(/// Identifies a result of a project (IATI `result`).
    ProjectResultId, "ProjectResult");
id_type!(/// Identifies an indicator of a project result.
    IndicatorId, "Indicator");
id_type!(/// Identifies a reporting period of an indicator.
    IndicatorPeriodId, "IndicatorPeriod");
