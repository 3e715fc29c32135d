;; The component both sides call: `add-one: func(x: u32) -> u32` and
;; `echo: func(s: string) -> string`. No imports, so a host instantiates it
;; with nothing linked. One core module: a memory, a bump allocator
;; (`realloc`), and a post-return for `echo` that resets the heap, so every
;; call starts from the same state.
(component
  (core module $M
    (memory (export "mem") 1)
    (global $heap (mut i32) (i32.const 1024))

    (func $alloc (param $align i32) (param $size i32) (result i32)
      (local $p i32)
      (local.set $p
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (global.set $heap (i32.add (local.get $p) (local.get $size)))
      (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
        (then
          (if (i32.lt_s
                (memory.grow
                  (i32.add
                    (i32.shr_u
                      (i32.sub (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
                      (i32.const 16))
                    (i32.const 1)))
                (i32.const 0))
            (then unreachable))))
      (local.get $p))

    (func (export "realloc") (param $old i32) (param $oldsz i32) (param $align i32) (param $size i32) (result i32)
      (if (local.get $old) (then unreachable))
      (call $alloc (local.get $align) (local.get $size)))

    (func (export "add-one") (param $x i32) (result i32)
      (i32.add (local.get $x) (i32.const 1)))

    ;; echo(s) = a copy of s in a fresh allocation; returns the address of
    ;; its (ptr, len) pair
    (func (export "echo") (param $p i32) (param $n i32) (result i32)
      (local $out i32) (local $ret i32)
      (local.set $out (call $alloc (i32.const 1) (local.get $n)))
      (memory.copy (local.get $out) (local.get $p) (local.get $n))
      (local.set $ret (call $alloc (i32.const 4) (i32.const 8)))
      (i32.store (local.get $ret) (local.get $out))
      (i32.store offset=4 (local.get $ret) (local.get $n))
      (local.get $ret))

    (func (export "echo-post-return") (param $ret i32)
      (global.set $heap (i32.const 1024)))
  )
  (core instance $m (instantiate $M))
  (alias core export $m "mem" (core memory $mem))
  (alias core export $m "realloc" (core func $realloc))
  (func (export "add-one") (param "x" u32) (result u32)
    (canon lift (core func $m "add-one")))
  (func (export "echo") (param "s" string) (result string)
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc) string-encoding=utf8
      (post-return (core func $m "echo-post-return"))))
)
