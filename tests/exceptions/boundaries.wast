;; An exception never crosses a component boundary: it traps there
;; (CanonicalABI.md, call_and_trap_on_throw), even with a handler beyond.
(component
  (component $Lib
    (core module $M
      (tag $t (param i32))
      (func (export "f") (param i32) (result i32)
        (if (local.get 0) (then (throw $t (local.get 0))))
        (i32.const 5)))
    (core instance $m (instantiate $M))
    (func (export "f") (param "x" u32) (result u32) (canon lift (core func $m "f"))))
  (instance $lib (instantiate $Lib))
  (core func $f (canon lower (func $lib "f")))
  (core module $App
    (import "lib" "f" (func $f (param i32) (result i32)))
    (func (export "run") (param i32) (result i32)
      (block $h
        (try_table (catch_all $h)
          (return (call $f (local.get 0)))))
      (i32.const 99)))
  (core instance $app (instantiate $App (with "lib" (instance (export "f" (func $f))))))
  (func (export "run") (param "x" u32) (result u32) (canon lift (core func $app "run")))
)
(assert_return (invoke "run" (u32.const 0)) (u32.const 5))
(assert_trap (invoke "run" (u32.const 1)) "uncaught exception")

;; An exception out of a lifted export traps at the export.
(component
  (core module $M
    (tag $t)
    (func (export "f") (throw $t)))
  (core instance $m (instantiate $M))
  (func (export "f") (canon lift (core func $m "f"))))
(assert_trap (invoke "f") "uncaught exception")

;; Core modules: a throwing start function fails instantiation; an
;; exception crosses module instances (tags imported by identity).
(assert_exception (module (tag $t) (func $s (throw $t)) (start $s)))
(module
  (tag $t (export "t") (param i32))
  (func (export "throw") (param i32) (throw $t (local.get 0))))
(register "thrower")
(module
  (import "thrower" "throw" (func $throw (param i32)))
  (import "thrower" "t" (tag $t (param i32)))
  (tag $other (param i32))
  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $other $h) (catch $t $h)
        (call $throw (local.get 0))
        (i32.const -1))))
  (func (export "rethrow-other") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $t $h)
        (block $r (result exnref)
          (try_table (catch_all_ref $r) (call $throw (local.get 0)))
          (unreachable))
        (throw_ref))))
  (func (export "uncaught") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $other $h)
        (call $throw (local.get 0))
        (i32.const -1)))))
(assert_return (invoke "catch" (i32.const 21)) (i32.const 21))
(assert_return (invoke "rethrow-other" (i32.const 22)) (i32.const 22))
(assert_exception (invoke "uncaught" (i32.const 23)))
