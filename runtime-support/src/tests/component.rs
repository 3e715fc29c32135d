//! Component contexts: instantiation plans, the host arena, resource tables
//! and call scopes.

use super::*;
use crate::abi::component::*;
use crate::component::resource::*;
use crate::component::{
    flags, funcref, instance_slot, memory_slot, wacc_rt_component_free,
    wacc_rt_component_instantiate, wacc_rt_host_alloc, wacc_rt_host_reset,
};

/// A component desc over `instances` (module, imports), with `steps`.
struct Plan {
    instances: Vec<(&'static ModuleDesc, Vec<ItemRef>)>,
    trampolines: Vec<(*const c_void, Vec<u8>, Vec<u8>)>,
    memories: Vec<ItemRef>,
    component_instances: u32,
    resources: Vec<ResourceDesc>,
    steps: Vec<InitStep>,
    calls: Vec<unsafe extern "C" fn(*mut c_void)>,
    values_size: u32,
}

/// One component instance and nothing else.
impl Default for Plan {
    fn default() -> Plan {
        Plan {
            instances: vec![],
            trampolines: vec![],
            memories: vec![],
            component_instances: 1,
            resources: vec![],
            steps: vec![],
            calls: vec![],
            values_size: 0,
        }
    }
}

impl Plan {
    fn build(self) -> &'static mut ComponentDesc {
        let n = |v: usize| v as u32;
        let instances: Vec<CoreInstanceDesc> = self
            .instances
            .iter()
            .map(|(m, refs)| CoreInstanceDesc {
                module: *m,
                imports: leak(refs.clone()),
                num_imports: n(refs.len()),
                _pad: 0,
            })
            .collect();
        let trampolines: Vec<TrampolineDesc> = self
            .trampolines
            .iter()
            .map(|(f, p, r)| TrampolineDesc {
                func: *f,
                params: s(p),
                results: s(r),
            })
            .collect();
        let calls: Vec<*const c_void> = self.calls.iter().map(|&f| f as *const c_void).collect();
        Box::leak(Box::new(ComponentDesc {
            abi_version: ABI_VERSION,
            isa: 0,
            num_instances: n(instances.len()),
            values_size: self.values_size,
            instances: leak(instances),
            num_trampolines: n(trampolines.len()),
            num_memories: n(self.memories.len()),
            trampolines: leak(trampolines),
            memories: leak(self.memories),
            num_component_instances: self.component_instances,
            num_resources: n(self.resources.len()),
            resources: leak(self.resources),
            num_steps: n(self.steps.len()),
            num_calls: n(calls.len()),
            steps: leak(self.steps),
            calls: leak(calls),
        }))
    }
}

fn from_instance(kind: u32, instance: u32, index: u32) -> ItemRef {
    ItemRef {
        kind,
        source: SOURCE_INSTANCE,
        instance,
        index,
    }
}

fn core(k: u32) -> InitStep {
    InitStep {
        kind: STEP_CORE_INSTANCE,
        index: k,
    }
}

fn call(j: u32) -> InitStep {
    InitStep {
        kind: STEP_CALL,
        index: j,
    }
}

/// A store and an instantiated component.
struct Comp {
    store: *mut VMStore,
    ctx: *mut c_void,
}

impl Comp {
    fn new(desc: &'static ComponentDesc) -> Comp {
        // SAFETY: a fresh store, checked instantiation; `Comp` owns both and frees them once in
        // `drop`.
        unsafe {
            let store = wacc_rt_store_new();
            let mut ctx = ptr::null_mut();
            assert_eq!(wacc_rt_component_instantiate(store, desc, &mut ctx), 0);
            assert!(!ctx.is_null());
            Comp { store, ctx }
        }
    }

    fn instance(&self, k: u32) -> *mut c_void {
        // SAFETY: `self.ctx` is the live context of this `Comp` and tests only name its core
        // instances.
        unsafe { *instance_slot(self.ctx, k) }
    }

    /// Runs `f` under a landing pad: the trap code and detail (0, 0 if none).
    /// `f` must not panic (it runs inside an `extern "C"` frame).
    fn run(&self, mut f: impl FnMut(*mut c_void)) -> (u32, u32) {
        unsafe extern "C" fn body<F: FnMut()>(data: *mut c_void) {
            // SAFETY: `data` is the `F` erased by `erase` in `run`, alive for the `catch` call.
            unsafe { (*(data as *mut F))() }
        }
        fn erase<F: FnMut()>(f: &mut F) -> (unsafe extern "C" fn(*mut c_void), *mut c_void) {
            (body::<F>, (f as *mut F).cast())
        }
        let ctx = self.ctx;
        let mut g = || f(ctx);
        let (b, data) = erase(&mut g);
        // SAFETY: `self.store` is live, and `b(data)` calls the closure `g`, alive for the whole
        // `catch`.
        unsafe {
            (*self.store).trap_detail = 0;
            let code = crate::core::trap::catch(self.store, b, data);
            (code, (*self.store).trap_detail)
        }
    }

    /// `run` for a single value-returning call that must not trap.
    fn value(&self, mut f: impl FnMut(*mut c_void) -> u32) -> u32 {
        let mut v = u32::MAX;
        assert_eq!(self.run(|ctx| v = f(ctx)), (0, 0));
        v
    }
}

impl Drop for Comp {
    fn drop(&mut self) {
        // SAFETY: the context and store were created in `new`, are freed once here, the context
        // first.
        unsafe {
            wacc_rt_component_free(self.ctx);
            wacc_rt_store_free(self.store);
        }
    }
}

unsafe extern "C" fn provider_fn(_: *mut c_void) {}
unsafe extern "C" fn trampoline_fn(_: *mut c_void, x: i32) -> i32 {
    x
}

/// Defines function 0 (() -> ()), a memory, a table and a global.
fn provider() -> &'static ModuleDesc {
    Module {
        types: vec![(vec![], vec![])],
        funcs: vec![(0, provider_fn as *const c_void, None)],
        memories: vec![(1, 1)],
        tables: vec![(2, 2)],
        globals: 1,
        explicit: true,
        ..Default::default()
    }
    .build()
}

/// Imports a function (() -> ()), a function (i32) -> i32, a memory, a
/// table and a global.
fn user() -> &'static ModuleDesc {
    Module {
        types: vec![(vec![], vec![]), (vec![valtype::I32], vec![valtype::I32])],
        funcs: vec![(0, ptr::null(), None), (1, ptr::null(), None)],
        imported_funcs: 2,
        memories: vec![(0, 0)],
        imported_memories: 1,
        tables: vec![(0, 0)],
        imported_tables: 1,
        globals: 1,
        imported_globals: 1,
        imports: vec![
            (kind::FUNC, 0, ptr::null()),
            (kind::FUNC, 1, ptr::null()),
            (kind::MEMORY, 0, ptr::null()),
            (kind::TABLE, 0, ptr::null()),
            (kind::GLOBAL, 0, ptr::null()),
        ],
        explicit: true,
        ..Default::default()
    }
    .build()
}

fn user_imports(from: u32) -> Vec<ItemRef> {
    vec![
        from_instance(kind::FUNC, from, 0),
        ItemRef {
            kind: kind::FUNC,
            source: SOURCE_TRAMPOLINE,
            instance: 0,
            index: 0,
        },
        from_instance(kind::MEMORY, from, 0),
        from_instance(kind::TABLE, from, 0),
        from_instance(kind::GLOBAL, from, 0),
    ]
}

/// Instances: 0 provider, 1 user of 0, 2 provider; memory slots name the
/// memories of 0 and 2. Steps: 0, call 0, 1, 2, call 1.
fn two_providers() -> Plan {
    /// Runs after instance 0 only: marks its memory.
    unsafe extern "C" fn call0(ctx: *mut c_void) {
        // SAFETY: called by the component's instantiation or `Comp::run` with its live context,
        // under a landing pad.
        unsafe {
            let m0 = *memory_slot(ctx, 0);
            let early = (*memory_slot(ctx, 1)).is_null() && (*instance_slot(ctx, 1)).is_null();
            *(*m0).base = 1 + early as u8;
        }
    }
    /// Runs last: marks the memory of instance 2.
    unsafe extern "C" fn call1(ctx: *mut c_void) {
        // SAFETY: called by the component's instantiation or `Comp::run` with its live context,
        // under a landing pad.
        unsafe {
            let m1 = *memory_slot(ctx, 1);
            *(*m1).base = 3;
        }
    }
    Plan {
        instances: vec![
            (provider(), vec![]),
            (user(), user_imports(0)),
            (provider(), vec![]),
        ],
        trampolines: vec![(
            trampoline_fn as *const c_void,
            vec![valtype::I32],
            vec![valtype::I32],
        )],
        memories: vec![
            from_instance(kind::MEMORY, 0, 0),
            from_instance(kind::MEMORY, 2, 0),
        ],
        component_instances: 2,
        resources: vec![],
        steps: vec![core(0), call(0), core(1), core(2), call(1)],
        calls: vec![call0, call1],
        values_size: 0,
    }
}

#[test]
fn component_instantiate_wires_imports() {
    let desc = two_providers().build();
    let c = Comp::new(desc);
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let h = &*(c.ctx as *const VMComponentContext);
        assert_eq!(h.store, c.store);
        assert_eq!(h.desc, desc as *const ComponentDesc);
        for i in 0..2 {
            assert_eq!(*flags(c.ctx, i), FLAG_MAY_LEAVE | FLAG_MAY_ENTER);
        }
        let (a, u, b) = (c.instance(0), c.instance(1), c.instance(2));
        assert!(!a.is_null() && !u.is_null() && !b.is_null() && a != b);

        // The trampoline's funcref.
        let t = &*funcref(c.ctx, 0);
        assert_eq!(t.func, trampoline_fn as *const c_void);
        assert_eq!(t.vmctx, c.ctx);
        assert_eq!(t.type_id, sig_id(&[valtype::I32], &[valtype::I32]).unwrap());
        assert!(t.array_call.is_null());

        // The user's imports: entities of instance 0 and the trampoline.
        let f0 = &*crate::core::vmctx::funcref(u, 0);
        assert_eq!(f0.func, provider_fn as *const c_void);
        assert_eq!(f0.vmctx, a);
        let f1 = &*crate::core::vmctx::funcref(u, 1);
        assert_eq!(f1.func, trampoline_fn as *const c_void);
        assert_eq!(f1.vmctx, c.ctx);
        assert_eq!(
            crate::core::vmctx::memory(u, 0),
            crate::core::vmctx::memory(a, 0)
        );
        assert_eq!(
            crate::core::vmctx::table(u, 0),
            crate::core::vmctx::table(a, 0)
        );
        assert_eq!(
            crate::core::vmctx::global(u, 0),
            crate::core::vmctx::global(a, 0)
        );
        assert_ne!(
            crate::core::vmctx::memory(a, 0),
            crate::core::vmctx::memory(b, 0)
        );

        // Memory slots, and the calls ran in order.
        assert_eq!(*memory_slot(c.ctx, 0), crate::core::vmctx::memory(a, 0));
        assert_eq!(*memory_slot(c.ctx, 1), crate::core::vmctx::memory(b, 0));
        assert_eq!(
            *(**memory_slot(c.ctx, 0)).base,
            2,
            "call 0 ran before instance 1"
        );
        assert_eq!(*(**memory_slot(c.ctx, 1)).base, 3, "call 1 ran");
    }
}

#[test]
fn component_instantiate_failures() {
    unsafe extern "C" fn trapping_call(ctx: *mut c_void) {
        // SAFETY: called by the component's instantiation or `Comp::run` with its live context,
        // under a landing pad.
        unsafe {
            wacc_rt_trap(ctx, TrapCode::IntegerOverflow as u32);
        }
    }
    unsafe extern "C" fn trapping_init(vmctx: *mut c_void) {
        // SAFETY: called as an init function with the vmctx being set up, laid out by the test's
        // descriptor.
        unsafe {
            wacc_rt_trap(vmctx, TrapCode::Unreachable as u32);
        }
    }
    let instantiate = |desc: &'static ComponentDesc| unsafe {
        let store = wacc_rt_store_new();
        let mut ctx = ptr::dangling_mut::<c_void>();
        let code = wacc_rt_component_instantiate(store, desc, &mut ctx);
        assert!(ctx.is_null());
        assert!((*store).jmp_buf.is_null());
        assert_eq!((*store).stack_limit, 0);
        wacc_rt_store_free(store);
        code
    };
    // A start call traps after instances exist.
    let mut p = two_providers();
    p.calls[1] = trapping_call;
    assert_eq!(instantiate(p.build()), TrapCode::IntegerOverflow as u32);
    // A core instance's initialisation traps (it is left to the store).
    let mut p = two_providers();
    let mut m = Module {
        types: vec![(vec![], vec![])],
        funcs: vec![(0, provider_fn as *const c_void, None)],
        memories: vec![(1, 1)],
        tables: vec![(2, 2)],
        globals: 1,
        explicit: true,
        ..Default::default()
    };
    m.init = Some(trapping_init);
    p.instances[2].0 = m.build();
    assert_eq!(instantiate(p.build()), TrapCode::Unreachable as u32);
    // Imports from an instance not created yet.
    let mut p = two_providers();
    p.instances[1].1 = user_imports(2);
    assert_eq!(instantiate(p.build()), TrapCode::InstantiationFailed as u32);
    // A core instance created twice, an unknown step, an ABI mismatch.
    let mut p = two_providers();
    p.steps.push(core(0));
    assert_eq!(instantiate(p.build()), TrapCode::InstantiationFailed as u32);
    let mut p = two_providers();
    p.steps.push(call(2));
    assert_eq!(instantiate(p.build()), TrapCode::InstantiationFailed as u32);
    let d = two_providers().build();
    d.abi_version = 0;
    assert_eq!(instantiate(d), TrapCode::InstantiationFailed as u32);
}

#[test]
fn component_instantiate_wires_tags() {
    // Instance 0 defines two tags; instance 1 imports its tag 1; a tag
    // index past the provider's tags does not resolve.
    let provider = Module {
        tags: 2,
        explicit: true,
        ..Default::default()
    }
    .build();
    let user = Module {
        tags: 2,
        imported_tags: 1,
        imports: vec![(kind::TAG, 0, ptr::null())],
        explicit: true,
        ..Default::default()
    }
    .build();
    let plan = |index| Plan {
        instances: vec![
            (&*provider, vec![]),
            (&*user, vec![from_instance(kind::TAG, 0, index)]),
        ],
        steps: vec![core(0), core(1)],
        ..Plan::default()
    };
    let c = Comp::new(plan(1).build());
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let tag = |k, i| *crate::core::vmctx::tag_slot(c.instance(k), i);
        assert_eq!(tag(1, 0), tag(0, 1));
        assert_ne!(tag(1, 0), tag(0, 0));
        assert_ne!(tag(1, 1), tag(0, 1));
        let store = wacc_rt_store_new();
        let mut ctx = ptr::null_mut();
        assert_eq!(
            wacc_rt_component_instantiate(store, plan(2).build(), &mut ctx),
            TrapCode::InstantiationFailed as u32
        );
        wacc_rt_store_free(store);
    }
}

fn aligned(p: *mut u8, align: usize) -> bool {
    p.align_offset(align) == 0
}

#[test]
fn host_arena() {
    let c = Comp::new(Plan::default().build());
    let ctx = c.ctx;
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        // Reset before anything was allocated is fine.
        wacc_rt_host_reset(ctx);
        let a = wacc_rt_host_alloc(ctx, 3, 1);
        let b = wacc_rt_host_alloc(ctx, 8, 8);
        assert!(!a.is_null() && aligned(b, 8) && b as usize >= a as usize + 3);
        let z = wacc_rt_host_alloc(ctx, 0, 4);
        assert!(!z.is_null() && aligned(z, 4));
        ptr::write_bytes(a, 0xAA, 3);
        ptr::write_bytes(b, 0xBB, 8);
        // Larger than a chunk: a new, larger chunk.
        let big = wacc_rt_host_alloc(ctx, 10000, 16);
        assert!(!big.is_null() && aligned(big, 16));
        ptr::write_bytes(big, 0xCC, 10000);
        assert_eq!(*a.add(2), 0xAA);
        assert_eq!(*b.add(7), 0xBB);
        // After a reset the newest chunk is reused from its start.
        wacc_rt_host_reset(ctx);
        let again = wacc_rt_host_alloc(ctx, 16, 16);
        assert_eq!(again, big);
        let odd = wacc_rt_host_alloc(ctx, 4, 3);
        assert!(aligned(odd, 4));
    }
}

/// A start step's value: "hi" allocated in the host arena, its pointer
/// kept in the context's `values` region.
unsafe extern "C" fn make_value(ctx: *mut c_void) {
    // SAFETY: called by the component's instantiation or `Comp::run` with its live context, under a
    // landing pad.
    unsafe {
        let p = wacc_rt_host_alloc(ctx, 2, 1);
        ptr::copy_nonoverlapping(b"hi".as_ptr(), p, 2);
        let slot = ctx
            .cast::<u8>()
            .add(ComponentLayout::of(crate::component::desc(ctx)).values as usize);
        *slot.cast::<*mut u8>() = p;
    }
}

#[test]
fn start_values_outlive_resets() {
    let c = Comp::new(
        Plan {
            steps: vec![call(0)],
            calls: vec![make_value],
            values_size: 8,
            ..Plan::default()
        }
        .build(),
    );
    let ctx = c.ctx;
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let layout = ComponentLayout::of(crate::component::desc(ctx));
        assert_eq!(layout.values % 16, 0);
        assert!(layout.size >= layout.values + 8);
        let v = *ctx
            .cast::<u8>()
            .add(layout.values as usize)
            .cast::<*const u8>();
        for _ in 0..3 {
            wacc_rt_host_reset(ctx);
            let p = wacc_rt_host_alloc(ctx, 4096, 1);
            ptr::write_bytes(p, 0xEE, 4096);
        }
        assert_eq!(core::slice::from_raw_parts(v, 2), b"hi");
    }
}

const R0: u32 = 0;
const R1: u32 = 1;
const HOST: u32 = 2;

/// Records the destructor's calls in global 0 of its instance: the last
/// rep (low word) and the number of calls (high word).
unsafe extern "C" fn dtor(vmctx: *mut c_void, rep: i32) {
    // SAFETY: called with the destructor instance's vmctx, whose module defines global 0.
    unsafe {
        let cell = crate::core::vmctx::global(vmctx, 0).cast::<u32>();
        *cell = rep as u32;
        *cell.add(1) += 1;
    }
}

/// Two component instances (0 defines R0 with a destructor and R1 without)
/// and the host's table; one core instance for the destructor.
fn resources() -> Comp {
    Comp::new(
        Plan {
            instances: vec![(simple(true), vec![])],
            trampolines: vec![],
            memories: vec![],
            component_instances: 2,
            resources: vec![
                ResourceDesc {
                    owner: 0,
                    dtor_instance: 0,
                    dtor: dtor as *const c_void,
                },
                ResourceDesc {
                    owner: 0,
                    dtor_instance: u32::MAX,
                    dtor: ptr::null(),
                },
            ],
            steps: vec![core(0)],
            calls: vec![],
            values_size: 0,
        }
        .build(),
    )
}

/// (last rep, calls) of the destructor.
fn dtor_calls(c: &Comp) -> (u32, u32) {
    // SAFETY: core instance 0 of `resources()` exists and defines global 0.
    unsafe {
        let cell = crate::core::vmctx::global(c.instance(0), 0).cast::<u32>();
        (*cell, *cell.add(1))
    }
}

#[test]
fn resource_handles_lifo() {
    let c = resources();
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    let new = |cinst, rep| c.value(|ctx| unsafe { wacc_rt_resource_new(ctx, cinst, R1, rep) });
    let rep = |h| c.value(|ctx| unsafe { wacc_rt_resource_rep(ctx, 0, R1, h) });
    let drop = |h| {
        c.run(|ctx| unsafe { wacc_rt_resource_drop(ctx, 0, R1, h) });
    };
    assert_eq!(new(0, 100), 1);
    assert_eq!(new(0, 200), 2);
    assert_eq!(new(0, 300), 3);
    drop(2);
    assert_eq!(new(0, 400), 2);
    assert_eq!((rep(1), rep(2), rep(3)), (100, 400, 300));
    drop(1);
    drop(2);
    drop(3);
    assert_eq!(new(0, 500), 3);
    assert_eq!(new(0, 600), 2);
    assert_eq!(new(0, 700), 1);
    assert_eq!((rep(1), rep(2), rep(3)), (700, 600, 500));
    assert_eq!(new(0, 800), 4);
    // Tables are per instance.
    assert_eq!(new(1, 900), 1);
    assert_eq!(new(HOST, 901), 1);
    assert_eq!(rep(1), 700);
    // No destructor for R1.
    assert_eq!(dtor_calls(&c), (0, 0));
}

#[test]
fn resource_handle_traps() {
    use TrapCode::*;
    let c = resources();
    let code = |t: TrapCode, detail: u32| (t as u32, detail);
    let rep = |res, h| {
        // SAFETY: the stores, instances and objects used here are created by this test (or its
        // helpers) and used on this thread only while they are alive; indices are those of the
        // test descriptors.
        c.run(|ctx| unsafe {
            let _ = wacc_rt_resource_rep(ctx, 0, res, h);
        })
    };
    let drop_h = |res, h| c.run(|ctx| unsafe { wacc_rt_resource_drop(ctx, 0, res, h) });
    assert_eq!(rep(R1, 0), code(UnknownHandle, 0));
    assert_eq!(rep(R1, 5), code(UnknownHandle, 5));
    assert_eq!(drop_h(R1, u32::MAX), code(UnknownHandle, u32::MAX));
    let h = c.value(|ctx| unsafe { wacc_rt_resource_new(ctx, 0, R0, 7) });
    assert_eq!(rep(R0, h), (0, 0));
    assert_eq!(rep(R1, h), code(WrongResourceType, h));
    assert_eq!(drop_h(R1, h), code(WrongResourceType, h));
    // Dropping an own handle runs the destructor, once.
    assert_eq!(drop_h(R0, h), (0, 0));
    assert_eq!(dtor_calls(&c), (7, 1));
    assert_eq!(drop_h(R0, h), code(UnknownHandle, h));
    assert_eq!(rep(R0, h), code(UnknownHandle, h));
    assert_eq!(dtor_calls(&c), (7, 1));
    // resource.new and resource.drop need `may_leave`.
    unsafe { *flags(c.ctx, 0) = FLAG_MAY_ENTER };
    assert_eq!(
        c.run(|ctx| unsafe {
            let _ = wacc_rt_resource_new(ctx, 0, R0, 1);
        }),
        code(CannotLeave, 0)
    );
    unsafe { *flags(c.ctx, 0) = FLAG_MAY_LEAVE | FLAG_MAY_ENTER };
    // Only own handles transfer.
    let own = c.value(|ctx| unsafe { wacc_rt_resource_new(ctx, HOST, R0, 8) });
    let (mut scope, mut b) = (0, 0);
    assert_eq!(
        c.run(|ctx| unsafe {
            scope = wacc_rt_call_begin(ctx, 1);
            b = wacc_rt_resource_lend(ctx, HOST, 1, R0, own);
        }),
        (0, 0)
    );
    assert_eq!(
        c.run(|ctx| unsafe {
            let _ = wacc_rt_resource_transfer_own(ctx, 1, HOST, R0, b);
        }),
        code(WrongResourceType, b)
    );
    // A guest callee must drop the borrows it received.
    assert_eq!(
        c.run(|ctx| unsafe { wacc_rt_call_end(ctx, scope) }),
        code(BorrowsRemain, 0)
    );
    assert_eq!(
        c.run(|ctx| unsafe {
            wacc_rt_resource_drop(ctx, 1, R0, b);
            wacc_rt_call_end(ctx, scope);
        }),
        (0, 0)
    );
    assert_eq!(dtor_calls(&c), (7, 1), "dropping a borrow destroys nothing");
}

#[test]
fn borrows_lent_to_the_host_end_with_the_call() {
    use TrapCode::*;
    let c = resources();
    let code = |t: TrapCode, detail: u32| (t as u32, detail);
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    let own = c.value(|ctx| unsafe { wacc_rt_resource_new(ctx, 1, R0, 9) });
    let (mut outer, mut b) = (0, 0);
    // Instance 1 calls the host with a borrow of its own handle.
    assert_eq!(
        c.run(|ctx| unsafe {
            outer = wacc_rt_call_begin(ctx, HOST);
            b = wacc_rt_resource_lend(ctx, 1, HOST, R0, own);
        }),
        (0, 0)
    );
    assert_eq!(
        c.value(|ctx| unsafe { wacc_rt_resource_rep(ctx, HOST, R0, b) }),
        9
    );
    // The lender is lent for the call.
    assert_eq!(
        c.run(|ctx| unsafe { wacc_rt_resource_drop(ctx, 1, R0, own) }),
        code(OwnBorrowed, own)
    );
    // The host lends the borrow on (calling back into instance 1): the
    // nested scope ends first.
    let mut inner = 0;
    let b2 = c.value(|ctx| unsafe {
        inner = wacc_rt_call_begin(ctx, 1);
        wacc_rt_resource_lend(ctx, HOST, 1, R0, b)
    });
    assert_eq!(
        c.run(|ctx| unsafe {
            wacc_rt_resource_drop(ctx, 1, R0, b2);
            wacc_rt_call_end(ctx, inner);
        }),
        (0, 0)
    );
    // The host's borrow goes with the scope, and the lender is free again.
    assert_eq!(c.run(|ctx| unsafe { wacc_rt_call_end(ctx, outer) }), (0, 0));
    assert_eq!(
        c.run(|ctx| unsafe {
            let _ = wacc_rt_resource_rep(ctx, HOST, R0, b);
        }),
        code(UnknownHandle, b)
    );
    // A borrow the host dropped itself is not removed twice (its index,
    // reused by an own handle, stays).
    let mut b3 = 0;
    let mut h = 0;
    assert_eq!(
        c.run(|ctx| unsafe {
            outer = wacc_rt_call_begin(ctx, HOST);
            b3 = wacc_rt_resource_lend(ctx, 1, HOST, R0, own);
            wacc_rt_resource_drop(ctx, HOST, R0, b3);
            h = wacc_rt_resource_new(ctx, HOST, R1, 77);
            wacc_rt_call_end(ctx, outer);
        }),
        (0, 0)
    );
    assert_eq!(h, b3);
    assert_eq!(
        c.value(|ctx| unsafe { wacc_rt_resource_rep(ctx, HOST, R1, h) }),
        77
    );
    assert_eq!(
        c.run(|ctx| unsafe { wacc_rt_resource_drop(ctx, 1, R0, own) }),
        (0, 0)
    );
    assert_eq!(dtor_calls(&c), (9, 1));
}

#[test]
fn resource_borrows_across_calls() {
    use TrapCode::*;
    let c = resources();
    let code = |t: TrapCode, detail: u32| (t as u32, detail);
    // The owner creates a resource and hands it to instance 1.
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    let h0 = c.value(|ctx| unsafe { wacc_rt_resource_new(ctx, 0, R0, 0x41) });
    let h = c.value(|ctx| unsafe { wacc_rt_resource_transfer_own(ctx, 0, 1, R0, h0) });
    assert_eq!(h, 1);
    assert_eq!(
        c.run(|ctx| unsafe {
            let _ = wacc_rt_resource_rep(ctx, 0, R0, h0);
        }),
        code(UnknownHandle, h0),
        "moved out of the owner's table"
    );
    let mut s = 0;

    // Lending to the owner passes the rep, but the handle is still lent
    // until the call ends.
    let r = c.value(|ctx| unsafe {
        s = wacc_rt_call_begin(ctx, 0);
        wacc_rt_resource_lend(ctx, 1, 0, R0, h)
    });
    assert_eq!(r, 0x41);
    assert_eq!(
        c.run(|ctx| unsafe { wacc_rt_resource_drop(ctx, 1, R0, h) }),
        code(OwnBorrowed, h)
    );
    assert_eq!(
        c.run(|ctx| unsafe {
            let _ = wacc_rt_resource_transfer_own(ctx, 1, 0, R0, h);
        }),
        code(OwnBorrowed, h)
    );
    assert_eq!(c.run(|ctx| unsafe { wacc_rt_call_end(ctx, s) }), (0, 0));

    // Lending elsewhere creates a borrow handle (here the host's: the
    // scope's end removes it).
    let b = c.value(|ctx| unsafe {
        s = wacc_rt_call_begin(ctx, HOST);
        wacc_rt_resource_lend(ctx, 1, HOST, R0, h)
    });
    assert_eq!(b, 1);
    assert_eq!(
        c.value(|ctx| unsafe { wacc_rt_resource_rep(ctx, HOST, R0, b) }),
        0x41
    );
    // A nested call lends the borrow on: it cannot be dropped meanwhile.
    let mut s2 = 0;
    let b2 = c.value(|ctx| unsafe {
        s2 = wacc_rt_call_begin(ctx, 1);
        wacc_rt_resource_lend(ctx, HOST, 1, R0, b)
    });
    assert_eq!(b2, 2, "next index of instance 1's table");
    assert_ne!(s2, s);
    assert_eq!(
        c.run(|ctx| unsafe { wacc_rt_resource_drop(ctx, HOST, R0, b) }),
        code(OwnBorrowed, b)
    );
    // The guest callee must drop its borrow.
    assert_eq!(
        c.run(|ctx| unsafe { wacc_rt_call_end(ctx, s2) }),
        code(BorrowsRemain, 0)
    );
    assert_eq!(
        c.run(|ctx| unsafe {
            wacc_rt_resource_drop(ctx, 1, R0, b2);
            wacc_rt_call_end(ctx, s2);
            wacc_rt_resource_drop(ctx, HOST, R0, b);
            wacc_rt_call_end(ctx, s);
        }),
        (0, 0)
    );
    assert_eq!(dtor_calls(&c), (0, 0));

    // Moving a handle within one table keeps its index.
    assert_eq!(
        c.value(|ctx| unsafe { wacc_rt_resource_transfer_own(ctx, 1, 1, R0, h) }),
        h
    );

    // Lends are over: the own handle can go, and its destructor runs.
    assert_eq!(
        c.run(|ctx| unsafe { wacc_rt_resource_drop(ctx, 1, R0, h) }),
        (0, 0)
    );
    assert_eq!(dtor_calls(&c), (0x41, 1));
    // A scope that ended is gone; ending it again does nothing.
    assert_eq!(c.run(|ctx| unsafe { wacc_rt_call_end(ctx, s) }), (0, 0));
}
