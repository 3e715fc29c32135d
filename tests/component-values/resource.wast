;; A resource handle as a value: one component's start makes an own<R>, a
;; second component's start takes it (ownership moves through the host
;; table), and the resource's destructor runs when the holder drops it.
(component
  (component $Maker
    (core module $M
      (global $dropped (mut i32) (i32.const 0))
      (func (export "dtor") (param i32) (global.set $dropped (local.get 0)))
      (func (export "dropped") (result i32) (global.get $dropped))
    )
    (core instance $m (instantiate $M))
    (type $r (resource (rep i32) (dtor (core func $m "dtor"))))
    (export $r-t "r" (type $r))
    (core func $new (canon resource.new $r))
    (core module $N
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "make") (result i32) (call $new (i32.const 42)))
    )
    (core instance $n (instantiate $N (with "" (instance (export "new" (func $new))))))
    (func $make (result (own $r-t)) (canon lift (core func $n "make")))
    (start $make (result (value $v)))
    (export "handle" (value $v))
    (func (export "dropped") (result u32) (canon lift (core func $m "dropped")))
  )
  (instance $mk (instantiate $Maker))
  (alias export $mk "r" (type $r))
  (alias export $mk "handle" (value $h))

  (component $Holder
    (import "r" (type $r (sub resource)))
    (import "handle" (value $h (own $r)))
    (core module $M
      (global $h (mut i32) (i32.const 0))
      (func (export "take") (param i32) (global.set $h (local.get 0)))
      (func (export "held") (result i32) (global.get $h))
    )
    (core instance $m (instantiate $M))
    (func $take (param "h" (own $r)) (canon lift (core func $m "take")))
    (start $take (value $h))
    (core func $drop (canon resource.drop $r))
    (core module $D
      (import "" "drop" (func $drop (param i32)))
      (import "" "held" (func $held (result i32)))
      (func (export "release") (call $drop (call $held)))
    )
    (core instance $d (instantiate $D (with "" (instance
      (export "drop" (func $drop))
      (export "held" (func $m "held"))))))
    (func (export "held") (result u32) (canon lift (core func $m "held")))
    (func (export "release") (canon lift (core func $d "release")))
  )
  (instance $ho (instantiate $Holder (with "r" (type $r)) (with "handle" (value $h))))
  (export "held" (func $ho "held"))
  (export "release" (func $ho "release"))
  (export "dropped" (func $mk "dropped"))
)
(assert_return (invoke "held") (u32.const 1))
(assert_return (invoke "dropped") (u32.const 0))
(assert_return (invoke "release"))
(assert_return (invoke "dropped") (u32.const 42))
