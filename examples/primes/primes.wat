;; Counts primes below N with a sieve in linear memory, and reports
;; progress through an imported host function.
(module
  (import "host" "report" (func $report (param i32 i32)))
  (memory (export "memory") 16)
  (func $sieve (export "count_primes") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (memory.fill (i32.const 0) (i32.const 1) (local.get $n))
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            ;; start at i*i (skipped when i*i would not fit in 32 bits)
            (local.set $j (select (i32.mul (local.get $i) (local.get $i)) (local.get $n)
                                  (i32.lt_u (local.get $i) (i32.const 46341))))
            (block $inner_done
              (loop $inner
                (br_if $inner_done (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 0))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (call $report (local.get $n) (local.get $count))
    (local.get $count))
  ;; Reading past the end of memory traps; the host gets a trap code back.
  (func (export "read") (param $addr i32) (result i32)
    (i32.load (local.get $addr))))
