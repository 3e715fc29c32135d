//! An indirect-call-heavy interpreter: a stack bytecode VM whose
//! instructions are dispatched through function pointers (assembled at run
//! time from text), running a Collatz-steps program, plus an expression
//! tree of trait objects evaluated many times.
//! argv[1]: Collatz limit (default 100000).

struct Vm {
    stack: Vec<i64>,
    locals: [i64; 8],
    pc: usize,
    running: bool,
    dispatched: u64,
}

type Handler = fn(&mut Vm, i64);

#[derive(Clone, Copy)]
struct Ins {
    f: Handler,
    arg: i64,
}

fn pop(vm: &mut Vm) -> i64 {
    vm.stack.pop().expect("stack underflow")
}
fn op_push(vm: &mut Vm, a: i64) {
    vm.stack.push(a);
}
fn op_load(vm: &mut Vm, a: i64) {
    let v = vm.locals[a as usize];
    vm.stack.push(v);
}
fn op_store(vm: &mut Vm, a: i64) {
    vm.locals[a as usize] = pop(vm);
}
fn op_add(vm: &mut Vm, _: i64) {
    let b = pop(vm);
    let a = pop(vm);
    vm.stack.push(a.wrapping_add(b));
}
fn op_mul(vm: &mut Vm, _: i64) {
    let b = pop(vm);
    let a = pop(vm);
    vm.stack.push(a.wrapping_mul(b));
}
fn op_div(vm: &mut Vm, _: i64) {
    let b = pop(vm);
    let a = pop(vm);
    vm.stack.push(a / b);
}
fn op_rem(vm: &mut Vm, _: i64) {
    let b = pop(vm);
    let a = pop(vm);
    vm.stack.push(a % b);
}
fn op_lt(vm: &mut Vm, _: i64) {
    let b = pop(vm);
    let a = pop(vm);
    vm.stack.push((a < b) as i64);
}
fn op_eq(vm: &mut Vm, _: i64) {
    let b = pop(vm);
    let a = pop(vm);
    vm.stack.push((a == b) as i64);
}
fn op_jz(vm: &mut Vm, a: i64) {
    if pop(vm) == 0 {
        vm.pc = a as usize;
    }
}
fn op_jmp(vm: &mut Vm, a: i64) {
    vm.pc = a as usize;
}
fn op_halt(vm: &mut Vm, _: i64) {
    vm.running = false;
}

const PROGRAM: &str = "
    push 1 ; store 0          # n = 1
    push 0 ; store 2          # steps = 0
  outer:
    load 0 ; load 3 ; lt ; jz end
    load 0 ; store 1          # x = n
  inner:
    push 1 ; load 1 ; lt ; jz next
    load 1 ; push 2 ; rem ; jz even
    load 1 ; push 3 ; mul ; push 1 ; add ; store 1 ; jmp count
  even:
    load 1 ; push 2 ; div ; store 1
  count:
    load 2 ; push 1 ; add ; store 2 ; jmp inner
  next:
    load 0 ; push 1 ; add ; store 0 ; jmp outer
  end:
    halt
";

fn assemble(src: &str) -> Vec<Ins> {
    let mut labels = std::collections::HashMap::new();
    let mut toks = Vec::new();
    for line in src.lines() {
        let line = line.split('#').next().unwrap();
        for stmt in line.split(';') {
            let stmt = stmt.trim();
            if stmt.is_empty() {
                continue;
            }
            if let Some(l) = stmt.strip_suffix(':') {
                labels.insert(l.to_string(), toks.len() as i64);
            } else {
                let mut parts = stmt.split_whitespace();
                let op = parts.next().unwrap().to_string();
                toks.push((op, parts.next().map(str::to_string)));
            }
        }
    }
    toks.iter()
        .map(|(op, arg)| {
            let f: Handler = match op.as_str() {
                "push" => op_push,
                "load" => op_load,
                "store" => op_store,
                "add" => op_add,
                "mul" => op_mul,
                "div" => op_div,
                "rem" => op_rem,
                "lt" => op_lt,
                "eq" => op_eq,
                "jz" => op_jz,
                "jmp" => op_jmp,
                "halt" => op_halt,
                _ => panic!("unknown op {op}"),
            };
            let arg = arg
                .as_ref()
                .map_or(0, |a| a.parse().unwrap_or_else(|_| labels[a]));
            Ins { f, arg }
        })
        .collect()
}

fn run(code: &[Ins], limit: i64) -> (i64, u64) {
    let mut vm = Vm {
        stack: Vec::with_capacity(64),
        locals: [0; 8],
        pc: 0,
        running: true,
        dispatched: 0,
    };
    vm.locals[3] = limit;
    while vm.running {
        let ins = code[vm.pc];
        vm.pc += 1;
        vm.dispatched += 1;
        (ins.f)(&mut vm, ins.arg);
    }
    (vm.locals[2], vm.dispatched)
}

trait Expr {
    fn eval(&self, x: f64) -> f64;
}
struct Const(f64);
struct Var;
struct Add(Box<dyn Expr>, Box<dyn Expr>);
struct Mul(Box<dyn Expr>, Box<dyn Expr>);
struct Sin(Box<dyn Expr>);
impl Expr for Const {
    fn eval(&self, _: f64) -> f64 {
        self.0
    }
}
impl Expr for Var {
    fn eval(&self, x: f64) -> f64 {
        x
    }
}
impl Expr for Add {
    fn eval(&self, x: f64) -> f64 {
        self.0.eval(x) + self.1.eval(x)
    }
}
impl Expr for Mul {
    fn eval(&self, x: f64) -> f64 {
        self.0.eval(x) * self.1.eval(x)
    }
}
impl Expr for Sin {
    fn eval(&self, x: f64) -> f64 {
        // A cheap polynomial, so the result does not depend on a libm
        // (and no fmod: wasm has no instruction for it).
        let v = self.0.eval(x);
        let y = v - (v / 3.0).floor() * 3.0;
        y - y * y * y / 6.0
    }
}

/// A random expression tree of the given depth.
fn build(depth: u32, seed: &mut u32) -> Box<dyn Expr> {
    *seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
    let r = *seed >> 24;
    if depth == 0 {
        return if r % 2 == 0 {
            Box::new(Var)
        } else {
            Box::new(Const((r % 7) as f64 * 0.25))
        };
    }
    match r % 4 {
        0 => Box::new(Add(build(depth - 1, seed), build(depth - 1, seed))),
        1 => Box::new(Mul(build(depth - 1, seed), build(depth - 1, seed))),
        2 => Box::new(Sin(build(depth - 1, seed))),
        _ => Box::new(Add(build(depth - 1, seed), Box::new(Var))),
    }
}

fn main() {
    let limit: i64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("limit"))
        .unwrap_or(100000);
    let code = assemble(PROGRAM);
    let (steps, dispatched) = run(&code, limit);
    let mut seed = 7;
    let tree = build(8, &mut seed);
    let mut acc = 0.0f64;
    for i in 0..limit * 2 {
        acc += tree.eval((i % 1000) as f64 * 0.001);
    }
    println!("collatz steps below {limit}: {steps} ({dispatched} instructions)");
    println!(
        "checksum: {:016x}",
        (steps as u64).wrapping_mul(31) ^ ((acc * 1000.0).round() as i64 as u64)
    );
}
