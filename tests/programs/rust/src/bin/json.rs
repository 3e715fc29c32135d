//! Heavier crates: builds a JSON document, round-trips it through
//! serde_json and hashes it with sha2.
use sha2::{Digest, Sha256};

fn main() {
    let mut items = Vec::new();
    for i in 0..2000u64 {
        items.push(serde_json::json!({
            "id": i,
            "name": format!("item-{i}"),
            "square": i * i,
            "even": i % 2 == 0,
            "ratio": i as f64 / 7.0,
        }));
    }
    let doc = serde_json::json!({ "items": items, "count": 2000 });
    let text = serde_json::to_string(&doc).unwrap();
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    println!("round trip equal: {}", back == doc);
    let sum: u64 = back["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["square"].as_u64().unwrap())
        .sum();
    println!("bytes: {}", text.len());
    println!("sum of squares: {sum}");
    println!("item 1234: {}", back["items"][1234]);
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    println!("sha256: {hex}");
    let mut h = Sha256::new();
    h.update(b"abc");
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    println!("sha256(abc): {hex}");
}
