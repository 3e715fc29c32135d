;; Traps a cross-compiled module must turn into trap codes under emulation:
;; stack exhaustion, out-of-bounds memory (guard fault or explicit check),
;; division by zero, unreachable and an indirect-call type mismatch.
(module
  (type $v (func))
  (memory 1)
  (table 1 funcref)
  (elem (i32.const 0) $nothing)
  (func $nothing (param i32))
  (func $deep (export "deep") (param i64) (result i64)
    (i64.add (call $deep (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
  (func (export "load") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func (export "store") (param i32 i32)
    (i32.store (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "unreachable") unreachable)
  (func (export "mismatch") (call_indirect (type $v) (i32.const 0)))
  (func (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0)
        (call 7 (i64.sub (local.get 0) (i64.const 1))))))))
