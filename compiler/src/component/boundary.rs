//! The root boundary of a component as hosts see it, shared by the C
//! header (`header.rs`) and the Rust bindings (`bindings_rust.rs`): the
//! names of its functions and types (rules in `header.rs`), the C types of
//! its value types in dependency order, the functions it exports and
//! imports, and the ABI hash that ties a generated interface to its object.

use super::emitter::{func_needs_async, params_tuple};
use super::front::{FuncType, NamedType, TypeName};
use super::plan::{Plan, Trampoline, ValueSource, HOST};
use super::types::{discriminant_size, PtrType, ValType};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// The symbol an object defines to tie it to its header.
pub fn abi_symbol(prefix: &str, plan: &Plan) -> String {
    format!("{prefix}_abi_{:016x}", abi_hash(prefix, plan))
}

/// FNV-1a over the boundary's description: prefix, exports, host imports,
/// resources and the type names the header uses.
fn abi_hash(prefix: &str, plan: &Plan) -> u64 {
    let mut text = format!("wacc component abi 1\n{prefix}\n");
    for (name, l) in &plan.exports {
        let _ = writeln!(text, "export {name} {:?}", l.ty);
    }
    for (name, ty) in host_imports(plan) {
        let _ = writeln!(text, "import {name} {ty:?}");
    }
    for r in &plan.resources {
        let _ = writeln!(text, "resource {} {:?}", r.owner, r.host_name);
    }
    for (name, v) in &plan.value_exports {
        let _ = writeln!(text, "value {name} {:?}", plan.values[*v as usize].ty);
    }
    for v in &plan.values {
        if let ValueSource::Import(n) = &v.source {
            let _ = writeln!(text, "value import {n} {:?}", v.ty);
        }
    }
    for n in &plan.type_names {
        let _ = writeln!(text, "type {:?} {} {:?}", n.interface, n.name, n.ty);
    }
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Root function imports the host defines, once each, in plan order:
/// WASI interfaces are the runtime's, and functions over async types are
/// never called (their trampolines trap).
pub(super) fn host_imports(plan: &Plan) -> Vec<(&str, &FuncType)> {
    let mut out: Vec<(&str, &FuncType)> = vec![];
    for t in &plan.trampolines {
        if let Trampoline::HostImport { name, ty, .. } = t {
            if !is_wasi(name) && !func_needs_async(ty) && !out.iter().any(|(n, _)| n == name) {
                out.push((name, ty));
            }
        }
    }
    out
}

pub(super) fn is_wasi(name: &str) -> bool {
    name.starts_with("wasi:")
}

const KEYWORDS: &[&str] = &[
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "bool",
    "true",
    "false",
    "alignas",
    "alignof",
    "and",
    "and_eq",
    "asm",
    "bitand",
    "bitor",
    "catch",
    "class",
    "compl",
    "concept",
    "consteval",
    "constexpr",
    "constinit",
    "const_cast",
    "co_await",
    "co_return",
    "co_yield",
    "decltype",
    "delete",
    "dynamic_cast",
    "explicit",
    "export",
    "friend",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "not",
    "not_eq",
    "nullptr",
    "operator",
    "or",
    "or_eq",
    "private",
    "protected",
    "public",
    "reinterpret_cast",
    "requires",
    "static_assert",
    "static_cast",
    "template",
    "this",
    "thread_local",
    "throw",
    "try",
    "typeid",
    "typename",
    "using",
    "virtual",
    "wchar_t",
    "xor",
    "xor_eq",
    "char8_t",
    "char16_t",
    "char32_t",
];

/// Names generated functions use for their own parameters and locals.
const RESERVED_PARAMS: &[&str] = &["ctx", "ret", "args"];

/// A WIT name (kebab-case) as a C identifier part: snake_case, anything
/// else replaced by `_`.
pub(super) fn snake(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

/// A WIT name as a C member or parameter name.
pub(super) fn member(name: &str) -> String {
    let s = snake(name);
    if KEYWORDS.contains(&s.as_str()) {
        s + "_"
    } else {
        s
    }
}

/// A WIT parameter name as a C parameter name.
pub(super) fn param(name: &str) -> String {
    let s = member(name);
    if RESERVED_PARAMS.contains(&s.as_str()) {
        s + "_"
    } else {
        s
    }
}

/// `[constructor]r` → `r_new`, `[method]r.m` / `[static]r.m` → `r_m`.
pub(super) fn func_part(name: &str) -> String {
    if let Some(r) = name.strip_prefix("[constructor]") {
        return snake(r) + "_new";
    }
    if let Some(r) = name.strip_prefix("[resource-drop]") {
        return snake(r) + "_drop";
    }
    for p in ["[method]", "[static]"] {
        if let Some(rest) = name.strip_prefix(p) {
            return snake(&rest.replace('.', "-"));
        }
    }
    snake(name)
}

/// `ns:pkg/iface@1.0.0` → (`iface`, `ns_pkg_iface`); a plain name stays.
pub(super) fn interface_parts(iface: &str) -> (String, String) {
    let base = iface.split('@').next().unwrap_or(iface);
    let short = base.rsplit(['/', ':']).next().unwrap_or(base);
    (snake(short), snake(base))
}

/// Splits a root function name `iface#f` into its interface and function.
pub(super) fn split_func(name: &str) -> (Option<&str>, &str) {
    match name.split_once('#') {
        Some((i, f)) => (Some(i), f),
        None => (None, name),
    }
}

/// Picks C names: the short form unless it is taken, then the long form,
/// then a number. Names the header binds to object symbols are never
/// given out (a static function of the same name would shadow the symbol).
pub(super) struct Namer {
    taken: HashSet<String>,
    /// prefixes of the object's symbols (`P_export_`, `P_value_`, `P_abi_`)
    reserved: Vec<String>,
    prefix: String,
}

impl Namer {
    fn new(prefix: &str) -> Namer {
        let mut taken = HashSet::new();
        for fixed in [
            "instantiate",
            "call",
            "ctx",
            "ctx_new",
            "ctx_free",
            "ctx_set_user_data",
            "ctx_user_data",
        ] {
            taken.insert(format!("{prefix}_{fixed}"));
        }
        Namer {
            taken,
            reserved: ["export_", "value_", "abi_", "_"]
                .iter()
                .map(|r| format!("{prefix}_{r}"))
                .collect(),
            prefix: prefix.to_string(),
        }
    }

    fn free(&mut self, c: &str) -> bool {
        !self.reserved.iter().any(|r| c.starts_with(r.as_str())) && self.taken.insert(c.to_string())
    }

    pub(super) fn pick(&mut self, candidates: &[String]) -> String {
        for c in candidates {
            if self.free(c) {
                return c.clone();
            }
        }
        let last = candidates.last().cloned().unwrap_or_default();
        let (base, suffix) = match last.strip_suffix("_t") {
            Some(b) => (b.to_string(), "_t"),
            None => (last, ""),
        };
        // `P_export_x` → `P_x_export_x`
        let base = match self.reserved.iter().any(|r| base.starts_with(r.as_str())) {
            true => format!("{}_x_{}", self.prefix, &base[self.prefix.len() + 1..]),
            false => base,
        };
        if self.free(&format!("{base}{suffix}")) {
            return format!("{base}{suffix}");
        }
        (2..)
            .map(|i| format!("{base}{i}{suffix}"))
            .find(|c| self.free(c))
            .unwrap()
    }
}

/// The C types of a boundary, defined on first use in dependency order.
pub(super) struct CTypes<'a> {
    pub(super) prefix: &'a str,
    pub(super) names: &'a [TypeName],
    pub(super) plan: &'a Plan,
    pub(super) namer: Namer,
    /// compound types defined so far and their C names
    pub(super) defined: Vec<(ValType, String)>,
    pub(super) resources: HashMap<u32, String>,
    pub(super) out: String,
}

impl CTypes<'_> {
    /// The C type of `t`, defining it (and what it contains) if needed.
    pub(super) fn c(&mut self, t: &ValType) -> String {
        let prim = match t {
            ValType::Bool => "bool",
            ValType::S8 => "int8_t",
            ValType::U8 => "uint8_t",
            ValType::S16 => "int16_t",
            ValType::U16 => "uint16_t",
            ValType::S32 => "int32_t",
            ValType::U32 => "uint32_t",
            ValType::S64 => "int64_t",
            ValType::U64 => "uint64_t",
            ValType::F32 => "float",
            ValType::F64 => "double",
            ValType::Char => "uint32_t",
            ValType::String => "WaccString",
            ValType::ErrorContext | ValType::Stream | ValType::Future => "uint32_t",
            ValType::Own(r) => return format!("{}_own_t", self.resource(*r)),
            ValType::Borrow(r) => return format!("{}_borrow_t", self.resource(*r)),
            _ => "",
        };
        if !prim.is_empty() {
            return prim.to_string();
        }
        if let Some((_, n)) = self.defined.iter().find(|(d, _)| d == t) {
            return n.clone();
        }
        self.define(t)
    }

    /// The C name stem of resource `r` (`P_counter`), its handle types
    /// defined on first use.
    fn resource(&mut self, r: u32) -> String {
        if let Some(n) = self.resources.get(&r) {
            return n.clone();
        }
        let named = self
            .names
            .iter()
            .find(|n| n.ty == NamedType::Resource(r))
            .map(|n| (n.interface.clone(), n.name.clone()))
            .or_else(|| {
                let host = self.plan.resources.get(r as usize)?.host_name.as_ref()?;
                let (i, n) = split_func(host);
                Some((i.map(str::to_string), n.to_string()))
            });
        let stem = match named {
            Some((iface, name)) => {
                let mut c = vec![format!("{}_{}", self.prefix, snake(&name))];
                if let Some(i) = iface {
                    c.push(format!(
                        "{}_{}_{}",
                        self.prefix,
                        interface_parts(&i).1,
                        snake(&name)
                    ));
                }
                self.namer.pick(&c)
            }
            None => self.namer.pick(&[format!("{}_resource{r}", self.prefix)]),
        };
        let host = self
            .plan
            .resources
            .get(r as usize)
            .is_some_and(|d| d.owner == HOST);
        let what = if host {
            "the host's own representation of the resource (its rep)"
        } else {
            "an index into the context's handle table of the host"
        };
        for kind in ["own", "borrow"] {
            let _ = writeln!(
                self.out,
                "/* {kind}<{}>: `handle` is {what}. */\ntypedef struct {stem}_{kind}_t {{\n    uint32_t handle;\n}} {stem}_{kind}_t;",
                stem.strip_prefix(&format!("{}_", self.prefix)).unwrap_or(&stem),
            );
        }
        self.out.push('\n');
        self.resources.insert(r, stem.clone());
        stem
    }

    /// A name for compound type `t`: its WIT name if a root import or
    /// export names it, else one spelled from its structure.
    fn name_of(&mut self, t: &ValType) -> String {
        let p = self.prefix;
        let named = self
            .names
            .iter()
            .find(|n| n.ty == NamedType::Value(t.clone()))
            .cloned();
        let candidates = match named {
            Some(n) => {
                let mut c = vec![format!("{p}_{}_t", snake(&n.name))];
                if let Some(i) = &n.interface {
                    c.push(format!("{p}_{}_{}_t", interface_parts(i).1, snake(&n.name)));
                }
                c
            }
            None => vec![format!("{p}_{}_t", self.spell(t))],
        };
        self.namer.pick(&candidates)
    }

    /// The structural spelling of a type (`list_option_u32`).
    fn spell(&mut self, t: &ValType) -> String {
        let named = |s: &mut Self, t: &ValType| -> Option<String> {
            let c = s.c(t);
            c.strip_prefix(&format!("{}_", s.prefix))
                .and_then(|c| c.strip_suffix("_t"))
                .map(str::to_string)
        };
        if let Some(p) = wit_primitive(t) {
            return p.replace('-', "_");
        }
        match t {
            ValType::Own(_) | ValType::Borrow(_) => named(self, t).unwrap_or_default(),
            ValType::List(e, None) => format!("list_{}", self.spell_inner(e)),
            ValType::List(e, Some(n)) => format!("array{n}_{}", self.spell_inner(e)),
            ValType::Option(e) => format!("option_{}", self.spell_inner(e)),
            ValType::Result { ok, err } => {
                let mut part = |x: &Option<Box<ValType>>| match x {
                    Some(x) => self.spell_inner(x),
                    None => "void".into(),
                };
                let ok = part(ok);
                let err = part(err);
                format!("result_{ok}_{err}")
            }
            ValType::Tuple(ts) => {
                let parts: Vec<String> = ts.iter().map(|t| self.spell_inner(t)).collect();
                format!("tuple{}_{}", ts.len(), parts.join("_"))
            }
            ValType::Map(k, v) => {
                let (k, v) = (self.spell_inner(k), self.spell_inner(v));
                format!("map_{k}_{v}")
            }
            ValType::Record(_) => "record".into(),
            ValType::Variant(_) => "variant".into(),
            ValType::Enum(_) => "enum".into(),
            ValType::Flags(_) => "flags".into(),
            _ => unreachable!("primitives are spelled above"),
        }
    }

    /// Spelling of a type inside another's name: a defined type by its name.
    fn spell_inner(&mut self, t: &ValType) -> String {
        match t {
            ValType::Record(_)
            | ValType::Variant(_)
            | ValType::Enum(_)
            | ValType::Flags(_)
            | ValType::Own(_)
            | ValType::Borrow(_) => {
                let c = self.c(t);
                let c = c.strip_prefix(&format!("{}_", self.prefix)).unwrap_or(&c);
                c.strip_suffix("_t").unwrap_or(c).to_string()
            }
            _ => self.spell(t),
        }
    }

    /// Defines compound type `t` (after everything it contains).
    fn define(&mut self, t: &ValType) -> String {
        // Inner types first, so their definitions come before this one.
        let inner: Vec<ValType> = match t {
            ValType::List(e, _) | ValType::Option(e) => vec![(**e).clone()],
            ValType::Map(k, v) => vec![(**k).clone(), (**v).clone()],
            ValType::Record(fs) => fs.iter().map(|(_, t)| t.clone()).collect(),
            ValType::Tuple(ts) => ts.clone(),
            ValType::Variant(cs) => cs.iter().filter_map(|(_, t)| t.clone()).collect(),
            ValType::Result { ok, err } => {
                ok.iter().chain(err.iter()).map(|t| (**t).clone()).collect()
            }
            _ => vec![],
        };
        let inner: Vec<String> = inner.iter().map(|t| self.c(t)).collect();
        let name = self.name_of(t);
        self.defined.push((t.clone(), name.clone()));
        let consts = name.strip_suffix("_t").unwrap_or(&name).to_uppercase();
        let mut d = String::new();
        let _ = writeln!(d, "/* {} */", wit(t, self));
        let fields = |d: &mut String, fs: Vec<(String, &String)>| {
            let _ = writeln!(d, "typedef struct {name} {{");
            for (n, ty) in fs {
                let _ = writeln!(d, "    {ty} {n};");
            }
            let _ = writeln!(d, "}} {name};");
        };
        match t {
            ValType::Record(fs) => fields(
                &mut d,
                fs.iter()
                    .map(|(n, _)| member(n))
                    .zip(inner.iter())
                    .collect(),
            ),
            ValType::Tuple(_) => fields(
                &mut d,
                (0..inner.len())
                    .map(|i| format!("f{i}"))
                    .zip(inner.iter())
                    .collect(),
            ),
            ValType::List(_, None) => {
                let _ = writeln!(
                    d,
                    "typedef struct {name} {{\n    const {} *ptr;\n    uint64_t len;\n}} {name};",
                    inner[0]
                );
            }
            ValType::List(_, Some(n)) => {
                let _ = writeln!(
                    d,
                    "typedef struct {name} {{\n    {} v[{n}];\n}} {name};",
                    inner[0]
                );
            }
            ValType::Map(..) => {
                let entry = format!("{}_entry_t", name.strip_suffix("_t").unwrap_or(&name));
                let _ = writeln!(
                    d,
                    "typedef struct {entry} {{\n    {} key;\n    {} value;\n}} {entry};",
                    inner[0], inner[1]
                );
                let _ = writeln!(
                    d,
                    "typedef struct {name} {{\n    const {entry} *ptr;\n    uint64_t len;\n}} {name};",
                );
            }
            ValType::Option(_) => {
                let _ = writeln!(
                    d,
                    "typedef struct {name} {{\n    bool is_some;\n    {} val;\n}} {name};",
                    inner[0]
                );
            }
            ValType::Result { ok, err } => {
                let _ = writeln!(d, "typedef struct {name} {{\n    bool is_err;");
                let mut members = vec![];
                let mut it = inner.iter();
                if ok.is_some() {
                    members.push(format!("{} ok;", it.next().unwrap()));
                }
                if err.is_some() {
                    members.push(format!("{} err;", it.next().unwrap()));
                }
                if !members.is_empty() {
                    let _ = writeln!(
                        d,
                        "    union {{\n        {}\n    }} val;",
                        members.join("\n        ")
                    );
                }
                let _ = writeln!(d, "}} {name};");
            }
            ValType::Variant(cs) => {
                let tag = int_type(discriminant_size(cs.len()));
                let _ = writeln!(d, "typedef struct {name} {{\n    {tag} tag;");
                let mut it = inner.iter();
                let members: Vec<String> = cs
                    .iter()
                    .filter(|(_, t)| t.is_some())
                    .map(|(n, _)| format!("{} {};", it.next().unwrap(), member(n)))
                    .collect();
                if !members.is_empty() {
                    let _ = writeln!(
                        d,
                        "    union {{\n        {}\n    }} val;",
                        members.join("\n        ")
                    );
                }
                let _ = writeln!(d, "}} {name};");
                for (i, (n, _)) in cs.iter().enumerate() {
                    let _ = writeln!(d, "#define {consts}_{} {i}", snake(n).to_uppercase());
                }
            }
            ValType::Enum(ls) => {
                let _ = writeln!(
                    d,
                    "typedef {} {name};",
                    int_type(discriminant_size(ls.len()))
                );
                for (i, n) in ls.iter().enumerate() {
                    let _ = writeln!(
                        d,
                        "#define {consts}_{} (({name}){i})",
                        snake(n).to_uppercase()
                    );
                }
            }
            ValType::Flags(ls) => {
                let size = t.elem_size(PtrType::I64);
                let _ = writeln!(d, "typedef {} {name};", int_type(size));
                for (i, n) in ls.iter().enumerate() {
                    let _ = writeln!(
                        d,
                        "#define {consts}_{} (({name})(1u << {i}))",
                        snake(n).to_uppercase()
                    );
                }
            }
            _ => unreachable!("not a compound type"),
        }
        layout_assert(&mut d, &name, t);
        self.out.push_str(&d);
        self.out.push('\n');
        name
    }
}

pub(super) fn int_type(size: u32) -> &'static str {
    match size {
        1 => "uint8_t",
        2 => "uint16_t",
        _ => "uint32_t",
    }
}

pub(super) fn layout_assert(d: &mut String, name: &str, t: &ValType) {
    let _ = writeln!(
        d,
        "WACC_STATIC_ASSERT(sizeof({name}) == {} && WACC_ALIGNOF({name}) == {}, \"native layout of {name}\");",
        t.elem_size(PtrType::I64),
        t.alignment(PtrType::I64)
    );
}

/// The WIT name of a type without parameters.
fn wit_primitive(t: &ValType) -> Option<&'static str> {
    Some(match t {
        ValType::Bool => "bool",
        ValType::S8 => "s8",
        ValType::U8 => "u8",
        ValType::S16 => "s16",
        ValType::U16 => "u16",
        ValType::S32 => "s32",
        ValType::U32 => "u32",
        ValType::S64 => "s64",
        ValType::U64 => "u64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::Char => "char",
        ValType::String => "string",
        ValType::ErrorContext => "error-context",
        ValType::Stream => "stream",
        ValType::Future => "future",
        _ => return None,
    })
}

/// A type in WIT syntax, with the names the header gives defined types.
pub(super) fn wit(t: &ValType, c: &CTypes) -> String {
    let named = |t: &ValType| {
        c.names
            .iter()
            .find(|n| n.ty == NamedType::Value(t.clone()))
            .map(|n| n.name.clone())
    };
    let res = |r: &u32| {
        c.names
            .iter()
            .find(|n| n.ty == NamedType::Resource(*r))
            .map(|n| n.name.clone())
            .unwrap_or_else(|| format!("resource{r}"))
    };
    let inner = |t: &ValType| named(t).unwrap_or_else(|| wit(t, c));
    let opt = |t: &Option<Box<ValType>>| t.as_deref().map_or("_".to_string(), inner);
    if let Some(p) = wit_primitive(t) {
        return p.to_string();
    }
    match t {
        ValType::Own(r) => format!("own<{}>", res(r)),
        ValType::Borrow(r) => format!("borrow<{}>", res(r)),
        ValType::List(e, None) => format!("list<{}>", inner(e)),
        ValType::List(e, Some(n)) => format!("list<{}, {n}>", inner(e)),
        ValType::Option(e) => format!("option<{}>", inner(e)),
        ValType::Result { ok, err } => format!("result<{}, {}>", opt(ok), opt(err)),
        ValType::Tuple(ts) => format!(
            "tuple<{}>",
            ts.iter().map(inner).collect::<Vec<_>>().join(", ")
        ),
        ValType::Map(k, v) => format!("map<{}, {}>", inner(k), inner(v)),
        ValType::Record(fs) => format!(
            "record {{ {} }}",
            fs.iter()
                .map(|(n, t)| format!("{n}: {}", inner(t)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ValType::Variant(cs) => format!(
            "variant {{ {} }}",
            cs.iter()
                .map(|(n, t)| match t {
                    Some(t) => format!("{n}({})", inner(t)),
                    None => n.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ValType::Enum(ls) => format!("enum {{ {} }}", ls.join(", ")),
        ValType::Flags(ls) => format!("flags {{ {} }}", ls.join(", ")),
        _ => unreachable!("primitives are spelled above"),
    }
}

pub(super) fn wit_func(ty: &FuncType, c: &CTypes) -> String {
    let params: Vec<String> = ty
        .params
        .iter()
        .map(|(n, t)| format!("{n}: {}", wit_named(t, c)))
        .collect();
    let result = ty
        .result
        .as_ref()
        .map_or(String::new(), |t| format!(" -> {}", wit_named(t, c)));
    format!("func({}){result}", params.join(", "))
}

fn wit_named(t: &ValType, c: &CTypes) -> String {
    c.names
        .iter()
        .find(|n| n.ty == NamedType::Value(t.clone()))
        .map_or_else(|| wit(t, c), |n| n.name.clone())
}

/// One function of the boundary, as C sees it.
pub(super) struct CFunc {
    /// the component name (`iface#f`)
    pub(super) name: String,
    pub(super) c_name: String,
    pub(super) ty: FuncType,
    /// the C types of the parameters and the result
    pub(super) params: Vec<(String, String)>,
    pub(super) result: Option<String>,
    /// the parameter struct (`None` without parameters)
    pub(super) args: Option<String>,
}

impl CFunc {
    /// `P_ctx *ctx, T a, ..., R *ret`
    pub(super) fn c_params(&self, prefix: &str) -> String {
        let mut ps = vec![format!("{prefix}_ctx *ctx")];
        ps.extend(self.params.iter().map(|(n, t)| format!("{t} {n}")));
        if let Some(r) = &self.result {
            ps.push(format!("{r} *ret"));
        }
        ps.join(", ")
    }
}

/// The names and C types of a component's boundary: what the C header
/// declares, named once, so other bindings (`bindings_rust`) give
/// everything the same names.
pub(super) struct Model<'a> {
    pub(super) types: CTypes<'a>,
    /// the ABI hash symbol ([`abi_symbol`])
    pub(super) abi: String,
    pub(super) export_funcs: Vec<CFunc>,
    pub(super) import_funcs: Vec<CFunc>,
    /// root value exports: C getter name, C type, export name
    pub(super) values: Vec<(String, String, &'a str)>,
    /// root value imports: C name, C type, import name
    pub(super) value_imports: Vec<(String, String, &'a str)>,
    /// own handles the host drops: resource index, C function name
    pub(super) resource_drops: Vec<(u32, String)>,
    /// host-defined resources: index, import path, C drop function name
    pub(super) host_drops: Vec<(u32, &'a str, String)>,
}

/// Names every function and type of the boundary, in the header's order.
pub(super) fn model<'a>(prefix: &'a str, plan: &'a Plan) -> Model<'a> {
    let mut types = CTypes {
        prefix,
        names: &plan.type_names,
        plan,
        namer: Namer::new(prefix),
        defined: vec![],
        resources: HashMap::new(),
        out: String::new(),
    };
    let abi = abi_symbol(prefix, plan);

    // Names of functions first (they are what users see most), then types.
    let name_func = |namer: &mut Namer, kind: &str, name: &str| {
        let (iface, f) = split_func(name);
        let mut c = vec![];
        match iface {
            Some(i) => {
                let (short, long) = interface_parts(i);
                c.push(format!("{prefix}_{kind}{short}_{}", func_part(f)));
                c.push(format!("{prefix}_{kind}{long}_{}", func_part(f)));
            }
            None => c.push(format!("{prefix}_{kind}{}", func_part(f))),
        }
        namer.pick(&c)
    };
    let exports: Vec<(String, &FuncType)> = plan
        .exports
        .iter()
        .map(|(n, l)| (name_func(&mut types.namer, "", n), &l.ty))
        .collect();
    let imports: Vec<(String, &str, &FuncType)> = host_imports(plan)
        .into_iter()
        .map(|(n, ty)| (name_func(&mut types.namer, "import_", n), n, ty))
        .collect();
    let host_resources: Vec<(u32, &str)> = plan
        .resources
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let n = r.host_name.as_deref()?;
            (r.owner == HOST && !is_wasi(n)).then_some((i as u32, n))
        })
        .collect();

    let funcs = |types: &mut CTypes, list: Vec<(String, &str, &FuncType)>| -> Vec<CFunc> {
        list.into_iter()
            .map(|(c_name, name, ty)| {
                let params: Vec<(String, String)> = ty
                    .params
                    .iter()
                    .map(|(n, t)| (param(n), types.c(t)))
                    .collect();
                let result = ty.result.as_ref().map(|t| types.c(t));
                let args = (!params.is_empty()).then(|| {
                    let a = types.namer.pick(&[format!("{c_name}_args_t")]);
                    let mut d =
                        format!("/* the parameters of {c_name} */\ntypedef struct {a} {{\n");
                    for (n, t) in &params {
                        let _ = writeln!(d, "    {t} {n};");
                    }
                    let _ = writeln!(d, "}} {a};");
                    layout_assert(&mut d, &a, &params_tuple(ty));
                    types.out.push_str(&d);
                    types.out.push('\n');
                    a
                });
                CFunc {
                    name: name.to_string(),
                    c_name,
                    ty: ty.clone(),
                    params,
                    result,
                    args,
                }
            })
            .collect()
    };
    let export_funcs = funcs(
        &mut types,
        plan.exports
            .iter()
            .zip(exports)
            .map(|((n, _), (c, ty))| (c, n.as_str(), ty))
            .collect(),
    );
    let import_funcs = funcs(&mut types, imports);
    let values: Vec<(String, String, &str)> = plan
        .value_exports
        .iter()
        .map(|(n, v)| {
            let c_name = types.namer.pick(&[format!("{prefix}_get_{}", snake(n))]);
            (c_name, types.c(&plan.values[*v as usize].ty), n.as_str())
        })
        .collect();
    let value_imports: Vec<(String, String, &str)> = plan
        .values
        .iter()
        .filter_map(|v| match &v.source {
            ValueSource::Import(n) if !is_wasi(n) => Some((n.as_str(), &v.ty)),
            _ => None,
        })
        .map(|(n, ty)| (name_func(&mut types.namer, "import_", n), types.c(ty), n))
        .collect();
    let mut resource_drops: Vec<(u32, String)> = types
        .resources
        .clone()
        .into_iter()
        .filter(|(r, _)| plan.resources[*r as usize].owner != HOST)
        .map(|(r, stem)| (r, types.namer.pick(&[format!("{stem}_drop")])))
        .collect();
    resource_drops.sort();
    let host_drops: Vec<(u32, &str, String)> = host_resources
        .iter()
        .map(|(r, n)| {
            types.resource(*r);
            let (iface, res) = n.rsplit_once('#').unwrap_or(("", n));
            let drop = match iface {
                "" => format!("[resource-drop]{res}"),
                i => format!("{i}#[resource-drop]{res}"),
            };
            (*r, *n, name_func(&mut types.namer, "import_", &drop))
        })
        .collect();
    Model {
        types,
        abi,
        export_funcs,
        import_funcs,
        values,
        value_imports,
        resource_drops,
        host_drops,
    }
}
