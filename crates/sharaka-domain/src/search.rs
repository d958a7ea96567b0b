//! Search keys: the one normalisation of Arabic, French and English text used both when records
//! are indexed and when a query is matched, plus trigram similarity for typo-tolerant ranking.
//!
//! The key folds away what people leave out or type differently: Arabic diacritics (tashkeel),
//! tatweel and letter variants (أ إ آ ٱ → ا, ى → ي, ة → ه, ؤ → و, ئ → ي), Arabic-Indic and Persian
//! digits, Latin case, accents and ligatures (œ → oe, æ → ae), and it turns every run of
//! whitespace and punctuation into one space. Bidi control characters are dropped. The key is
//! for matching only; what people read stays as it was written.

use std::collections::BTreeSet;
use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Characters dropped from keys: bidi controls, zero-width joiners and the byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061C}'
            | '\u{FEFF}'
            | '\u{00AD}'
    )
}

/// Arabic marks dropped from keys: tashkeel, Quranic annotation signs, superscript alef, tatweel.
fn is_arabic_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0610}'..='\u{061A}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{06D6}'..='\u{06ED}'
            | '\u{0640}'
    )
}

/// Folds one Arabic letter or digit; `None` when `c` needs no Arabic-specific folding.
fn fold_arabic(c: char) -> Option<char> {
    Some(match c {
        'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' => 'ا',
        'ى' | 'ی' | 'ئ' => 'ي',
        'ة' => 'ه',
        'ؤ' => 'و',
        'ک' => 'ك',
        '٠'..='٩' => char::from_digit(c as u32 - '٠' as u32, 10)?,
        '۰'..='۹' => char::from_digit(c as u32 - '۰' as u32, 10)?,
        _ => return None,
    })
}

/// Latin letters that do not decompose into a base letter and marks.
fn fold_latin_special(c: char) -> Option<&'static str> {
    Some(match c {
        'œ' | 'Œ' => "oe",
        'æ' | 'Æ' => "ae",
        'ß' | 'ẞ' => "ss",
        'ø' | 'Ø' => "o",
        'đ' | 'Đ' => "d",
        'ł' | 'Ł' => "l",
        'ı' => "i",
        'þ' | 'Þ' => "th",
        _ => return None,
    })
}

/// Appends the folded form of `c` (zero or more key characters) to `out`.
fn fold_char(c: char, out: &mut Vec<char>) {
    if is_invisible(c) || is_arabic_mark(c) {
        return;
    }
    if let Some(folded) = fold_arabic(c) {
        out.push(folded);
        return;
    }
    if let Some(folded) = fold_latin_special(c) {
        out.extend(folded.chars());
        return;
    }
    for base in std::iter::once(c).nfd() {
        if is_combining_mark(base) || is_arabic_mark(base) {
            continue;
        }
        for lower in base.to_lowercase() {
            if !is_combining_mark(lower) {
                out.push(lower);
            }
        }
    }
}

/// The search key of `text`, each key character with the byte range of the original character
/// it came from (so that a match in the key can be highlighted in the original).
pub fn search_key_spans(text: &str) -> Vec<(char, Range<usize>)> {
    let mut out: Vec<(char, Range<usize>)> = Vec::with_capacity(text.len());
    let mut folded = Vec::with_capacity(4);
    for (start, c) in text.char_indices() {
        let span = start..start + c.len_utf8();
        folded.clear();
        fold_char(c, &mut folded);
        for &k in &folded {
            if k.is_alphanumeric() {
                out.push((k, span.clone()));
            } else if out.last().is_some_and(|(last, _)| *last != ' ') {
                // Whitespace and punctuation: one space between words, none at the start.
                out.push((' ', span.clone()));
            }
        }
    }
    if out.last().is_some_and(|(last, _)| *last == ' ') {
        out.pop();
    }
    out
}

/// The search key of `text`: the normalisation used both when indexing and when querying.
pub fn search_key(text: &str) -> String {
    search_key_spans(text).into_iter().map(|(c, _)| c).collect()
}

/// One trigram: three characters.
pub type Trigram = [char; 3];

/// The trigrams of a key, pg_trgm style: each word padded with two spaces before and one after.
/// Sorted and without repeats, so that two sets are compared by one merge (ranking compares
/// every candidate's words, and sets of strings cost an allocation per trigram).
pub fn trigrams(key: &str) -> Vec<Trigram> {
    let mut out = Vec::new();
    for word in key.split(' ').filter(|w| !w.is_empty()) {
        let padded: Vec<char> = "  "
            .chars()
            .chain(word.chars())
            .chain(std::iter::once(' '))
            .collect();
        out.extend(padded.windows(3).map(|w| [w[0], w[1], w[2]]));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Jaccard similarity of two keys' trigram sets, from 0 (nothing shared) to 1 (same trigrams).
pub fn similarity(a: &str, b: &str) -> f64 {
    jaccard(&trigrams(a), &trigrams(b))
}

/// Jaccard similarity of two sorted, repeat-free trigram lists.
fn jaccard(a: &[Trigram], b: &[Trigram]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - shared;
    shared as f64 / union as f64
}

/// The trigrams inside a query key's words (no padding), for finding candidate records with
/// `LIKE '%abc%'` (which PostgreSQL's trigram index serves). A word shorter than three
/// characters stands for itself.
pub fn inner_trigrams(key: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for word in key.split(' ').filter(|w| !w.is_empty()) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 3 {
            out.insert(word.to_owned());
        } else {
            for window in chars.windows(3) {
                out.insert(window.iter().collect());
            }
        }
    }
    out
}

/// How a query matched a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// Similar words (typos, missing letters, other word order).
    Fuzzy,
    /// The query appears inside the text.
    Partial,
    /// The query is the whole text.
    Exact,
}

/// A query's match in one text: how, how well (0..=1), and which key characters matched.
#[derive(Debug, Clone, PartialEq)]
pub struct TextMatch {
    /// How the query matched.
    pub kind: MatchKind,
    /// The rank score: 1 for an exact match, 0.6..1 for a partial one (more of the text covered
    /// ranks higher), below 0.6 for fuzzy ones.
    pub score: f64,
    /// Ranges of key characters (not bytes) that matched.
    pub matched: Vec<Range<usize>>,
}

/// The least word similarity (average over the query's words) that counts as a fuzzy match.
pub const FUZZY_THRESHOLD: f64 = 0.45;
/// The least similarity for one text word to be highlighted as matching a query word.
const WORD_HIGHLIGHT: f64 = 0.4;

/// Matches a query key against a text key (both from [`search_key`]); `None` when they do not
/// match. Exact beats partial beats fuzzy, whatever the lengths, so an exact name always ranks
/// first.
pub fn match_key(query: &str, text: &str) -> Option<TextMatch> {
    if query.is_empty() || text.is_empty() {
        return None;
    }
    let text_chars: Vec<char> = text.chars().collect();
    let query_len = query.chars().count();
    if query == text {
        return Some(TextMatch {
            kind: MatchKind::Exact,
            score: 1.0,
            matched: std::iter::once(0..text_chars.len()).collect(),
        });
    }
    if let Some(byte) = text.find(query) {
        let start = text[..byte].chars().count();
        let coverage = query_len as f64 / text_chars.len() as f64;
        // A match at the start of a word is worth a little more than one inside a word.
        let word_start = start == 0 || text_chars.get(start - 1) == Some(&' ');
        let bonus = if word_start { 0.05 } else { 0.0 };
        return Some(TextMatch {
            kind: MatchKind::Partial,
            score: (0.6 + 0.3 * coverage + bonus).min(0.99),
            matched: std::iter::once(start..start + query_len).collect(),
        });
    }
    // Fuzzy: each query word against its most similar text word.
    let mut words = Vec::new();
    let mut offset = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        words.push((offset..offset + len, trigrams(word)));
        offset += len + 1;
    }
    let query_words: Vec<&str> = query.split(' ').filter(|w| !w.is_empty()).collect();
    let mut total = 0.0;
    let mut matched = Vec::new();
    for q in &query_words {
        let q_trigrams = trigrams(q);
        let best = words
            .iter()
            .map(|(range, t)| (range, jaccard(&q_trigrams, t)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((range, sim)) = best {
            total += sim;
            if sim >= WORD_HIGHLIGHT && !matched.contains(range) {
                matched.push(range.clone());
            }
        }
    }
    let average = total / query_words.len().max(1) as f64;
    if average < FUZZY_THRESHOLD {
        return None;
    }
    matched.sort_by_key(|r| r.start);
    Some(TextMatch {
        kind: MatchKind::Fuzzy,
        score: 0.59 * average,
        matched,
    })
}

/// Marks the matched parts of `original` with `open` and `close`. `matched` holds key character
/// ranges of `search_key(original)`, as in [`TextMatch::matched`]; `escape` is applied to the
/// text between markers (e.g. HTML escaping).
pub fn highlight(
    original: &str,
    matched: &[Range<usize>],
    open: &str,
    close: &str,
    escape: impl Fn(&str) -> String,
) -> String {
    let spans = search_key_spans(original);
    let mut bytes: Vec<Range<usize>> = matched
        .iter()
        .filter_map(|r| {
            let first = spans.get(r.start)?;
            let last = spans.get(r.end.checked_sub(1)?)?;
            Some(first.1.start..last.1.end)
        })
        .collect();
    bytes.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(original.len() + 16);
    let mut at = 0;
    for range in bytes {
        if range.start < at {
            continue;
        }
        out.push_str(&escape(&original[at..range.start]));
        out.push_str(open);
        out.push_str(&escape(&original[range.clone()]));
        out.push_str(close);
        at = range.end;
    }
    out.push_str(&escape(&original[at..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_folds_diacritics_variants_and_digits() {
        assert_eq!(
            search_key("المندوبية العامة لإدارة السجون"),
            "المندوبيه العامه لاداره السجون"
        );
        assert_eq!(search_key("إعادة الإدماج"), search_key("اعادة الادماج"));
        assert_eq!(search_key("مُؤَسَّسَة"), "موسسه");
        assert_eq!(search_key("مـــحـمـد"), "محمد");
        assert_eq!(search_key("مستشفى"), "مستشفي");
        assert_eq!(search_key("رئيس"), "رييس");
        assert_eq!(search_key("آسفي ٱلقرآن"), "اسفي القران");
        assert_eq!(search_key("أوطيطة ١٢٣"), "اوطيطه 123");
        assert_eq!(search_key("۴۵"), "45");
    }

    #[test]
    fn latin_folds_case_accents_and_ligatures() {
        assert_eq!(
            search_key("École Mohammadia d'Ingénieurs"),
            "ecole mohammadia d ingenieurs"
        );
        assert_eq!(search_key("RÉINSERTION"), "reinsertion");
        assert_eq!(search_key("Façade"), "facade");
        assert_eq!(search_key("Œuvre ÆSOP cœur"), "oeuvre aesop coeur");
        assert_eq!(search_key("Drâa-Tafilalet"), "draa tafilalet");
        assert_eq!(search_key("Straße"), "strasse");
    }

    #[test]
    fn whitespace_punctuation_and_bidi_controls() {
        assert_eq!(search_key("  DGAPR–EMI ,  (test)  "), "dgapr emi test");
        assert_eq!(search_key("\u{200F}سجن\u{200E} \u{202B}x\u{202C}"), "سجن x");
        assert_eq!(search_key("---"), "");
        assert_eq!(search_key("Micro-Finance"), "micro finance");
    }

    #[test]
    fn trigrams_and_similarity() {
        let t = trigrams("ab ab");
        assert_eq!(t, [[' ', ' ', 'a'], [' ', 'a', 'b'], ['a', 'b', ' ']]);
        assert_eq!(similarity("mohammadia", "mohammadia"), 1.0);
        assert!(similarity("mohamadia", "mohammadia") > 0.7);
        assert!(similarity("mohamadia", "mohammed") < 0.4);
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(
            inner_trigrams("vi abcd"),
            ["vi", "abc", "bcd"].iter().map(|s| s.to_string()).collect()
        );
    }

    #[test]
    fn exact_ranks_before_partial_before_fuzzy() {
        let exact = match_key("pri", "pri").map(|m| m.score);
        let partial = match_key("pri", "pri cooperation").map(|m| m.score);
        let inner = match_key("pri", "agricultural prison").map(|m| m.score);
        let fuzzy = match_key("mohamadia", "ecole mohammadia d ingenieurs");
        assert_eq!(exact, Some(1.0));
        assert!(partial < exact && inner < partial);
        let fuzzy = fuzzy.expect("fuzzy match");
        assert_eq!(fuzzy.kind, MatchKind::Fuzzy);
        assert!(Some(fuzzy.score) < inner);
        assert_eq!(fuzzy.matched, std::iter::once(6..16).collect::<Vec<_>>());
        assert_eq!(match_key("zzz", "penal reform"), None);
    }

    #[test]
    fn highlights_map_back_to_the_original() {
        let original = "École Mohammadia d'Ingénieurs";
        let m = match_key("ecole", &search_key(original)).expect("match");
        let marked = highlight(original, &m.matched, "[", "]", str::to_owned);
        assert_eq!(marked, "[École] Mohammadia d'Ingénieurs");
        let m = match_key(&search_key("ingenieurs"), &search_key(original)).expect("match");
        assert_eq!(
            highlight(original, &m.matched, "<", ">", str::to_owned),
            "École Mohammadia d'<Ingénieurs>"
        );
        let arabic = "وإعادة الإدماج";
        let m = match_key(&search_key("اعادة الادماج"), &search_key(arabic)).expect("match");
        assert_eq!(
            highlight(arabic, &m.matched, "[", "]", str::to_owned),
            "و[إعادة الإدماج]"
        );
    }
}
