//! Lift probes: the trampoline generator's lifting, on its own, for
//! checking it against the reference vectors (`canonical-abi-vectors.json`,
//! `lift`). Probe `i` lifts a value of `cases[i].ty` from flat core values
//! and guest memory slot 0 into the host's native layout, exactly as a
//! trampoline lifts a parameter.
//!
//! Symbol `<prefix>_lift<i>`: `fn(ctx, values: *mut ValRaw)` (array-call
//! shape, for `wacc_rt_invoke`): `values[0]` holds the native result
//! pointer, `values[1..]` the flat values. The context needs memory slot 0,
//! one component instance and the host arena
//! (`ComponentLayout::new(0, 0, 1, 1, 0)`).

use super::adapter::{declare_rt, Dst, Env, Gen, MemRef, RtCall, Side, Src};
use super::front::StringEncoding;
use super::plan::{CoreFunc, HOST};
use super::types::{PtrType, ValType};
use crate::compile::CompileOptions;
use crate::emit::{build_generated, define_generated, module_err, new_object};
use crate::error::{CompileError, Result};
use cranelift_codegen::ir::{
    types, AbiParam, FuncRef, InstBuilder, MemFlagsData, Signature, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use std::collections::HashMap;
use wacc_abi::component::ComponentLayout;
use wacc_abi::VALRAW_SIZE;

/// One value to lift.
pub struct LiftCase {
    pub ty: ValType,
    /// address width of the guest memory
    pub ptr: PtrType,
    pub encoding: StringEncoding,
}

struct ProbeEnv {
    module: ObjectModule,
    call_conv: CallConv,
    rt: HashMap<RtCall, FuncId>,
    layout: ComponentLayout,
}

impl Env for ProbeEnv {
    fn rt(&mut self, b: &mut FunctionBuilder, call: RtCall) -> FuncRef {
        let id = match self.rt.get(&call) {
            Some(id) => *id,
            None => {
                let id = declare_rt(&mut self.module, self.call_conv, call)
                    .expect("runtime function declared once");
                self.rt.insert(call, id);
                id
            }
        };
        self.module.declare_func_in_func(id, b.func)
    }

    fn core_func(
        &mut self,
        _: &mut FunctionBuilder,
        _: Value,
        _: CoreFunc,
    ) -> Result<(FuncRef, Value)> {
        Err(CompileError::new("lift probes call no core functions"))
    }

    fn memory_slot(&self, slot: u32) -> i32 {
        (self.layout.memories + 8 * slot) as i32
    }

    fn flags_slot(&self, cinst: u32) -> i32 {
        (self.layout.flags + 4 * cinst) as i32
    }

    fn table_index(&self, cinst: u32) -> u32 {
        if cinst == HOST {
            1
        } else {
            cinst
        }
    }

    fn task_context_slots(&self) -> Option<Vec<i32>> {
        None
    }
}

/// An object with one lift probe per case.
pub fn lift_probes(cases: &[LiftCase], opts: &CompileOptions) -> Result<Vec<u8>> {
    let isa = opts
        .target
        .isa(opts.codegen.optimize)
        .map_err(|e| CompileError::new(format!("{e:#}")))?;
    let call_conv = isa.default_call_conv();
    let mut env = ProbeEnv {
        module: new_object(isa, &opts.prefix)?,
        call_conv,
        rt: HashMap::new(),
        layout: ComponentLayout::new(0, 0, 1, 1, 0),
    };
    let mut ctx = Context::new();
    let mut fctx = FunctionBuilderContext::new();
    for (i, case) in cases.iter().enumerate() {
        let mut sig = Signature::new(call_conv);
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I64));
        let id = env
            .module
            .declare_function(&format!("{}_lift{i}", opts.prefix), Linkage::Export, &sig)
            .map_err(module_err)?;
        let config = env.module.isa().frontend_config();
        let func = build_generated(&mut env, &mut fctx, config, id, sig, |env, b, ps| {
            let (cx, values) = (ps[0], ps[1]);
            let f = MemFlagsData::trusted();
            let out = b.ins().load(types::I64, f, values, 0);
            let flat: Vec<_> = case
                .ty
                .flatten(case.ptr)
                .into_iter()
                .enumerate()
                .map(|(j, t)| {
                    let off = (VALRAW_SIZE as usize * (j + 1)) as i32;
                    (b.ins().load(super::adapter::ir_type(t), f, values, off), t)
                })
                .collect();
            let guest = Side {
                memory: Some(0),
                realloc: None,
                encoding: case.encoding,
                cinst: 0,
                ptr: case.ptr,
                relay: false,
            };
            let host = Side {
                memory: None,
                realloc: None,
                encoding: StringEncoding::Utf8,
                cinst: HOST,
                ptr: PtrType::I64,
                relay: false,
            };
            let mut g = Gen::new(b, env, cx);
            g.transfer(
                &case.ty,
                &mut Src::Flat { vals: flat, pos: 0 },
                &guest,
                &mut Dst::Mem(MemRef { off: out, k: 0 }),
                &host,
            )?;
            g.b.ins().return_(&[]);
            g.finish();
            Ok(())
        })?;
        define_generated(&mut env.module, &mut ctx, id, func)
            .map_err(|e| CompileError::new(format!("lift probe {i}: {e}")))?;
    }
    env.module
        .finish()
        .emit()
        .map_err(|e| CompileError::new(format!("writing the object failed: {e}")))
}
