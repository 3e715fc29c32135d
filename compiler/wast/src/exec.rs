//! Executing a script's directives in order against the linked library.

use super::build::{Build, Compiled, CompiledComponent, ModuleState};
use super::cinstance::{CompId, Components, Trap};
use super::cvalue::{self, CVal};
use super::host::{host_funcs, SPECTEST_EXTRAS};
use super::instance::{trap_message, InstId, InstantiateError, Store};
use super::script::{Directive, Exec, Invoke, ModuleId, Script};
use super::value::{check_results, Arg, Expected, FloatPattern, Val};
use std::collections::HashMap;
use wacc_abi::TrapCode;

/// The result of one directive.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    Fail(String),
    /// not run, for this reason (listed per file by the driver)
    Skip(String),
}

/// An instance of a core module or of a component.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Inst {
    Core(InstId),
    Component(CompId),
}

/// Why an instance (or a definition) is not there.
#[derive(Debug, Clone, PartialEq)]
enum NotRun {
    /// a failure: instantiation failed, no such name, ...
    Fail(String),
    /// skipped: it needs the async ABI
    Skip(String),
}

impl NotRun {
    /// The outcome of directive `what` that needed it.
    fn outcome(self, what: &str) -> Outcome {
        match self {
            NotRun::Fail(m) => Outcome::Fail(format!("{what}: {m}")),
            NotRun::Skip(m) => Outcome::Skip(m),
        }
    }
}

impl From<String> for NotRun {
    fn from(m: String) -> NotRun {
        NotRun::Fail(m)
    }
}

/// A definition ready to instantiate.
enum Def<'a> {
    Core(&'a Compiled),
    Component(&'a CompiledComponent),
}

/// What a call returned.
enum Returned {
    Core(Vec<Val>),
    Component(Option<CVal>),
}

impl Returned {
    fn describe(&self) -> String {
        match self {
            Returned::Core(v) if v.is_empty() => "(no results)".into(),
            Returned::Core(v) => v
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            Returned::Component(None) => "(no result)".into(),
            Returned::Component(Some(v)) => v.to_string(),
        }
    }
}

/// Reason of the skip of a call that reached a built-in of the async ABI.
const ASYNC_CALL: &str = "needs the async ABI (the call reached an async built-in)";

/// Runs directives; holds the script's instances and names.
pub struct Runner<'a> {
    store: Store<'a>,
    components: Components<'a>,
    build: &'a Build,
    script: &'a Script,
    /// the most recent `module`; `Err` if it failed
    current: Option<Result<Inst, NotRun>>,
    named: HashMap<String, Result<Inst, NotRun>>,
    definitions: HashMap<String, ModuleId>,
    last_definition: Option<ModuleId>,
}

/// Trap messages of other implementations (the component-model tests are
/// written against wasmtime) that say the same as `TrapCode::message` in
/// other words: (expected message, our trap).
const TRAP_ALIASES: &[(&str, TrapCode)] = &[
    (
        "string pointer/length out of bounds of memory",
        TrapCode::StringOutOfBounds,
    ),
    (
        "list pointer/length out of bounds of memory",
        TrapCode::ListOutOfBounds,
    ),
    ("incomplete utf-8 byte sequence", TrapCode::InvalidUtf8),
    (
        "wasm `unreachable` instruction executed",
        TrapCode::Unreachable,
    ),
];

/// Our message for a trap, with its detail: the handle index of the
/// handle traps.
pub fn trap_text(t: Trap) -> String {
    match TrapCode::from_u32(t.code) {
        Some(TrapCode::UnknownHandle) => format!("unknown handle index {}", t.detail),
        Some(TrapCode::WrongResourceType) => {
            format!("handle index {} used with the wrong type", t.detail)
        }
        _ => trap_message(t.code),
    }
}

/// The expected trap message matches ours if ours contains it, if it only
/// adds detail after ours (e.g. "uninitialized element 2"; not more digits
/// of a number), or if it is an alias of ours. A "wasm trap: " prefix of
/// the expected message is ignored.
pub fn trap_matches(expected: &str, trap: Trap) -> bool {
    let expected = expected.strip_prefix("wasm trap: ").unwrap_or(expected);
    let ours = trap_text(trap);
    let extends = expected.strip_prefix(ours.as_str()).is_some_and(|rest| {
        !(ours.ends_with(|c: char| c.is_ascii_digit())
            && rest.starts_with(|c: char| c.is_ascii_digit()))
    });
    ours.contains(expected)
        || extends
        || TRAP_ALIASES
            .iter()
            .any(|(m, c)| *c as u32 == trap.code && *m == expected)
}

fn core_trap(code: u32) -> Trap {
    Trap { code, detail: 0 }
}

fn invoke_desc(i: &Invoke) -> String {
    match &i.instance {
        Some(n) => format!("${n} \"{}\"", i.export),
        None => format!("\"{}\"", i.export),
    }
}

/// A script argument as a component value (core floats are the same as
/// component floats; the wast syntax reads them as core values).
fn arg_cval(a: &Arg) -> Result<CVal, String> {
    Ok(match a {
        Arg::Component(v) => v.clone(),
        Arg::F32(b) => CVal::F32(FloatPattern::Bits(*b)),
        Arg::F64(b) => CVal::F64(FloatPattern::Bits(*b)),
        other => return Err(format!("core argument {other:?} to a component function")),
    })
}

fn expected_cval(e: &Expected) -> Result<CVal, String> {
    Ok(match e {
        Expected::Component(v) => v.clone(),
        Expected::F32(p) => CVal::F32(*p),
        Expected::F64(p) => CVal::F64(*p),
        other => return Err(format!("core result {other} from a component function")),
    })
}

/// Compare the result of a component function.
fn check_component(expected: &[Expected], actual: &Option<CVal>) -> Result<(), String> {
    let exp: Vec<CVal> = expected
        .iter()
        .map(expected_cval)
        .collect::<Result<_, _>>()?;
    match (exp.as_slice(), actual) {
        ([], None) => Ok(()),
        ([e], Some(a)) if cvalue::matches(e, a) => Ok(()),
        ([e], Some(a)) => Err(format!("expected {e}, got {a}")),
        _ => Err(format!(
            "expected {} result(s), the function returns {}",
            exp.len(),
            actual.is_some() as usize
        )),
    }
}

impl<'a> Runner<'a> {
    /// Set up the store and instantiate `spectest` (registered as such).
    pub fn new(
        store: Store<'a>,
        build: &'a Build,
        script: &'a Script,
    ) -> Result<Runner<'a>, String> {
        let components = Components::new(store.library(), store.vmstore());
        let mut r = Runner {
            store,
            components,
            build,
            script,
            current: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
        };
        r.store.register_host("host", host_funcs());
        let main = build.spectest[0].as_ref().map_err(|e| e.clone())?;
        let inst = r
            .store
            .instantiate(main)
            .map_err(|e| format!("spectest: {e}"))?;
        r.store.register("spectest", inst);
        for (extra, (_, names, _)) in build.spectest[1..].iter().zip(SPECTEST_EXTRAS) {
            let inst = extra
                .as_ref()
                .map_err(|e| e.clone())
                .and_then(|c| r.store.instantiate(c).map_err(|e| e.to_string()));
            match inst {
                Ok(i) => r.store.register_also("spectest", i),
                Err(e) => {
                    for n in *names {
                        r.store.note_unavailable("spectest", n, &e);
                    }
                }
            }
        }
        Ok(r)
    }

    /// The definition of script module `id`. A component that uses the
    /// async ABI and did not compile is skipped.
    fn definition(&self, id: ModuleId) -> Result<Def<'a>, NotRun> {
        let state = &self.build.modules[id];
        let fail = match state {
            ModuleState::Ready(c) => return Ok(Def::Core(c)),
            ModuleState::Component(c) => return Ok(Def::Component(c)),
            ModuleState::CompiledOnly => "module was compiled but not linked".to_string(),
            ModuleState::CompileError(e) => format!("module failed to compile: {e}"),
            ModuleState::CompilerPanic(e) => format!("module failed to compile: {e}"),
            ModuleState::LinkError(e) => format!("module compiled but did not link: {e}"),
        };
        match (&self.script.modules[id].needs_async, state) {
            (Some(feature), ModuleState::CompileError(_)) => Err(NotRun::Skip(format!(
                "needs the async ABI: the component uses {feature}"
            ))),
            _ => Err(NotRun::Fail(fail)),
        }
    }

    /// "component" or "module", for messages.
    fn kind(&self, id: ModuleId) -> &'static str {
        if self.script.modules[id].component {
            "component"
        } else {
            "module"
        }
    }

    fn instance(&self, name: &Option<String>) -> Result<Inst, NotRun> {
        let bound = match name {
            Some(n) => self
                .named
                .get(n)
                .ok_or_else(|| NotRun::Fail(format!("no instance named ${n}")))?,
            None => self
                .current
                .as_ref()
                .ok_or_else(|| NotRun::Fail("no module has been instantiated".into()))?,
        };
        match bound {
            Ok(i) => Ok(*i),
            Err(NotRun::Skip(m)) => Err(NotRun::Skip(m.clone())),
            Err(NotRun::Fail(e)) => Err(NotRun::Fail(match name {
                Some(n) => format!("instance ${n} is not available ({e})"),
                None => format!("the current module is not available ({e})"),
            })),
        }
    }

    fn core_instance(&self, name: &Option<String>) -> Result<InstId, NotRun> {
        match self.instance(name)? {
            Inst::Core(i) => Ok(i),
            Inst::Component(_) => Err(NotRun::Fail(
                "a component instance where a core instance is needed".into(),
            )),
        }
    }

    fn instantiate_def(&mut self, def: Def<'a>) -> Result<Inst, InstantiateError> {
        match def {
            Def::Core(c) => self.store.instantiate(c).map(Inst::Core),
            Def::Component(c) => self.components.instantiate(c).map(Inst::Component),
        }
    }

    fn instantiate(&mut self, id: ModuleId) -> Result<Inst, NotRun> {
        let def = self.definition(id)?;
        self.instantiate_def(def).map_err(|e| match e {
            // a start function (or an import call) reached an async built-in
            InstantiateError::Trap(code) if code == TrapCode::AsyncUnsupported as u32 => {
                NotRun::Skip(ASYNC_CALL.into())
            }
            e => NotRun::Fail(e.to_string()),
        })
    }

    /// Make `result` the current instance (and `$name`'s).
    fn bind(&mut self, name: Option<&String>, result: Result<Inst, NotRun>) {
        if let Some(n) = name {
            self.named.insert(n.clone(), result.clone());
        }
        self.current = Some(result);
    }

    fn invoke(&self, i: &Invoke) -> Result<Result<Returned, Trap>, NotRun> {
        match self.instance(&i.instance)? {
            Inst::Core(inst) => Ok(self
                .store
                .invoke(inst, &i.export, &i.args)?
                .map(Returned::Core)
                .map_err(core_trap)),
            Inst::Component(inst) => {
                let args = i.args.iter().map(arg_cval).collect::<Result<Vec<_>, _>>()?;
                Ok(self
                    .components
                    .invoke(inst, &i.export, &args)?
                    .map(Returned::Component))
            }
        }
    }

    /// Instantiate (and bind) definition `def` (`Err` = none by that name).
    fn instance_of_definition(
        &mut self,
        instance: &Option<String>,
        def: Option<ModuleId>,
        module: &Option<String>,
    ) -> Outcome {
        let r = match def {
            Some(d) => self.instantiate(d),
            None => Err(NotRun::Fail(format!(
                "no module definition {}",
                module.as_deref().unwrap_or("")
            ))),
        };
        self.bind(instance.as_ref(), r.clone());
        match r {
            Ok(_) => Outcome::Pass,
            Err(e) => e.outcome(&format!(
                "{} instance",
                def.map_or("module", |d| self.kind(d))
            )),
        }
    }

    /// Run `exec`, which should end in a trap (uncaught exceptions are
    /// traps too): the description of `exec` and the trap. `ending` says
    /// how it should have ended ("trapping"), for the message when it
    /// returns instead.
    fn run_to_trap(&mut self, exec: &Exec, ending: &str) -> (String, Result<Trap, NotRun>) {
        match exec {
            Exec::Invoke(i) => (
                invoke_desc(i),
                match self.invoke(i) {
                    Ok(Ok(v)) => Err(NotRun::Fail(format!(
                        "returned {} instead of {ending}",
                        v.describe()
                    ))),
                    Ok(Err(t)) => Ok(t),
                    Err(e) => Err(e),
                },
            ),
            Exec::Instantiate(m) => (
                "(module)".to_string(),
                match self.definition(*m) {
                    Err(e) => Err(e),
                    Ok(def) => match self.instantiate_def(def) {
                        Ok(_) => Err(NotRun::Fail(format!("instantiated without {ending}"))),
                        Err(InstantiateError::Trap(code)) => Ok(core_trap(code)),
                        Err(e) => Err(NotRun::Fail(e.to_string())),
                    },
                },
            ),
            Exec::Get { export, .. } => (
                format!("(get \"{export}\")"),
                Err(NotRun::Fail(format!(
                    "reading a global runs no code, so it cannot end {ending}"
                ))),
            ),
        }
    }

    pub fn run(&mut self, directive: &Directive) -> Outcome {
        match directive {
            Directive::Module {
                module,
                name,
                instantiate: true,
            } => {
                let r = self.instantiate(*module);
                self.bind(name.as_ref(), r.clone());
                match r {
                    Ok(_) => Outcome::Pass,
                    Err(e) => e.outcome(self.kind(*module)),
                }
            }
            Directive::Module {
                module,
                name,
                instantiate: false,
            } => {
                if let Some(n) = name {
                    self.definitions.insert(n.clone(), *module);
                }
                self.last_definition = Some(*module);
                match self.definition(*module) {
                    Ok(_) => Outcome::Pass,
                    Err(e) => e.outcome(&format!("{} definition", self.kind(*module))),
                }
            }
            Directive::ModuleInstance { instance, module } => {
                let def = match module {
                    Some(m) => self.definitions.get(m).copied(),
                    None => self.last_definition,
                };
                self.instance_of_definition(instance, def, module)
            }
            Directive::Register { as_name, instance } => match self.instance(instance) {
                Ok(Inst::Core(i)) => {
                    self.store.register(as_name, i);
                    Outcome::Pass
                }
                Ok(Inst::Component(_)) => Outcome::Fail(format!(
                    "register \"{as_name}\": registering a component instance is not supported"
                )),
                Err(e) => e.outcome(&format!("register \"{as_name}\"")),
            },
            Directive::Invoke(i) => match self.invoke(i) {
                Ok(Ok(_)) => Outcome::Pass,
                Ok(Err(t)) if t.code == TrapCode::AsyncUnsupported as u32 => {
                    Outcome::Skip(ASYNC_CALL.into())
                }
                Ok(Err(t)) => Outcome::Fail(format!(
                    "invoke {}: trapped: {}",
                    invoke_desc(i),
                    trap_text(t)
                )),
                Err(e) => e.outcome(&format!("invoke {}", invoke_desc(i))),
            },
            Directive::AssertReturn { exec, results } => {
                let (what, actual) = match exec {
                    Exec::Invoke(i) => (
                        invoke_desc(i),
                        match self.invoke(i) {
                            Ok(Ok(v)) => Ok(v),
                            Ok(Err(t)) if t.code == TrapCode::AsyncUnsupported as u32 => {
                                return Outcome::Skip(ASYNC_CALL.into())
                            }
                            Ok(Err(t)) => Err(NotRun::Fail(format!("trapped: {}", trap_text(t)))),
                            Err(e) => Err(e),
                        },
                    ),
                    Exec::Get { instance, export } => (
                        format!("(get \"{export}\")"),
                        self.core_instance(instance)
                            .and_then(|i| Ok(self.store.get(i, export)?))
                            .map(|v| Returned::Core(vec![v])),
                    ),
                    Exec::Instantiate(m) => (
                        "(module)".into(),
                        self.instantiate(*m).map(|i| match i {
                            Inst::Core(_) => Returned::Core(vec![]),
                            Inst::Component(_) => Returned::Component(None),
                        }),
                    ),
                };
                let checked = actual.and_then(|a| {
                    match a {
                        Returned::Core(v) => check_results(results, &v),
                        Returned::Component(v) => check_component(results, &v),
                    }
                    .map_err(NotRun::Fail)
                });
                match checked {
                    Ok(()) => Outcome::Pass,
                    Err(e) => e.outcome(&format!("assert_return {what}")),
                }
            }
            Directive::AssertTrap { exec, message } => {
                let (what, r) = self.run_to_trap(exec, "trapping");
                match r {
                    Ok(t) if trap_matches(message, t) => Outcome::Pass,
                    Ok(t) if t.code == TrapCode::AsyncUnsupported as u32 => {
                        Outcome::Skip(ASYNC_CALL.into())
                    }
                    Ok(t) => Outcome::Fail(format!(
                        "assert_trap {what}: expected trap \"{message}\", got trap \"{}\"",
                        trap_text(t)
                    )),
                    Err(e) => {
                        e.outcome(&format!("assert_trap {what}: expected trap \"{message}\""))
                    }
                }
            }
            Directive::AssertException { exec } => {
                let (what, r) = self.run_to_trap(exec, "throwing");
                match r {
                    Ok(t) if t.code == TrapCode::UncaughtException as u32 => Outcome::Pass,
                    Ok(t) if t.code == TrapCode::AsyncUnsupported as u32 => {
                        Outcome::Skip(ASYNC_CALL.into())
                    }
                    Ok(t) => Outcome::Fail(format!(
                        "assert_exception {what}: expected an uncaught exception, got trap \"{}\"",
                        trap_text(t)
                    )),
                    Err(e) => e.outcome(&format!("assert_exception {what}")),
                }
            }
            Directive::AssertExhaustion { invoke, message } => {
                let what = invoke_desc(invoke);
                match self.invoke(invoke) {
                    Ok(Err(t)) if t.code == TrapCode::StackOverflow as u32 => Outcome::Pass,
                    Ok(Err(t)) => Outcome::Fail(format!(
                        "assert_exhaustion {what}: expected \"{message}\", got trap \"{}\"",
                        trap_text(t)
                    )),
                    Ok(Ok(_)) => Outcome::Fail(format!(
                        "assert_exhaustion {what}: returned instead of exhausting the stack"
                    )),
                    Err(e) => e.outcome(&format!("assert_exhaustion {what}")),
                }
            }
            Directive::AssertInvalid { .. }
            | Directive::AssertMalformed { .. }
            | Directive::AssertValidDespiteCustom { .. }
            | Directive::Unsupported { .. } => {
                static_outcome(self.build, directive).expect("decided without running code")
            }
            Directive::AssertUnlinkable { module, message } => {
                let def = match self.definition(*module) {
                    Ok(d) => d,
                    Err(e) => return e.outcome("assert_unlinkable"),
                };
                match self.instantiate_def(def) {
                    Err(InstantiateError::Link(_)) => Outcome::Pass,
                    Err(InstantiateError::Trap(code))
                        if code == TrapCode::UnresolvedImport as u32 =>
                    {
                        Outcome::Pass
                    }
                    Err(e) => Outcome::Fail(format!(
                        "assert_unlinkable: expected link error \"{message}\", got {e}"
                    )),
                    Ok(_) => Outcome::Fail(format!(
                        "assert_unlinkable: expected link error \"{message}\", but it instantiated"
                    )),
                }
            }
        }
    }
}

/// The outcome of directives that run no code, `None` for the others.
pub fn static_outcome(build: &Build, directive: &Directive) -> Option<Outcome> {
    let rejected = |kind: &str, module: ModuleId, message: &str| match &build.modules[module] {
        ModuleState::CompileError(_) => Outcome::Pass,
        ModuleState::CompilerPanic(e) => Outcome::Fail(format!("{kind}: {e}")),
        _ => Outcome::Fail(format!(
            "{kind}: module was accepted, expected it to be rejected with \"{message}\""
        )),
    };
    Some(match directive {
        Directive::AssertInvalid { module, message } => {
            rejected("assert_invalid", *module, message)
        }
        Directive::AssertMalformed { module, message } => {
            rejected("assert_malformed", *module, message)
        }
        Directive::AssertValidDespiteCustom { module, message } => match &build.modules[*module] {
            ModuleState::CompileError(e) | ModuleState::CompilerPanic(e) => Outcome::Fail(format!(
                "assert_invalid_custom (\"{message}\"): a custom-section error must not \
                 invalidate the module, but: {e}"
            )),
            _ => Outcome::Pass,
        },
        Directive::Unsupported { what } => Outcome::Fail(format!("not supported: {what}")),
        _ => return None,
    })
}

/// The outcome of a directive when no code can run (`why`): directives
/// that run no code are decided anyway; a module that failed to compile
/// is reported as such.
pub fn without_runtime(build: &Build, directive: &Directive, why: &str) -> Outcome {
    if let Some(o) = static_outcome(build, directive) {
        return o;
    }
    let module = match directive {
        Directive::Module { module, .. } | Directive::AssertUnlinkable { module, .. } => {
            Some(*module)
        }
        Directive::AssertReturn {
            exec: Exec::Instantiate(m),
            ..
        }
        | Directive::AssertTrap {
            exec: Exec::Instantiate(m),
            ..
        }
        | Directive::AssertException {
            exec: Exec::Instantiate(m),
        } => Some(*m),
        _ => None,
    };
    let why = match module.map(|m| &build.modules[m]) {
        Some(ModuleState::CompileError(e) | ModuleState::CompilerPanic(e)) => {
            format!("module failed to compile: {e}")
        }
        _ => format!("cannot run code: {why}"),
    };
    Outcome::Fail(format!("{}: {why}", directive_name(directive)))
}

/// Name of a directive, for messages.
pub fn directive_name(d: &Directive) -> &'static str {
    match d {
        Directive::Module {
            instantiate: true, ..
        } => "module",
        Directive::Module { .. } => "module definition",
        Directive::ModuleInstance { .. } => "module instance",
        Directive::Register { .. } => "register",
        Directive::Invoke(_) => "invoke",
        Directive::AssertReturn { .. } => "assert_return",
        Directive::AssertTrap { .. } => "assert_trap",
        Directive::AssertExhaustion { .. } => "assert_exhaustion",
        Directive::AssertException { .. } => "assert_exception",
        Directive::AssertInvalid { .. } => "assert_invalid",
        Directive::AssertMalformed { .. } => "assert_malformed",
        Directive::AssertValidDespiteCustom { .. } => "assert_invalid_custom",
        Directive::AssertUnlinkable { .. } => "assert_unlinkable",
        Directive::Unsupported { .. } => "unsupported directive",
    }
}

#[cfg(test)]
mod tests {
    use super::{trap_matches, Trap};
    use wacc_abi::TrapCode;

    fn t(code: TrapCode) -> Trap {
        Trap {
            code: code as u32,
            detail: 0,
        }
    }

    #[test]
    fn trap_messages() {
        assert!(trap_matches(
            "out of bounds memory access",
            t(TrapCode::MemoryOutOfBounds)
        ));
        assert!(trap_matches(
            "uninitialized element 2",
            t(TrapCode::UninitializedElement)
        ));
        assert!(trap_matches(
            "uninitialized",
            t(TrapCode::IndirectCallToNull)
        ));
        assert!(!trap_matches(
            "undefined element",
            t(TrapCode::UninitializedElement)
        ));
        assert!(!trap_matches("unreachable", t(TrapCode::IntegerOverflow)));
    }

    #[test]
    fn component_trap_messages() {
        let h = |code: TrapCode, detail| Trap {
            code: code as u32,
            detail,
        };
        assert!(trap_matches(
            "unknown handle index 5",
            h(TrapCode::UnknownHandle, 5)
        ));
        assert!(!trap_matches(
            "unknown handle index 5",
            h(TrapCode::UnknownHandle, 3)
        ));
        assert!(!trap_matches(
            "unknown handle index 12",
            h(TrapCode::UnknownHandle, 1)
        ));
        assert!(trap_matches(
            "unknown handle index 4294967295",
            h(TrapCode::UnknownHandle, u32::MAX)
        ));
        assert!(trap_matches(
            "handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource",
            h(TrapCode::WrongResourceType, 1)
        ));
        assert!(trap_matches(
            "wasm trap: cannot enter component instance",
            t(TrapCode::CannotEnter)
        ));
        assert!(trap_matches(
            "string pointer/length out of bounds of memory",
            t(TrapCode::StringOutOfBounds)
        ));
        assert!(trap_matches(
            "wasm trap: wasm `unreachable` instruction executed",
            t(TrapCode::Unreachable)
        ));
        assert!(!trap_matches(
            "string pointer/length out of bounds of memory",
            t(TrapCode::ListOutOfBounds)
        ));
    }
}
