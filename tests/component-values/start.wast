;; Component-level `start` with value arguments and results (the value index
;; space): values made by one component instance's start flow through
;; instance exports and instantiation arguments into other starts.

(component
  ;; `make() -> config`: a record of a string, a list and a bool.
  (component $Producer
    (type $config (record (field "greeting" string) (field "weights" (list u16)) (field "flag" bool)))
    (export $config-t "config-t" (type $config))
    (core module $M
      (memory (export "mem") 1)
      (data (i32.const 16) "hello, values")
      (data (i32.const 40) "\01\00\02\00\03\00\e8\03")
      (func (export "make") (result i32)
        (i32.store (i32.const 64) (i32.const 16))
        (i32.store (i32.const 68) (i32.const 13))
        (i32.store (i32.const 72) (i32.const 40))
        (i32.store (i32.const 76) (i32.const 4))
        (i32.store8 (i32.const 80) (i32.const 1))
        (i32.const 64))
    )
    (core instance $m (instantiate $M))
    (alias core export $m "mem" (core memory $mem))
    (core func $make (alias core export $m "make"))
    (func $make (result $config-t) (canon lift (core func $make) (memory $mem)))
    (start $make (result (value $c)))
    (export "config" (value $c))
  )

  ;; `init(config, n: u32) -> u64`: keeps what it got; its result is the
  ;; sum of the weights plus n.
  (component $Consumer
    (type $config-def (record (field "greeting" string) (field "weights" (list u16)) (field "flag" bool)))
    (import "config-t" (type $config (eq $config-def)))
    (import "config" (value $c (type $config)))
    (import "n" (value $n u32))
    (core module $M
      (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $r i32)
        (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get 2))))
        (global.set $bump (i32.add (local.get $r) (local.get 3)))
        (local.get $r))
      ;; params: greeting ptr, len, weights ptr, len, flag, n
      (func (export "init") (param i32 i32 i32 i32 i32 i32) (result i64)
        (local $i i32) (local $sum i64)
        (i32.store (i32.const 0) (local.get 0))
        (i32.store (i32.const 4) (local.get 1))
        (i32.store (i32.const 8) (local.get 4))
        (i32.store (i32.const 12) (local.get 5))
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $i) (local.get 3)))
            (local.set $sum (i64.add (local.get $sum)
              (i64.extend_i32_u (i32.load16_u
                (i32.add (local.get 2) (i32.shl (local.get $i) (i32.const 1)))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (i32.store (i32.const 16) (i32.wrap_i64 (local.get $sum)))
        (i64.add (local.get $sum) (i64.extend_i32_u (local.get 5))))
      (func (export "greeting") (result i32) (i32.const 0))
      (func (export "flag") (result i32) (i32.load (i32.const 8)))
      (func (export "n") (result i32) (i32.load (i32.const 12)))
      (func (export "weights-sum") (result i32) (i32.load (i32.const 16)))
    )
    (core instance $m (instantiate $M))
    (alias core export $m "mem" (core memory $mem))
    (core func $realloc (alias core export $m "realloc"))
    (core func $init (alias core export $m "init"))
    (core func $greeting (alias core export $m "greeting"))
    (core func $flag (alias core export $m "flag"))
    (core func $n (alias core export $m "n"))
    (core func $ws (alias core export $m "weights-sum"))
    (func $init (param "config" $config) (param "n" u32) (result u64)
      (canon lift (core func $init) (memory $mem) (realloc $realloc)))
    (start $init (value $c) (value $n) (result (value $total)))
    (func (export "greeting") (result string) (canon lift (core func $greeting) (memory $mem)))
    (func (export "flag") (result bool) (canon lift (core func $flag)))
    (func (export "n") (result u32) (canon lift (core func $n)))
    (func (export "weights-sum") (result u32) (canon lift (core func $ws)))
    (export "total" (value $total))
  )

  ;; `take(total: u64)`: a start without a result.
  (component $Check
    (import "total" (value $t u64))
    (core module $M
      (global $g (mut i64) (i64.const -1))
      (func (export "take") (param i64) (global.set $g (local.get 0)))
      (func (export "total") (result i64) (global.get $g))
    )
    (core instance $m (instantiate $M))
    (core func $take (alias core export $m "take"))
    (core func $total (alias core export $m "total"))
    (func $take (param "total" u64) (canon lift (core func $take)))
    (start $take (value $t))
    (func (export "total") (result u64) (canon lift (core func $total)))
  )

  ;; The root's own start makes `n`.
  (core module $R (func (export "seven") (result i32) (i32.const 7)))
  (core instance $r (instantiate $R))
  (core func $seven (alias core export $r "seven"))
  (func $seven (result u32) (canon lift (core func $seven)))
  (start $seven (result (value $n)))

  (instance $p (instantiate $Producer))
  (alias export $p "config-t" (type $config-t))
  (alias export $p "config" (value $config))
  (instance $c (instantiate $Consumer
    (with "config-t" (type $config-t))
    (with "config" (value $config))
    (with "n" (value $n))))
  (alias export $c "total" (value $total))
  (instance $k (instantiate $Check (with "total" (value $total))))
  (export "greeting" (func $c "greeting"))
  (export "flag" (func $c "flag"))
  (export "n" (func $c "n"))
  (export "weights-sum" (func $c "weights-sum"))
  (export "total" (func $k "total"))
)
(assert_return (invoke "greeting") (str.const "hello, values"))
(assert_return (invoke "flag") (bool.const true))
(assert_return (invoke "n") (u32.const 7))
(assert_return (invoke "weights-sum") (u32.const 1006))
(assert_return (invoke "total") (u64.const 1013))

;; A trap in a start fails the instantiation; the value it was given
;; comes from an earlier start of another component instance.
(assert_trap
  (component
    (component $One
      (core module $N (func (export "one") (result i32) (i32.const 1)))
      (core instance $n (instantiate $N))
      (func $one (result u32) (canon lift (core func $n "one")))
      (start $one (result (value $v)))
      (export "v" (value $v)))
    (instance $one (instantiate $One))
    (alias export $one "v" (value $v))
    (core module $M (func (export "f") (param i32) unreachable))
    (core instance $m (instantiate $M))
    (func $f (param "x" u32) (canon lift (core func $m "f")))
    (start $f (value $v)))
  "unreachable")

;; A char value is validated when the start's result is lifted.
(assert_trap
  (component
    (core module $M (func (export "f") (result i32) (i32.const 0xd800)))
    (core instance $m (instantiate $M))
    (func $f (result char) (canon lift (core func $m "f")))
    (start $f (result (value $v)))
    (export "v" (value $v)))
  "invalid `char` bit pattern")

;; A root value import the host does not define: not linkable.
(assert_unlinkable
  (component
    (import "v" (value $v u32))
    (core module $M (func (export "f") (param i32)))
    (core instance $m (instantiate $M))
    (func $f (param "x" u32) (canon lift (core func $m "f")))
    (start $f (value $v)))
  "unresolved")
