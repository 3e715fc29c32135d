//! The guest of tests/components/world: every export of `demo` over the
//! types of `demo:shapes/types`, a resource it defines (`counter`) and one
//! the host defines (`token`).

wit_bindgen::generate!({ world: "demo", path: "wit" });

use demo::shapes::host;

use exports::demo::shapes::counters::{self, CounterBorrow, GuestCounter};
use std::cell::Cell;

struct Demo;

struct Counter(Cell<u32>);

impl GuestCounter for Counter {
    fn new(start: u32) -> Counter {
        Counter(Cell::new(start))
    }
    fn get(&self) -> u32 {
        self.0.get()
    }
    fn bump(&self, by: u32) -> u32 {
        self.0.set(self.0.get() + by);
        self.0.get()
    }
}

impl counters::Guest for Demo {
    type Counter = Counter;
    fn sum_all(cs: Vec<CounterBorrow<'_>>) -> u32 {
        cs.iter().map(|c| c.get::<Counter>().get()).sum()
    }
}

impl Guest for Demo {
    fn greet(name: String) -> String {
        host::log(&format!("greeting {name}"));
        format!("hello, {name} #{}", host::next_id())
    }
    fn scale(p: Point, k: i32) -> Point {
        Point { x: p.x * k, y: p.y * k }
    }
    fn area(s: Shape) -> u32 {
        match s {
            Shape::Circle(r) => 3 * r * r,
            Shape::Rect(p) => (p.x * p.y).unsigned_abs(),
            Shape::Empty => 0,
        }
    }
    fn name_of(c: Color) -> String {
        match c {
            Color::Red => "red",
            Color::Green => "green",
            Color::Blue => "blue",
        }
        .to_string()
    }
    fn toggle(p: Perms) -> Perms {
        p ^ Perms::all()
    }
    fn find(words: Vec<String>, w: String) -> Option<u32> {
        words.iter().position(|x| *x == w).map(|i| i as u32)
    }
    fn parse(s: String) -> Result<u32, String> {
        s.parse().map_err(|e| format!("{s}: {e}"))
    }
    fn total(ps: Vec<Point>) -> i64 {
        ps.iter().map(|p| p.x as i64 + p.y as i64).sum()
    }
    fn read_token(t: &Token) -> u32 {
        t.value() + 1
    }
}

export!(Demo);
