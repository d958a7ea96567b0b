//! Every enumeration of the domain, with its stable code and its Arabic, French and English
//! labels, in one table (DOMAIN.md §1 and §4.3). The gateway exposes the codes as GraphQL enums
//! and the labels through `label(lang)`; storage keeps the codes.

use crate::lang::Lang;

/// A code that is not one of an enumeration's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not a valid {enumeration}")]
pub struct UnknownCode {
    /// The enumeration's name.
    pub enumeration: &'static str,
    /// The refused code.
    pub code: String,
}

/// What every coded enumeration offers.
pub trait Coded: Sized + Copy + 'static {
    /// The enumeration's name, as in GraphQL.
    const NAME: &'static str;
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The stable code stored and exposed (`SCREAMING_SNAKE`).
    fn code(self) -> &'static str;
    /// The label in one language.
    fn label(self, lang: Lang) -> &'static str;
    /// Parses a stored or submitted code.
    fn parse(code: &str) -> Result<Self, UnknownCode> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.code() == code)
            .ok_or_else(|| UnknownCode {
                enumeration: Self::NAME,
                code: code.chars().take(64).collect(),
            })
    }
}

/// Declares an enumeration with its codes and trilingual labels.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $variant:ident = $code:literal { ar: $ar:literal, fr: $fr:literal, en: $en:literal } ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( #[doc = $en] $variant, )+
        }

        impl Coded for $name {
            const NAME: &'static str = stringify!($name);
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }

            fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (Self::$variant, Lang::Ar) => $ar,
                        (Self::$variant, Lang::Fr) => $fr,
                        (Self::$variant, Lang::En) => $en,
                    )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as Coded>::parse(s)
            }
        }
    };
}

/// An enumeration whose values also carry an IATI numeric code.
pub trait IatiCoded: Coded {
    /// The IATI code.
    fn iati_code(self) -> i32;
    /// The value for an IATI code.
    fn from_iati_code(code: i32) -> Result<Self, UnknownCode> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.iati_code() == code)
            .ok_or_else(|| UnknownCode {
                enumeration: Self::NAME,
                code: code.to_string(),
            })
    }
}

macro_rules! iati_codes {
    ($name:ident { $($variant:ident => $num:literal),+ $(,)? }) => {
        impl IatiCoded for $name {
            fn iati_code(self) -> i32 {
                match self { $(Self::$variant => $num,)+ }
            }
        }
    };
}

coded_enum! {
    /// Whether a partnership is with a national or an international partner (the source's first split).
    PartnershipScope {
        National = "NATIONAL" { ar: "شراكة داخلية (وطنية)", fr: "Partenariat interne (national)", en: "Internal (national) partnership" },
        International = "INTERNATIONAL" { ar: "شراكة دولية", fr: "Partenariat international", en: "International partnership" },
    }
}

include!("codes_table.rs");
