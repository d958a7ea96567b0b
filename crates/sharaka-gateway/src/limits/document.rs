//! The pre-validation document check: runs before async-graphql looks at the query (the
//! document parsed here is handed to it, so the query is parsed once), in time linear in the
//! size of the request.
//!
//! Three steps:
//! 1. [`scan_nesting`]: a lexical scan of the query text for the deepest nesting of `{`, `[` and
//!    `(` outside strings and comments. async-graphql's parser converts values recursively
//!    without a limit: a 10 KB list literal nested 5,000 deep overflows a thread's stack and
//!    aborts the whole process. The scan runs before the parser ever sees the text.
//! 2. [`measure`]: what execution would resolve, counted over the parsed document with every
//!    fragment spread expanded, each fragment measured once (memoised) in dependency order, and a
//!    fragment cycle refused. async-graphql 7 expands spreads afresh at every use in its depth,
//!    complexity, directive and recursion checks, so a < 1 KB "fragment bomb" costs it tens of
//!    seconds of CPU that no timeout can interrupt; here it costs one pass. `__typename` and
//!    aliased fields count like any other field (async-graphql's complexity skips the former and
//!    has no limit on the latter).
//! 3. [`measure_inputs`]: the values in arguments, variable defaults and variables: how many,
//!    how deeply nested, and whether any text holds a NUL character (PostgreSQL refuses them).
//!
//! Nothing here recurses deeper than the nesting the scan allowed, so the check itself cannot
//! overflow the stack.

use std::collections::HashMap;

use async_graphql::Variables;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    Directive, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Value};

/// The limits a document is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Most selections after expanding fragments: fields (aliased fields and `__typename`
    /// included), fragment spreads and inline fragments.
    pub max_fields: u64,
    /// Most aliased fields after expanding fragments.
    pub max_aliases: u64,
    /// Most fields at the root of one operation after expanding fragments.
    pub max_root_fields: u64,
    /// Most directives after expanding fragments.
    pub max_directives: u64,
    /// Deepest field nesting (as async-graphql's depth limit counts it).
    pub max_depth: u64,
    /// Deepest nesting of brackets in the query text and of lists and objects in variables.
    pub max_nesting: usize,
    /// Most values (scalars, list items, object fields) in arguments, defaults and variables.
    pub max_input_values: u64,
}

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The text nests brackets too deeply (reported as a parse failure).
    #[error("the query nests deeper than {max} levels (line {line}, column {column})")]
    Nesting {
        /// The limit.
        max: usize,
        /// Where the limit was passed.
        line: usize,
        /// Where the limit was passed.
        column: usize,
    },
    /// Fragments spread each other in a cycle.
    #[error("fragment `{0}` spreads itself (directly or through other fragments)")]
    FragmentCycle(String),
    /// Too many selections.
    #[error(
        "the query selects {count} fields and fragments once fragments are expanded; the limit is {max}"
    )]
    Fields {
        /// How many (saturating).
        count: u64,
        /// The limit.
        max: u64,
    },
    /// Too deep.
    #[error("the query is {count} fields deep; the limit is {max}")]
    Depth {
        /// How deep.
        count: u64,
        /// The limit.
        max: u64,
    },
    /// Too many aliases.
    #[error("the query uses {count} aliases once fragments are expanded; the limit is {max}")]
    Aliases {
        /// How many.
        count: u64,
        /// The limit.
        max: u64,
    },
    /// Too many root fields.
    #[error("an operation selects {count} root fields; the limit is {max}")]
    RootFields {
        /// How many.
        count: u64,
        /// The limit.
        max: u64,
    },
    /// Too many directives.
    #[error("the query uses {count} directives once fragments are expanded; the limit is {max}")]
    Directives {
        /// How many.
        count: u64,
        /// The limit.
        max: u64,
    },
    /// Too many input values.
    #[error("the request holds {count} input values; the limit is {max}")]
    InputValues {
        /// How many.
        count: u64,
        /// The limit.
        max: u64,
    },
    /// Variables nest too deeply.
    #[error("the variables nest deeper than {max} levels")]
    InputNesting {
        /// The limit.
        max: usize,
    },
    /// Text with a NUL character.
    #[error("text may not contain NUL characters")]
    Nul,
}

impl Refusal {
    /// The code a client sees: a nesting refusal is a parse failure (the parser never ran), a
    /// NUL is bad input, everything else fails validation.
    pub fn code(&self) -> crate::error::Code {
        use crate::error::Code;
        match self {
            Refusal::Nesting { .. } => Code::GraphqlParseFailed,
            Refusal::Nul => Code::BadUserInput,
            _ => Code::GraphqlValidationFailed,
        }
    }
}

/// What a document would make the server do, with every fragment expanded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Fields, fragment spreads and inline fragments.
    pub fields: u64,
    /// Aliased fields.
    pub aliases: u64,
    /// Directives.
    pub directives: u64,
    /// Deepest field nesting.
    pub depth: u64,
    /// Most root fields of one operation.
    pub root_fields: u64,
}

/// Checks the query text's bracket nesting without parsing it; see the module documentation.
pub fn scan_nesting(query: &str, max: usize) -> Result<usize, Refusal> {
    let bytes = query.as_bytes();
    let (mut i, mut depth, mut deepest) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                // A block string ends at `"""` not preceded by a backslash (`\"""` is an escape).
                i += 3;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else if bytes[i..].starts_with(b"\"\"\"") {
                        i += 2;
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    // An escape consumes the next character, whatever it is.
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    let (line, column) = position(query, i);
                    return Err(Refusal::Nesting { max, line, column });
                }
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(deepest)
}

fn position(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// What one selection set costs, relative to where it is used.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    /// Fields, spreads and inline fragments.
    selections: u64,
    aliases: u64,
    directives: u64,
    /// Deepest field nesting below and including this level.
    depth: u64,
    /// Fields at this level once fragments are expanded.
    top_fields: u64,
}

impl Cost {
    fn add(&mut self, other: &Cost) {
        self.selections = self.selections.saturating_add(other.selections);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.depth = self.depth.max(other.depth);
        self.top_fields = self.top_fields.saturating_add(other.top_fields);
    }
}

fn directive_count(directives: &[Positioned<Directive>]) -> u64 {
    directives.len() as u64
}

/// The cost of `set`, with each spread's cost taken from `fragments` (already measured: the
/// fragments are measured in dependency order). Recursion follows the set's own nesting only,
/// which the parser and [`scan_nesting`] bound.
fn cost_of(set: &SelectionSet, fragments: &HashMap<&str, Cost>) -> Cost {
    let mut cost = Cost::default();
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                let inner = cost_of(&field.selection_set.node, fragments);
                cost.selections = cost
                    .selections
                    .saturating_add(1)
                    .saturating_add(inner.selections);
                cost.aliases = cost
                    .aliases
                    .saturating_add(u64::from(field.alias.is_some()))
                    .saturating_add(inner.aliases);
                cost.directives = cost
                    .directives
                    .saturating_add(directive_count(&field.directives))
                    .saturating_add(inner.directives);
                cost.depth = cost.depth.max(inner.depth.saturating_add(1));
                cost.top_fields = cost.top_fields.saturating_add(1);
            }
            Selection::FragmentSpread(spread) => {
                let spread = &spread.node;
                cost.selections = cost.selections.saturating_add(1);
                cost.directives = cost
                    .directives
                    .saturating_add(directive_count(&spread.directives));
                // An unknown fragment is reported by validation; it costs nothing here.
                if let Some(inner) = fragments.get(spread.fragment_name.node.as_str()) {
                    cost.add(inner);
                }
            }
            Selection::InlineFragment(inline) => {
                let inline = &inline.node;
                cost.selections = cost.selections.saturating_add(1);
                cost.directives = cost
                    .directives
                    .saturating_add(directive_count(&inline.directives));
                cost.add(&cost_of(&inline.selection_set.node, fragments));
            }
        }
    }
    cost
}

/// The fragments `set` spreads directly (at any nesting within it).
fn spreads_in<'a>(set: &'a SelectionSet, out: &mut Vec<&'a str>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => spreads_in(&field.node.selection_set.node, out),
            Selection::FragmentSpread(spread) => out.push(spread.node.fragment_name.node.as_str()),
            Selection::InlineFragment(inline) => spreads_in(&inline.node.selection_set.node, out),
        }
    }
}

/// The fragments in dependency order (a fragment after every fragment it spreads), or the name
/// of a fragment on a cycle. Iterative: a chain of thousands of fragments is no deeper on the
/// stack than one.
fn dependency_order(
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
) -> Result<Vec<&str>, Refusal> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let edges: HashMap<&str, Vec<&str>> = fragments
        .iter()
        .map(|(name, fragment)| {
            let mut out = Vec::new();
            spreads_in(&fragment.node.selection_set.node, &mut out);
            out.retain(|n| fragments.contains_key(*n));
            (name.as_str(), out)
        })
        .collect();
    let mut marks: HashMap<&str, Mark> = HashMap::with_capacity(edges.len());
    let mut order = Vec::with_capacity(edges.len());
    let mut names: Vec<&str> = edges.keys().copied().collect();
    names.sort_unstable();
    for root in names {
        if marks.contains_key(root) {
            continue;
        }
        // (fragment, index of the next edge to follow)
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        marks.insert(root, Mark::Open);
        while let Some((name, next)) = stack.last_mut() {
            let targets = &edges[*name];
            if let Some(target) = targets.get(*next).copied() {
                *next += 1;
                match marks.get(target) {
                    Some(Mark::Open) => return Err(Refusal::FragmentCycle(target.to_owned())),
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(target, Mark::Open);
                        stack.push((target, 0));
                    }
                }
            } else {
                marks.insert(name, Mark::Done);
                order.push(*name);
                stack.pop();
            }
        }
    }
    Ok(order)
}

/// Measures a parsed document: see [`Usage`]. Time and memory are linear in the document's size.
pub fn measure(document: &ExecutableDocument) -> Result<Usage, Refusal> {
    let order = dependency_order(&document.fragments)?;
    let mut costs: HashMap<&str, Cost> = HashMap::with_capacity(order.len());
    for name in order {
        if let Some((key, fragment)) = document.fragments.get_key_value(name) {
            let mut cost = cost_of(&fragment.node.selection_set.node, &costs);
            cost.directives = cost
                .directives
                .saturating_add(directive_count(&fragment.node.directives));
            costs.insert(key.as_str(), cost);
        }
    }
    let mut usage = Usage::default();
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        let cost = cost_of(&operation.selection_set.node, &costs);
        usage.fields = usage.fields.saturating_add(cost.selections);
        usage.aliases = usage.aliases.saturating_add(cost.aliases);
        usage.directives = usage
            .directives
            .saturating_add(cost.directives)
            .saturating_add(directive_count(&operation.directives));
        usage.depth = usage.depth.max(cost.depth);
        usage.root_fields = usage.root_fields.max(cost.top_fields);
    }
    Ok(usage)
}

/// Holds `usage` to `limits`.
pub fn enforce(usage: &Usage, limits: &DocumentLimits) -> Result<(), Refusal> {
    if usage.fields > limits.max_fields {
        return Err(Refusal::Fields {
            count: usage.fields,
            max: limits.max_fields,
        });
    }
    if usage.depth > limits.max_depth {
        return Err(Refusal::Depth {
            count: usage.depth,
            max: limits.max_depth,
        });
    }
    if usage.aliases > limits.max_aliases {
        return Err(Refusal::Aliases {
            count: usage.aliases,
            max: limits.max_aliases,
        });
    }
    if usage.root_fields > limits.max_root_fields {
        return Err(Refusal::RootFields {
            count: usage.root_fields,
            max: limits.max_root_fields,
        });
    }
    if usage.directives > limits.max_directives {
        return Err(Refusal::Directives {
            count: usage.directives,
            max: limits.max_directives,
        });
    }
    Ok(())
}

/// Counts values and finds NUL characters, iteratively; refuses values nested deeper than
/// `max_nesting` (the scan already bounds literals; this bounds variables).
struct InputCount {
    values: u64,
    max_nesting: usize,
    nul: bool,
    too_deep: bool,
}

impl InputCount {
    fn visit_value(&mut self, value: &Value) {
        let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
        while let Some((value, depth)) = stack.pop() {
            self.values = self.values.saturating_add(1);
            if depth > self.max_nesting {
                self.too_deep = true;
                return;
            }
            match value {
                Value::String(s) => self.nul |= s.contains('\0'),
                Value::List(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
                Value::Object(map) => {
                    for (key, v) in map {
                        self.nul |= key.contains('\0');
                        stack.push((v, depth + 1));
                    }
                }
                _ => {}
            }
        }
    }

    fn visit_literal(&mut self, value: &async_graphql_value::Value) {
        use async_graphql_value::Value as V;
        let mut stack: Vec<&V> = vec![value];
        while let Some(value) = stack.pop() {
            self.values = self.values.saturating_add(1);
            match value {
                V::String(s) => self.nul |= s.contains('\0'),
                V::List(items) => stack.extend(items.iter()),
                V::Object(map) => stack.extend(map.values()),
                _ => {}
            }
        }
    }

    fn visit_directives(&mut self, directives: &[Positioned<Directive>]) {
        for directive in directives {
            for (_, value) in &directive.node.arguments {
                self.visit_literal(&value.node);
            }
        }
    }

    fn visit_set(&mut self, set: &SelectionSet) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    for (_, value) in &field.node.arguments {
                        self.visit_literal(&value.node);
                    }
                    self.visit_directives(&field.node.directives);
                    self.visit_set(&field.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    self.visit_directives(&spread.node.directives);
                }
                Selection::InlineFragment(inline) => {
                    self.visit_directives(&inline.node.directives);
                    self.visit_set(&inline.node.selection_set.node);
                }
            }
        }
    }
}

/// Checks the values a request holds: in the document's text (each written value once, not
/// per expansion: a value in a fragment is parsed once) and in its variables.
pub fn measure_inputs(
    document: &ExecutableDocument,
    variables: &Variables,
    limits: &DocumentLimits,
) -> Result<u64, Refusal> {
    let mut count = InputCount {
        values: 0,
        max_nesting: limits.max_nesting,
        nul: false,
        too_deep: false,
    };
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        for definition in &operation.variable_definitions {
            if let Some(default) = &definition.node.default_value {
                count.visit_value(&default.node);
            }
            count.visit_directives(&definition.node.directives);
        }
        count.visit_directives(&operation.directives);
        count.visit_set(&operation.selection_set.node);
    }
    for fragment in document.fragments.values() {
        count.visit_directives(&fragment.node.directives);
        count.visit_set(&fragment.node.selection_set.node);
    }
    for (name, value) in variables.iter() {
        count.nul |= name.contains('\0');
        count.visit_value(value);
        if count.too_deep {
            return Err(Refusal::InputNesting {
                max: limits.max_nesting,
            });
        }
    }
    if count.nul {
        return Err(Refusal::Nul);
    }
    if count.values > limits.max_input_values {
        return Err(Refusal::InputValues {
            count: count.values,
            max: limits.max_input_values,
        });
    }
    Ok(count.values)
}

/// Every check on a parsed document and its variables.
pub fn check(
    document: &ExecutableDocument,
    variables: &Variables,
    limits: &DocumentLimits,
) -> Result<Usage, Refusal> {
    let usage = measure(document)?;
    enforce(&usage, limits)?;
    measure_inputs(document, variables, limits)?;
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    const LIMITS: DocumentLimits = DocumentLimits {
        max_fields: 10_000,
        max_aliases: 500,
        max_root_fields: 50,
        max_directives: 100,
        max_depth: 20,
        max_nesting: 64,
        max_input_values: 1_000,
    };

    fn usage(query: &str) -> Result<Usage, Refusal> {
        scan_nesting(query, LIMITS.max_nesting)?;
        measure(&parse_query(query).expect("parses"))
    }

    /// The naive measure: expands every spread afresh (what async-graphql does), for
    /// comparison on small documents.
    fn naive(document: &ExecutableDocument) -> Usage {
        fn walk(
            doc: &ExecutableDocument,
            set: &SelectionSet,
            level: u64,
            usage: &mut Usage,
        ) -> u64 {
            let mut top = 0;
            for selection in &set.items {
                match &selection.node {
                    Selection::Field(field) => {
                        usage.fields += 1;
                        usage.aliases += u64::from(field.node.alias.is_some());
                        usage.directives += field.node.directives.len() as u64;
                        usage.depth = usage.depth.max(level + 1);
                        top += 1;
                        walk(doc, &field.node.selection_set.node, level + 1, usage);
                    }
                    Selection::FragmentSpread(spread) => {
                        usage.fields += 1;
                        usage.directives += spread.node.directives.len() as u64;
                        if let Some(f) = doc.fragments.get(&spread.node.fragment_name.node) {
                            usage.directives += f.node.directives.len() as u64;
                            top += walk(doc, &f.node.selection_set.node, level, usage);
                        }
                    }
                    Selection::InlineFragment(inline) => {
                        usage.fields += 1;
                        usage.directives += inline.node.directives.len() as u64;
                        top += walk(doc, &inline.node.selection_set.node, level, usage);
                    }
                }
            }
            top
        }
        let mut usage = Usage::default();
        for (_, op) in document.operations.iter() {
            usage.directives += op.node.directives.len() as u64;
            let top = walk(document, &op.node.selection_set.node, 0, &mut usage);
            usage.root_fields = usage.root_fields.max(top);
        }
        usage
    }

    #[test]
    fn counts_fields_typename_and_aliases() {
        let u = usage("{ a: __typename b: __typename regions { totalCount } }").expect("ok");
        assert_eq!(u.fields, 4);
        assert_eq!(u.aliases, 2);
        assert_eq!(u.depth, 2);
        assert_eq!(u.root_fields, 3);
    }

    #[test]
    fn expands_fragments_once_each() {
        let q = "query { ...A ...A } fragment A on Query { x: __typename ...B ...B }
                 fragment B on Query { __typename @include(if: true) }";
        let u = usage(q).expect("ok");
        assert_eq!(u, naive(&parse_query(q).expect("parses")));
        // Two A, each: 1 alias field + 2 spreads of B, each B one field.
        assert_eq!(u.fields, 2 * (1 + 1 + 2 * (1 + 1)));
        assert_eq!(u.aliases, 2);
        assert_eq!(u.directives, 4);
        assert_eq!(u.root_fields, 6);
    }

    #[test]
    fn a_fragment_bomb_is_measured_in_linear_time() {
        // 2^60 fields once expanded, in a few hundred bytes.
        let mut q = String::from("query { ...F0 }\n");
        for i in 0..60 {
            q.push_str(&format!(
                "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        q.push_str("fragment F60 on Query { __typename }\n");
        let started = std::time::Instant::now();
        let u = usage(&q).expect("measured");
        assert!(u.fields > 1 << 60, "{u:?}");
        assert!(matches!(enforce(&u, &LIMITS), Err(Refusal::Fields { .. })));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn fragment_cycles_are_refused() {
        for q in [
            "{ ...A } fragment A on Query { ...A }",
            "{ ...A } fragment A on Query { x { ...B } } fragment B on X { ... on X { ...A } }",
        ] {
            assert!(matches!(usage(q), Err(Refusal::FragmentCycle(_))), "{q}");
        }
    }

    #[test]
    fn a_long_fragment_chain_does_not_recurse() {
        let n = 50_000;
        let mut q = String::from("{ ...F0 }\n");
        for i in 0..n {
            q.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
        }
        q.push_str(&format!("fragment F{n} on Query {{ __typename }}\n"));
        let document = parse_query(&q).expect("parses");
        // On a small stack, to prove the walk is iterative.
        let u = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || measure(&document))
            .expect("thread")
            .join()
            .expect("no overflow")
            .expect("measured");
        assert_eq!(u.fields, n as u64 + 2);
    }

    #[test]
    fn nesting_is_scanned_outside_strings_and_comments() {
        assert_eq!(scan_nesting("{ a(x: [[1]]) }", 64), Ok(4));
        assert_eq!(scan_nesting(r#"{ a(x: "[[[[\"[[[") }"#, 64), Ok(2));
        assert_eq!(scan_nesting("{ a # [[[[[\n }", 64), Ok(1));
        assert_eq!(scan_nesting(r#"{ a(x: """ [[[ \""" [[ """) }"#, 64), Ok(2));
        let deep = format!("{{ a(x: {}1{}) }}", "[".repeat(5000), "]".repeat(5000));
        assert!(matches!(
            scan_nesting(&deep, 64),
            Err(Refusal::Nesting { max: 64, .. })
        ));
    }

    #[test]
    fn inputs_are_counted_and_nul_refused() {
        let doc = parse_query(r#"{ a(x: [1, 2, {y: "z"}]) }"#).expect("parses");
        assert_eq!(measure_inputs(&doc, &Variables::default(), &LIMITS), Ok(5));
        let doc = parse_query(r#"{ a(x: "a\u0000b") }"#).expect("parses");
        assert_eq!(
            measure_inputs(&doc, &Variables::default(), &LIMITS),
            Err(Refusal::Nul)
        );
        let mut deep = serde_json::json!(1);
        for _ in 0..100 {
            deep = serde_json::json!([deep]);
        }
        let variables = Variables::from_json(serde_json::json!({ "v": deep }));
        let doc = parse_query("query($v: Int) { a }").expect("parses");
        assert_eq!(
            measure_inputs(&doc, &variables, &LIMITS),
            Err(Refusal::InputNesting { max: 64 })
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// A random document over fragments F0..Fn where Fi may spread only Fj with j > i (no
        /// cycles), with aliases, directives and inline fragments.
        fn document() -> impl Strategy<Value = String> {
            let selection = prop_oneof![
                Just("__typename".to_owned()),
                Just("a: __typename".to_owned()),
                Just("x { y }".to_owned()),
                Just("x { y @skip(if: false) z: y }".to_owned()),
                Just("... on Query { __typename }".to_owned()),
                (0usize..6).prop_map(|j| format!("#{j}")),
            ];
            prop::collection::vec(prop::collection::vec(selection, 1..5), 1..7).prop_map(|sets| {
                let n = sets.len();
                let render = |i: usize, items: &[String]| {
                    items
                        .iter()
                        .map(|s| match s.strip_prefix('#') {
                            Some(j) => {
                                let j: usize = j.parse().unwrap_or(0);
                                let target = i + 1 + j;
                                if target < n {
                                    format!("...F{target}")
                                } else {
                                    "__typename".to_owned()
                                }
                            }
                            None => s.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let mut q = format!("query {{ {} ...F0 }}\n", render(0, &sets[0]));
                for (i, items) in sets.iter().enumerate() {
                    q.push_str(&format!(
                        "fragment F{i} on Query {{ {} }}\n",
                        render(i, items)
                    ));
                }
                q
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn memoised_measure_equals_naive_expansion(q in document()) {
                let doc = parse_query(&q).expect("parses");
                prop_assert_eq!(measure(&doc).expect("acyclic"), naive(&doc));
            }

            #[test]
            fn arbitrary_text_never_panics(q in "\\PC{0,200}") {
                if scan_nesting(&q, 64).is_ok()
                    && let Ok(doc) = parse_query(&q)
                {
                    let _ = check(&doc, &Variables::default(), &LIMITS);
                }
            }
        }
    }
}
