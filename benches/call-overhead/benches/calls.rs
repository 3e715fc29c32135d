//! ns per call of `add-one: func(u32) -> u32` and `echo: func(string) ->
//! string` through wacc's typed entries and wasmtime's typed component calls.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use wacc_call_overhead::{wat_path, Variant, Wacc, Wasmtime};

/// The string `echo` gets: 16 bytes.
const TEXT: &str = "hello, component";

fn add_one(c: &mut Criterion) {
    let mut g = c.benchmark_group("add-one");
    let mut w = Wacc::new();
    assert_eq!(w.add_one(41), 42);
    g.bench_function("wacc", |b| b.iter(|| w.add_one(black_box(41))));
    let mut t = Wasmtime::new(&wat_path()).unwrap();
    assert_eq!(t.add_one(41), 42);
    g.bench_function("wasmtime", |b| b.iter(|| t.add_one(black_box(41))));
    let mut t = Wasmtime::with_call_hook(&wat_path(), true).unwrap();
    assert_eq!(t.add_one(41), 42);
    g.bench_function("wasmtime-call-hook", |b| b.iter(|| t.add_one(black_box(41))));
    for (name, v) in POLICIES {
        let mut w = Wacc::of(v);
        assert_eq!(w.add_one(41), 42);
        g.bench_function(name, |b| b.iter(|| w.add_one(black_box(41))));
    }
    g.finish();
}

fn echo(c: &mut Criterion) {
    let mut g = c.benchmark_group("echo");
    let mut w = Wacc::new();
    assert_eq!(w.echo(TEXT), TEXT.as_bytes());
    g.bench_function("wacc", |b| b.iter(|| w.echo(black_box(TEXT)).len()));
    let mut t = Wasmtime::new(&wat_path()).unwrap();
    assert_eq!(t.echo(TEXT), TEXT);
    g.bench_function("wasmtime", |b| b.iter(|| t.echo(black_box(TEXT))));
    assert_eq!(t.echo_borrowed(TEXT, |s| s.to_string()), TEXT);
    g.bench_function("wasmtime-borrowed", |b| {
        b.iter(|| t.echo_borrowed(black_box(TEXT), |s| s.len()))
    });
    let mut t = Wasmtime::with_call_hook(&wat_path(), true).unwrap();
    assert_eq!(t.echo(TEXT), TEXT);
    g.bench_function("wasmtime-call-hook", |b| b.iter(|| t.echo(black_box(TEXT))));
    for (name, v) in POLICIES {
        let mut w = Wacc::of(v);
        assert_eq!(w.echo(TEXT), TEXT.as_bytes());
        g.bench_function(name, |b| b.iter(|| w.echo(black_box(TEXT)).len()));
    }
    g.finish();
}

/// The builds under policies/: `wacc-<policy>`.
const POLICIES: [(&str, Variant); 3] = [
    ("wacc-stats", Variant::Stats),
    ("wacc-stats-time", Variant::Time),
    ("wacc-hook", Variant::Hook),
];

criterion_group!(benches, add_one, echo);
criterion_main!(benches);
