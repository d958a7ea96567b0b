//! Answers written as JSON straight from async-graphql's values, byte for byte as serde_json
//! writes them, except that JSON text this server wrote itself while answering (a page of
//! nodes or a list of rows, see `crate::schema::plain` and
//! [`crate::schema::rows::Selection::list`]) is copied, not validated again.
//!
//! async-graphql carries such text as an object whose one key is [`RAW_VALUE_TOKEN`]
//! (its `raw_value` feature); serde_json, which still serialises the answers of other paths
//! (batches, subscriptions, tests' `into_json`), parses it again to check it. Text is written
//! into a `String`, so that a page holding the text of the pages below it need not check it
//! for UTF-8 again. The unit tests compare this writer with serde_json on values of every kind
//! and strings of every byte.

use std::fmt::Write as _;
use std::sync::LazyLock;

use async_graphql::indexmap::IndexMap;
use async_graphql::{Name, Response, Value};
use async_graphql_value::RAW_VALUE_TOKEN;

/// The answer `response` as serde_json serialises it (`data`, then `extensions` and `errors`
/// when there are any).
pub fn answer(response: &Response) -> serde_json::Result<Vec<u8>> {
    // Sized once: a dashboard's answer is some 150 KB, which growing by doubling from a small
    // buffer would copy again and again.
    let mut out = String::with_capacity(256 + size(&response.data));
    out.push_str("{\"data\":");
    value(&mut out, &response.data)?;
    if !response.extensions.is_empty() {
        out.push_str(",\"extensions\":");
        out.push_str(&serde_json::to_string(&response.extensions)?);
    }
    if !response.errors.is_empty() {
        out.push_str(",\"errors\":");
        out.push_str(&serde_json::to_string(&response.errors)?);
    }
    out.push('}');
    Ok(out.into_bytes())
}

/// Writes `v` as serde_json writes it (compact), copying raw JSON text as it is.
pub fn value(out: &mut String, v: &Value) -> serde_json::Result<()> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Boolean(true) => out.push_str("true"),
        Value::Boolean(false) => out.push_str("false"),
        // serde_json writes an integer with itoa, and a float as its `Display` does (ryu).
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                int(out, u);
            } else if let Some(i) = n.as_i64() {
                int(out, i);
            } else {
                let _ = write!(out, "{n}");
            }
        }
        Value::String(s) => string(out, s),
        Value::Enum(name) => string(out, name),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                value(out, item)?;
            }
            out.push(']');
        }
        Value::Object(map) => match raw(v) {
            Some(text) => out.push_str(text),
            None => {
                out.push('{');
                for (i, (key, item)) in map.iter().enumerate() {
                    member(out, i == 0, key);
                    value(out, item)?;
                }
                out.push('}');
            }
        },
        Value::Binary(_) => out.push_str(&serde_json::to_string(v)?),
    }
    Ok(())
}

/// About how long `v`'s JSON text is: exact for raw text and strings without escapes, a guess
/// for numbers.
pub fn size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Boolean(_) | Value::Number(_) | Value::Binary(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Enum(name) => name.len() + 2,
        Value::List(items) => 2 + items.iter().map(|item| size(item) + 1).sum::<usize>(),
        Value::Object(map) => match raw(v) {
            Some(text) => text.len(),
            None => {
                2 + map
                    .iter()
                    .map(|(key, item)| key.len() + 4 + size(item))
                    .sum::<usize>()
            }
        },
    }
}

/// The JSON text `v` carries, when it is raw text ([`raw_value`]).
pub fn raw(v: &Value) -> Option<&str> {
    match v {
        Value::Object(map) if map.len() == 1 => match map.get(RAW_VALUE_TOKEN) {
            Some(Value::String(text)) => Some(text),
            _ => None,
        },
        _ => None,
    }
}

/// `text`, JSON written by this server, carried in a value (see the module's documentation).
pub fn raw_value(text: String) -> Value {
    // A dashboard carries some 2,600 of these: the map is cloned from one made once, which
    // spares hashing the key (and allocating its name) each time.
    static TEMPLATE: LazyLock<IndexMap<Name, Value>> = LazyLock::new(|| {
        IndexMap::from_iter([(Name::new(RAW_VALUE_TOKEN), Value::String(String::new()))])
    });
    let mut map = TEMPLATE.clone();
    if let Some((_, slot)) = map.first_mut() {
        *slot = Value::String(text);
    }
    Value::Object(map)
}

/// Writes the key of an object's member (`"key":`), after a comma unless it is the first.
pub fn member(out: &mut String, first: bool, key: &str) {
    if !first {
        out.push(',');
    }
    string(out, key);
    out.push(':');
}

/// Writes the key of an object's member (`"key":`) when the key is a response key of the
/// query: a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`, the only kind the query's parser admits),
/// which holds nothing to escape. An answer writes thousands of them.
pub fn name_member(out: &mut String, first: bool, key: &str) {
    debug_assert!(
        key.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()),
        "{key:?} is not a GraphQL name"
    );
    out.reserve(key.len() + 4);
    if !first {
        out.push(',');
    }
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
}

/// Writes `n` as serde_json writes an integer.
pub fn int(out: &mut String, n: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Writes `s` as a JSON string, escaped as serde_json escapes it.
pub fn string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none of them is escaped, as is most of every answer.
        if let Some(Ok(word)) = bytes.get(i..i + 8).map(<[u8; 8]>::try_from)
            && !escapes_any(u64::from_le_bytes(word))
        {
            i += 8;
            continue;
        }
        let byte = bytes[i];
        let escape = ESCAPE[usize::from(byte)];
        if escape != 0 {
            // `byte` is ASCII, so `i` is on a character boundary.
            out.push_str(&s[start..i]);
            out.push('\\');
            if escape == b'u' {
                out.push_str("u00");
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xF)]));
            } else {
                out.push(char::from(escape));
            }
            start = i + 1;
        }
        i += 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Whether one of the eight bytes of `word` is escaped in a JSON string: a control character
/// (below 0x20), a quote or a backslash. The tests for a byte below `n` and for a zero byte are the
/// classic word-at-a-time ones ("Bit Twiddling Hacks", `hasless` and `haszero`): exact as to
/// whether there is one, which is all that is asked here.
fn escapes_any(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH != 0;
    let has = |byte: u8| {
        let v = word ^ (ONES * u64::from(byte));
        v.wrapping_sub(ONES) & !v & HIGH != 0
    };
    below(0x20) || has(b'"') || has(b'\\')
}

const HEX: [u8; 16] = *b"0123456789abcdef";

/// serde_json's escapes: `b'u'` for `\u00XX`, another letter for its short form, 0 for none.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

#[cfg(test)]
mod tests {
    use async_graphql::indexmap::IndexMap;
    use async_graphql::{Name, Number};

    use super::*;

    fn written(v: &Value) -> Vec<u8> {
        let mut out = String::new();
        value(&mut out, v).expect("written");
        out.into_bytes()
    }

    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        // Strings of every byte below 0x80 and some beyond, in every position.
        let mut seed = 7u64;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..seed % 40 {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                s.push(match (seed >> 33) % 5 {
                    0 => char::from_u32(((seed >> 40) % 0x80) as u32).unwrap_or('a'),
                    1 => 'é',
                    2 => 'ش',
                    3 => '"',
                    _ => '\\',
                });
            }
            let mut object = IndexMap::new();
            object.insert(Name::new(&s), Value::Enum(Name::new("FEMALE")));
            object.insert(
                Name::new("n"),
                Value::Number(Number::from(seed as i64 >> 20)),
            );
            let v = Value::List(vec![
                Value::String(s.clone()),
                Value::Object(object),
                Value::Number(Number::from_f64((seed % 1000) as f64 / 7.0).expect("finite")),
                Value::Number(Number::from(u64::MAX)),
                Value::Number(Number::from(i64::MIN)),
                Value::Number(Number::from_f64(-1e300 / (seed % 7 + 1) as f64).expect("finite")),
                Value::Number(Number::from_f64(1e-7 * (seed % 1000) as f64).expect("finite")),
                Value::Boolean(seed.is_multiple_of(2)),
                Value::Null,
                Value::Binary(vec![1, 2, 3].into()),
                Value::Object(IndexMap::new()),
            ]);
            assert_eq!(
                written(&v),
                serde_json::to_vec(&v).expect("serde_json"),
                "{s:?}"
            );
        }
    }

    #[test]
    fn every_ascii_character_is_escaped_wherever_it_stands() {
        // Strings are scanned eight bytes at a time: each character, in each place of a word
        // and of the tail after the last whole word, among letters and non-ASCII characters.
        let chars = (0u8..0x80).map(char::from).chain(['é', 'ش', '€', '😀']);
        for c in chars {
            for len in [1, 7, 8, 9, 16, 17, 23] {
                for at in 0..len {
                    let s: String = (0..len)
                        .map(|i| {
                            if i == at {
                                c
                            } else if i % 3 == 0 {
                                'ß'
                            } else {
                                'a'
                            }
                        })
                        .collect();
                    let mut out = String::new();
                    string(&mut out, &s);
                    assert_eq!(out, serde_json::to_string(&s).expect("serde_json"), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn sizes_cover_what_is_written_without_escapes() {
        // A dashboard's answer is raw pages within objects: its buffer is sized by `size`,
        // and must not have to grow while it is written.
        let mut page = IndexMap::new();
        page.insert(
            Name::new("nodes"),
            raw_value(r#"[{"id":"T3Jn","title":{"fr":"Convention 0"}}]"#.into()),
        );
        let mut object = IndexMap::new();
        object.insert(Name::new("organisations"), Value::Object(page));
        object.insert(Name::new("status"), Value::Enum(Name::new("ACTIVE")));
        object.insert(Name::new("title"), Value::String("Sharaka شراكة".into()));
        object.insert(Name::new("hours"), Value::Number(Number::from(1234)));
        let v = Value::List(vec![
            Value::Object(object),
            Value::Null,
            Value::Boolean(true),
            Value::List(Vec::new()),
        ]);
        let len = written(&v).len();
        assert!(size(&v) >= len, "{} < {len}", size(&v));
        // Members and items are counted with their separators, one too many each at most.
        assert!(size(&v) <= len + 16, "{} ≫ {len}", size(&v));
        let raw = raw_value("[1,2,3]".into());
        assert_eq!(size(&raw), 7);
    }

    #[test]
    fn raw_text_is_copied_as_serde_json_would_write_it() {
        let v = Value::List(vec![raw_value(r#"[{"sex":"FEMALE","n":1}]"#.into())]);
        assert_eq!(written(&v), br#"[[{"sex":"FEMALE","n":1}]]"#);
        assert_eq!(written(&v), serde_json::to_vec(&v).expect("serde_json"));
        let response = Response::new(v);
        assert_eq!(
            answer(&response).expect("answer"),
            serde_json::to_vec(&response).expect("serde_json")
        );
    }
}
