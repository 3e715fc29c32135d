;; A component using a resource the host defines (`thing` of an imported
;; instance): its Rust bindings have trait methods for the constructor, a
;; method and the resource's drop (tests/tests/rust_bindings.rs checks
;; they compile).
(component
  (import "host:res/things" (instance $i
    (export "thing" (type $t (sub resource)))
    (export "[constructor]thing" (func (param "v" u32) (result (own $t))))
    (export "[method]thing.get" (func (param "self" (borrow $t)) (result u32)))
  ))
  (alias export $i "thing" (type $thing))
  (core func $new (canon lower (func $i "[constructor]thing")))
  (core func $get (canon lower (func $i "[method]thing.get")))
  (core func $drop (canon resource.drop $thing))
  (core module $M
    (import "" "new" (func $new (param i32) (result i32)))
    (import "" "get" (func $get (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (func (export "run") (param i32) (result i32)
      (local $h i32) (local $r i32)
      (local.set $h (call $new (local.get 0)))
      (local.set $r (call $get (local.get $h)))
      (call $drop (local.get $h))
      (local.get $r)))
  (core instance $m (instantiate $M (with "" (instance
    (export "new" (func $new)) (export "get" (func $get)) (export "drop" (func $drop))))))
  (func (export "run") (param "v" u32) (result u32) (canon lift (core func $m "run")))
)
