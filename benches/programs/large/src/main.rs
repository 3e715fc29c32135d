//! A program with many sizeable dependencies, each driven by its own input,
//! so that the module is large (compile-time benchmark). Reads nothing:
//! the inputs are built in; `--what` picks the parts to run.
use clap::Parser;
use serde::{Deserialize, Serialize};
use syn::visit::Visit;

#[derive(Parser, Debug)]
#[command(version, about = "Exercises several crates on built-in inputs")]
struct Args {
    /// Parts to run (rust, sql, markdown, toml, json, regex, dates)
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "rust,sql,markdown,toml,json,regex,dates"
    )]
    what: Vec<String>,
    /// Repeat each part this many times
    #[arg(long, default_value_t = 1, env = "LARGE_REPEAT")]
    repeat: u32,
}

#[derive(Serialize, Deserialize, Debug)]
struct Config {
    name: String,
    version: String,
    features: Vec<String>,
    limits: Limits,
}

#[derive(Serialize, Deserialize, Debug)]
struct Limits {
    memory: u64,
    threads: u32,
    timeout: f64,
}

const RUST: &str = r#"
use std::collections::HashMap;
#[derive(Debug, Clone)]
pub struct Point<T: Copy> { pub x: T, pub y: T }
impl<T: Copy + std::ops::Add<Output = T>> Point<T> {
    pub fn sum(&self) -> T { self.x + self.y }
}
pub trait Shape { fn area(&self) -> f64; fn name(&self) -> &'static str { "shape" } }
pub enum Tree { Leaf(i32), Node(Box<Tree>, Box<Tree>) }
fn depth(t: &Tree) -> usize { match t { Tree::Leaf(_) => 1, Tree::Node(a, b) => 1 + depth(a).max(depth(b)) } }
async fn fetch(url: &str) -> Result<String, Box<dyn std::error::Error>> { Ok(url.to_string()) }
macro_rules! square { ($x:expr) => { $x * $x }; }
pub fn count(words: &[&str]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for w in words { *m.entry(w.to_string()).or_insert(0) += 1; }
    m
}
"#;

const SQL: &str = "SELECT c.name, SUM(o.total) AS spent FROM customers c \
    JOIN orders o ON o.customer_id = c.id WHERE o.created_at > '2024-01-01' \
    GROUP BY c.name HAVING SUM(o.total) > 100 ORDER BY spent DESC LIMIT 10; \
    INSERT INTO log (id, msg) VALUES (1, 'hello'), (2, 'world'); \
    WITH t AS (SELECT id, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) AS rn FROM x) \
    SELECT * FROM t WHERE rn = 1";

const MARKDOWN: &str = "# Title\n\nSome *emphasis*, **strong** and `code`.\n\n\
    - one\n- two\n  - nested\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n\
    ```rust\nfn main() {}\n```\n\n> quote with [a link](https://example.com)\n";

const TOML: &str = r#"
name = "demo"
version = "1.2.3"
features = ["fast", "small", "safe"]
[limits]
memory = 1073741824
threads = 8
timeout = 2.5
"#;

const JSON: &str = r#"{"users":[{"id":1,"name":"Ada","tags":["math","engines"],"score":99.5},
{"id":2,"name":"Grace","tags":["cobol","navy"],"score":97.25},{"id":3,"name":"Edsger","tags":[],"score":null}]}"#;

#[derive(Default)]
struct Counter {
    fns: usize,
    structs: usize,
    exprs: usize,
}

impl<'ast> Visit<'ast> for Counter {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.fns += 1;
        syn::visit::visit_item_fn(self, f);
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.fns += 1;
        syn::visit::visit_impl_item_fn(self, f);
    }
    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        self.structs += 1;
        syn::visit::visit_item_struct(self, s);
    }
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        self.exprs += 1;
        syn::visit::visit_expr(self, e);
    }
}

struct Renamer;
impl syn::fold::Fold for Renamer {
    fn fold_ident(&mut self, i: proc_macro2::Ident) -> proc_macro2::Ident {
        if i == "count" {
            proc_macro2::Ident::new("tally", i.span())
        } else {
            i
        }
    }
}

fn rust() {
    let file: syn::File = syn::parse_str(RUST).expect("rust source");
    let mut c = Counter::default();
    c.visit_file(&file);
    let renamed = syn::fold::fold_file(&mut Renamer, file.clone());
    let tokens = quote::quote!(#renamed).to_string();
    let pretty = prettyplease::unparse(&renamed);
    println!(
        "rust: {} items, {} fns, {} structs, {} exprs, {} tokens chars, {} pretty lines, equal={}",
        file.items.len(),
        c.fns,
        c.structs,
        c.exprs,
        tokens.len(),
        pretty.lines().count(),
        file == renamed
    );
    println!("rust debug: {} chars", format!("{:?}", file.items[1]).len());
}

fn sql() {
    use sqlparser::dialect::{GenericDialect, PostgreSqlDialect};
    let stmts = sqlparser::parser::Parser::parse_sql(&GenericDialect {}, SQL).expect("sql");
    let pg = sqlparser::parser::Parser::parse_sql(&PostgreSqlDialect {}, SQL).expect("sql");
    let mut tables = Vec::new();
    let _ = sqlparser::ast::visit_relations(&stmts, |r| {
        tables.push(r.to_string());
        std::ops::ControlFlow::<()>::Continue(())
    });
    println!(
        "sql: {} statements ({} pg), tables {:?}",
        stmts.len(),
        pg.len(),
        tables
    );
    for s in &stmts {
        println!("sql: {}", s);
    }
}

fn markdown() {
    let parser = pulldown_cmark::Parser::new_ext(MARKDOWN, pulldown_cmark::Options::all());
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    println!("markdown: {} bytes of html", html.len());
    print!("{html}");
}

fn toml_part() {
    let cfg: Config = toml::from_str(TOML).expect("toml");
    let back = toml::to_string_pretty(&cfg).expect("toml out");
    let value: toml::Table = back.parse().expect("toml again");
    println!(
        "toml: {:?}; {} keys; {}",
        cfg.limits,
        value.len(),
        cfg.features.join("+")
    );
}

fn json() {
    let v: serde_json::Value = serde_json::from_str(JSON).expect("json");
    let users = v["users"].as_array().unwrap();
    let total: f64 = users.iter().filter_map(|u| u["score"].as_f64()).sum();
    let cfg: Config = toml::from_str(TOML).unwrap();
    println!(
        "json: {} users, score {}, {}",
        users.len(),
        total,
        serde_json::to_string(&cfg).unwrap()
    );
}

fn regex_part() {
    let words = regex::Regex::new(r"(?i)\b([a-z]+)ing\b").unwrap();
    let dates = regex::Regex::new(r"(\d{4})-(\d{2})-(\d{2})").unwrap();
    let text = "Running and jumping on 2024-03-15; singing until 2025-12-31, then thinking.";
    let ws: Vec<&str> = words
        .captures_iter(text)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let ds = dates.replace_all(text, "$3/$2/$1");
    let set = regex::RegexSet::new([r"\d+", r"[A-Z]\w+", r"then"]).unwrap();
    println!(
        "regex: {:?}; {}; {:?}",
        ws,
        ds,
        set.matches(text).into_iter().collect::<Vec<_>>()
    );
}

fn dates() {
    use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
    let d = NaiveDate::from_ymd_opt(2024, 2, 28).unwrap() + Duration::days(2);
    let t = NaiveDateTime::parse_from_str("2024-03-15 13:45:10", "%Y-%m-%d %H:%M:%S").unwrap();
    let rfc = chrono::DateTime::parse_from_rfc3339("2024-03-15T13:45:10+02:00").unwrap();
    println!(
        "dates: {} ({}), {}, {}, week {}",
        d,
        d.weekday(),
        t.format("%A %d %B %Y %H:%M"),
        rfc.to_rfc2822(),
        t.iso_week().week()
    );
}

fn main() {
    let args = Args::parse();
    for _ in 0..args.repeat {
        for w in &args.what {
            match w.as_str() {
                "rust" => rust(),
                "sql" => sql(),
                "markdown" => markdown(),
                "toml" => toml_part(),
                "json" => json(),
                "regex" => regex_part(),
                "dates" => dates(),
                other => eprintln!("unknown part {other}"),
            }
        }
    }
}
