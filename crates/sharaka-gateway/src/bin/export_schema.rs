//! Prints the GraphQL SDL (`cargo run -p sharaka-gateway --bin export-schema > schema/schema.graphql`).

fn main() {
    print!("{}", sharaka_gateway::build_schema().sdl());
}
