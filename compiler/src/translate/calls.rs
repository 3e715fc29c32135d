//! Calls: direct calls to defined functions, calls to imported functions
//! through their `VMFuncRef`, `call_indirect` with its checks, and calls to
//! runtime libcalls.

use super::exceptions::Callee;
use super::translator::FuncTranslator;
use super::wasm_signature;
use crate::environ::sig_id;
use crate::error::Result;
use crate::libcalls::{LibCall, NS_FUNC, NS_LIBCALL};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, ExtFuncData, ExternalName, FuncRef, InstBuilder, SigRef, UserExternalName, Value,
};
use wacc_abi::{self as abi, TrapCode};

impl FuncTranslator<'_, '_> {
    /// Reference to libcall `lc` (imported once per function).
    pub(crate) fn libcall(&mut self, lc: LibCall) -> FuncRef {
        if let Some(f) = self.libcall_refs.get(&lc) {
            return *f;
        }
        let sig = self.b.import_signature(lc.signature(self.call_conv));
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName {
                namespace: NS_LIBCALL,
                index: lc as u32,
            });
        let f = self.b.import_function(ExtFuncData {
            name: ExternalName::User(name),
            signature: sig,
            colocated: false,
            patchable: false,
        });
        self.libcall_refs.insert(lc, f);
        f
    }

    /// Call libcall `lc` with the vmctx followed by `args`; returns its results.
    pub(crate) fn call_libcall(&mut self, lc: LibCall, args: &[Value]) -> Vec<Value> {
        let f = self.libcall(lc);
        let mut all = Vec::with_capacity(args.len() + 1);
        if lc.takes_vmctx() {
            all.push(self.vmctx);
        }
        all.extend_from_slice(args);
        let call = self.b.ins().call(f, &all);
        self.b.inst_results(call).to_vec()
    }

    /// Signature of wasm type `type_index` (imported once per function).
    fn wasm_sig_ref(&mut self, type_index: u32) -> Result<SigRef> {
        if let Some(s) = self.sig_refs.get(&type_index) {
            return Ok(*s);
        }
        let ty = self
            .m
            .types
            .get(type_index as usize)
            .ok_or_else(|| self.internal("type index out of range"))?;
        let s = self.b.import_signature(wasm_signature(ty, self.call_conv));
        self.sig_refs.insert(type_index, s);
        Ok(s)
    }

    /// Pop the arguments of a call with type `type_index`.
    fn pop_args(&mut self, type_index: u32, first: Value) -> Result<Vec<Value>> {
        let n = self
            .m
            .types
            .get(type_index as usize)
            .map(|t| t.params().len())
            .ok_or_else(|| self.internal("type index out of range"))?;
        let mut args = Vec::with_capacity(n + 1);
        args.push(first);
        args.extend_from_slice(self.peekn(n)?);
        let len = self.stack.len();
        self.stack.truncate(len - n);
        Ok(args)
    }

    pub(crate) fn call_op(&mut self, function_index: u32) -> Result<()> {
        let type_index = *self
            .m
            .funcs
            .get(function_index as usize)
            .ok_or_else(|| self.internal("function index out of range"))?;
        let sig = self.wasm_sig_ref(type_index)?;
        if self.m.is_imported_func(function_index) {
            // Through the import's VMFuncRef, filled at instantiation.
            let fr = self.m.layout.funcref(function_index) as i32;
            let flags = Self::invariant_flags();
            let vmctx = self.vmctx;
            let code = self
                .b
                .ins()
                .load(types::I64, flags, vmctx, fr + abi::FUNCREF_FUNC as i32);
            let callee_vmctx =
                self.b
                    .ins()
                    .load(types::I64, flags, vmctx, fr + abi::FUNCREF_VMCTX as i32);
            let args = self.pop_args(type_index, callee_vmctx)?;
            let results = self.wasm_call(Callee::Indirect(sig, code), sig, &args);
            self.stack.extend(results);
            return Ok(());
        }
        let f = match self.func_refs.get(&function_index) {
            Some(f) => *f,
            None => {
                let name = self
                    .b
                    .func
                    .declare_imported_user_function(UserExternalName {
                        namespace: NS_FUNC,
                        index: function_index,
                    });
                let f = self.b.import_function(ExtFuncData {
                    name: ExternalName::User(name),
                    signature: sig,
                    colocated: true,
                    patchable: false,
                });
                self.func_refs.insert(function_index, f);
                f
            }
        };
        let vmctx = self.vmctx;
        let args = self.pop_args(type_index, vmctx)?;
        let results = self.wasm_call(Callee::Direct(f), sig, &args);
        self.stack.extend(results);
        Ok(())
    }

    /// `call_ref`: the callee's type is known statically, so only null is
    /// checked.
    pub(crate) fn call_ref_op(&mut self, type_index: u32) -> Result<()> {
        let sig = self.wasm_sig_ref(type_index)?;
        let funcref = self.pop()?;
        self.trap_if_null(funcref, TrapCode::NullFunctionReference);
        self.call_funcref(type_index, sig, funcref)
    }

    /// Call through a non-null `VMFuncRef` with type `type_index`.
    fn call_funcref(&mut self, type_index: u32, sig: SigRef, funcref: Value) -> Result<()> {
        // A VMFuncRef never changes once its instance is set up.
        let ro = cranelift_codegen::ir::MemFlagsData::trusted().with_readonly();
        let code = self
            .b
            .ins()
            .load(types::I64, ro, funcref, abi::FUNCREF_FUNC as i32);
        let callee_vmctx = self
            .b
            .ins()
            .load(types::I64, ro, funcref, abi::FUNCREF_VMCTX as i32);
        let args = self.pop_args(type_index, callee_vmctx)?;
        let results = self.wasm_call(Callee::Indirect(sig, code), sig, &args);
        self.stack.extend(results);
        Ok(())
    }

    pub(crate) fn call_indirect_op(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        let sig = self.wasm_sig_ref(type_index)?;
        let index = self.pop()?;
        // Table bounds: UndefinedElement (not TableOutOfBounds) for calls.
        let elem = self.table_element_addr(table_index, index, TrapCode::UndefinedElement)?;
        let flags = Self::vm_flags(self.regions.table_elems);
        let funcref = self.b.ins().load(types::I64, flags, elem, 0);
        self.trap_if_null(funcref, TrapCode::IndirectCallToNull);

        let ty = self
            .m
            .types
            .get(type_index as usize)
            .ok_or_else(|| self.internal("type index out of range"))?;
        let expected = match sig_id(ty) {
            Some(id) => self.b.ins().iconst(types::I64, id as i64),
            None => {
                let off = self.m.layout.type_id(type_index) as i32;
                let vmctx = self.vmctx;
                self.b
                    .ins()
                    .load(types::I64, Self::invariant_flags(), vmctx, off)
            }
        };
        // A VMFuncRef never changes once its instance is set up.
        let ro = cranelift_codegen::ir::MemFlagsData::trusted().with_readonly();
        let actual = self
            .b
            .ins()
            .load(types::I64, ro, funcref, abi::FUNCREF_TYPE_ID as i32);
        let mismatch = self.b.ins().icmp(IntCC::NotEqual, actual, expected);
        self.trap_if(mismatch, TrapCode::BadSignature);
        self.call_funcref(type_index, sig, funcref)
    }
}
