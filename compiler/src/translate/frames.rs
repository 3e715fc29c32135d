//! The translator's control state: the frames of the control stack and the
//! live `try_table` scopes. Its own module so that the translator and the
//! control-flow and exception code it dispatches to all depend on it, not
//! on each other.

use cranelift_codegen::ir::{Block, Value};

pub(crate) enum FrameKind {
    Block,
    Loop {
        header: Block,
    },
    If {
        else_block: Block,
        /// The if's parameters, passed again to the else branch.
        params: Vec<Value>,
        else_seen: bool,
    },
    /// A reachable `try_table` (a block; its scope is in `try_scopes`).
    TryTable,
    /// A frame opened in unreachable code: no blocks, only nesting.
    Dead,
}

pub(crate) struct Frame {
    pub kind: FrameKind,
    pub dest: Block,
    pub num_params: usize,
    pub num_results: usize,
    /// Operand stack height below the frame's parameters.
    pub height: usize,
    /// Whether some branch or fallthrough reaches `dest`.
    pub dest_reached: bool,
}

impl Frame {
    pub(crate) fn function(exit: Block, num_results: usize) -> Frame {
        Frame {
            kind: FrameKind::Block,
            dest: exit,
            num_params: 0,
            num_results,
            height: 0,
            dest_reached: false,
        }
    }

    /// Number of values a branch to this frame carries.
    pub(crate) fn branch_arity(&self) -> usize {
        match self.kind {
            FrameKind::Loop { .. } => self.num_params,
            _ => self.num_results,
        }
    }

    pub(crate) fn branch_target(&self) -> Block {
        match self.kind {
            FrameKind::Loop { header } => header,
            _ => self.dest,
        }
    }
}

/// One catch clause, with its label resolved to a control-stack index.
pub(crate) struct Clause {
    /// `None` for `catch_all` / `catch_all_ref`
    pub(crate) tag: Option<u32>,
    pub(crate) with_ref: bool,
    pub(crate) frame: usize,
}

/// A live (reachable) `try_table`.
pub(crate) struct TryScope {
    pub(crate) clauses: Vec<Clause>,
    /// Created when the first call or throw inside needs it.
    pub(crate) dispatch: Option<Block>,
}
