//! Plans of small components, checked item by item (the wiring is decided
//! at compile time, so it can be read without running anything).

use super::front;
use super::plan::{self, CoreDef, CoreItem, Plan};

fn plan_of(text: &str) -> Plan {
    let wasm = wat::parse_str(text).expect("component text");
    let parsed = front::parse(&wasm).expect("front end");
    plan::plan(&wasm, &parsed).expect("plan")
}

const TAG: &str = r#"(core module $Tag (tag (export "t") (param i32)))"#;
const THROWER: &str = r#"(core module $Thrower
    (import "tag" "t" (tag $t (param i32)))
    (func (export "throw") (param i32) (throw $t (local.get 0))))"#;

/// Every way of passing a tag along (whole instance, synthesized instance
/// with a renamed export, alias then synthesized instance, re-export of an
/// imported tag) reaches tag 0 of the instance that defines it.
#[test]
fn tags_wire_to_their_defining_instance() {
    let t0 = CoreDef::Tag(CoreItem {
        instance: 0,
        index: 0,
    });
    for args in [
        r#"(with "tag" (instance $tag))"#,
        r#"(with "tag" (instance (export "t" (tag $tag "t"))))"#,
        r#"(with "tag" (instance $syn))"#,
        r#"(with "tag" (instance $re))"#,
    ] {
        let p = plan_of(&format!(
            r#"(component {TAG} {THROWER}
                (core module $Re (import "tag" "t" (tag (param i32)))
                  (export "t" (tag 0)))
                (core instance $tag (instantiate $Tag))
                (alias core export $tag "t" (core tag $t))
                (core instance $syn (export "t" (tag $t)))
                (core instance $re (instantiate $Re (with "tag" (instance $syn))))
                (core instance (instantiate $Thrower {args})))"#
        ));
        assert_eq!(p.instances.len(), 3, "{args}");
        assert_eq!(p.instances[1].imports, vec![t0], "$re, {args}");
        assert_eq!(p.instances[2].imports, vec![t0], "{args}");
    }
}

/// Tags are generative: two instances of one module are two tags.
#[test]
fn tags_per_instance() {
    let p = plan_of(&format!(
        r#"(component {TAG} {THROWER}
            (core instance $a (instantiate $Tag))
            (core instance $b (instantiate $Tag))
            (core instance (instantiate $Thrower (with "tag" (instance $a))))
            (core instance (instantiate $Thrower (with "tag" (instance $b)))))"#
    ));
    let tag = |instance| CoreDef::Tag(CoreItem { instance, index: 0 });
    assert_eq!(p.instances[2].imports, vec![tag(0)]);
    assert_eq!(p.instances[3].imports, vec![tag(1)]);
}
