//! ns per call of `add-one: func(u32) -> u32` and `echo: func(string) ->
//! string` through wacc's typed entries and wasmtime's typed component calls.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use wacc_call_overhead::{wat_path, Build, Hook, Stats, Time, Wacc, Wasmtime};

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
    add_one_with::<Stats>(&mut g, "wacc-stats");
    add_one_with::<Time>(&mut g, "wacc-stats-time");
    add_one_with::<Hook>(&mut g, "wacc-hook");
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
    echo_with::<Stats>(&mut g, "wacc-stats");
    echo_with::<Time>(&mut g, "wacc-stats-time");
    echo_with::<Hook>(&mut g, "wacc-hook");
    g.finish();
}

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// `add-one` of the build under a policy of policies/.
fn add_one_with<B: Build>(g: &mut Group, name: &str) {
    let mut w = Wacc::<B>::of();
    assert_eq!(w.add_one(41), 42);
    g.bench_function(name, |b| b.iter(|| w.add_one(black_box(41))));
}

/// `echo` of the build under a policy of policies/.
fn echo_with<B: Build>(g: &mut Group, name: &str) {
    let mut w = Wacc::<B>::of();
    assert_eq!(w.echo(TEXT), TEXT.as_bytes());
    g.bench_function(name, |b| b.iter(|| w.echo(black_box(TEXT)).len()));
}

criterion_group!(benches, add_one, echo);
criterion_main!(benches);
