;; Two components composed in one root, called from a C host (host.c).
;;
;; $Lib defines a resource `counter` (rep = address of a u32 in Lib's memory,
;; destructor counts drops and remembers the last value) and functions over
;; strings, a list of records and the resource.
;; $App imports Lib's instance and the root import `log`, and exports `run`,
;; which calls every Lib function across the component boundary.
;; The root exports `run` and `greet-raw` (from $App) and `greet` (from
;; $Lib). `greet-raw` passes a host-chosen (ptr, len) of App's memory to
;; Lib's greet, so the host can make the App -> Lib lowering trap.
(component
  (import "log" (func $log (param "msg" string)))

  (component $Lib
    ;; The destructor goes through a table: the resource type must exist
    ;; before the module that implements it is instantiated.
    (core module $Indirect
      (table (export "ftbl") 1 funcref)
      (type $FT (func (param i32)))
      (func (export "counter-dtor") (param i32)
        (call_indirect (type $FT) (local.get 0) (i32.const 0)))
    )
    (core instance $indirect (instantiate $Indirect))
    (type $counter' (resource (rep i32) (dtor (core func $indirect "counter-dtor"))))
    (export $counter "counter" (type $counter'))
    (type $item' (record (field "name" string) (field "qty" u32)))
    (export $item "item" (type $item'))
    (canon resource.new $counter' (core func $resource.new))
    (canon resource.rep $counter' (core func $resource.rep))
    (canon resource.drop $counter' (core func $resource.drop))

    (core module $LM
      (import "" "ftbl" (table 1 funcref))
      (import "" "resource.new" (func $rnew (param i32) (result i32)))
      (import "" "resource.rep" (func $rrep (param i32) (result i32)))
      (import "" "resource.drop" (func $rdrop (param i32)))
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      (global $drops (mut i32) (i32.const 0))
      (global $last (mut i32) (i32.const 0))
      ;; result area of the last `greet`, cleared by its post-return
      (global $pending (mut i32) (i32.const 0))
      (data (i32.const 16) "hello, ")

      (func $alloc (param $align i32) (param $size i32) (result i32)
        (local $p i32)
        (local.set $p
          (i32.and
            (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
            (i32.sub (i32.const 0) (local.get $align))))
        (global.set $heap (i32.add (local.get $p) (local.get $size)))
        (local.get $p))

      (func (export "realloc") (param $old i32) (param $oldsz i32) (param $align i32) (param $size i32) (result i32)
        (if (local.get $old) (then unreachable))
        (call $alloc (local.get $align) (local.get $size)))

      ;; greet(name) = "hello, " + name; traps on an empty name
      (func (export "greet") (param $p i32) (param $n i32) (result i32)
        (local $out i32) (local $ret i32)
        (if (i32.eqz (local.get $n)) (then unreachable))
        (local.set $out (call $alloc (i32.const 1) (i32.add (local.get $n) (i32.const 7))))
        (memory.copy (local.get $out) (i32.const 16) (i32.const 7))
        (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $p) (local.get $n))
        (local.set $ret (call $alloc (i32.const 4) (i32.const 8)))
        (i32.store (local.get $ret) (local.get $out))
        (i32.store offset=4 (local.get $ret) (i32.add (local.get $n) (i32.const 7)))
        (global.set $pending (local.get $ret))
        (local.get $ret))
      (func (export "greet-post-return") (param $ret i32)
        (if (i32.ne (local.get $ret) (global.get $pending)) (then unreachable))
        (global.set $pending (i32.const 0)))

      ;; total(items) = sum of qty; an item whose name starts with '*'
      ;; counts double. Item layout: name.ptr @0, name.len @4, qty @8.
      (func (export "total") (param $p i32) (param $n i32) (result i32)
        (local $sum i32) (local $q i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $q (i32.load offset=8 (local.get $p)))
            (if (i32.load offset=4 (local.get $p))
              (then
                (if (i32.eq (i32.load8_u (i32.load (local.get $p))) (i32.const 42))
                  (then (local.set $q (i32.shl (local.get $q) (i32.const 1)))))))
            (local.set $sum (i32.add (local.get $sum) (local.get $q)))
            (local.set $p (i32.add (local.get $p) (i32.const 12)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next)))
        (local.get $sum))

      (func (export "make-counter") (param $start i32) (result i32)
        (local $r i32)
        (local.set $r (call $alloc (i32.const 4) (i32.const 4)))
        (i32.store (local.get $r) (local.get $start))
        (call $rnew (local.get $r)))
      ;; a borrow of a resource Lib defines arrives as the rep
      (func (export "bump") (param $rep i32) (result i32)
        (i32.store (local.get $rep) (i32.add (i32.load (local.get $rep)) (i32.const 1)))
        (i32.load (local.get $rep)))
      ;; an own arrives as a handle in Lib's table
      (func (export "finish") (param $h i32) (result i32)
        (local $v i32)
        (local.set $v (i32.load (call $rrep (local.get $h))))
        (call $rdrop (local.get $h))
        (local.get $v))
      (func $dtor (param $rep i32)
        (global.set $drops (i32.add (global.get $drops) (i32.const 1)))
        (global.set $last (i32.load (local.get $rep))))
      (func (export "drops") (result i32) (global.get $drops))
      (func (export "last-dropped") (result i32) (global.get $last))
      (elem (i32.const 0) $dtor)
    )
    (core instance $lm (instantiate $LM (with "" (instance
      (export "ftbl" (table $indirect "ftbl"))
      (export "resource.new" (func $resource.new))
      (export "resource.rep" (func $resource.rep))
      (export "resource.drop" (func $resource.drop))
    ))))
    (alias core export $lm "mem" (core memory $mem))
    (alias core export $lm "realloc" (core func $realloc))
    (func (export "greet") (param "name" string) (result string)
      (canon lift (core func $lm "greet") (memory $mem) (realloc $realloc)
        (post-return (core func $lm "greet-post-return"))))
    (func (export "total") (param "items" (list $item)) (result u32)
      (canon lift (core func $lm "total") (memory $mem) (realloc $realloc)))
    (func (export "make-counter") (param "start" u32) (result (own $counter))
      (canon lift (core func $lm "make-counter")))
    (func (export "bump") (param "c" (borrow $counter)) (result u32)
      (canon lift (core func $lm "bump")))
    (func (export "finish") (param "c" (own $counter)) (result u32)
      (canon lift (core func $lm "finish")))
    (func (export "drops") (result u32)
      (canon lift (core func $lm "drops")))
    (func (export "last-dropped") (result u32)
      (canon lift (core func $lm "last-dropped")))
  )

  (component $App
    (import "lib" (instance $lib
      (export "counter" (type $counter (sub resource)))
      (type $item' (record (field "name" string) (field "qty" u32)))
      (export "item" (type $item (eq $item')))
      (export "greet" (func (param "name" string) (result string)))
      (export "total" (func (param "items" (list $item)) (result u32)))
      (export "make-counter" (func (param "start" u32) (result (own $counter))))
      (export "bump" (func (param "c" (borrow $counter)) (result u32)))
      (export "finish" (func (param "c" (own $counter)) (result u32)))
      (export "drops" (func (result u32)))
      (export "last-dropped" (func (result u32)))
    ))
    (import "log" (func $log (param "msg" string)))
    (alias export $lib "counter" (type $counter))
    (alias export $lib "item" (type $item'))
    (export $item "item" (type $item'))

    ;; memory and allocator first: the lowerings below need them
    (core module $Libc
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func (export "realloc") (param $old i32) (param $oldsz i32) (param $align i32) (param $size i32) (result i32)
        (local $p i32)
        (if (local.get $old) (then unreachable))
        (local.set $p
          (i32.and
            (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
            (i32.sub (i32.const 0) (local.get $align))))
        (global.set $heap (i32.add (local.get $p) (local.get $size)))
        (local.get $p))
    )
    (core instance $libc (instantiate $Libc))
    (alias core export $libc "mem" (core memory $mem))
    (alias core export $libc "realloc" (core func $realloc))

    (canon lower (func $lib "greet") (memory $mem) (realloc $realloc) (core func $greet))
    (canon lower (func $lib "total") (memory $mem) (core func $total))
    (canon lower (func $lib "make-counter") (core func $make-counter))
    (canon lower (func $lib "bump") (core func $bump))
    (canon lower (func $lib "finish") (core func $finish))
    (canon lower (func $lib "drops") (core func $drops))
    (canon lower (func $lib "last-dropped") (core func $last-dropped))
    (canon resource.drop $counter (core func $counter.drop))
    (canon lower (func $log) (memory $mem) (core func $log'))

    (core module $AM
      (import "libc" "mem" (memory 1))
      (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
      (import "" "greet" (func $greet (param i32 i32 i32)))
      (import "" "total" (func $total (param i32 i32) (result i32)))
      (import "" "make-counter" (func $make-counter (param i32) (result i32)))
      (import "" "bump" (func $bump (param i32) (result i32)))
      (import "" "finish" (func $finish (param i32) (result i32)))
      (import "" "drops" (func $drops (result i32)))
      (import "" "last-dropped" (func $last-dropped (result i32)))
      (import "" "counter.drop" (func $counter.drop (param i32)))
      (import "" "log" (func $log (param i32 i32)))
      (global $end (mut i32) (i32.const 0))
      (data (i32.const 16) "; total=")
      (data (i32.const 32) "; counter=")
      (data (i32.const 48) "; drops=")
      (data (i32.const 64) "; last=")
      (data (i32.const 80) "\ff\fe")  ;; not UTF-8

      (func $put (param $p i32) (param $n i32)
        (memory.copy (global.get $end) (local.get $p) (local.get $n))
        (global.set $end (i32.add (global.get $end) (local.get $n))))
      (func $put-u32 (param $v i32)
        (local $digits i32) (local $t i32)
        ;; count the digits, then write them backwards
        (local.set $t (local.get $v))
        (loop $count
          (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
          (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
          (br_if $count (local.get $t)))
        (global.set $end (i32.add (global.get $end) (local.get $digits)))
        (local.set $t (global.get $end))
        (loop $write
          (local.set $t (i32.sub (local.get $t) (i32.const 1)))
          (i32.store8 (local.get $t)
            (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
          (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
          (br_if $write (local.get $v))))

      ;; run(name, items) -> "hello, NAME; total=T; counter=C; drops=D; last=L"
      (func (export "run") (param $np i32) (param $nl i32) (param $ip i32) (param $il i32) (result i32)
        (local $g i32) (local $t i32) (local $c1 i32) (local $c2 i32) (local $v i32)
        (local $out i32) (local $ret i32)
        (local.set $g (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 8)))
        (call $greet (local.get $np) (local.get $nl) (local.get $g))
        (call $log (i32.load (local.get $g)) (i32.load offset=4 (local.get $g)))
        (local.set $t (call $total (local.get $ip) (local.get $il)))
        ;; c1: 10 -> 13 through borrows, then handed back (own) and dropped by Lib
        (local.set $c1 (call $make-counter (i32.const 10)))
        (drop (call $bump (local.get $c1)))
        (drop (call $bump (local.get $c1)))
        (if (i32.ne (call $bump (local.get $c1)) (i32.const 13)) (then unreachable))
        ;; c2: 100 -> 101, dropped here: Lib's destructor runs
        (local.set $c2 (call $make-counter (i32.const 100)))
        (if (i32.ne (call $bump (local.get $c2)) (i32.const 101)) (then unreachable))
        (local.set $v (call $finish (local.get $c1)))
        (call $counter.drop (local.get $c2))
        ;; build the result after every call (they allocate)
        (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0)))
        (global.set $end (local.get $out))
        (call $put (i32.load (local.get $g)) (i32.load offset=4 (local.get $g)))
        (call $put (i32.const 16) (i32.const 8))
        (call $put-u32 (local.get $t))
        (call $put (i32.const 32) (i32.const 10))
        (call $put-u32 (local.get $v))
        (call $put (i32.const 48) (i32.const 8))
        (call $put-u32 (call $drops))
        (call $put (i32.const 64) (i32.const 7))
        (call $put-u32 (call $last-dropped))
        ;; claim the bytes written
        (drop (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
          (i32.sub (global.get $end) (local.get $out))))
        (call $log (local.get $out) (i32.sub (global.get $end) (local.get $out)))
        (local.set $ret (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 8)))
        (i32.store (local.get $ret) (local.get $out))
        (i32.store offset=4 (local.get $ret) (i32.sub (global.get $end) (local.get $out)))
        (local.get $ret))

      ;; greet-raw(ptr, len): greet of App's bytes at [ptr, ptr+len), unchecked
      (func (export "greet-raw") (param $p i32) (param $n i32) (result i32)
        (local $g i32)
        (local.set $g (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 8)))
        (call $greet (local.get $p) (local.get $n) (local.get $g))
        (local.get $g))
    )
    (core instance $am (instantiate $AM
      (with "libc" (instance $libc))
      (with "" (instance
        (export "greet" (func $greet))
        (export "total" (func $total))
        (export "make-counter" (func $make-counter))
        (export "bump" (func $bump))
        (export "finish" (func $finish))
        (export "drops" (func $drops))
        (export "last-dropped" (func $last-dropped))
        (export "counter.drop" (func $counter.drop))
        (export "log" (func $log'))
      ))))
    (func (export "run") (param "name" string) (param "items" (list $item)) (result string)
      (canon lift (core func $am "run") (memory $mem) (realloc $realloc)))
    (func (export "greet-raw") (param "ptr" u32) (param "len" u32) (result string)
      (canon lift (core func $am "greet-raw") (memory $mem) (realloc $realloc)))
  )

  (instance $lib (instantiate $Lib))
  (instance $app (instantiate $App
    (with "lib" (instance $lib))
    (with "log" (func $log))))
  (export $item "item" (type $app "item"))
  (export "run" (func $app "run")
    (func (param "name" string) (param "items" (list $item)) (result string)))
  (export "greet" (func $lib "greet"))
  (export "greet-raw" (func $app "greet-raw"))
)
