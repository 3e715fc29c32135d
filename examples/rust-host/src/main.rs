//! A Rust host of the component in demo.wat, through the bindings
//! wacc-build generates (see build.rs): it implements the component's
//! imports, calls every export and prints what comes back.
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/demo.rs"));

use demo::{Alloc, Imports, Instance, Item, Perms, Rect, Shape, Store, Trap, WaccStr};

// ---- the host's glue: the component's imports ----
struct Host {
    logged: usize,
}

impl Imports for Host {
    fn log(&mut self, msg: &str) -> Result<(), u32> {
        assert!(!msg.contains("panic"), "the host refuses to log {msg:?}");
        self.logged += 1;
        println!("log: {msg}");
        Ok(())
    }

    fn host_name<'a>(&mut self, alloc: &Alloc<'a>) -> Result<WaccStr<'a>, u32> {
        Ok(alloc.str("rust-host"))
    }
}
// ---- end of glue ----

fn main() -> Result<(), Trap> {
    let store = Store::new();
    let mut component = Instance::new(&store, Host { logged: 0 })?;

    println!("greet: {}", component.greet("world")?);

    let items = [
        Item {
            name: "apple".into(),
            qty: 3,
        },
        Item {
            name: "pear".into(),
            qty: 4,
        },
    ];
    println!("total: {}", component.total(&items)?);

    for n in [-5, 0, 7] {
        println!("classify({n}): {:?}", component.classify(n)?);
    }
    for n in [10, 7] {
        println!("half({n}): {:?}", component.half(n)?.to_option());
    }
    for c in ['7', 'x'] {
        match component.parse_digit(c)?.get() {
            Ok(d) => println!("parse-digit({c}): ok {d}"),
            Err(e) => println!("parse-digit({c}): error {e}"),
        }
    }

    let shapes = [
        Shape::circle(1.0),
        Shape::rectangle(Rect { w: 2.0, h: 3.5 }),
        Shape::dot(),
    ];
    for s in shapes {
        println!("area({s:?}): {:.4}", component.area(s)?);
    }
    println!("toggle(read): {:?}", component.toggle(Perms::READ)?);
    println!(
        "toggle(write|exec): {:?}",
        component.toggle(Perms::WRITE | Perms::EXEC)?
    );

    let a = component.counter_new(10)?;
    let b = component.counter_new(100)?;
    println!("counter a: {}", component.counter_add(a.borrow(), 5)?);
    println!("counter a: {}", component.counter_add(a.borrow(), 1)?);
    println!("counter b: {}", component.counter_add(b.borrow(), 1)?);
    drop(a);
    println!("drops after dropping a: {}", component.drops()?);
    b.release()?;
    println!("drops after releasing b: {}", component.drops()?);

    // A WASI import: the runtime's host implements it.
    let roll = component.roll()?;
    println!("roll in 1..=6: {}", (1..=6).contains(&roll));

    // The host's state, back from the instance.
    let logged = component.with_imports(|h: &mut Host| h.logged);
    println!("log calls: {logged:?}");

    // A trap is an `Err` (and poisons the instance).
    let dead = component.counter_add(demo::CounterBorrow(99), 1);
    println!("counter 99: {}", show(dead));
    println!("after a trap: {}", show(component.drops()));

    // A panicking import traps the export calling it.
    let mut other = Instance::new(&store, Host { logged: 0 })?;
    println!("greet(panic): {}", show(other.greet("panic")));
    Ok(())
}

fn show<T: std::fmt::Display>(r: Result<T, Trap>) -> String {
    r.map_or_else(|t| t.to_string(), |v| v.to_string())
}
