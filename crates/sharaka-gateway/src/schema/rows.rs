//! Long lists of plain figures, resolved in one pass.
//!
//! async-graphql resolves every object of a list as a container: one boxed future per selected
//! field, joined, then merged into the object. For a dashboard figure of thousands of rows of
//! plain values (resources by contributor × type × year × currency holds about 6,000 rows at
//! the bench's scale M), that machinery was most of the server's time for the request; the
//! tallies of training sessions, three per session, are the most numerous objects of a nested
//! dashboard. A [`Rows`] list reads the selection once, merged across fragments and repeated
//! fields as GraphQL requires, and builds each row's object directly from its values.
//!
//! The GraphQL type is the row type's own (`[T!]!`), declared with `SimpleObject` as usual;
//! [`Row::value`] gives the same values. The unit test `rows_answer_as_objects_do` asks every
//! field of every row type both ways, found by introspection, so a field added to the type and
//! not to its [`Row`] impl fails it.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, SelectionField};
use async_graphql::{ServerResult, Value};

/// A row type whose fields are plain values or rows themselves.
pub trait Row: OutputType {
    /// The value of the field `name` (never `__typename`), given the field's own selection
    /// when its type is an object.
    fn value(&self, name: &str, selection: &Selection<'_>) -> Value;

    /// Writes the JSON text of the field `name`'s value: what [`Row::value`] serialises to,
    /// which is what it writes unless the row writes the field itself, without the value.
    fn write(
        &self,
        out: &mut String,
        name: &str,
        selection: &Selection<'_>,
    ) -> serde_json::Result<()> {
        crate::json::value(out, &self.value(name, selection))
    }
}

/// What a query selects of a row: response keys in the order asked, each with its field and,
/// for an object field, what is selected of it.
#[derive(Debug, Default)]
pub struct Selection<'a> {
    fields: Vec<Selected<'a>>,
}

#[derive(Debug)]
struct Selected<'a> {
    key: Name,
    name: &'a str,
    selection: Selection<'a>,
}

impl<'a> Selection<'a> {
    /// What `field` (a field whose type is a row or a list of rows) asks of its rows.
    pub fn of(field: SelectionField<'a>) -> Self {
        let mut selection = Self::default();
        selection.add(field);
        selection
    }

    /// Adds the fields selected under `parent`, through fragments; fields under one response
    /// key merge, as the GraphQL execution of a selection set merges them.
    fn add(&mut self, parent: SelectionField<'a>) {
        for field in parent.selection_set() {
            let key = field.alias().unwrap_or_else(|| field.name());
            let at = match self.fields.iter().position(|s| s.key.as_str() == key) {
                Some(at) => at,
                None => {
                    self.fields.push(Selected {
                        key: Name::new(key),
                        name: field.name(),
                        selection: Selection::default(),
                    });
                    self.fields.len() - 1
                }
            };
            self.fields[at].selection.add(field);
        }
    }

    /// The object of `row` for this selection.
    pub fn object<T: Row>(&self, row: &T) -> Value {
        let mut object = IndexMap::with_capacity(self.fields.len());
        for s in &self.fields {
            let value = if s.name == "__typename" {
                Value::String(row.introspection_type_name().into_owned())
            } else {
                row.value(s.name, &s.selection)
            };
            object.insert(s.key.clone(), value);
        }
        Value::Object(object)
    }
}

impl Selection<'_> {
    /// The list of `rows` for this selection: as objects, or, when `raw`, as the JSON text
    /// those objects serialise to ([`crate::json`]), which costs a fraction of building them.
    /// Raw text cannot be merged with another answer under the same key: see
    /// `plain::RepeatedKeys`.
    pub fn list<T: Row>(&self, rows: impl ExactSizeIterator<Item = T> + Clone, raw: bool) -> Value {
        let objects = |rows: &mut dyn Iterator<Item = T>| {
            Value::List(rows.map(|row| self.object(&row)).collect())
        };
        if !raw {
            return objects(&mut rows.clone());
        }
        let mut text = String::with_capacity(2 + rows.len() * 16 * self.fields.len());
        match self.write(&mut text, rows.clone()) {
            Ok(()) => crate::json::raw_value(text),
            // A value serde_json cannot write (none is known): the objects, whose
            // serialisation reports it.
            Err(_) => objects(&mut rows.clone()),
        }
    }

    /// Writes the JSON text of the list of `rows` for this selection (see [`Selection::list`]).
    fn write<T: Row>(
        &self,
        text: &mut String,
        rows: impl Iterator<Item = T>,
    ) -> serde_json::Result<()> {
        text.push('[');
        for (i, row) in rows.enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push('{');
            for (j, s) in self.fields.iter().enumerate() {
                crate::json::name_member(text, j == 0, &s.key);
                if s.name == "__typename" {
                    crate::json::string(text, &row.introspection_type_name());
                } else {
                    row.write(text, s.name, &s.selection)?;
                }
            }
            text.push('}');
        }
        text.push(']');
        Ok(())
    }
}

/// A list of rows with the GraphQL type `[T!]!`, resolved in one pass.
pub struct Rows<T>(pub Vec<T>);

impl<T: Row> OutputType for Rows<T> {
    fn type_name() -> Cow<'static, str> {
        Vec::<T>::type_name()
    }

    fn qualified_type_name() -> String {
        Vec::<T>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Vec::<T>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let ctx_field = ctx.with_field(field);
        let selection = Selection::of(ctx_field.field());
        Ok(Value::List(
            self.0.iter().map(|row| selection.object(row)).collect(),
        ))
    }
}

/// A leaf value: what async-graphql would answer for it.
pub fn leaf<T: async_graphql::InputType>(value: &T) -> Value {
    value.to_value()
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
    use serde_json::Value as Json;
    use sharaka_domain as domain;

    use super::*;
    use crate::schema::nodes::TallyNode;
    use crate::schema::scalars::ContributionType;
    use crate::schema::stats::{Amount, ContributionCell};

    fn cells() -> Vec<ContributionCell> {
        vec![
            ContributionCell {
                contributor: Some("T3JnYW5pc2F0aW9uOm9yZzph".into()),
                contribution_type: Some(ContributionType::InKindGoods),
                year: Some("2024".into()),
                count: 3,
                amount: Amount {
                    currency: Some("MAD".into()),
                    value: "1500000.00".into(),
                },
            },
            ContributionCell {
                contributor: None,
                contribution_type: None,
                year: None,
                count: 0,
                amount: Amount {
                    currency: None,
                    value: "0.00".into(),
                },
            },
        ]
    }

    fn tallies() -> Vec<TallyNode> {
        vec![
            TallyNode(domain::Tally {
                sex: domain::Sex::Female,
                age_band: Some(domain::AgeBand::Age18To20),
                enrolled: 12,
                attended: 10,
                completed: 9,
            }),
            TallyNode(domain::Tally {
                sex: domain::Sex::Male,
                age_band: None,
                enrolled: 0,
                attended: 0,
                completed: 0,
            }),
        ]
    }

    /// A list of rows answered as JSON text ([`Selection::list`]).
    struct Text<T>(Vec<T>);

    impl<T: Row + Clone + Send + Sync> OutputType for Text<T> {
        fn type_name() -> Cow<'static, str> {
            Vec::<T>::type_name()
        }

        fn create_type_info(registry: &mut Registry) -> String {
            Vec::<T>::create_type_info(registry)
        }

        async fn resolve(
            &self,
            ctx: &ContextSelectionSet<'_>,
            field: &Positioned<Field>,
        ) -> ServerResult<Value> {
            let ctx_field = ctx.with_field(field);
            let selection = Selection::of(ctx_field.field());
            let text = selection.list(self.0.iter().cloned(), true);
            assert!(crate::json::raw(&text).is_some(), "answered as text");
            Ok(text)
        }
    }

    /// Each row type thrice: as async-graphql resolves objects, as [`Rows`], and as text.
    struct Both;

    #[Object]
    impl Both {
        /// Resolved by async-graphql, object by object.
        async fn cell_objects(&self) -> Vec<ContributionCell> {
            cells()
        }
        /// Resolved in one pass.
        async fn cell_rows(&self) -> Rows<ContributionCell> {
            Rows(cells())
        }
        /// Resolved by async-graphql, object by object.
        async fn tally_objects(&self) -> Vec<TallyNode> {
            tallies()
        }
        /// Resolved in one pass.
        async fn tally_rows(&self) -> Rows<TallyNode> {
            Rows(tallies())
        }
        /// Written as text.
        async fn cell_text(&self) -> Text<ContributionCell> {
            Text(cells())
        }
        /// Written as text.
        async fn tally_text(&self) -> Text<TallyNode> {
            Text(tallies())
        }
    }

    type TestSchema = Schema<Both, EmptyMutation, EmptySubscription>;

    async fn data(schema: &TestSchema, query: &str) -> Json {
        let response = schema.execute(query).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data.into_json().expect("json")
    }

    /// Every field of `type_name`, its object fields expanded, found by introspection.
    fn every_field<'a>(
        schema: &'a TestSchema,
        type_name: String,
    ) -> std::pin::Pin<Box<dyn Future<Output = String> + 'a>> {
        Box::pin(async move {
            let q = format!(
                r#"{{ __type(name: "{type_name}") {{ fields {{ name type {{ kind name
                     ofType {{ kind name ofType {{ kind name }} }} }} }} }} }}"#
            );
            let t = data(schema, &q).await;
            let mut out = Vec::new();
            for f in t["__type"]["fields"].as_array().expect("fields") {
                let mut ty = &f["type"];
                while ty["name"].is_null() {
                    ty = &ty["ofType"];
                }
                let name = f["name"].as_str().expect("name");
                if ty["kind"] == "OBJECT" {
                    let inner = every_field(schema, ty["name"].as_str().expect("name").into());
                    out.push(format!("{name} {{ {} }}", inner.await));
                } else {
                    out.push(name.to_owned());
                }
            }
            out.join(" ")
        })
    }

    /// `objects`, `rows` and `text` answer alike for every field of `type_name`, and for
    /// `selection` (with `fragments`).
    async fn alike(
        schema: &TestSchema,
        (objects, rows, text): (&str, &str, &str),
        type_name: &str,
        selection: &str,
        fragments: &str,
    ) -> String {
        let all = every_field(schema, type_name.into()).await;
        for (selection, fragments) in [(all.as_str(), ""), (selection, fragments)] {
            let query = format!(
                "{{ {objects} {{ {selection} }} {rows} {{ {selection} }} \
                   {text} {{ {selection} }} }} {fragments}"
            );
            let answers = data(schema, &query).await;
            assert_eq!(answers[objects], answers[rows], "{query}");
            assert_eq!(answers[objects], answers[text], "{query}");
            assert_eq!(answers[rows].as_array().map(Vec::len), Some(2), "{query}");
        }
        all
    }

    #[tokio::test]
    async fn rows_answer_as_objects_do() {
        let schema = Schema::new(Both, EmptyMutation, EmptySubscription);
        // Aliases, __typename, fragments and a field asked twice, merged.
        let all = alike(
            &schema,
            ("cellObjects", "cellRows", "cellText"),
            "ContributionCell",
            "__typename n: count amount { value } ...F
             ... on ContributionCell { amount { currency __typename } }",
            "fragment F on ContributionCell { year contributionType y: year }",
        )
        .await;
        assert!(all.contains("amount { currency value }"), "{all}");
        let all = alike(
            &schema,
            ("tallyObjects", "tallyRows", "tallyText"),
            "TrainingTally",
            "...F sex s: sex __typename",
            "fragment F on TrainingTally { ageBand completed }",
        )
        .await;
        assert!(all.contains("ageBand"), "{all}");
    }
}
