//! The three languages Sharaka speaks, and how a request picks one.

use std::fmt;
use std::str::FromStr;

/// A language in which names and labels exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Arabic, the source's language.
    Ar,
    /// French, the administration's working language and the default.
    #[default]
    Fr,
    /// English, for international partners.
    En,
}

impl Lang {
    /// Every language, in the order used when a text lacks the requested one.
    pub const ALL: [Lang; 3] = [Lang::Ar, Lang::Fr, Lang::En];

    /// The BCP 47 primary subtag.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The order in which a missing text is looked up: the requested language, then French,
    /// then Arabic, then English. French comes first among fallbacks because it is the
    /// administration's working language; Arabic before English because the source is Arabic.
    pub fn fallback_order(self) -> [Lang; 3] {
        match self {
            Lang::Ar => [Lang::Ar, Lang::Fr, Lang::En],
            Lang::Fr => [Lang::Fr, Lang::Ar, Lang::En],
            Lang::En => [Lang::En, Lang::Fr, Lang::Ar],
        }
    }

    /// Picks the first supported language of an `Accept-Language` header, honouring q-values.
    /// Returns `None` when no listed language is supported (the caller then uses the default).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Ok(lang) = primary.parse::<Lang>()
                && q > 0.0
                && best.is_none_or(|(_, best_q)| q > best_q)
            {
                best = Some((lang, q));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code Sharaka does not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language `{0}`: use ar, fr or en")]
pub struct UnsupportedLang(pub String);

impl FromStr for Lang {
    type Err = UnsupportedLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ar" => Ok(Lang::Ar),
            "fr" => Ok(Lang::Fr),
            "en" => Ok(Lang::En),
            _ => Err(UnsupportedLang(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_honours_order_and_quality() {
        assert_eq!(Lang::from_accept_language("ar-MA,fr;q=0.8"), Some(Lang::Ar));
        assert_eq!(
            Lang::from_accept_language("de, en;q=0.5, fr;q=0.9"),
            Some(Lang::Fr)
        );
        assert_eq!(Lang::from_accept_language("de, es"), None);
        assert_eq!(Lang::from_accept_language("en;q=0"), None);
    }

    #[test]
    fn parses_codes_case_insensitively() {
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert!("de".parse::<Lang>().is_err());
    }
}
