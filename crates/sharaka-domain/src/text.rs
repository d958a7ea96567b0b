//! Text that people read, in up to three languages.

use crate::error::{DomainError, FieldError};
use crate::lang::Lang;
use crate::problem::Problem;
use serde::{Deserialize, Serialize};

/// A text in Arabic, French and/or English. A valid one has at least one non-blank language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedText {
    /// Arabic.
    pub ar: Option<String>,
    /// French.
    pub fr: Option<String>,
    /// English.
    pub en: Option<String>,
}

impl LocalizedText {
    /// Builds a text from its three optional parts, dropping blank ones.
    pub fn new(ar: Option<String>, fr: Option<String>, en: Option<String>) -> Self {
        let keep = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Self {
            ar: keep(ar),
            fr: keep(fr),
            en: keep(en),
        }
    }

    /// The text in exactly this language, if present.
    pub fn exact(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::Ar => self.ar.as_deref(),
            Lang::Fr => self.fr.as_deref(),
            Lang::En => self.en.as_deref(),
        }
    }

    /// The text in this language, or else in the first available language of
    /// [`Lang::fallback_order`]. `None` only when the text is empty.
    pub fn get(&self, lang: Lang) -> Option<&str> {
        lang.fallback_order()
            .into_iter()
            .find_map(|l| self.exact(l))
    }

    /// True when no language has any text.
    pub fn is_empty(&self) -> bool {
        Lang::ALL.iter().all(|l| self.exact(*l).is_none())
    }

    /// Checks that at least one language is present, reporting `field` otherwise.
    pub fn require(&self, field: &str) -> Result<(), DomainError> {
        if self.is_empty() {
            return Err(DomainError::invalid(vec![FieldError::new(
                field,
                Problem::NeedsOneLanguage,
            )]));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_in_documented_order() {
        let t = LocalizedText::new(Some("عربي".into()), None, Some("English".into()));
        assert_eq!(t.get(Lang::Fr), Some("عربي"));
        assert_eq!(t.get(Lang::En), Some("English"));
        let only_en = LocalizedText::new(None, Some("  ".into()), Some("x".into()));
        assert_eq!(only_en.get(Lang::Ar), Some("x"));
        assert!(LocalizedText::default().require("name").is_err());
    }
}
