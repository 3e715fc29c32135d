use serde::{Deserialize, Serialize};
#[derive(Serialize, Deserialize, Debug)]
struct Item { name: String, tags: Vec<String>, score: f64 }
fn main() {
    let re = regex::Regex::new(r"(?i)\b([a-z]+)@([a-z]+)\.com\b").unwrap();
    let text = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let items: Vec<Item> = re.captures_iter(&text).map(|c| Item { name: c[1].to_string(), tags: vec![c[2].to_string()], score: c[1].len() as f64 }).collect();
    println!("{}", serde_json::to_string_pretty(&items).unwrap());
}
