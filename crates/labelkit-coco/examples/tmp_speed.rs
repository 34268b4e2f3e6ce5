#![allow(clippy::print_stdout, missing_docs)]
fn main() {
    let p = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let t = std::time::Instant::now();
    let l = labelkit_coco::read_bytes(std::path::Path::new(&p), &bytes, &Default::default()).unwrap();
    let dt = t.elapsed().as_secs_f64();
    println!("read {} anns in {dt:.3}s = {:.0} MB/s, issues {}", l.dataset.annotations.len(), bytes.len() as f64 / dt / 1e6, l.issues.len());
    let t = std::time::Instant::now();
    let mut out = Vec::new();
    labelkit_coco::write_to(&l.dataset, &mut out, &Default::default()).unwrap();
    let dt = t.elapsed().as_secs_f64();
    println!("wrote {} bytes in {dt:.3}s = {:.0} MB/s", out.len(), out.len() as f64 / dt / 1e6);
}
