//! Compile errors: always carry the byte offset in the input when known.

use std::fmt;

#[derive(Debug, Clone)]
pub struct CompileError {
    pub message: String,
    /// byte offset in the input binary
    pub offset: Option<u64>,
    /// function index, when the error is inside a function body
    pub func: Option<u32>,
}

impl CompileError {
    pub fn new(message: impl Into<String>) -> CompileError {
        CompileError {
            message: message.into(),
            offset: None,
            func: None,
        }
    }

    pub fn at(message: impl Into<String>, offset: u64) -> CompileError {
        CompileError {
            message: message.into(),
            offset: Some(offset),
            func: None,
        }
    }

    pub fn in_func(mut self, func: u32) -> CompileError {
        self.func.get_or_insert(func);
        self
    }
}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> CompileError {
        CompileError::at(e.message().to_string(), e.offset())
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(func) = self.func {
            write!(f, " (in function {func})")?;
        }
        if let Some(off) = self.offset {
            write!(f, " (at offset 0x{off:x})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}

pub type Result<T> = std::result::Result<T, CompileError>;
