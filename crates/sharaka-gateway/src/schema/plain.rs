//! Pages of nodes resolved in one pass: each object's plain fields read straight from its
//! record, and only the fields that need their resolver (relations, arguments, objects) run it.
//!
//! async-graphql resolves every object of a list as a container: a future for the item, a
//! boxed future per selected field, a `FuturesUnordered` to poll them, then a merge of each
//! answer into the object. A nested dashboard page holds about 1,700 node objects, and most of
//! their selected fields are plain values (`id`, `status`, `signedOn`); that machinery, and the
//! allocations behind it, was most of the server's time per request. A [`Nodes`] list plans
//! the selection once for the whole page (fragments and their type conditions applied as
//! async-graphql applies them), answers the plain fields of each object in place
//! ([`Plain::plain`]; texts asked in parts, [`Plain::text`]; lists of rows read with the
//! record, such as a session's tallies, [`Plain::rows`]), and runs the remaining fields'
//! resolvers (`ContainerType::resolve_field`, exactly as async-graphql would) all together.
//! When nothing in the operation merges answers ([`RepeatedKeys`]), the page itself is answered
//! as the JSON text of its objects, holding the text of the rows and pages below it
//! (`crate::json` copies it into the answer without reading it again); otherwise as objects.
//! A connection asked for its `nodes` alone, as nested pages mostly are, answers them itself
//! ([`nodes_alone`]) rather than as an object of one field.
//!
//! What is answered is what async-graphql answers: the same values, and a field whose resolver
//! fails is reported in `errors` and left out of its object, as `do_resolve_container` does.
//! The object's keys follow the query's order. A page whose selection carries a directive
//! other than `@skip`/`@include` (which async-graphql removes before execution) is resolved the
//! usual way. Extensions' per-field hooks would not see the fields answered in place; the
//! schema registers none (`build_schema`). The integration
//! test `read_model::pages_answer_as_single_lookups_do` asks every plain field of every node
//! type both ways.
//!
//! This reads the selection from async-graphql's execution context (`ctx.item`, the query's
//! fragments, the registry's `implements`), which is public but undocumented: the plan is the
//! part to check when async-graphql is upgraded.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Directive, Field, Selection as Ast, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContainerType, Context, ContextSelectionSet, Name, OutputType, Positioned};
use async_graphql::{ServerResult, Value};
use futures::future::BoxFuture;
use sharaka_domain::LocalizedText;

use super::rows::Selection;

/// A node type some of whose fields are read from its record alone.
pub trait Plain: ContainerType + OutputType + Sync {
    /// The value of the field `name` (a leaf without arguments) when it needs nothing but the
    /// record; `None` when its resolver must run.
    fn plain(&self, _name: &str) -> Option<Value> {
        None
    }

    /// The text of the field `name` when it is a `LocalizedText` without arguments read from
    /// the record alone; `None` when its resolver must run.
    fn text(&self, _name: &str) -> Option<&LocalizedText> {
        None
    }

    /// The fields, without arguments, whose values are lists of rows ([`crate::schema::rows`])
    /// that may have been read with the record: [`Plain::rows`] answers them.
    const ROWS: &'static [&'static str] = &[];

    /// The value of the field `name` (one of [`Plain::ROWS`]) for what `selection` asks of its
    /// rows, when they were read with the record; `None` when its resolver must run. `raw`:
    /// the rows may be answered as JSON text ([`Selection::list`]).
    fn rows(&self, _name: &str, _selection: &Selection<'_>, _raw: bool) -> Option<Value> {
        None
    }
}

/// Whether the operation asks a response key twice in one selection set (fragments expanded,
/// whatever their type conditions), worked out once per request. async-graphql merges the
/// answers of such fields (`insert_value`), and rows answered as JSON text
/// ([`Selection::list`]) cannot be merged: they are answered as text only when nothing repeats.
/// Attached to each request by `App::execute_as`; a request without it answers objects.
#[derive(Debug, Default)]
pub struct RepeatedKeys(std::sync::OnceLock<bool>);

/// Whether the current operation repeats a response key (see [`RepeatedKeys`]).
fn repeats_keys(ctx: &ContextSelectionSet<'_>) -> bool {
    match ctx.data_opt::<RepeatedKeys>() {
        Some(cell) => *cell.0.get_or_init(|| {
            let operation = &ctx.query_env.operation.node.selection_set.node;
            repeats_in(ctx, operation)
        }),
        None => true,
    }
}

/// Whether `set`, or a selection set below it, asks a response key twice.
fn repeats_in(ctx: &ContextSelectionSet<'_>, set: &SelectionSet) -> bool {
    let mut fields: Vec<&Field> = Vec::new();
    if !expand(ctx, set, &mut fields) {
        return true;
    }
    for (i, field) in fields.iter().enumerate() {
        let key = &field.response_key().node;
        if fields[..i].iter().any(|f| &f.response_key().node == key) {
            return true;
        }
    }
    fields
        .iter()
        .any(|field| repeats_in(ctx, &field.selection_set.node))
}

/// Adds the fields of `set`, through its fragments; `false` for a fragment it does not know.
fn expand<'a>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    fields: &mut Vec<&'a Field>,
) -> bool {
    for item in &set.items {
        let expanded = match &item.node {
            Ast::Field(field) => {
                fields.push(&field.node);
                true
            }
            Ast::FragmentSpread(spread) => {
                match ctx.query_env.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) => expand(ctx, &fragment.node.selection_set.node, fields),
                    None => false,
                }
            }
            Ast::InlineFragment(inline) => expand(ctx, &inline.node.selection_set.node, fields),
        };
        if !expanded {
            return false;
        }
    }
    true
}

/// A part of a `LocalizedText` selected without arguments.
#[derive(Clone, Copy)]
enum Part {
    Typename,
    Ar,
    Fr,
    En,
}

impl Part {
    /// The part's string for `text`, `None` for a missing translation.
    fn str(self, text: &LocalizedText) -> Option<Cow<'_, str>> {
        match self {
            Part::Typename => Some(super::scalars::LocalizedText::type_name()),
            Part::Ar => text.ar.as_deref().map(Cow::Borrowed),
            Part::Fr => text.fr.as_deref().map(Cow::Borrowed),
            Part::En => text.en.as_deref().map(Cow::Borrowed),
        }
    }

    /// The part's answer for `text`.
    fn value(self, text: &LocalizedText) -> Value {
        self.str(text)
            .map_or(Value::Null, |s| Value::String(s.into_owned()))
    }
}

/// The parts `set` asks of a text, each under its response key; `None` unless each of its items
/// is one of `__typename`, `ar`, `fr` and `en`, without arguments or directives.
fn text_parts(set: &SelectionSet) -> Option<Vec<(&Name, Part)>> {
    set.items
        .iter()
        .map(|item| {
            let Ast::Field(field) = &item.node else {
                return None;
            };
            let field = &field.node;
            if !field.directives.is_empty() || !field.arguments.is_empty() {
                return None;
            }
            let part = match field.name.node.as_str() {
                "__typename" => Part::Typename,
                "ar" => Part::Ar,
                "fr" => Part::Fr,
                "en" => Part::En,
                _ => return None,
            };
            Some((&field.response_key().node, part))
        })
        .collect()
}

/// How one selected field is answered.
enum How<'a> {
    /// `__typename`.
    Typename,
    /// A leaf without arguments: [`Plain::plain`], else its resolver.
    Leaf(&'a str, &'a Positioned<Field>),
    /// A field without arguments that asks only for parts of a text: [`Plain::text`], else
    /// its resolver.
    Text(&'a str, Vec<(&'a Name, Part)>, &'a Positioned<Field>),
    /// A list of rows without arguments ([`Plain::ROWS`]): [`Plain::rows`], else its resolver.
    Rows(&'a str, &'a Positioned<Field>),
    /// Its resolver.
    Resolve(&'a Positioned<Field>),
}

/// One selected field under its response key.
struct Step<'a> {
    key: &'a Name,
    how: How<'a>,
}

/// Adds the steps of `set` for objects of type `T`, through fragments that apply to `T`;
/// `None` when the page must be resolved the usual way (a directive async-graphql did not
/// remove, or a fragment it does not know).
fn plan<'a, T: Plain>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    steps: &mut Vec<Step<'a>>,
) -> Option<()> {
    for item in &set.items {
        match &item.node {
            Ast::Field(field) => {
                if !field.node.directives.is_empty() {
                    return None;
                }
                let name = field.node.name.node.as_str();
                let how = if name == "__typename" {
                    How::Typename
                } else if field.node.arguments.is_empty()
                    && field.node.selection_set.node.items.is_empty()
                {
                    How::Leaf(name, field)
                } else if field.node.arguments.is_empty()
                    && let Some(parts) = text_parts(&field.node.selection_set.node)
                {
                    How::Text(name, parts, field)
                } else if field.node.arguments.is_empty() && T::ROWS.contains(&name) {
                    How::Rows(name, field)
                } else {
                    How::Resolve(field)
                };
                steps.push(Step {
                    key: &field.node.response_key().node,
                    how,
                });
            }
            Ast::FragmentSpread(spread) => {
                let fragment = ctx
                    .query_env
                    .fragments
                    .get(&spread.node.fragment_name.node)?;
                let on = fragment.node.type_condition.node.on.node.as_str();
                fragment_steps::<T>(
                    ctx,
                    &spread.node.directives,
                    Some(on),
                    &fragment.node.selection_set.node,
                    steps,
                )?;
            }
            Ast::InlineFragment(inline) => {
                let on = inline.node.type_condition.as_ref();
                fragment_steps::<T>(
                    ctx,
                    &inline.node.directives,
                    on.map(|c| c.node.on.node.as_str()),
                    &inline.node.selection_set.node,
                    steps,
                )?;
            }
        }
    }
    Some(())
}

/// Adds the steps of a fragment's selection when it applies to `T`.
fn fragment_steps<'a, T: Plain>(
    ctx: &ContextSelectionSet<'a>,
    directives: &[Positioned<Directive>],
    on: Option<&str>,
    set: &'a SelectionSet,
    steps: &mut Vec<Step<'a>>,
) -> Option<()> {
    if !directives.is_empty() {
        return None;
    }
    if applies::<T>(ctx, on) {
        plan::<T>(ctx, set, steps)?;
    }
    Some(())
}

/// Whether a fragment on `condition` applies to objects of type `T`: no condition, the type
/// itself, or an interface it implements.
fn applies<T: OutputType>(ctx: &ContextSelectionSet<'_>, condition: Option<&str>) -> bool {
    let Some(condition) = condition else {
        return true;
    };
    let name = T::type_name();
    name == condition
        || ctx
            .schema_env
            .registry
            .implements
            .get(name.as_ref())
            .is_some_and(|interfaces| interfaces.contains(condition))
}

/// Puts `value` under `name`, merging objects and lists of objects into what is already there,
/// as async-graphql merges the answers of fields that share a response key.
/// One lookup of the key (an object's keys are hashed with SipHash, and a dashboard answer
/// inserts thousands).
fn insert(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    let mut slot = match target.entry(name) {
        Entry::Vacant(slot) => {
            slot.insert(value);
            return;
        }
        Entry::Occupied(slot) => slot,
    };
    match (slot.get_mut(), value) {
        (Value::Object(into), Value::Object(from)) => merge(into, from),
        (Value::List(into), Value::List(from)) => {
            for (at, value) in from.into_iter().enumerate() {
                if let (Some(Value::Object(into)), Value::Object(from)) = (into.get_mut(at), value)
                {
                    merge(into, from);
                }
            }
        }
        _ => {}
    }
}

/// Puts every entry of `from` into `into` (see [`insert`]).
fn merge(into: &mut IndexMap<Name, Value>, from: IndexMap<Name, Value>) {
    for (key, value) in from {
        insert(into, key, value);
    }
}

/// A page of nodes with the GraphQL type `[T!]!`, resolved in one pass.
pub struct Nodes<'a, T>(pub &'a [T]);

impl<T: Plain> OutputType for Nodes<'_, T> {
    fn type_name() -> Cow<'static, str> {
        <&[T]>::type_name()
    }

    fn qualified_type_name() -> String {
        <&[T]>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <&[T]>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        Ok(match self.answer(ctx, field, None).await? {
            Page::Text(text) => crate::json::raw_value(text),
            Page::Objects(value) => value,
        })
    }
}

/// A page's answer.
enum Page {
    /// Its JSON text, inside the object of one member when it was asked within one.
    Text(String),
    /// Its objects (never within another).
    Objects(Value),
}

impl<T: Plain> Nodes<'_, T> {
    /// The page's answer. When it is JSON text and `within` names a response key, the text is
    /// that of an object whose one member is the page (`{"nodes":[…]}`), written in the same
    /// pass rather than copied into it afterwards.
    async fn answer(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
        within: Option<&str>,
    ) -> ServerResult<Page> {
        let mut steps = Vec::new();
        if plan::<T>(ctx, &ctx.item.node, &mut steps).is_none() {
            return Ok(Page::Objects(
                OutputType::resolve(&self.0, ctx, field).await?,
            ));
        }
        // Each object's path (`…/nodes/3`), for the errors of its fields.
        let at: Vec<ContextSelectionSet<'_>> =
            (0..self.0.len()).map(|i| ctx.with_index(i)).collect();
        // Each object's answers, one slot per step; the resolvers fill theirs below.
        let mut answers: Vec<Vec<Option<Answer<'_>>>> = Vec::with_capacity(self.0.len());
        // Sized for every field that may need its resolver: each future is moved in once,
        // never again as the list grows (they are large, and a page holds hundreds).
        let resolving = steps
            .iter()
            .filter(|step| !matches!(step.how, How::Typename))
            .count();
        let mut pending = Vec::with_capacity(self.0.len() * resolving);
        // What each list of rows asks of its rows, worked out once for the page.
        let rows_fields: Vec<Option<Context<'_>>> = steps
            .iter()
            .map(|step| match step.how {
                How::Rows(_, field) => Some(ctx.with_field(field)),
                _ => None,
            })
            .collect();
        let selections: Vec<Option<Selection<'_>>> = rows_fields
            .iter()
            .map(|field| field.as_ref().map(|field| Selection::of(field.field())))
            .collect();
        // The page, and the rows in it, may be answered as JSON text when nothing in the
        // operation merges answers.
        let raw = !repeats_keys(ctx);
        for (i, node) in self.0.iter().enumerate() {
            let mut slots = Vec::with_capacity(steps.len());
            for (j, step) in steps.iter().enumerate() {
                let resolve = match step.how {
                    How::Typename => {
                        let name = node.introspection_type_name();
                        slots.push(Some(Answer::Value(Value::String(name.into()))));
                        continue;
                    }
                    How::Leaf(name, field) => match node.plain(name) {
                        Some(value) => {
                            slots.push(Some(Answer::Value(value)));
                            continue;
                        }
                        None => field,
                    },
                    How::Text(name, ref parts, field) => match node.text(name) {
                        Some(text) => {
                            slots.push(Some(Answer::Text(text, parts)));
                            continue;
                        }
                        None => field,
                    },
                    How::Rows(name, field) => {
                        match selections[j].as_ref().and_then(|s| node.rows(name, s, raw)) {
                            Some(value) => {
                                slots.push(Some(Answer::Value(value)));
                                continue;
                            }
                            None => field,
                        }
                    }
                    How::Resolve(field) => field,
                };
                slots.push(None);
                let ctx_field = at[i].with_field(resolve);
                pending.push(async move { (i, j, node.resolve_field(&ctx_field).await) });
            }
            answers.push(slots);
        }
        for (i, j, answer) in futures::future::join_all(pending).await {
            match answer {
                Ok(value) => answers[i][j] = Some(Answer::Value(value.unwrap_or_default())),
                Err(error) => ctx.add_error(error),
            }
        }
        if raw && let Some(text) = page_text(&steps, &answers, within) {
            return Ok(Page::Text(text));
        }
        Ok(Page::Objects(Value::List(
            answers
                .into_iter()
                .map(|slots| {
                    let mut object = IndexMap::with_capacity(steps.len());
                    for (step, answer) in steps.iter().zip(slots) {
                        if let Some(answer) = answer {
                            insert(&mut object, step.key.clone(), answer.into_value());
                        }
                    }
                    // As async-graphql answers an object none of whose fields answered.
                    if object.is_empty() {
                        Value::Null
                    } else {
                        Value::Object(object)
                    }
                })
                .collect(),
        )))
    }
}

/// The answer of one field of one object of a page.
enum Answer<'a> {
    /// A value.
    Value(Value),
    /// The parts of a text, each under its response key.
    Text(&'a LocalizedText, &'a [(&'a Name, Part)]),
}

impl Answer<'_> {
    fn into_value(self) -> Value {
        match self {
            Answer::Value(value) => value,
            Answer::Text(text, parts) => {
                let mut object = IndexMap::with_capacity(parts.len());
                for &(key, part) in parts {
                    insert(&mut object, key.clone(), part.value(text));
                }
                Value::Object(object)
            }
        }
    }

    /// Writes the answer's JSON text.
    fn write(&self, out: &mut String) -> serde_json::Result<()> {
        match self {
            Answer::Value(value) => crate::json::value(out, value),
            Answer::Text(text, parts) => {
                out.push('{');
                for (i, &(key, part)) in parts.iter().enumerate() {
                    crate::json::name_member(out, i == 0, key);
                    match part.str(text) {
                        Some(s) => crate::json::string(out, &s),
                        None => out.push_str("null"),
                    }
                }
                out.push('}');
                Ok(())
            }
        }
    }

    /// About how long its JSON text is ([`crate::json::size`]).
    fn size(&self) -> usize {
        match self {
            Answer::Value(value) => crate::json::size(value),
            Answer::Text(text, parts) => {
                2 + parts
                    .iter()
                    .map(|&(key, part)| key.len() + 4 + part.str(text).map_or(4, |s| s.len() + 2))
                    .sum::<usize>()
            }
        }
    }
}

/// The JSON text of a page whose objects' answers are `answers`, one slot per step (a field
/// that failed has none, and is left out of its object): what the objects async-graphql would
/// build serialise to, when no two steps share a response key ([`RepeatedKeys`]). The page text
/// holds the text of the pages and rows below it, copied; `within` a response key, it is the
/// member of an object of one member. `None` for a value serde_json cannot write (none is
/// known), which the objects report when serialised.
fn page_text(
    steps: &[Step<'_>],
    answers: &[Vec<Option<Answer<'_>>>],
    within: Option<&str>,
) -> Option<String> {
    let size: usize = answers
        .iter()
        .flatten()
        .zip(steps.iter().cycle())
        .map(|(answer, step)| answer.as_ref().map_or(0, |a| a.size() + step.key.len() + 4))
        .sum();
    let around = within.map_or(0, |key| key.len() + 5);
    let mut out = String::with_capacity(2 + around + 2 * answers.len() + size);
    if let Some(key) = within {
        out.push('{');
        crate::json::name_member(&mut out, true, key);
    }
    out.push('[');
    for (i, slots) in answers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let start = out.len();
        out.push('{');
        let mut empty = true;
        for (step, answer) in steps.iter().zip(slots) {
            let Some(answer) = answer else {
                continue;
            };
            crate::json::name_member(&mut out, empty, step.key);
            empty = false;
            answer.write(&mut out).ok()?;
        }
        if empty {
            // As async-graphql answers an object none of whose fields answered.
            out.truncate(start);
            out.push_str("null");
        } else {
            out.push('}');
        }
    }
    out.push(']');
    if within.is_some() {
        out.push('}');
    }
    Some(out)
}

/// The `nodes` field of a connection whose selection asks for it alone (without arguments or
/// directives); `None` for any other selection, which the connection resolves as an object.
pub fn only_nodes<'a>(ctx: &ContextSelectionSet<'a>) -> Option<&'a Positioned<Field>> {
    let [item] = ctx.item.node.items.as_slice() else {
        return None;
    };
    match &item.node {
        Ast::Field(field)
            if field.node.name.node == "nodes"
                && field.node.arguments.is_empty()
                && field.node.directives.is_empty() =>
        {
            Some(field)
        }
        _ => None,
    }
}

/// The answer of a connection that asks for its `nodes` alone ([`only_nodes`]): what
/// async-graphql answers for the connection object, without the future, the boxed field
/// future and the set that poll them. A dashboard answers hundreds of nested connections.
pub async fn nodes_alone<T: Plain>(
    ctx: &ContextSelectionSet<'_>,
    nodes: &Positioned<Field>,
    items: &[T],
) -> Value {
    let ctx_field = ctx.with_field(nodes);
    let set = ctx_field.with_selection_set(&nodes.node.selection_set);
    // Boxed: a page's nodes hold connections of their own, whose answers hold this future.
    let page = Nodes(items);
    let key = &nodes.node.response_key().node;
    let page: BoxFuture<'_, ServerResult<Page>> = Box::pin(page.answer(&set, nodes, Some(key)));
    match page.await {
        // The page is JSON text: so is the connection holding it.
        Ok(Page::Text(text)) => crate::json::raw_value(text),
        Ok(Page::Objects(value)) => {
            let mut object = IndexMap::with_capacity(1);
            object.insert(key.clone(), value);
            Value::Object(object)
        }
        // As `do_resolve_container` reports a field that failed, and answers an object none
        // of whose fields answered.
        Err(error) => {
            ctx.add_error(error);
            Value::Null
        }
    }
}
