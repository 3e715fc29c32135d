//! Typed Rust bindings of a compiled component (`wacc compile
//! --rust-bindings FILE.rs`, and the `wacc-build` crate for build scripts):
//! one Rust source file holding a module named after the prefix, with
//! - the boundary's types as `#[repr(C)]` Rust types equal to the native
//!   layout (checked by compile-time assertions),
//! - a `Store` and an `Instance` whose methods are the root exports, over
//!   Rust types (`&str`, `&[T]`, records as structs) and returning
//!   `Result<R, Trap>`,
//! - a trait `Imports` with one method per root import the host defines
//!   (and per host resource drop), and the `extern "C"` glue from the
//!   object's import symbols to it,
//! - owned handles of the component's resources that drop the resource
//!   when dropped.
//!
//! Every name comes from the C header's naming ([`super::boundary::model`]),
//! without the prefix (the module is the prefix): C `P_point_t` is
//! `Point`, `P_list_item_t` is `ListItem`, export `P_iface_f` is the method
//! `iface_f`, import `P_import_log` the trait method `log`. Names that are
//! Rust keywords get a `_` suffix, as C keywords do in the header.

use super::boundary::{self as header, CFunc, Model};
use super::emitter::{func_needs_async, params_tuple};
use super::front::FuncType;
use super::plan::{Plan, Trampoline, HOST};
use super::types::{discriminant_size, PtrType, ValType};
use crate::symbols;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// What the generated file assumes about the host crate.
#[derive(Clone, Debug, Default)]
pub struct RustOptions {
    /// The runtime crate the module links against (`extern crate NAME as
    /// _;`), so depending on it is enough for its symbols to be linked; for
    /// `wacc-build`, `wacc_runtime_support`. `None`: the host links the
    /// runtime some other way (for instance the `--emit static` archive).
    pub runtime_crate: Option<String>,
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Type names the module defines itself, or that generated code uses
/// unqualified (the prelude's): a WIT type of that name gets a number.
const FIXED_TYPES: &[&str] = &[
    "WaccStr",
    "WaccList",
    "WaccOption",
    "WaccResult",
    "WaccResultVal",
    "Trap",
    "Store",
    "Instance",
    "Imports",
    "Alloc",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Copy",
    "Clone",
    "Debug",
    "Default",
    "Drop",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "From",
    "Into",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "AsRef",
    "AsMut",
    "ToString",
    "ToOwned",
    "Self",
];

/// Method names of `Instance` that are not exports.
const INSTANCE_METHODS: &[&str] = &["new", "with_imports", "as_ptr"];

/// A C identifier part as a Rust identifier: keywords get a `_` suffix.
fn ident(s: &str) -> String {
    if RUST_KEYWORDS.contains(&s) {
        format!("{s}_")
    } else {
        s.to_string()
    }
}

/// `list_option_u32` → `ListOptionU32`.
fn camel(s: &str) -> String {
    let mut o = String::new();
    for part in s.split('_').filter(|p| !p.is_empty()) {
        let mut cs = part.chars();
        if let Some(c) = cs.next() {
            o.push(c.to_ascii_uppercase());
            o.extend(cs);
        }
    }
    if !o.starts_with(|c: char| c.is_ascii_alphabetic()) {
        o.insert(0, 'T');
    }
    o
}

/// The first of `base`, `base2`, `base3`, ... not in `taken` (then taken).
fn pick(taken: &mut HashSet<String>, base: &str) -> String {
    if taken.insert(base.to_string()) {
        return base.to_string();
    }
    (2..)
        .map(|i| format!("{base}{i}"))
        .find(|c| taken.insert(c.clone()))
        .unwrap()
}

/// Types holding pointers (strings, lists) carry a lifetime.
fn has_lt(t: &ValType) -> bool {
    t.contains(&|t| {
        matches!(
            t,
            ValType::String | ValType::List(_, None) | ValType::Map(..)
        )
    })
}

/// The Rust names of a resource's handle types.
struct ResNames {
    own: String,
    borrow: String,
    /// the owned handle with `Drop` (resources the component defines)
    wrapper: Option<String>,
    /// WIT name, for documentation
    wit: String,
}

struct Gen<'m, 'a> {
    prefix: &'a str,
    m: &'m Model<'a>,
    /// Rust names of the compound types, in `m.types.defined` order
    names: Vec<String>,
    res: HashMap<u32, ResNames>,
    taken: HashSet<String>,
    out: String,
}

/// The Rust view of one function's parameter or result.
enum Conv {
    /// passed as is
    Plain,
    /// `&str` at the boundary
    Str,
    /// `&[T]` at the boundary
    Slice,
    /// the owned handle wrapper
    Owned,
}

impl Gen<'_, '_> {
    fn strip<'s>(&self, c: &'s str) -> &'s str {
        let s = c
            .strip_prefix(self.prefix)
            .and_then(|s| s.strip_prefix('_'))
            .unwrap_or(c);
        s.strip_suffix("_t").unwrap_or(s)
    }

    fn type_name(&mut self, c: &str) -> String {
        let base = camel(self.strip(c));
        pick(&mut self.taken, &base)
    }

    fn name(&self, t: &ValType) -> &str {
        let i = self
            .m
            .types
            .defined
            .iter()
            .position(|(d, _)| d == t)
            .expect("every boundary type is defined");
        &self.names[i]
    }

    /// The Rust type of `t`, with lifetime `lt` where it has one.
    fn ty(&self, t: &ValType, lt: &str) -> String {
        let s = match t {
            ValType::Bool => "bool",
            ValType::S8 => "i8",
            ValType::U8 => "u8",
            ValType::S16 => "i16",
            ValType::U16 => "u16",
            ValType::S32 => "i32",
            ValType::U32 => "u32",
            ValType::S64 => "i64",
            ValType::U64 => "u64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::Char => "char",
            ValType::ErrorContext | ValType::Stream | ValType::Future => "u32",
            ValType::String => return format!("WaccStr<{lt}>"),
            ValType::Own(r) => return self.res[r].own.clone(),
            ValType::Borrow(r) => return self.res[r].borrow.clone(),
            _ => {
                let n = self.name(t).to_string();
                return if has_lt(t) { format!("{n}<{lt}>") } else { n };
            }
        };
        s.to_string()
    }

    /// How a top-level parameter or result of type `t` is seen by Rust.
    fn conv(&self, t: &ValType) -> Conv {
        match t {
            ValType::String => Conv::Str,
            ValType::List(_, None) => Conv::Slice,
            ValType::Own(r) if self.res[r].wrapper.is_some() => Conv::Owned,
            _ => Conv::Plain,
        }
    }

    /// The type a method shows for a top-level `t` (lifetime `'_`).
    fn outer_ty(&self, t: &ValType, owned_ok: bool) -> String {
        match (self.conv(t), t) {
            (Conv::Str, _) => "&str".into(),
            (Conv::Slice, ValType::List(e, _)) => format!("&[{}]", self.ty(e, "'_")),
            (Conv::Owned, ValType::Own(r)) if owned_ok => {
                self.res[r].wrapper.clone().unwrap_or_default()
            }
            _ => self.ty(t, "'_"),
        }
    }

    fn assert_layout(&mut self, name: &str, t: &ValType) {
        let _ = writeln!(
            self.out,
            "const _: () = assert!(::core::mem::size_of::<{name}>() == {} && ::core::mem::align_of::<{name}>() == {});",
            t.elem_size(PtrType::I64),
            t.alignment(PtrType::I64)
        );
    }

    fn wit(&self, t: &ValType) -> String {
        header::wit(t, &self.m.types)
    }

    /// Defines compound type number `i` of the model.
    fn define(&mut self, i: usize) {
        let (t, c) = &self.m.types.defined[i];
        let name = self.names[i].clone();
        let lt = has_lt(t);
        let g = if lt { "<'a>" } else { "" };
        let at_static = if lt {
            format!("{name}<'static>")
        } else {
            name.clone()
        };
        let _ = writeln!(
            self.out,
            "/// `{}` (C: `{c}`)",
            self.wit(t).replace('`', "'")
        );
        match t {
            ValType::Record(fs) => {
                let _ = writeln!(
                    self.out,
                    "#[repr(C)]\n#[derive(Clone, Copy, Debug)]\npub struct {name}{g} {{"
                );
                for (n, ft) in fs {
                    let _ = writeln!(
                        self.out,
                        "    pub {}: {},",
                        ident(&header::member(n)),
                        self.ty(ft, "'a")
                    );
                }
                self.out.push_str("}\n");
            }
            ValType::Tuple(ts) => {
                let _ = writeln!(
                    self.out,
                    "#[repr(C)]\n#[derive(Clone, Copy, Debug)]\npub struct {name}{g} {{"
                );
                for (k, ft) in ts.iter().enumerate() {
                    let _ = writeln!(self.out, "    pub f{k}: {},", self.ty(ft, "'a"));
                }
                self.out.push_str("}\n");
            }
            ValType::List(e, None) => {
                let _ = writeln!(
                    self.out,
                    "pub type {name}<'a> = WaccList<'a, {}>;",
                    self.ty(e, "'a")
                );
            }
            ValType::List(e, Some(n)) => {
                let _ = writeln!(
                    self.out,
                    "pub type {name}{g} = [{}; {n}];",
                    self.ty(e, "'a")
                );
            }
            ValType::Map(k, v) => {
                let entry = pick(&mut self.taken, &format!("{name}Entry"));
                let eg = if has_lt(k) || has_lt(v) { "<'a>" } else { "" };
                let _ = writeln!(
                    self.out,
                    "pub type {name}<'a> = WaccList<'a, {entry}{eg}>;\n\n/// An entry of `{name}`.\n#[repr(C)]\n#[derive(Clone, Copy, Debug)]\npub struct {entry}{eg} {{\n    pub key: {},\n    pub value: {},\n}}",
                    self.ty(k, "'a"),
                    self.ty(v, "'a")
                );
            }
            ValType::Option(e) => {
                let _ = writeln!(
                    self.out,
                    "pub type {name}{g} = WaccOption<{}>;",
                    self.ty(e, "'a")
                );
            }
            ValType::Result { ok, err } => {
                let part = |x: &Option<Box<ValType>>| match x {
                    Some(x) => self.ty(x, "'a"),
                    None => "()".into(),
                };
                let _ = writeln!(
                    self.out,
                    "pub type {name}{g} = WaccResult<{}, {}>;",
                    part(ok),
                    part(err)
                );
            }
            ValType::Variant(cs) => self.variant(&name, g, cs),
            ValType::Enum(ls) => {
                let int = header::int_type(discriminant_size(ls.len()));
                let int = rust_int(int);
                let _ = writeln!(
                    self.out,
                    "#[repr(transparent)]\n#[derive(Clone, Copy, PartialEq, Eq, Hash)]\npub struct {name}(pub {int});\n\nimpl {name} {{"
                );
                for (k, l) in ls.iter().enumerate() {
                    let _ = writeln!(
                        self.out,
                        "    pub const {}: {name} = {name}({k});",
                        header::snake(l).to_uppercase()
                    );
                }
                let _ = writeln!(
                    self.out,
                    "}}\n\nimpl ::core::fmt::Debug for {name} {{\n    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{\n        match self.0 {{"
                );
                for (k, l) in ls.iter().enumerate() {
                    let _ = writeln!(self.out, "            {k} => f.write_str({l:?}),");
                }
                let _ = writeln!(
                    self.out,
                    "            n => write!(f, \"{name}({{n}})\"),\n        }}\n    }}\n}}"
                );
            }
            ValType::Flags(ls) => {
                let int = rust_int(header::int_type(t.elem_size(PtrType::I64)));
                let _ = writeln!(
                    self.out,
                    "#[repr(transparent)]\n#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]\npub struct {name}(pub {int});\n\nimpl {name} {{"
                );
                for (k, l) in ls.iter().enumerate() {
                    let _ = writeln!(
                        self.out,
                        "    pub const {}: {name} = {name}(1 << {k});",
                        header::snake(l).to_uppercase()
                    );
                }
                let _ = writeln!(
                    self.out,
                    r#"    /// No flag set.
    pub const fn empty() -> {name} {{
        {name}(0)
    }}

    /// True if every flag of `other` is set in `self`.
    pub const fn contains(self, other: {name}) -> bool {{
        self.0 & other.0 == other.0
    }}
}}

impl ::core::ops::BitOr for {name} {{
    type Output = {name};
    fn bitor(self, o: {name}) -> {name} {{
        {name}(self.0 | o.0)
    }}
}}

impl ::core::ops::BitAnd for {name} {{
    type Output = {name};
    fn bitand(self, o: {name}) -> {name} {{
        {name}(self.0 & o.0)
    }}
}}

impl ::core::ops::BitOrAssign for {name} {{
    fn bitor_assign(&mut self, o: {name}) {{
        self.0 |= o.0;
    }}
}}

impl ::core::fmt::Debug for {name} {{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{
        let mut s = f.debug_set();"#
                );
                for (k, l) in ls.iter().enumerate() {
                    let _ = writeln!(
                        self.out,
                        "        if self.0 & (1 << {k}) != 0 {{\n            s.entry(&format_args!({l:?}));\n        }}"
                    );
                }
                self.out.push_str("        s.finish()\n    }\n}\n");
            }
            _ => unreachable!("not a compound type"),
        }
        self.assert_layout(&at_static, t);
        self.out.push('\n');
    }

    fn variant(&mut self, name: &str, g: &str, cs: &[(String, Option<ValType>)]) {
        let tag = rust_int(header::int_type(discriminant_size(cs.len())));
        let payloads = cs.iter().any(|(_, t)| t.is_some());
        let union = pick(&mut self.taken, &format!("{name}Val"));
        let ug = if cs.iter().any(|(_, t)| t.as_ref().is_some_and(has_lt)) {
            g
        } else {
            ""
        };
        let _ = writeln!(
            self.out,
            "#[repr(C)]\n#[derive(Clone, Copy)]\npub struct {name}{g} {{\n    tag: {tag},"
        );
        if payloads {
            let _ = writeln!(self.out, "    val: {union}{ug},");
        }
        self.out.push_str("}\n\n");
        // Method names: constructors, then accessors.
        let mut methods: HashSet<String> = ["tag".to_string()].into_iter().collect();
        let ctors: Vec<String> = cs
            .iter()
            .map(|(n, _)| pick(&mut methods, &ident(&header::member(n))))
            .collect();
        let fields: Vec<String> = cs.iter().map(|(n, _)| ident(&header::member(n))).collect();
        if payloads {
            let _ = writeln!(
                self.out,
                "/// The payloads of `{name}`.\n#[repr(C)]\n#[derive(Clone, Copy)]\npub union {union}{ug} {{"
            );
            for ((_, t), f) in cs.iter().zip(&fields) {
                if let Some(t) = t {
                    let _ = writeln!(self.out, "    {f}: {},", self.ty(t, "'a"));
                }
            }
            self.out.push_str("    __none: (),\n}\n\n");
        }
        let _ = writeln!(self.out, "impl{g} {name}{g} {{");
        for (k, (n, _)) in cs.iter().enumerate() {
            let _ = writeln!(
                self.out,
                "    pub const {}: {tag} = {k};",
                header::snake(n).to_uppercase()
            );
        }
        let val = |p: &str| {
            if payloads {
                format!(", val: {union} {{ {p} }}")
            } else {
                String::new()
            }
        };
        for (k, ((n, t), ctor)) in cs.iter().zip(&ctors).enumerate() {
            match t {
                Some(t) => {
                    let _ = writeln!(
                        self.out,
                        "    /// Case `{n}`.\n    pub const fn {ctor}(v: {}) -> Self {{\n        Self {{ tag: {k}{} }}\n    }}",
                        self.ty(t, "'a"),
                        val(&format!("{}: v", fields[k]))
                    );
                }
                None => {
                    let _ = writeln!(
                        self.out,
                        "    /// Case `{n}`.\n    pub const fn {ctor}() -> Self {{\n        Self {{ tag: {k}{} }}\n    }}",
                        val("__none: ()")
                    );
                }
            }
        }
        let _ = writeln!(
            self.out,
            "    /// The case's number (the constants above).\n    pub const fn tag(&self) -> {tag} {{\n        self.tag\n    }}"
        );
        for (k, ((n, t), ctor)) in cs.iter().zip(&ctors).enumerate() {
            if let Some(t) = t {
                let acc = pick(&mut methods, &format!("as_{ctor}"));
                let _ = writeln!(
                    self.out,
                    "    /// The payload, if this is case `{n}`.\n    pub fn {acc}(&self) -> Option<&{}> {{\n        // SAFETY: the payload of the case the tag names is initialised.\n        (self.tag == {k}).then(|| unsafe {{ &self.val.{} }})\n    }}",
                    self.ty(t, "'a"),
                    fields[k]
                );
            }
        }
        self.out.push_str("}\n\n");
        let _ = writeln!(
            self.out,
            "impl ::core::fmt::Debug for {name}{} {{\n    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{\n        match self.tag {{",
            if g.is_empty() { "" } else { "<'_>" }
        );
        for (k, (n, t)) in cs.iter().enumerate() {
            match t {
                Some(_) => {
                    let _ = writeln!(
                        self.out,
                        "            // SAFETY: the payload of the case the tag names is initialised.\n            {k} => f.debug_tuple({n:?}).field(unsafe {{ &self.val.{} }}).finish(),",
                        fields[k]
                    );
                }
                None => {
                    let _ = writeln!(self.out, "            {k} => f.write_str({n:?}),");
                }
            }
        }
        let _ = writeln!(
            self.out,
            "            t => write!(f, \"{name}(tag {{t}})\"),\n        }}\n    }}\n}}"
        );
    }
}

fn rust_int(c: &str) -> &'static str {
    match c {
        "uint8_t" => "u8",
        "uint16_t" => "u16",
        _ => "u32",
    }
}

/// The Rust bindings of a compiled component.
pub fn rust_bindings(prefix: &str, plan: &Plan, source: &str, opts: &RustOptions) -> String {
    let m = header::model(prefix, plan);
    let mut g = Gen {
        prefix,
        m: &m,
        names: vec![],
        res: HashMap::new(),
        taken: FIXED_TYPES.iter().map(|s| s.to_string()).collect(),
        out: String::new(),
    };
    // Names: resources, then compound types, in the header's order.
    let mut rs: Vec<(u32, String)> = m
        .types
        .resources
        .iter()
        .map(|(r, s)| (*r, s.clone()))
        .collect();
    rs.sort();
    for (r, stem) in &rs {
        let guest = plan.resources[*r as usize].owner != HOST;
        let wrapper = guest.then(|| g.type_name(stem));
        let own = g.type_name(&format!("{stem}_own_t"));
        let borrow = g.type_name(&format!("{stem}_borrow_t"));
        let wit = g.strip(stem).replace('_', "-");
        g.res.insert(
            *r,
            ResNames {
                own,
                borrow,
                wrapper,
                wit,
            },
        );
    }
    for (_, c) in &m.types.defined {
        let n = g.type_name(c);
        g.names.push(n);
    }
    let funcs: Vec<(&CFunc, Option<String>)> = m
        .export_funcs
        .iter()
        .chain(&m.import_funcs)
        .map(|f| (f, f.args.as_ref().map(|a| g.type_name(a))))
        .collect();
    let args_names: HashMap<&str, Option<String>> = funcs
        .iter()
        .map(|(f, a)| (f.c_name.as_str(), a.clone()))
        .collect();

    let module = ident(prefix);
    let mut o = String::new();
    let _ = write!(
        o,
        r#"// The typed Rust host interface of component `{source}`, compiled by wacc
// with prefix `{prefix}`. Generated: do not edit; regenerate with
// `wacc compile ... --prefix {prefix} --rust-bindings FILE.rs` (or wacc-build).

/// Bindings of component `{source}` (prefix `{prefix}`).
///
/// - [`Store`] (`wacc_rt_store_new`) holds instances that call each other;
///   [`Instance::new`] instantiates the component with an [`Imports`]
///   implementation and frees the context when the instance and every
///   owned handle of it are dropped.
/// - Every root export is a method of [`Instance`] over Rust types: `&str`
///   and `&[T]` for strings and lists, the `#[repr(C)]` types below for
///   the rest. It returns `Err(Trap)` if the call trapped; after a trap the
///   instance is poisoned and every later call fails with
///   `Trap::CANNOT_ENTER`. Strings and lists in a result borrow the
///   instance: they stay valid until the next call on it.
/// - Root imports are the methods of [`Imports`]; `Err(code)` makes the
///   calling export trap with `code`, a panic is caught and traps with
///   `Trap::UNREACHABLE`. Strings and lists in an import's result are
///   copied into the instance's arena with [`Alloc`].
/// - Own handles of the component's resources the host receives drop the
///   resource (running its destructor) when dropped; `borrow()` lends them.
/// - Names follow the C header's without the prefix: root function `f` is
///   `f`, `f` of interface `ns:pkg/iface@v` is `iface_f`, `[constructor]r`
///   is `r_new`, `[method]r.m` is `r_m`; WIT types are CamelCase
///   (`point` is `Point`, an anonymous `list<string>` is `ListString`).
#[allow(dead_code, unused_imports, non_upper_case_globals, missing_docs, clippy::all)]
pub mod {module} {{
"#
    );
    if let Some(c) = &opts.runtime_crate {
        let _ = writeln!(
            o,
            "    // The runtime's symbols, linked from its crate.\n    extern crate {c} as _;\n"
        );
    }
    g.out.push_str(PRELUDE);

    // Handle types.
    for (r, _) in &rs {
        let n = &g.res[r];
        let host = plan.resources[*r as usize].owner == HOST;
        let what = if host {
            "the host's own representation of the resource (its rep)"
        } else {
            "an index into the instance's handle table of the host"
        };
        let (own, borrow, wit) = (n.own.clone(), n.borrow.clone(), n.wit.clone());
        for (kind, t) in [("own", &own), ("borrow", &borrow)] {
            let _ = writeln!(
                g.out,
                "/// `{kind}<{wit}>` as it crosses the boundary: {what}.\n#[repr(transparent)]\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub struct {t}(pub u32);\nconst _: () = assert!(::core::mem::size_of::<{t}>() == 4 && ::core::mem::align_of::<{t}>() == 4);\n"
            );
        }
        if let Some(w) = &n.wrapper {
            let _ = write!(
                g.out,
                r#"/// An owned `{wit}` of an [`Instance`]: dropping it drops the resource
/// (running its destructor in the component; a trap is ignored, see
/// [`{w}::release`]).
pub struct {w} {{
    ctx: ::std::rc::Rc<__Context>,
    handle: u32,
}}

impl {w} {{
    /// The resource's index in the component (`wacc_rt_component_resource_drop`).
    pub const RESOURCE: u32 = {r};

    /// Lends it to a call taking `borrow<{wit}>`.
    pub fn borrow(&self) -> {borrow} {{
        {borrow}(self.handle)
    }}

    /// The handle, still owned by `self`.
    pub fn handle(&self) -> {own} {{
        {own}(self.handle)
    }}

    /// Gives up ownership: the raw handle, for a call or a value taking
    /// `own<{wit}>` (the resource is no longer dropped by this value).
    pub fn into_raw(self) -> {own} {{
        let me = ::core::mem::ManuallyDrop::new(self);
        // SAFETY: `me` is never used or dropped again: the context reference is moved out once.
        drop(unsafe {{ ::core::ptr::read(&me.ctx) }});
        {own}(me.handle)
    }}

    /// Takes ownership of a raw own handle of `instance` (from a value
    /// holding one, or [`{w}::into_raw`]).
    pub fn from_raw(instance: &Instance, handle: {own}) -> {w} {{
        {w} {{
            ctx: instance.ctx.clone(),
            handle: handle.0,
        }}
    }}

    /// Drops the resource now, returning the trap of its destructor.
    pub fn release(self) -> Result<(), Trap> {{
        let me = ::core::mem::ManuallyDrop::new(self);
        // SAFETY: as in `into_raw`; the context is alive while `ctx` is.
        let ctx = unsafe {{ ::core::ptr::read(&me.ctx) }};
        // SAFETY: `ctx.ptr` is a live context.
        Trap::check(unsafe {{ wacc_rt_component_resource_drop(ctx.ptr, {r}, me.handle) }})
    }}
}}

impl Drop for {w} {{
    fn drop(&mut self) {{
        // SAFETY: `self.ctx.ptr` is a live context (kept alive by `self.ctx`).
        unsafe {{
            wacc_rt_component_resource_drop(self.ctx.ptr, {r}, self.handle);
        }}
    }}
}}

impl ::core::fmt::Debug for {w} {{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{
        write!(f, "{w}({{}})", self.handle)
    }}
}}

"#
            );
        }
    }

    // Compound types, in dependency order.
    for i in 0..m.types.defined.len() {
        g.define(i);
    }

    // Parameter structs.
    for (f, a) in &funcs {
        let Some(a) = a else { continue };
        let lt = f.ty.params.iter().any(|(_, t)| has_lt(t));
        let gp = if lt { "<'a>" } else { "" };
        let _ = writeln!(
            g.out,
            "/// The parameters of `{}`.\n#[repr(C)]\n#[doc(hidden)]\npub struct {a}{gp} {{",
            f.name
        );
        for ((n, _), (_, t)) in f.params.iter().zip(&f.ty.params) {
            let _ = writeln!(g.out, "    pub {}: {},", ident(n), g.ty(t, "'a"));
        }
        g.out.push_str("}\n");
        let at = if lt {
            format!("{a}<'static>")
        } else {
            a.clone()
        };
        g.assert_layout(&at, &params_tuple(&f.ty));
        g.out.push('\n');
    }

    // The object's symbols.
    g.out.push_str("unsafe extern \"C\" {\n");
    let _ = writeln!(
        g.out,
        "    #[link_name = \"{}\"]\n    fn __instantiate(store: *mut c_void, ctx: *mut *mut c_void) -> u32;",
        symbols::instantiate(prefix)
    );
    let _ = writeln!(
        g.out,
        "    /// Defined by an object of exactly this interface.\n    #[link_name = \"{}\"]\n    static __ABI: u8;",
        m.abi
    );
    for (i, f) in m.export_funcs.iter().enumerate() {
        let _ = writeln!(
            g.out,
            "    #[link_name = \"{}\"]\n    fn __export{i}(ctx: *mut c_void, args: *const c_void, result: *mut c_void) -> u32;",
            symbols::export_entry(prefix, &f.name)
        );
    }
    for (i, (_, _, n)) in m.values.iter().enumerate() {
        let _ = writeln!(
            g.out,
            "    #[link_name = \"{}\"]\n    fn __value{i}(ctx: *mut c_void) -> *const c_void;",
            symbols::value_export(prefix, n)
        );
    }
    let wasi = wasi_symbols(plan);
    for (i, sym) in wasi.iter().enumerate() {
        let _ = writeln!(
            g.out,
            "    /// The runtime's WASI host (referenced only).\n    #[link_name = \"{sym}\"]\n    fn __wasi{i}();"
        );
    }
    g.out.push_str("}\n\n");

    // The instance.
    let _ = write!(
        g.out,
        r#"/// An instance of the whole component.
pub struct Instance {{
    ctx: ::std::rc::Rc<__Context>,
}}

impl Instance {{
    /// Instantiates the component in `store`, its imports implemented by
    /// `imports` (the object's start code may already call them).
    pub fn new(store: &Store, imports: impl Imports + 'static) -> Result<Instance, Trap> {{
        // SAFETY: reading the ABI symbol's byte: it fails to link if the
        // object was compiled from another interface.
        let _ = unsafe {{ ::core::ptr::read_volatile(&raw const __ABI) }};
        __keep_glue();
        let state = __HostState::new(imports);
        let mut ctx = ::core::ptr::null_mut();
        let code = __INSTANTIATING.with(|cur| {{
            let prev = cur.replace(state.cast());
            // SAFETY: `store` is a live store; `ctx` receives the context.
            let code = unsafe {{ __instantiate(store.as_ptr(), &mut ctx) }};
            cur.set(prev);
            code
        }});
        if !ctx.is_null() {{
            // SAFETY: `ctx` is the live context just made.
            unsafe {{ wacc_rt_component_set_user_data(ctx, state.cast()) }};
        }}
        let context = __Context {{
            ptr: ctx,
            state,
            _store: store.clone(),
        }};
        if code != 0 {{
            drop(context);
            return Err(Trap::new(code));
        }}
        Ok(Instance {{
            ctx: ::std::rc::Rc::new(context),
        }})
    }}

    /// Runs `f` on the [`Imports`] implementation given to [`Instance::new`],
    /// if it is a `T` (`None` otherwise, or from within an import).
    pub fn with_imports<T: Imports + 'static, R>(&mut self, f: impl FnOnce(&mut T) -> R) -> Option<R> {{
        // SAFETY: the state lives as long as the context; `busy` keeps the
        // import glue from handing out a second reference meanwhile.
        let state = unsafe {{ &*self.ctx.state }};
        if state.busy.replace(true) {{
            return None;
        }}
        // SAFETY: as above; the type is checked by `downcast_mut`.
        let r = unsafe {{ &mut *state.any }}.downcast_mut::<T>().map(f);
        state.busy.set(false);
        r
    }}

    /// The component context (`void *ctx` of the C interface).
    pub fn as_ptr(&self) -> *mut c_void {{
        self.ctx.ptr
    }}
"#
    );
    let mut methods: HashSet<String> = INSTANCE_METHODS.iter().map(|s| s.to_string()).collect();
    for (i, f) in m.export_funcs.iter().enumerate() {
        let name = pick(&mut methods, &ident(g.strip(&f.c_name)));
        let mut sig = vec!["&mut self".to_string()];
        let mut fields = vec![];
        for ((n, _), (_, t)) in f.params.iter().zip(&f.ty.params) {
            let p = ident(n);
            sig.push(format!("{p}: {}", g.outer_ty(t, true)));
            let v = match g.conv(t) {
                Conv::Str => format!("WaccStr::new({p})"),
                Conv::Slice => format!("WaccList::new({p})"),
                Conv::Owned => format!("{p}.into_raw()"),
                Conv::Plain => p.clone(),
            };
            fields.push(format!("{p}: {v}"));
        }
        let ret =
            f.ty.result
                .as_ref()
                .map_or("()".to_string(), |t| g.outer_ty(t, true));
        let _ = writeln!(
            g.out,
            "\n    /// `{}: {}`\n    pub fn {name}({}) -> Result<{ret}, Trap> {{",
            f.name,
            header::wit_func(&f.ty, &m.types).replace('`', "'"),
            sig.join(", ")
        );
        let args = match &args_names[f.c_name.as_str()] {
            Some(a) => {
                let _ = writeln!(g.out, "        let args = {a} {{ {} }};", fields.join(", "));
                "(&raw const args).cast()"
            }
            None => "::core::ptr::null()",
        };
        let result = match &f.ty.result {
            Some(t) => {
                let _ = writeln!(
                    g.out,
                    "        let mut ret = ::core::mem::MaybeUninit::<{}>::uninit();",
                    g.ty(t, "'_")
                );
                "ret.as_mut_ptr().cast()"
            }
            None => "::core::ptr::null_mut()",
        };
        let _ = writeln!(
            g.out,
            "        // SAFETY: the parameters and the result are in the native layout of the\n        // export's type (checked above), and the context is live.\n        Trap::check(unsafe {{ __export{i}(self.ctx.ptr, {args}, {result}) }})?;"
        );
        match &f.ty.result {
            None => g.out.push_str("        Ok(())\n"),
            Some(t) => {
                g.out.push_str(
                    "        // SAFETY: the export wrote its result (it returned 0).\n        let ret = unsafe { ret.assume_init() };\n",
                );
                let v = match (g.conv(t), t) {
                    (Conv::Str, _) => "ret.as_str()".to_string(),
                    (Conv::Slice, _) => "ret.as_slice()".to_string(),
                    (Conv::Owned, ValType::Own(r)) => format!(
                        "{} {{ ctx: self.ctx.clone(), handle: ret.0 }}",
                        g.res[r].wrapper.as_deref().unwrap_or_default()
                    ),
                    _ => "ret".to_string(),
                };
                let _ = writeln!(g.out, "        Ok({v})");
            }
        }
        g.out.push_str("    }\n");
    }
    for (i, (c, _, n)) in m.values.iter().enumerate() {
        let name = pick(&mut methods, &ident(g.strip(c)));
        let t = &plan
            .value_exports
            .iter()
            .find(|(e, _)| e == n)
            .map(|(_, v)| &plan.values[*v as usize].ty)
            .expect("a value export");
        let _ = writeln!(
            g.out,
            "\n    /// Value export `{n}`.\n    pub fn {name}(&self) -> &{} {{\n        // SAFETY: the object returns the value in the native layout of its type,\n        // valid as long as the context.\n        unsafe {{ &*__value{i}(self.ctx.ptr).cast() }}\n    }}",
            g.ty(t, "'_")
        );
    }
    g.out.push_str("}\n\n");

    // The imports.
    let mut trait_methods: HashSet<String> = HashSet::new();
    let imports: Vec<(&CFunc, String)> = m
        .import_funcs
        .iter()
        .map(|f| {
            let c = f
                .c_name
                .strip_prefix(&format!("{prefix}_import_"))
                .unwrap_or(&f.c_name);
            (f, pick(&mut trait_methods, &ident(c)))
        })
        .collect();
    let drops: Vec<(u32, &str, String)> = m
        .host_drops
        .iter()
        .map(|(r, n, _)| {
            let stem = g.strip(&m.types.resources[r]).to_string();
            (*r, *n, pick(&mut trait_methods, &format!("drop_{stem}")))
        })
        .collect();
    g.out.push_str(
        "/// The root imports the host implements (WASI imports are the runtime's).\npub trait Imports {\n",
    );
    for (f, name) in &imports {
        let (sig, ret, alloc) = import_sig(&g, f);
        let _ = writeln!(
            g.out,
            "    /// `{}: {}`\n    fn {name}{}({}) -> Result<{ret}, u32>;",
            f.name,
            header::wit_func(&f.ty, &m.types).replace('`', "'"),
            if alloc { "<'a>" } else { "" },
            sig.join(", ")
        );
    }
    for (_, n, name) in &drops {
        let _ = writeln!(
            g.out,
            "    /// `{n}`: the component dropped its last handle to `rep`.\n    fn {name}(&mut self, rep: u32);"
        );
    }
    g.out.push_str("}\n\n");
    if imports.is_empty() && drops.is_empty() {
        g.out.push_str(
            "/// The component imports nothing the host defines.\nimpl Imports for () {}\n\n",
        );
    }

    // Glue from the import symbols to the trait.
    for (i, (f, name)) in imports.iter().enumerate() {
        let (_, _, alloc) = import_sig(&g, f);
        let _ = writeln!(
            g.out,
            "#[unsafe(export_name = \"{}\")]\nunsafe extern \"C\" fn __import{i}(ctx: *mut c_void, args: *const c_void, result: *mut c_void) -> u32 {{",
            symbols::component_import_symbol(&f.name)
        );
        g.out.push_str(
            "    // SAFETY: the object calls with `args` and `result` in the native layout of the\n    // import's type (checked above) and a live context.\n    unsafe {\n        __call_import(ctx, |host| {\n",
        );
        let mut call = vec![];
        if let Some(a) = &args_names[f.c_name.as_str()] {
            let lt = if f.ty.params.iter().any(|(_, t)| has_lt(t)) {
                "<'_>"
            } else {
                ""
            };
            let _ = writeln!(g.out, "            let a = &*args.cast::<{a}{lt}>();");
            for ((n, _), (_, t)) in f.params.iter().zip(&f.ty.params) {
                let p = ident(n);
                let v = match g.conv(t) {
                    Conv::Str => format!("a.{p}.to_str().map_err(|_| Trap::INVALID_UTF8)?"),
                    Conv::Slice => format!("a.{p}.as_slice()"),
                    _ => format!("a.{p}"),
                };
                call.push(v);
            }
        } else {
            g.out.push_str("            let _ = args;\n");
        }
        if alloc {
            g.out.push_str("            let alloc = Alloc::new(ctx);\n");
            call.push("&alloc".into());
        }
        let _ = writeln!(
            g.out,
            "            let r = host.{name}({})?;",
            call.join(", ")
        );
        if let Some(t) = &f.ty.result {
            let t = g.ty(t, "'_");
            let _ = writeln!(g.out, "            result.cast::<{t}>().write(r);");
        } else {
            g.out.push_str("            let _ = (r, result);\n");
        }
        g.out
            .push_str("            Ok(())\n        })\n    }\n}\n\n");
    }
    for (i, (r, n, name)) in drops.iter().enumerate() {
        let (iface, res) = n.rsplit_once('#').unwrap_or(("", n));
        let sym = symbols::component_import_symbol(&format!("{iface}#[resource-drop]{res}"));
        let _ = writeln!(
            g.out,
            "/// Resource {r} (`{n}`) dropped by the component.\n#[unsafe(export_name = \"{sym}\")]\nunsafe extern \"C\" fn __drop{i}(ctx: *mut c_void, rep: u32) {{\n    // SAFETY: the object calls with a live context.\n    unsafe {{\n        __call_import(ctx, |host| {{\n            host.{name}(rep);\n            Ok(())\n        }});\n    }}\n}}\n"
        );
    }
    g.out.push_str(
        "/// Keeps the glue above linked (the object refers to it weakly).\nfn __keep_glue() {\n",
    );
    for i in 0..imports.len() {
        let _ = writeln!(
            g.out,
            "    ::core::hint::black_box(__import{i} as *const ());"
        );
    }
    for i in 0..drops.len() {
        let _ = writeln!(
            g.out,
            "    ::core::hint::black_box(__drop{i} as *const ());"
        );
    }
    for i in 0..wasi.len() {
        let _ = writeln!(
            g.out,
            "    ::core::hint::black_box(__wasi{i} as *const ());"
        );
    }
    g.out.push_str("}\n");
    if !m.value_imports.is_empty() {
        g.out.push_str(
            "\n// Value imports are not bound: define each symbol by hand, in the native layout:\n",
        );
        for (_, _, n) in &m.value_imports {
            let _ = writeln!(g.out, "//   {} ({n})", symbols::component_import_symbol(n));
        }
    }

    for line in g.out.lines() {
        if line.is_empty() {
            o.push('\n');
        } else {
            let _ = writeln!(o, "    {line}");
        }
    }
    o.push_str("}\n");
    o
}

/// The runtime's WASI functions the object imports. Its references are
/// weak, which take no member from an archive (the runtime crate's rlib);
/// the bindings refer to them strongly, so linking takes exactly those
/// (and fails, naming it, for one the runtime lacks).
fn wasi_symbols(plan: &Plan) -> Vec<String> {
    let mut out = vec![];
    for t in &plan.trampolines {
        if let Trampoline::HostImport { name, ty, .. } = t {
            if header::is_wasi(name) && !func_needs_async(ty) {
                out.push(symbols::component_import_symbol(name));
            }
        }
    }
    for r in &plan.resources {
        if let Some(n) = r.host_name.as_deref() {
            if r.owner == HOST && header::is_wasi(n) {
                let (iface, res) = n.rsplit_once('#').unwrap_or(("", n));
                out.push(symbols::component_import_symbol(&format!(
                    "{iface}#[resource-drop]{res}"
                )));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// An import's trait method: parameters, result type, and whether it gets
/// an [`Alloc`] (its result holds strings or lists).
fn import_sig(g: &Gen, f: &CFunc) -> (Vec<String>, String, bool) {
    let ty: &FuncType = &f.ty;
    let mut sig = vec!["&mut self".to_string()];
    for ((n, _), (_, t)) in f.params.iter().zip(&ty.params) {
        sig.push(format!("{}: {}", ident(n), g.outer_ty(t, false)));
    }
    let alloc = ty.result.as_ref().is_some_and(has_lt);
    let ret = match &ty.result {
        Some(t) if alloc => g.ty(t, "'a"),
        Some(t) => g.ty(t, "'_"),
        None => "()".into(),
    };
    if alloc {
        let taken: Vec<String> = f.params.iter().map(|(n, _)| ident(n)).collect();
        let mut a = "alloc".to_string();
        while taken.contains(&a) {
            a.push('_');
        }
        sig.push(format!("{a}: &Alloc<'a>"));
    }
    (sig, ret, alloc)
}

/// The Rust bindings of component `wasm` (front end and plan only).
pub fn rust_bindings_of(
    wasm: &[u8],
    prefix: &str,
    opts: &RustOptions,
) -> crate::error::Result<String> {
    let parsed = super::front::parse(wasm)?;
    let plan = super::plan::plan(wasm, &parsed)?;
    Ok(rust_bindings(prefix, &plan, prefix, opts))
}

/// What every generated module has: strings, lists, options, results,
/// traps, the store, the context and the import dispatch.
const PRELUDE: &str = include_str!("bindings_rust_prelude.rs.in");
