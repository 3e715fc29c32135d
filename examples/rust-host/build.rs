fn main() {
    // Compiles demo.wat, links it, and writes OUT_DIR/demo.rs.
    wacc_build::Component::new("demo.wat")
        .prefix("demo")
        .compile();
}
