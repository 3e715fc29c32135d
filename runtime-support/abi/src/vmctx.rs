//! The vmctx layout: which regions follow the header, in which order, with
//! which alignment and element size. The compiler lays a module's vmctx out
//! with [`VmctxRegions::new`] and records the region offsets in its
//! [`ModuleDesc`]; the runtime reads them back with
//! [`VmctxRegions::from_desc`]. Both address elements through the same
//! methods, so the layout is stated once.

use crate::{ModuleDesc, VMMemory, VMTable, FUNCREF_SIZE, GLOBAL_SIZE, VMCTX_HEADER_SIZE};
use core::mem::size_of;

/// Bytes of a pointer slot (type ids, memory/table/global pointers, tags).
const SLOT: u32 = 8;
/// Bytes of a `data.drop` / `elem.drop` flag.
const FLAG: u32 = 4;
const MEMORY: u32 = size_of::<VMMemory>() as u32;
const TABLE: u32 = size_of::<VMTable>() as u32;

/// What fixes a module's vmctx layout: how many of each entity it has.
#[derive(Clone, Copy, Debug, Default)]
pub struct VmctxCounts {
    pub types: u32,
    pub funcs: u32,
    pub memories: u32,
    pub imported_memories: u32,
    pub tables: u32,
    pub imported_tables: u32,
    pub globals: u32,
    pub imported_globals: u32,
    pub data: u32,
    pub elems: u32,
    pub tags: u32,
}

/// Byte offsets of the regions of a vmctx, and its size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmctxRegions {
    pub type_ids: u32,
    pub funcrefs: u32,
    pub memory_ptrs: u32,
    pub memories: u32,
    pub table_ptrs: u32,
    pub tables: u32,
    pub global_ptrs: u32,
    pub globals: u32,
    pub data_dropped: u32,
    pub elem_dropped: u32,
    pub tags: u32,
    pub size: u32,
}

impl VmctxRegions {
    /// The layout of a module with these counts: the regions in order after
    /// the header, each at its alignment, the whole rounded to 16 bytes.
    pub fn new(c: &VmctxCounts) -> VmctxRegions {
        let mut off = VMCTX_HEADER_SIZE;
        let mut region = |size: u32, align: u32| {
            off = off.next_multiple_of(align);
            let at = off;
            off += size;
            at
        };
        let type_ids = region(SLOT * c.types, 8);
        let funcrefs = region(FUNCREF_SIZE * c.funcs, 16);
        let memory_ptrs = region(SLOT * c.memories, 8);
        let memories = region(MEMORY * (c.memories - c.imported_memories), 16);
        let table_ptrs = region(SLOT * c.tables, 8);
        let tables = region(TABLE * (c.tables - c.imported_tables), 16);
        let global_ptrs = region(SLOT * c.globals, 8);
        let globals = region(GLOBAL_SIZE * (c.globals - c.imported_globals), 16);
        let data_dropped = region(FLAG * c.data, 4);
        let elem_dropped = region(FLAG * c.elems, 4);
        let tags = region(SLOT * c.tags, 8);
        VmctxRegions {
            type_ids,
            funcrefs,
            memory_ptrs,
            memories,
            table_ptrs,
            tables,
            global_ptrs,
            globals,
            data_dropped,
            elem_dropped,
            tags,
            size: off.next_multiple_of(16),
        }
    }

    /// The layout a descriptor records.
    #[inline]
    pub fn from_desc(d: &ModuleDesc) -> VmctxRegions {
        VmctxRegions {
            type_ids: d.off_type_ids,
            funcrefs: d.off_funcrefs,
            memory_ptrs: d.off_memory_ptrs,
            memories: d.off_memories,
            table_ptrs: d.off_table_ptrs,
            tables: d.off_tables,
            global_ptrs: d.off_global_ptrs,
            globals: d.off_globals,
            data_dropped: d.off_data_dropped,
            elem_dropped: d.off_elem_dropped,
            tags: d.off_tags,
            size: d.vmctx_size,
        }
    }

    /// Type `t`'s signature id.
    #[inline]
    pub fn type_id(&self, t: u32) -> u32 {
        self.type_ids + SLOT * t
    }
    /// Function `f`'s `VMFuncRef`.
    #[inline]
    pub fn funcref(&self, f: u32) -> u32 {
        self.funcrefs + FUNCREF_SIZE * f
    }
    /// The `*mut VMMemory` slot of memory `i` (any memory).
    #[inline]
    pub fn memory_ptr(&self, i: u32) -> u32 {
        self.memory_ptrs + SLOT * i
    }
    /// The inline `VMMemory` of defined memory `d` (index among defined ones).
    #[inline]
    pub fn defined_memory(&self, d: u32) -> u32 {
        self.memories + MEMORY * d
    }
    #[inline]
    pub fn table_ptr(&self, i: u32) -> u32 {
        self.table_ptrs + SLOT * i
    }
    #[inline]
    pub fn defined_table(&self, d: u32) -> u32 {
        self.tables + TABLE * d
    }
    /// The pointer to global `i`'s 16-byte cell (any global).
    #[inline]
    pub fn global_ptr(&self, i: u32) -> u32 {
        self.global_ptrs + SLOT * i
    }
    /// The cell of defined global `d`, inline.
    #[inline]
    pub fn defined_global(&self, d: u32) -> u32 {
        self.globals + GLOBAL_SIZE * d
    }
    #[inline]
    pub fn data_dropped(&self, d: u32) -> u32 {
        self.data_dropped + FLAG * d
    }
    #[inline]
    pub fn elem_dropped(&self, e: u32) -> u32 {
        self.elem_dropped + FLAG * e
    }
    /// Tag `i`'s identity slot (see [`ModuleDesc::off_tags`]).
    #[inline]
    pub fn tag(&self, i: u32) -> u32 {
        self.tags + SLOT * i
    }
}
