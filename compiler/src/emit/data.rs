//! Static data with pointer relocations (descriptor tables, strings).

use super::{module_err, ObjectWriter};
use crate::error::Result;
use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module};
use cranelift_object::ObjectModule;

/// Bytes of one data object plus the pointers in it (written as
/// relocations, so the linker fills in final addresses).
pub(crate) struct DataBuf {
    pub bytes: Vec<u8>,
    funcs: Vec<(u32, FuncId)>,
    datas: Vec<(u32, DataId, i64)>,
    align: u64,
    writable: bool,
}

impl DataBuf {
    /// A zeroed buffer of `size` bytes.
    pub fn zeroed(size: usize, align: u64) -> DataBuf {
        DataBuf {
            bytes: vec![0; size],
            funcs: Vec::new(),
            datas: Vec::new(),
            align,
            writable: false,
        }
    }

    /// Make the object writable (the runtime updates fields of it).
    pub fn writable(mut self) -> DataBuf {
        self.writable = true;
        self
    }

    pub fn put_u16(&mut self, at: usize, v: u16) {
        self.bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }

    pub fn put_u32(&mut self, at: usize, v: u32) {
        self.bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    pub fn put_u64(&mut self, at: usize, v: u64) {
        self.bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }

    /// A pointer to a function.
    pub fn put_func(&mut self, at: usize, f: FuncId) {
        self.funcs.push((at as u32, f));
    }

    /// A pointer to `data + addend`.
    pub fn put_data(&mut self, at: usize, d: DataId, addend: usize) {
        self.datas.push((at as u32, d, addend as i64));
    }
}

/// One read-only blob of byte strings (names, data segments), referenced
/// by (offset, length) pairs.
pub(super) struct Blob {
    pub bytes: Vec<u8>,
}

impl Blob {
    pub fn new() -> Blob {
        Blob { bytes: Vec::new() }
    }

    /// Append `s`; returns its offset in the blob.
    pub fn add(&mut self, s: &[u8]) -> usize {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(s);
        at
    }
}

impl ObjectWriter {
    /// Define `buf` as an anonymous read-only data object, or under `name`.
    pub(super) fn define_data(&mut self, buf: DataBuf, name: Option<&str>) -> Result<DataId> {
        define_data(&mut self.module, buf, name)
    }

    /// Define a blob of raw bytes.
    pub(super) fn define_blob(&mut self, blob: Blob) -> Result<DataId> {
        self.define_data(
            DataBuf {
                bytes: blob.bytes,
                funcs: vec![],
                datas: vec![],
                align: 1,
                writable: false,
            },
            None,
        )
    }
}

/// Define `buf` in `module` as an anonymous read-only data object, or as
/// the exported symbol `name`.
pub(crate) fn define_data(
    module: &mut ObjectModule,
    buf: DataBuf,
    name: Option<&str>,
) -> Result<DataId> {
    let id = match name {
        Some(n) => module.declare_data(n, Linkage::Export, buf.writable, false),
        None => module.declare_anonymous_data(buf.writable, false),
    }
    .map_err(module_err)?;
    let mut d = DataDescription::new();
    d.set_align(buf.align.max(1));
    d.define(
        if buf.bytes.is_empty() {
            vec![0u8; 8]
        } else {
            buf.bytes
        }
        .into_boxed_slice(),
    );
    for (at, f) in buf.funcs {
        let r = module.declare_func_in_data(f, &mut d);
        d.write_function_addr(at, r);
    }
    for (at, data, addend) in buf.datas {
        let g = module.declare_data_in_data(data, &mut d);
        d.write_data_addr(at, g, addend);
    }
    module.define_data(id, &d).map_err(module_err)?;
    Ok(id)
}
