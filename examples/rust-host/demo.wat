;; The component of examples/rust-host: a small world over the value types
;; a Rust host sees through the generated bindings.
;;
;;   import log: func(msg: string)
;;   import host-name: func() -> string
;;   export greet: func(name: string) -> string        (calls both imports)
;;   export total: func(items: list<item>) -> u32       (record item { name: string, qty: u32 })
;;   export classify: func(n: s32) -> sign              (enum sign { negative, zero, positive })
;;   export half: func(n: u32) -> option<u32>
;;   export parse-digit: func(c: char) -> result<u8, string>
;;   export area: func(s: shape) -> f64                 (variant shape { circle(f64), rectangle(rect), dot })
;;   export toggle: func(p: perms) -> perms             (flags perms { read, write, exec })
;;   export resource counter { constructor(start: u32); add: func(n: u32) -> u32 }
;;   export drops: func() -> u32                        (how many counters were destroyed)
;;   export roll: func() -> u32                         (a die: wasi:random, from the runtime's WASI host)
(component
  (import "log" (func $log (param "msg" string)))
  (import "host-name" (func $host-name (result string)))
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-u64" (func (result u64)))))

  ;; Memory, allocator and the counters' destructor: instantiated first, so
  ;; the resource type can name its destructor.
  (core module $State
    (memory (export "mem") 1)
    (global $heap (mut i32) (i32.const 1024))
    (global $drops (export "drops") (mut i32) (i32.const 0))
    (func (export "realloc") (param $old i32) (param $oldsz i32) (param $align i32) (param $size i32) (result i32)
      (local $p i32)
      (if (local.get $old) (then unreachable))
      (local.set $p
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (global.set $heap (i32.add (local.get $p) (local.get $size)))
      (local.get $p))
    (func (export "counter-dtor") (param i32)
      (global.set $drops (i32.add (global.get $drops) (i32.const 1))))
  )
  (core instance $state (instantiate $State))
  (alias core export $state "mem" (core memory $mem))
  (alias core export $state "realloc" (core func $realloc))

  (type $item' (record (field "name" string) (field "qty" u32)))
  (export $item "item" (type $item'))
  (type $sign' (enum "negative" "zero" "positive"))
  (export $sign "sign" (type $sign'))
  (type $rect' (record (field "w" f64) (field "h" f64)))
  (export $rect "rect" (type $rect'))
  (type $shape' (variant (case "circle" f64) (case "rectangle" $rect) (case "dot")))
  (export $shape "shape" (type $shape'))
  (type $perms' (flags "read" "write" "exec"))
  (export $perms "perms" (type $perms'))
  (type $counter' (resource (rep i32) (dtor (core func $state "counter-dtor"))))
  (export $counter "counter" (type $counter'))

  (core func $log-lower (canon lower (func $log) (memory $mem)))
  (core func $host-name-lower (canon lower (func $host-name) (memory $mem) (realloc $realloc)))
  (core func $counter-new (canon resource.new $counter'))
  (core func $random-lower (canon lower (func $random "get-random-u64")))

  (core module $Main
    (import "state" "mem" (memory 1))
    (import "state" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "state" "drops" (global $drops (mut i32)))
    (import "host" "log" (func $log (param i32 i32)))
    (import "host" "host-name" (func $host-name (param i32)))
    (import "host" "counter-new" (func $counter-new (param i32) (result i32)))
    (import "host" "random" (func $random (result i64)))
    (data (i32.const 16) "hello, ")
    (data (i32.const 32) " from ")
    (data (i32.const 48) "not a digit")

    (func $alloc (param $align i32) (param $size i32) (result i32)
      (call $realloc (i32.const 0) (i32.const 0) (local.get $align) (local.get $size)))

    ;; "hello, " + name + " from " + host-name(), logged, then returned
    (func (export "greet") (param $p i32) (param $n i32) (result i32)
      (local $hp i32) (local $hn i32) (local $len i32) (local $out i32) (local $at i32) (local $ret i32)
      (call $host-name (i32.const 256))
      (local.set $hp (i32.load (i32.const 256)))
      (local.set $hn (i32.load (i32.const 260)))
      (local.set $len (i32.add (i32.add (i32.const 13) (local.get $n)) (local.get $hn)))
      (local.set $out (call $alloc (i32.const 1) (local.get $len)))
      (memory.copy (local.get $out) (i32.const 16) (i32.const 7))
      (local.set $at (i32.add (local.get $out) (i32.const 7)))
      (memory.copy (local.get $at) (local.get $p) (local.get $n))
      (local.set $at (i32.add (local.get $at) (local.get $n)))
      (memory.copy (local.get $at) (i32.const 32) (i32.const 6))
      (local.set $at (i32.add (local.get $at) (i32.const 6)))
      (memory.copy (local.get $at) (local.get $hp) (local.get $hn))
      (call $log (local.get $out) (local.get $len))
      (local.set $ret (call $alloc (i32.const 4) (i32.const 8)))
      (i32.store (local.get $ret) (local.get $out))
      (i32.store offset=4 (local.get $ret) (local.get $len))
      (local.get $ret))

    ;; sum of qty; item layout: name.ptr @0, name.len @4, qty @8 (12 bytes)
    (func (export "total") (param $p i32) (param $n i32) (result i32)
      (local $sum i32)
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $sum (i32.add (local.get $sum) (i32.load offset=8 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 12)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $sum))

    (func (export "classify") (param $n i32) (result i32)
      (if (result i32) (i32.lt_s (local.get $n) (i32.const 0))
        (then (i32.const 0))
        (else (if (result i32) (i32.eqz (local.get $n))
          (then (i32.const 1))
          (else (i32.const 2))))))

    ;; option<u32>: tag @0, value @4
    (func (export "half") (param $n i32) (result i32)
      (local $ret i32)
      (local.set $ret (call $alloc (i32.const 4) (i32.const 8)))
      (if (i32.and (local.get $n) (i32.const 1))
        (then (i32.store8 (local.get $ret) (i32.const 0)))
        (else
          (i32.store8 (local.get $ret) (i32.const 1))
          (i32.store offset=4 (local.get $ret) (i32.shr_u (local.get $n) (i32.const 1)))))
      (local.get $ret))

    ;; result<u8, string>: tag @0, ok u8 @4 / err string @4
    (func (export "parse-digit") (param $c i32) (result i32)
      (local $ret i32)
      (local.set $ret (call $alloc (i32.const 4) (i32.const 12)))
      (if (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
        (then
          (i32.store8 (local.get $ret) (i32.const 0))
          (i32.store8 offset=4 (local.get $ret) (i32.sub (local.get $c) (i32.const 48))))
        (else
          (i32.store8 (local.get $ret) (i32.const 1))
          (i32.store offset=4 (local.get $ret) (i32.const 48))
          (i32.store offset=8 (local.get $ret) (i32.const 11))))
      (local.get $ret))

    ;; shape flattened: case, then the joined payload (f64, f64)
    (func (export "area") (param $case i32) (param $a f64) (param $b f64) (result f64)
      (if (result f64) (i32.eqz (local.get $case))
        (then (f64.mul (f64.const 3.141592653589793) (f64.mul (local.get $a) (local.get $a))))
        (else (if (result f64) (i32.eq (local.get $case) (i32.const 1))
          (then (f64.mul (local.get $a) (local.get $b)))
          (else (f64.const 0))))))

    (func (export "toggle") (param $p i32) (result i32)
      (i32.xor (local.get $p) (i32.const 7)))

    ;; a counter's rep is the address of its u32 value
    (func (export "counter-new") (param $start i32) (result i32)
      (local $rep i32)
      (local.set $rep (call $alloc (i32.const 4) (i32.const 4)))
      (i32.store (local.get $rep) (local.get $start))
      (call $counter-new (local.get $rep)))

    (func (export "counter-add") (param $rep i32) (param $n i32) (result i32)
      (i32.store (local.get $rep) (i32.add (i32.load (local.get $rep)) (local.get $n)))
      (i32.load (local.get $rep)))

    (func (export "drops") (result i32) (global.get $drops))

    (func (export "roll") (result i32)
      (i32.add (i32.wrap_i64 (i64.rem_u (call $random) (i64.const 6))) (i32.const 1)))
  )
  (core instance $main (instantiate $Main
    (with "state" (instance $state))
    (with "host" (instance
      (export "log" (func $log-lower))
      (export "host-name" (func $host-name-lower))
      (export "counter-new" (func $counter-new))
      (export "random" (func $random-lower))))))

  (func (export "greet") (param "name" string) (result string)
    (canon lift (core func $main "greet") (memory $mem) (realloc $realloc)))
  (func (export "total") (param "items" (list $item)) (result u32)
    (canon lift (core func $main "total") (memory $mem) (realloc $realloc)))
  (func (export "classify") (param "n" s32) (result $sign)
    (canon lift (core func $main "classify")))
  (func (export "half") (param "n" u32) (result (option u32))
    (canon lift (core func $main "half") (memory $mem)))
  (func (export "parse-digit") (param "c" char) (result (result u8 (error string)))
    (canon lift (core func $main "parse-digit") (memory $mem)))
  (func (export "area") (param "s" $shape) (result f64)
    (canon lift (core func $main "area")))
  (func (export "toggle") (param "p" $perms) (result $perms)
    (canon lift (core func $main "toggle")))
  (func (export "[constructor]counter") (param "start" u32) (result (own $counter))
    (canon lift (core func $main "counter-new")))
  (func (export "[method]counter.add") (param "self" (borrow $counter)) (param "n" u32) (result u32)
    (canon lift (core func $main "counter-add")))
  (func (export "drops") (result u32)
    (canon lift (core func $main "drops")))
  (func (export "roll") (result u32)
    (canon lift (core func $main "roll")))
)
