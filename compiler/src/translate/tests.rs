//! Translator tests: every function of every module in the wasm 1.0 and
//! wasm 2.0 (no SIMD) spec test files is translated, verified, and
//! compiled for x86_64 in both bounds-check modes; invalid modules must be
//! rejected without panicking.

use super::translate_function;
use crate::environ::{self, BoundsChecks, CodegenOptions};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{Function, InstructionData, Opcode};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::{verify_function, Context};
use std::path::{Path, PathBuf};

/// The core spec testsuite: `testsuite/core` of the shared test material,
/// `$WACC_SHARED` (relative: from the workspace root), else
/// `<workspace root>/../shared`. Missing material fails the test, naming
/// the path.
fn testsuite() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let shared = match std::env::var_os("WACC_SHARED") {
        Some(d) if !d.is_empty() => root.join(d),
        _ => root.join("../shared"),
    };
    let dir = shared.join("testsuite/core");
    assert!(
        dir.join("TIERS.tsv").is_file(),
        "spec testsuite {} not found: set WACC_SHARED to the directory holding \
         testsuite/, spec/ and wit/ (default: <workspace root>/../shared)",
        dir.display()
    );
    dir
}

fn isa(triple: &str, optimize: bool) -> OwnedTargetIsa {
    wacc_targets::Target::parse(triple)
        .unwrap()
        .isa(optimize)
        .unwrap()
}

/// Spec files whose tier is in `tiers`.
fn spec_files(tiers_wanted: &[&str]) -> Vec<PathBuf> {
    let dir = testsuite();
    let tiers = std::fs::read_to_string(dir.join("TIERS.tsv")).unwrap();
    tiers
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let file = cols.next()?;
            let tier = cols.next()?;
            tiers_wanted.contains(&tier).then(|| dir.join(file))
        })
        .collect()
}

/// Trap instructions may only terminate trap blocks, right after the call
/// to the trap libcall.
fn check_no_trap_instructions(f: &Function) -> Result<(), String> {
    for block in f.layout.blocks() {
        let mut prev = None;
        for inst in f.layout.block_insts(block) {
            let op = f.dfg.insts[inst].opcode();
            match op {
                Opcode::Trapz | Opcode::Trapnz => return Err(format!("{op} in {block}")),
                Opcode::Trap => {
                    let after_call = prev
                        .is_some_and(|p| matches!(f.dfg.insts[p], InstructionData::Call { .. }));
                    if !after_call {
                        return Err(format!("trap not after the trap libcall in {block}"));
                    }
                }
                _ => {}
            }
            prev = Some(inst);
        }
    }
    Ok(())
}

/// Translate, verify and compile every defined function of `wasm`.
/// Err = the module was rejected (parse or translation error).
fn compile_all(wasm: &[u8], isa: &OwnedTargetIsa, opts: &CodegenOptions) -> Result<usize, String> {
    let m = environ::parse(wasm).map_err(|e| e.to_string())?;
    let n = m.funcs.len() as u32;
    for i in m.num_imported_funcs..n {
        let f = translate_function(&m, wasm, i, &**isa, opts).map_err(|e| e.to_string())?;
        if let Err(e) = verify_function(&f, isa.flags()) {
            panic!("verifier failed for function {i}: {e}\n{}", f.display());
        }
        if let Err(e) = check_no_trap_instructions(&f) {
            panic!("function {i}: {e}\n{}", f.display());
        }
        let text = f.display().to_string();
        let mut ctx = Context::for_function(f);
        if let Err(e) = ctx.compile(&**isa, &mut ControlPlane::default()) {
            panic!("compiling function {i} failed: {:?}\n{text}", e.inner);
        }
    }
    Ok((n - m.num_imported_funcs) as usize)
}

#[derive(Default, Debug)]
struct Stats {
    modules: usize,
    funcs: usize,
    rejected_invalid: usize,
    /// valid modules using features code generation does not support
    unsupported: usize,
}

/// `strict`: every valid module must compile (wasm 1/2 files); otherwise
/// a valid module may be rejected with an error, but nothing may panic or
/// fail verification.
fn run_file(
    path: &Path,
    isa: &OwnedTargetIsa,
    opts: &CodegenOptions,
    strict: bool,
    stats: &mut Stats,
) {
    use wast::{QuoteWat, WastDirective, WastExecute};
    let text = std::fs::read_to_string(path).unwrap();
    let mut lexer = wast::lexer::Lexer::new(&text);
    lexer.allow_confusing_unicode(true);
    let buf = wast::parser::ParseBuffer::new_with_lexer(lexer).unwrap();
    let wast: wast::Wast = match wast::parser::parse(&buf) {
        Ok(w) => w,
        Err(_) if !strict => return,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let name = path.display();
    for d in wast.directives {
        let (mut module, valid) = match d {
            WastDirective::Module(m) | WastDirective::ModuleDefinition(m) => (m, true),
            WastDirective::AssertUnlinkable { module, .. } => (QuoteWat::Wat(module), true),
            WastDirective::AssertTrap {
                exec: WastExecute::Wat(w),
                ..
            } => (QuoteWat::Wat(w), true),
            WastDirective::AssertInvalid { module, .. } => (module, false),
            WastDirective::AssertMalformed { module, .. } => (module, false),
            _ => continue,
        };
        let Ok(wasm) = module.encode() else {
            assert!(!valid || !strict, "{name}: a valid module did not encode");
            continue;
        };
        match compile_all(&wasm, isa, opts) {
            Ok(n) if valid => {
                stats.modules += 1;
                stats.funcs += n;
            }
            // Feature sets of proposal files may differ from ours.
            Ok(_) if !strict => {}
            Ok(_) => panic!("{name}: an invalid or malformed module was accepted"),
            Err(e) if valid && strict => panic!("{name}: a valid module was rejected: {e}"),
            Err(_) if valid => stats.unsupported += 1,
            Err(_) => stats.rejected_invalid += 1,
        }
    }
}

fn run_spec(bounds_checks: BoundsChecks, optimize: bool) {
    let isa = isa("x86_64-unknown-linux-gnu", optimize);
    let opts = CodegenOptions {
        bounds_checks,
        optimize,
    };
    let mut stats = Stats::default();
    let files = spec_files(&["wasm1", "wasm2-nosimd", "wasm2"]);
    assert!(files.len() > 50, "TIERS.tsv lists too few files");
    for f in &files {
        run_file(f, &isa, &opts, true, &mut stats);
    }
    eprintln!(
        "{bounds_checks:?} optimize={optimize}: {} files, {stats:?}",
        files.len()
    );
    assert!(stats.funcs > 1000);
}

#[test]
fn spec_modules_guard() {
    run_spec(BoundsChecks::Guard, true);
}

#[test]
fn spec_modules_explicit() {
    run_spec(BoundsChecks::Explicit, true);
}

/// Wasm 3.0 and later proposals (tail calls, GC, ...): clean errors, never a
/// panic or a verifier failure.
#[test]
fn spec_modules_later_tiers() {
    let isa = isa("x86_64-unknown-linux-gnu", true);
    let opts = CodegenOptions {
        bounds_checks: BoundsChecks::Guard,
        optimize: true,
    };
    let mut stats = Stats::default();
    for f in spec_files(&["wasm3", "all"]) {
        run_file(&f, &isa, &opts, false, &mut stats);
    }
    eprintln!("later tiers: {stats:?}");
    assert!(stats.funcs > 1000 && stats.unsupported > 100);
}

#[test]
fn spec_modules_unoptimized() {
    run_spec(BoundsChecks::Guard, false);
}

/// Compile one module for another architecture (lowering coverage).
fn compile_for(triple: &str, wat: &str) {
    let wasm = wat::parse_str(wat).unwrap();
    let opts = CodegenOptions {
        bounds_checks: BoundsChecks::Explicit,
        optimize: true,
    };
    compile_all(&wasm, &isa(triple, true), &opts).unwrap();
}

const MIXED: &str = r#"
(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $imp (param i32) (result i32)))
  (import "env" "g" (global $g (mut i64)))
  (memory 1)
  (table 4 funcref)
  (global $h (mut f64) (f64.const 1))
  (func $div (param i32 i32) (result i32 i32)
    (i32.div_s (local.get 0) (local.get 1))
    (i32.rem_s (local.get 0) (local.get 1)))
  (func $conv (param f32 f64) (result i32 i64 i64)
    (i32.trunc_f32_s (local.get 0))
    (i64.trunc_f64_u (local.get 1))
    (i64.trunc_sat_f32_s (local.get 0)))
  (func $mem (param i32) (result i64)
    (i64.store offset=8 (local.get 0) (i64.load32_s offset=4 (local.get 0)))
    (memory.fill (i32.const 0) (i32.const 1) (i32.const 2))
    (drop (memory.grow (i32.const 1)))
    (i64.load (local.get 0)))
  (func $ctl (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (br_table $a $b $a (i32.const 7) (local.get 0)))
      (call_indirect (type $t) (i32.const 0))
      (call $imp)))
  (func $globals (result i64)
    (global.set $h (f64.add (global.get $h) (f64.const 2)))
    (global.get $g))
  (func $loop (param i32) (result i32)
    (local i32)
    (local.get 0)
    (loop $l (param i32) (result i32)
      (local.tee 1 (i32.sub (i32.const 1)))
      (br_if $l (local.get 1)))))
"#;

#[test]
fn other_architectures() {
    compile_for("aarch64-unknown-linux-gnu", MIXED);
    compile_for("riscv64gc-unknown-linux-gnu", MIXED);
}

/// SIMD compiles where the target has vector registers, and is a clean
/// error (not a Cranelift panic) on RV64GC, which has none.
#[test]
fn simd_needs_vector_registers() {
    let opts = CodegenOptions {
        bounds_checks: BoundsChecks::Guard,
        optimize: true,
    };
    for src in [
        "(module (func (result i32) (i32x4.extract_lane 0 (v128.const i64x2 1 2))))",
        "(module (func (param v128)))",
        "(module (func (local v128)))",
    ] {
        let wasm = wat::parse_str(src).unwrap();
        for triple in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] {
            compile_all(&wasm, &isa(triple, true), &opts).unwrap();
        }
        let e = compile_all(&wasm, &isa("riscv64gc-unknown-linux-gnu", true), &opts).unwrap_err();
        assert!(e.contains(super::NO_SIMD), "{src}: {e}");
    }
}

/// Corrupted function bodies must be rejected (or translated to valid
/// IR), never panic: mutate bytes inside bodies of spec modules.
#[test]
fn mutated_bodies_do_not_panic() {
    let isa = isa("x86_64-unknown-linux-gnu", false);
    let opts = CodegenOptions {
        bounds_checks: BoundsChecks::Explicit,
        optimize: false,
    };
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut tried = 0;
    for file in [
        "block.wast",
        "br_table.wast",
        "call_indirect.wast",
        "memory.wast",
        "if.wast",
    ] {
        let path = testsuite().join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let buf = wast::parser::ParseBuffer::new(&text).unwrap();
        let Ok(wast) = wast::parser::parse::<wast::Wast>(&buf) else {
            continue;
        };
        for d in wast.directives {
            let wast::WastDirective::Module(mut m) = d else {
                continue;
            };
            let Ok(wasm) = m.encode() else { continue };
            let Ok(info) = environ::parse(&wasm) else {
                continue;
            };
            let ranges: Vec<_> = info.bodies.iter().map(|b| b.range.clone()).collect();
            drop(info);
            for r in ranges.iter().filter(|r| r.len() > 2) {
                for _ in 0..10 {
                    let mut bad = wasm.clone();
                    for _ in 0..1 + rand() % 3 {
                        let at = r.start + (rand() as usize % r.len());
                        bad[at] = rand() as u8;
                    }
                    tried += 1;
                    let Ok(m) = environ::parse(&bad) else {
                        continue;
                    };
                    for i in m.num_imported_funcs..m.funcs.len() as u32 {
                        if let Ok(f) = translate_function(&m, &bad, i, &*isa, &opts) {
                            verify_function(&f, isa.flags()).unwrap();
                        }
                    }
                }
            }
        }
    }
    assert!(tried > 1000);
}
