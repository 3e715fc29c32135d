//! Reading a `.wast` script into an owned plan: every module the script
//! mentions (already encoded to binary, or the reason it could not be) and
//! the directives in order, each tagged with its source line.

use super::cvalue::CVal;
use super::value::{Arg, Expected};
use wast::core::{WastArgCore, WastRetCore};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::token::Span;
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

/// Index into [`Script::modules`].
pub type ModuleId = usize;

/// A module found in the script.
#[derive(Debug)]
pub struct ModuleSource {
    /// the binary, or why the text could not be parsed or encoded
    pub wasm: Result<Vec<u8>, String>,
    /// a component (`(component ...)`) rather than a core module
    pub component: bool,
    /// for a component: the first feature of the async ABI it uses (tasks,
    /// streams, futures, waitables, `async` canon options, error-context,
    /// threads), which the runner does not run
    pub needs_async: Option<String>,
}

/// A call of an exported function.
#[derive(Debug, Clone)]
pub struct Invoke {
    /// named instance (`$name`), or the most recent one
    pub instance: Option<String>,
    pub export: String,
    pub args: Vec<Arg>,
}

/// What `assert_return` / `assert_trap` execute.
#[derive(Debug, Clone)]
pub enum Exec {
    Invoke(Invoke),
    /// instantiate this module (anonymously)
    Instantiate(ModuleId),
    /// read an exported global
    Get {
        instance: Option<String>,
        export: String,
    },
}

#[derive(Debug, Clone)]
pub enum Directive {
    /// `(module ...)`: define and instantiate; `(module definition ...)`:
    /// define only (`instantiate == false`).
    Module {
        module: ModuleId,
        name: Option<String>,
        instantiate: bool,
    },
    /// `(module instance $i $m)`
    ModuleInstance {
        instance: Option<String>,
        module: Option<String>,
    },
    Register {
        as_name: String,
        instance: Option<String>,
    },
    Invoke(Invoke),
    AssertReturn {
        exec: Exec,
        results: Vec<Expected>,
    },
    AssertTrap {
        exec: Exec,
        message: String,
    },
    AssertExhaustion {
        invoke: Invoke,
        message: String,
    },
    /// `assert_exception`: the call (or instantiation) ends with a wasm
    /// exception that nothing caught.
    AssertException {
        exec: Exec,
    },
    AssertInvalid {
        module: ModuleId,
        message: String,
    },
    AssertMalformed {
        module: ModuleId,
        message: String,
    },
    AssertUnlinkable {
        module: ModuleId,
        message: String,
    },
    /// `assert_invalid_custom`: only a custom section's contents are invalid.
    /// Custom sections never make a module invalid, and wacc does not
    /// interpret this one, so the module must compile.
    AssertValidDespiteCustom {
        module: ModuleId,
        message: String,
    },
    /// A directive the runner cannot execute; it counts as a failure.
    Unsupported {
        what: String,
    },
}

#[derive(Debug, Clone)]
pub struct Step {
    pub line: usize,
    pub directive: Directive,
}

/// A parsed script.
#[derive(Debug, Default)]
pub struct Script {
    pub modules: Vec<ModuleSource>,
    pub steps: Vec<Step>,
}

/// Why a script could not be read at all.
#[derive(Debug)]
pub struct ScriptError(pub String);

impl Script {
    /// Does the script define any component?
    pub fn has_components(&self) -> bool {
        self.modules.iter().any(|m| m.component)
    }

    /// Parse `text` (the contents of a `.wast` file).
    pub fn parse(text: &str) -> Result<Script, ScriptError> {
        let mut lexer = Lexer::new(text);
        lexer.allow_confusing_unicode(true);
        let buf = ParseBuffer::new_with_lexer(lexer).map_err(|e| error(e, text))?;
        let wast: Wast = parser::parse(&buf).map_err(|e| error(e, text))?;
        let mut b = Builder {
            text,
            script: Script::default(),
        };
        for d in wast.directives {
            b.directive(d);
        }
        Ok(b.script)
    }
}

fn error(e: wast::Error, text: &str) -> ScriptError {
    let (line, col) = e.span().linecol_in(text);
    ScriptError(format!("line {}:{}: {}", line + 1, col + 1, e.message()))
}

struct Builder<'t> {
    text: &'t str,
    script: Script,
}

impl Builder<'_> {
    fn line(&self, span: Span) -> usize {
        span.linecol_in(self.text).0 + 1
    }

    fn push(&mut self, span: Span, directive: Directive) {
        let line = self.line(span);
        self.script.steps.push(Step { line, directive });
    }

    /// Encode a module (text that fails to parse or encode is recorded as
    /// the module's failure, which `assert_malformed` expects).
    fn module(&mut self, span: Span, mut m: QuoteWat) -> Result<ModuleId, String> {
        let component = matches!(
            m,
            QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..)
        );
        let wasm = m.encode().map_err(|mut e| {
            e.set_text(self.text);
            e.message()
        });
        let _ = span;
        let needs_async = match &wasm {
            Ok(w) if component => async_use(w),
            _ => None,
        };
        self.script.modules.push(ModuleSource {
            wasm,
            component,
            needs_async,
        });
        Ok(self.script.modules.len() - 1)
    }

    fn directive(&mut self, d: WastDirective) {
        let span = d.span();
        let directive = match self.convert(d) {
            Ok(d) => d,
            Err(what) => Directive::Unsupported { what },
        };
        self.push(span, directive);
    }

    fn convert(&mut self, d: WastDirective) -> Result<Directive, String> {
        use WastDirective as W;
        Ok(match d {
            W::Module(m) => {
                let span = m.span();
                let name = m.name().map(|id| id.name().to_string());
                Directive::Module {
                    module: self.module(span, m)?,
                    name,
                    instantiate: true,
                }
            }
            W::ModuleDefinition(m) => {
                let span = m.span();
                let name = m.name().map(|id| id.name().to_string());
                Directive::Module {
                    module: self.module(span, m)?,
                    name,
                    instantiate: false,
                }
            }
            W::ModuleInstance {
                instance, module, ..
            } => Directive::ModuleInstance {
                instance: instance.map(|i| i.name().to_string()),
                module: module.map(|i| i.name().to_string()),
            },
            W::Register { name, module, .. } => Directive::Register {
                as_name: name.to_string(),
                instance: module.map(|i| i.name().to_string()),
            },
            W::Invoke(i) => Directive::Invoke(invoke(i)?),
            W::AssertReturn { exec, results, .. } => Directive::AssertReturn {
                exec: self.exec(exec)?,
                results: results
                    .into_iter()
                    .map(expected)
                    .collect::<Result<_, _>>()?,
            },
            W::AssertTrap { exec, message, .. } => Directive::AssertTrap {
                exec: self.exec(exec)?,
                message: message.to_string(),
            },
            W::AssertExhaustion { call, message, .. } => Directive::AssertExhaustion {
                invoke: invoke(call)?,
                message: message.to_string(),
            },
            W::AssertInvalid {
                span,
                module,
                message,
            } => Directive::AssertInvalid {
                module: self.module(span, module)?,
                message: message.to_string(),
            },
            // A malformed custom annotation makes the text malformed too: our
            // text front end (which reads `@custom` and branch hints) must
            // reject it.
            W::AssertMalformed {
                span,
                module,
                message,
            }
            | W::AssertMalformedCustom {
                span,
                module,
                message,
            } => Directive::AssertMalformed {
                module: self.module(span, module)?,
                message: message.to_string(),
            },
            W::AssertUnlinkable {
                span,
                module,
                message,
            } => Directive::AssertUnlinkable {
                module: self.module(span, QuoteWat::Wat(module))?,
                message: message.to_string(),
            },
            W::AssertInvalidCustom {
                span,
                module,
                message,
            } => Directive::AssertValidDespiteCustom {
                module: self.module(span, module)?,
                message: message.to_string(),
            },
            W::AssertException { exec, .. } => Directive::AssertException {
                exec: self.exec(exec)?,
            },
            W::AssertSuspension { .. } => {
                return Err("assert_suspension (stack switching) is not supported".into())
            }
            W::Thread(_) => return Err("thread (shared-memory threads) is not supported".into()),
            W::Wait { .. } => return Err("wait (shared-memory threads) is not supported".into()),
        })
    }

    fn exec(&mut self, e: WastExecute) -> Result<Exec, String> {
        Ok(match e {
            WastExecute::Invoke(i) => Exec::Invoke(invoke(i)?),
            WastExecute::Wat(w) => {
                let span = w.span();
                Exec::Instantiate(self.module(span, QuoteWat::Wat(w))?)
            }
            WastExecute::Get { module, global, .. } => Exec::Get {
                instance: module.map(|i| i.name().to_string()),
                export: global.to_string(),
            },
        })
    }
}

fn invoke(i: WastInvoke) -> Result<Invoke, String> {
    Ok(Invoke {
        instance: i.module.map(|m| m.name().to_string()),
        export: i.name.to_string(),
        args: i.args.into_iter().map(arg).collect::<Result<_, _>>()?,
    })
}

fn arg(a: WastArg) -> Result<Arg, String> {
    let core = match a {
        WastArg::Core(c) => c,
        WastArg::Component(v) => return Ok(Arg::Component(CVal::from_wast(&v))),
        #[allow(unreachable_patterns)]
        _ => return Err("unknown kind of argument".into()),
    };
    Ok(match core {
        WastArgCore::I32(v) => Arg::I32(v),
        WastArgCore::I64(v) => Arg::I64(v),
        WastArgCore::F32(v) => Arg::F32(v.bits),
        WastArgCore::F64(v) => Arg::F64(v.bits),
        WastArgCore::V128(v) => Arg::V128(v.to_le_bytes()),
        WastArgCore::RefNull(_) => Arg::RefNull,
        WastArgCore::RefExtern(n) => Arg::RefExtern(n),
        WastArgCore::RefHost(_) => return Err("ref.host argument (gc host reference)".into()),
    })
}

fn expected(r: WastRet) -> Result<Expected, String> {
    let core = match r {
        WastRet::Core(c) => c,
        WastRet::Component(v) => return Ok(Expected::Component(CVal::from_wast(&v))),
        #[allow(unreachable_patterns)]
        _ => return Err("unknown kind of result".into()),
    };
    expected_core(core)
}

fn expected_core(r: WastRetCore) -> Result<Expected, String> {
    use super::value::FloatPattern;
    use wast::core::{NanPattern, V128Pattern};
    fn f32p(p: NanPattern<wast::token::F32>) -> FloatPattern<u32> {
        match p {
            NanPattern::CanonicalNan => FloatPattern::CanonicalNan,
            NanPattern::ArithmeticNan => FloatPattern::ArithmeticNan,
            NanPattern::Value(v) => FloatPattern::Bits(v.bits),
        }
    }
    fn f64p(p: NanPattern<wast::token::F64>) -> FloatPattern<u64> {
        match p {
            NanPattern::CanonicalNan => FloatPattern::CanonicalNan,
            NanPattern::ArithmeticNan => FloatPattern::ArithmeticNan,
            NanPattern::Value(v) => FloatPattern::Bits(v.bits),
        }
    }
    Ok(match r {
        WastRetCore::I32(v) => Expected::I32(v),
        WastRetCore::I64(v) => Expected::I64(v),
        WastRetCore::F32(p) => Expected::F32(f32p(p)),
        WastRetCore::F64(p) => Expected::F64(f64p(p)),
        WastRetCore::V128(p) => match p {
            V128Pattern::I8x16(l) => Expected::V128Bytes(bytes_of(&l, |v| v.to_le_bytes())),
            V128Pattern::I16x8(l) => Expected::V128Bytes(bytes_of(&l, |v| v.to_le_bytes())),
            V128Pattern::I32x4(l) => Expected::V128Bytes(bytes_of(&l, |v| v.to_le_bytes())),
            V128Pattern::I64x2(l) => Expected::V128Bytes(bytes_of(&l, |v| v.to_le_bytes())),
            V128Pattern::F32x4(l) => Expected::V128F32(l.map(f32p)),
            V128Pattern::F64x2(l) => Expected::V128F64(l.map(f64p)),
        },
        WastRetCore::RefNull(_) => Expected::RefNull,
        WastRetCore::RefExtern(n) => Expected::RefExtern(n),
        WastRetCore::RefFunc(_) => Expected::RefFunc,
        WastRetCore::RefHost(_) => return Err("ref.host result (gc host reference)".into()),
        WastRetCore::RefAny => return Err("ref.any result (gc)".into()),
        WastRetCore::RefEq => return Err("ref.eq result (gc)".into()),
        WastRetCore::RefArray => return Err("ref.array result (gc)".into()),
        WastRetCore::RefStruct => return Err("ref.struct result (gc)".into()),
        WastRetCore::RefI31 | WastRetCore::RefI31Shared => return Err("ref.i31 result (gc)".into()),
        WastRetCore::Either(alts) => Expected::Either(
            alts.into_iter()
                .map(expected_core)
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// The first feature of the async ABI (or of shared-everything threads)
/// a component binary uses: a canonical built-in other than lift, lower
/// and the resource built-ins, an `async` or `callback` canon option, or a
/// stream, future or error-context type. Nested components and instance
/// types are included.
pub fn async_use(wasm: &[u8]) -> Option<String> {
    use wasmparser::{CanonicalFunction as F, CanonicalOption as O, Payload};
    let is_async = |opts: &[O]| opts.iter().any(|o| matches!(o, O::Async | O::Callback(_)));
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ComponentCanonicalSection(r)) => {
                for f in r.into_iter().flatten() {
                    match &f {
                        F::Lift { options, .. } | F::Lower { options, .. } => {
                            if is_async(options) {
                                return Some("an `async` canon option".into());
                            }
                        }
                        F::ResourceNew { .. } | F::ResourceDrop { .. } | F::ResourceRep { .. } => {}
                        other => {
                            let d = format!("{other:?}");
                            let name: String =
                                d.chars().take_while(|c| c.is_alphanumeric()).collect();
                            return Some(format!("the `{name}` built-in"));
                        }
                    }
                }
            }
            Ok(Payload::ComponentTypeSection(r)) => {
                for t in r.into_iter().flatten() {
                    let d = format!("{t:?}");
                    for (pat, what) in [
                        ("Stream(", "a stream type"),
                        ("Future(", "a future type"),
                        ("ErrorContext", "the error-context type"),
                    ] {
                        if d.contains(pat) {
                            return Some(what.into());
                        }
                    }
                }
            }
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

fn bytes_of<T: Copy, const M: usize>(lanes: &[T], f: impl Fn(T) -> [u8; M]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, l) in lanes.iter().enumerate() {
        out[i * M..(i + 1) * M].copy_from_slice(&f(*l));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Arg, Expected, FloatPattern};

    const SCRIPT: &str = r#"
(module $a (func (export "f") (param i32) (result i32) local.get 0))
(register "a" $a)
(assert_return (invoke "f" (i32.const 7)) (i32.const 7))
(assert_return (invoke $a "f" (i32.const 1)) (f32.const nan:canonical))
(assert_trap (invoke "f" (i32.const 0)) "unreachable")
(assert_malformed (module quote "(func (i32.const))x") "unexpected token")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_unlinkable (module (import "x" "y" (func))) "unknown import")
(module definition $d (func))
(module instance $i $d)
(assert_return (get $a "g") (ref.extern 3))
(assert_return (invoke "f" (ref.host 1)))
(assert_exception (invoke "f" (ref.null exn)))
"#;

    #[test]
    fn plan() {
        let s = Script::parse(SCRIPT).unwrap();
        assert_eq!(s.steps.len(), 13);
        assert_eq!(s.steps[0].line, 2);
        match &s.steps[0].directive {
            Directive::Module {
                name, instantiate, ..
            } => {
                assert_eq!(name.as_deref(), Some("a"));
                assert!(instantiate);
            }
            d => panic!("{d:?}"),
        }
        match &s.steps[2].directive {
            Directive::AssertReturn {
                exec: Exec::Invoke(i),
                results,
            } => {
                assert_eq!(i.export, "f");
                assert_eq!(i.args, vec![Arg::I32(7)]);
                assert_eq!(results, &vec![Expected::I32(7)]);
            }
            d => panic!("{d:?}"),
        }
        match &s.steps[3].directive {
            Directive::AssertReturn {
                exec: Exec::Invoke(i),
                results,
            } => {
                assert_eq!(i.instance.as_deref(), Some("a"));
                assert_eq!(results, &vec![Expected::F32(FloatPattern::CanonicalNan)]);
            }
            d => panic!("{d:?}"),
        }
        // A quoted module that does not parse is a module that failed.
        match &s.steps[5].directive {
            Directive::AssertMalformed { module, .. } => assert!(s.modules[*module].wasm.is_err()),
            d => panic!("{d:?}"),
        }
        // Invalid but encodable: the compiler has to reject it.
        match &s.steps[6].directive {
            Directive::AssertInvalid { module, .. } => assert!(s.modules[*module].wasm.is_ok()),
            d => panic!("{d:?}"),
        }
        assert!(matches!(
            &s.steps[8].directive,
            Directive::Module {
                instantiate: false,
                ..
            }
        ));
        assert!(matches!(
            &s.steps[9].directive,
            Directive::ModuleInstance { instance: Some(i), module: Some(m) } if i == "i" && m == "d"
        ));
        assert!(matches!(
            &s.steps[10].directive,
            Directive::AssertReturn { exec: Exec::Get { .. }, results } if results == &vec![Expected::RefExtern(Some(3))]
        ));
        assert!(matches!(
            &s.steps[11].directive,
            Directive::Unsupported { .. }
        ));
        assert!(matches!(
            &s.steps[12].directive,
            Directive::AssertException { exec: Exec::Invoke(i) } if i.args == vec![Arg::RefNull]
        ));
    }

    const COMPONENTS: &str = r#"
(component definition $C
  (core module $M (func (export "f") (param i32) (result i32) local.get 0))
  (core instance $m (instantiate $M))
  (func (export "f") (param "x" u32) (result u32) (canon lift (core func $m "f")))
)
(component instance $i $C)
(assert_return (invoke $i "f" (u32.const 7)) (u32.const 7))
(assert_return (invoke "g" (f32.const 1) (str.const "s") (record.const (field "a" bool.const true)))
  (variant.const "v" (list.const (char.const "x"))))
(assert_trap (invoke "f") "unknown handle index 1")
(assert_invalid (component (core func (canon resource.drop 0))) "type index out of bounds")
(assert_malformed (component quote "(core func") "unexpected")
(component
  (type $s (stream u8))
)
(module (func (export "f")))
"#;

    #[test]
    fn components() {
        let s = Script::parse(COMPONENTS).unwrap();
        assert!(s.has_components());
        assert_eq!(s.steps.len(), 9);
        match &s.steps[0].directive {
            Directive::Module {
                module,
                name,
                instantiate: false,
            } => {
                assert_eq!(name.as_deref(), Some("C"));
                let m = &s.modules[*module];
                assert!(m.component && m.needs_async.is_none());
                // a component binary: layer 1
                assert_eq!(m.wasm.as_ref().unwrap()[6..8], [1, 0]);
            }
            d => panic!("{d:?}"),
        }
        assert!(matches!(
            &s.steps[1].directive,
            Directive::ModuleInstance { instance: Some(i), module: Some(m) } if i == "i" && m == "C"
        ));
        match &s.steps[2].directive {
            Directive::AssertReturn {
                exec: Exec::Invoke(i),
                results,
            } => {
                assert_eq!(i.args, vec![Arg::Component(CVal::U32(7))]);
                assert_eq!(results, &vec![Expected::Component(CVal::U32(7))]);
            }
            d => panic!("{d:?}"),
        }
        match &s.steps[3].directive {
            Directive::AssertReturn {
                exec: Exec::Invoke(i),
                results,
            } => {
                // Floats read as core values; the runner converts them.
                assert_eq!(i.args[0], Arg::F32(1.0f32.to_bits()));
                assert_eq!(i.args[1], Arg::Component(CVal::String("s".into())));
                assert_eq!(
                    i.args[2],
                    Arg::Component(CVal::Record(vec![("a".into(), CVal::Bool(true))]))
                );
                assert_eq!(
                    results,
                    &vec![Expected::Component(CVal::Variant(
                        "v".into(),
                        Some(Box::new(CVal::List(vec![CVal::Char('x')])))
                    ))]
                );
            }
            d => panic!("{d:?}"),
        }
        match &s.steps[5].directive {
            Directive::AssertInvalid { module, .. } => assert!(s.modules[*module].component),
            d => panic!("{d:?}"),
        }
        match &s.steps[6].directive {
            Directive::AssertMalformed { module, .. } => {
                assert!(s.modules[*module].component && s.modules[*module].wasm.is_err())
            }
            d => panic!("{d:?}"),
        }
        match &s.steps[7].directive {
            Directive::Module { module, .. } => {
                assert_eq!(
                    s.modules[*module].needs_async.as_deref(),
                    Some("a stream type")
                )
            }
            d => panic!("{d:?}"),
        }
        match &s.steps[8].directive {
            Directive::Module { module, .. } => assert!(!s.modules[*module].component),
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn unparsable_script() {
        assert!(Script::parse("(assert_return (invoke").is_err());
    }
}
