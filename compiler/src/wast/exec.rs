//! Executing a script's directives in order against the linked library.

use super::build::{Build, Compiled, ModuleState};
use super::host::{host_funcs, SPECTEST_EXTRAS};
use super::instance::{trap_message, InstId, InstantiateError, Store};
use super::script::{Directive, Exec, Invoke, ModuleId};
use super::value::{check_results, Val};
use std::collections::HashMap;
use wacc_runtime_support::abi::TrapCode;

/// The result of one directive.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    Fail(String),
}

/// Runs directives; holds the script's instances and names.
pub struct Runner<'a> {
    store: Store<'a>,
    build: &'a Build,
    /// the most recent `module`; `Err` if it failed
    current: Option<Result<InstId, String>>,
    named: HashMap<String, Result<InstId, String>>,
    definitions: HashMap<String, ModuleId>,
    last_definition: Option<ModuleId>,
}

/// The expected trap message matches ours if ours contains it, or if it
/// only adds detail after ours (e.g. "uninitialized element 2").
pub fn trap_matches(expected: &str, code: u32) -> bool {
    let ours = trap_message(code);
    ours.contains(expected) || expected.starts_with(ours.as_str())
}

fn invoke_desc(i: &Invoke) -> String {
    match &i.instance {
        Some(n) => format!("${n} \"{}\"", i.export),
        None => format!("\"{}\"", i.export),
    }
}

impl<'a> Runner<'a> {
    /// Set up the store and instantiate `spectest` (registered as such).
    pub fn new(store: Store<'a>, build: &'a Build) -> Result<Runner<'a>, String> {
        let mut r = Runner {
            store,
            build,
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

    fn compiled(&self, id: ModuleId) -> Result<&'a Compiled, String> {
        match &self.build.modules[id] {
            ModuleState::Ready(c) => Ok(c),
            ModuleState::CompiledOnly => Err("module was compiled but not linked".into()),
            ModuleState::CompileError(e) => Err(format!("module failed to compile: {e}")),
            ModuleState::CompilerPanic(e) => Err(format!("module failed to compile: {e}")),
            ModuleState::LinkError(e) => Err(format!("module compiled but did not link: {e}")),
        }
    }

    fn instance(&self, name: &Option<String>) -> Result<InstId, String> {
        match name {
            Some(n) => match self.named.get(n) {
                Some(Ok(i)) => Ok(*i),
                Some(Err(e)) => Err(format!("instance ${n} is not available ({e})")),
                None => Err(format!("no instance named ${n}")),
            },
            None => match &self.current {
                Some(Ok(i)) => Ok(*i),
                Some(Err(e)) => Err(format!("the current module is not available ({e})")),
                None => Err("no module has been instantiated".into()),
            },
        }
    }

    fn instantiate(&mut self, id: ModuleId) -> Result<InstId, String> {
        let c = self.compiled(id)?;
        self.store.instantiate(c).map_err(|e| e.to_string())
    }

    /// Make `result` the current instance (and `$name`'s).
    fn bind(&mut self, name: Option<&String>, result: Result<InstId, String>) {
        if let Some(n) = name {
            self.named.insert(n.clone(), result.clone());
        }
        self.current = Some(result);
    }

    fn invoke(&self, i: &Invoke) -> Result<Result<Vec<Val>, u32>, String> {
        let inst = self.instance(&i.instance)?;
        self.store.invoke(inst, &i.export, &i.args)
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
                    Err(e) => Outcome::Fail(format!("module: {e}")),
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
                match self.compiled(*module) {
                    Ok(_) => Outcome::Pass,
                    Err(e) => Outcome::Fail(format!("module definition: {e}")),
                }
            }
            Directive::ModuleInstance { instance, module } => {
                let def = match module {
                    Some(m) => self.definitions.get(m).copied(),
                    None => self.last_definition,
                };
                let r = match def {
                    Some(d) => self.instantiate(d),
                    None => Err(format!(
                        "no module definition {}",
                        module.as_deref().unwrap_or("")
                    )),
                };
                self.bind(instance.as_ref(), r.clone());
                match r {
                    Ok(_) => Outcome::Pass,
                    Err(e) => Outcome::Fail(format!("module instance: {e}")),
                }
            }
            Directive::Register { as_name, instance } => match self.instance(instance) {
                Ok(i) => {
                    self.store.register(as_name, i);
                    Outcome::Pass
                }
                Err(e) => Outcome::Fail(format!("register \"{as_name}\": {e}")),
            },
            Directive::Invoke(i) => match self.invoke(i) {
                Ok(Ok(_)) => Outcome::Pass,
                Ok(Err(code)) => Outcome::Fail(format!(
                    "invoke {}: trapped: {}",
                    invoke_desc(i),
                    trap_message(code)
                )),
                Err(e) => Outcome::Fail(format!("invoke {}: {e}", invoke_desc(i))),
            },
            Directive::AssertReturn { exec, results } => {
                let (what, actual) = match exec {
                    Exec::Invoke(i) => (
                        invoke_desc(i),
                        match self.invoke(i) {
                            Ok(Ok(v)) => Ok(v),
                            Ok(Err(code)) => Err(format!("trapped: {}", trap_message(code))),
                            Err(e) => Err(e),
                        },
                    ),
                    Exec::Get { instance, export } => (
                        format!("(get \"{export}\")"),
                        self.instance(instance)
                            .and_then(|i| self.store.get(i, export))
                            .map(|v| vec![v]),
                    ),
                    Exec::Instantiate(m) => {
                        ("(module)".into(), self.instantiate(*m).map(|_| vec![]))
                    }
                };
                match actual.and_then(|a| check_results(results, &a)) {
                    Ok(()) => Outcome::Pass,
                    Err(e) => Outcome::Fail(format!("assert_return {what}: {e}")),
                }
            }
            Directive::AssertTrap { exec, message } => {
                let (what, r) = match exec {
                    Exec::Invoke(i) => (
                        invoke_desc(i),
                        match self.invoke(i) {
                            Ok(Ok(v)) if v.is_empty() => {
                                Err("returned (no results) instead of trapping".into())
                            }
                            Ok(Ok(v)) => Err(format!(
                                "returned {} instead of trapping",
                                v.iter()
                                    .map(|v| v.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                            Ok(Err(code)) => Ok(code),
                            Err(e) => Err(e),
                        },
                    ),
                    Exec::Instantiate(m) => (
                        "(module)".to_string(),
                        match self.compiled(*m) {
                            Err(e) => Err(e),
                            Ok(c) => match self.store.instantiate(c) {
                                Ok(_) => Err("instantiated without trapping".into()),
                                Err(InstantiateError::Trap(code)) => Ok(code),
                                Err(e) => Err(e.to_string()),
                            },
                        },
                    ),
                    Exec::Get { export, .. } => (
                        format!("(get \"{export}\")"),
                        Err("reading a global cannot trap".into()),
                    ),
                };
                match r {
                    Ok(code) if trap_matches(message, code) => Outcome::Pass,
                    Ok(code) => Outcome::Fail(format!(
                        "assert_trap {what}: expected trap \"{message}\", got trap \"{}\"",
                        trap_message(code)
                    )),
                    Err(e) => Outcome::Fail(format!(
                        "assert_trap {what}: expected trap \"{message}\": {e}"
                    )),
                }
            }
            Directive::AssertExhaustion { invoke, message } => {
                let what = invoke_desc(invoke);
                match self.invoke(invoke) {
                    Ok(Err(code)) if code == TrapCode::StackOverflow as u32 => Outcome::Pass,
                    Ok(Err(code)) => Outcome::Fail(format!(
                        "assert_exhaustion {what}: expected \"{message}\", got trap \"{}\"",
                        trap_message(code)
                    )),
                    Ok(Ok(_)) => Outcome::Fail(format!(
                        "assert_exhaustion {what}: returned instead of exhausting the stack"
                    )),
                    Err(e) => Outcome::Fail(format!("assert_exhaustion {what}: {e}")),
                }
            }
            Directive::AssertInvalid { .. }
            | Directive::AssertMalformed { .. }
            | Directive::AssertValidDespiteCustom { .. }
            | Directive::Unsupported { .. } => {
                static_outcome(self.build, directive).expect("decided without running code")
            }
            Directive::AssertUnlinkable { module, message } => {
                let c = match self.compiled(*module) {
                    Ok(c) => c,
                    Err(e) => return Outcome::Fail(format!("assert_unlinkable: {e}")),
                };
                match self.store.instantiate(c) {
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
        Directive::AssertInvalid { .. } => "assert_invalid",
        Directive::AssertMalformed { .. } => "assert_malformed",
        Directive::AssertValidDespiteCustom { .. } => "assert_invalid_custom",
        Directive::AssertUnlinkable { .. } => "assert_unlinkable",
        Directive::Unsupported { .. } => "unsupported directive",
    }
}

#[cfg(test)]
mod tests {
    use super::trap_matches;
    use wacc_runtime_support::abi::TrapCode;

    #[test]
    fn trap_messages() {
        let c = |t: TrapCode| t as u32;
        assert!(trap_matches(
            "out of bounds memory access",
            c(TrapCode::MemoryOutOfBounds)
        ));
        assert!(trap_matches(
            "uninitialized element 2",
            c(TrapCode::UninitializedElement)
        ));
        assert!(trap_matches(
            "uninitialized",
            c(TrapCode::IndirectCallToNull)
        ));
        assert!(!trap_matches(
            "undefined element",
            c(TrapCode::UninitializedElement)
        ));
        assert!(!trap_matches("unreachable", c(TrapCode::IntegerOverflow)));
    }
}
