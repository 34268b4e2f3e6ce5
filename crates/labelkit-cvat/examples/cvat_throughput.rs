//! Measures reader and writer throughput on a generated CVAT for images file.
//!
//! - `cargo run --release -p labelkit-cvat --example cvat_throughput [MB]`
//!   generates `MB` megabytes in memory and prints, best of three runs, the
//!   floor (quick-xml's events and attributes alone), `read_bytes`, and
//!   `write_to` into a `Vec`.
//! - `... --example cvat_throughput MB --file` writes the file to the temporary
//!   directory (once, streamed) and reads it with `read_path` once and
//!   nothing else, so that `/usr/bin/time -v` shows the reader's peak memory
//!   (with `--floor` as well: reads it and runs the floor alone).
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Writes the generated dataset of about `mb` MiB to `out`.
fn generate(mb: usize, out: &mut impl std::io::Write) -> std::io::Result<()> {
    write!(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n  <meta><task><labels><label><name>person</name><attributes><attribute><name>gender</name><input_type>select</input_type><values>m\nf</values></attribute></attributes></label></labels></task></meta>\n")?;
    let mut written = 0usize;
    let mut i = 0u64;
    let mut chunk = String::new();
    while written < mb << 20 {
        use std::fmt::Write as _;
        chunk.clear();
        let _ = writeln!(
            chunk,
            "  <image id=\"{i}\" name=\"img_{i:06}.jpg\" width=\"1920\" height=\"1080\">"
        );
        for j in 0..7u64 {
            let x = (i * 7 + j) % 1800;
            let _ = write!(chunk, "    <box label=\"person\" source=\"manual\" occluded=\"0\" xtl=\"{x}.25\" ytl=\"{}.50\" xbr=\"{}.75\" ybr=\"{}.00\" z_order=\"0\">\n      <attribute name=\"gender\">m</attribute>\n    </box>\n", x / 2, x + 40, x / 2 + 90);
        }
        chunk.push_str("  </image>\n");
        out.write_all(chunk.as_bytes())?;
        written += chunk.len();
        i += 1;
    }
    out.write_all(b"</annotations>\n")
}

/// The best (shortest) time of three runs of `f`, in seconds.
fn best_of_three<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..3 {
        drop(last.take());
        let t = Instant::now();
        let value = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(value);
    }
    (best, last.expect("three runs"))
}

fn mb_per_s(bytes: usize, seconds: f64) -> f64 {
    bytes as f64 / seconds / 1e6
}

fn floor(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut n = 0usize;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                n += e.attributes().count();
            }
            Ok(_) => {}
        }
    }
    n
}

fn file_mode(mb: usize) {
    let path: PathBuf = std::env::temp_dir().join(format!("labelkit-cvat-throughput-{mb}.xml"));
    if !path.is_file() {
        let tmp = path.with_extension("tmp");
        let mut out =
            std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp).unwrap());
        generate(mb, &mut out).unwrap();
        out.flush().unwrap();
        drop(out);
        std::fs::rename(&tmp, &path).unwrap();
    }
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    if std::env::args().any(|a| a == "--floor") {
        // The floor of `read_path`: the bytes, plus quick-xml alone.
        let t = Instant::now();
        let bytes = std::fs::read(&path).unwrap();
        let n = floor(&bytes);
        let s = t.elapsed().as_secs_f64();
        println!("floor ({n}): {:.0} MB/s", mb_per_s(len, s));
        return;
    }
    let t = Instant::now();
    let loaded = labelkit_cvat::read_path(&path, &Default::default()).unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "read_path {}: {} MB, {} images, {} boxes, {} issues in {s:.3} s: {:.0} MB/s",
        path.display(),
        len >> 20,
        loaded.dataset.images.len(),
        loaded.dataset.annotations.len(),
        loaded.issues.len(),
        mb_per_s(len, s)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mb: usize = args.iter().find_map(|s| s.parse().ok()).unwrap_or(100);
    if args.iter().any(|a| a == "--file") {
        file_mode(mb);
        return;
    }
    let mut bytes = Vec::with_capacity((mb << 20) + 4096);
    generate(mb, &mut bytes).unwrap();

    let (s, n) = best_of_three(|| floor(&bytes));
    println!(
        "quick-xml events and attributes alone ({n}): {:.0} MB/s",
        mb_per_s(bytes.len(), s)
    );

    // `gen.xml` does not exist: the bytes are copied for diagnostics.
    let (s, loaded) = best_of_three(|| {
        labelkit_cvat::read_bytes(Path::new("gen.xml"), &bytes, &Default::default()).unwrap()
    });
    println!(
        "read_bytes: {} MB, {} images, {} boxes in {s:.3} s: {:.0} MB/s",
        bytes.len() >> 20,
        loaded.dataset.images.len(),
        loaded.dataset.annotations.len(),
        mb_per_s(bytes.len(), s)
    );

    let mut out = Vec::new();
    let (s, ()) = best_of_three(|| {
        out = Vec::with_capacity(bytes.len() + (bytes.len() >> 2));
        labelkit_cvat::write_to(&loaded.dataset, &mut out, &Default::default()).unwrap();
    });
    println!(
        "write_to(Vec): {} MB in {s:.3} s: {:.0} MB/s",
        out.len() >> 20,
        mb_per_s(out.len(), s)
    );
}
