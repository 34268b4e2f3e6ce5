//! Measures reader throughput on a generated CVAT for images file:
//! `cargo run --release -p labelkit-cvat --example throughput [MB]`.
use std::fmt::Write as _;
use std::time::Instant;

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n  <meta><task><labels><label><name>person</name><attributes><attribute><name>gender</name><input_type>select</input_type><values>m\nf</values></attribute></attributes></label></labels></task></meta>\n");
    let mut i = 0u64;
    while xml.len() < mb << 20 {
        let _ = writeln!(
            xml,
            "  <image id=\"{i}\" name=\"img_{i:06}.jpg\" width=\"1920\" height=\"1080\">"
        );
        for j in 0..7u64 {
            let x = (i * 7 + j) % 1800;
            let _ = write!(xml, "    <box label=\"person\" source=\"manual\" occluded=\"0\" xtl=\"{x}.25\" ytl=\"{}.50\" xbr=\"{}.75\" ybr=\"{}.00\" z_order=\"0\">\n      <attribute name=\"gender\">m</attribute>\n    </box>\n", x / 2, x + 40, x / 2 + 90);
        }
        xml.push_str("  </image>\n");
        i += 1;
    }
    xml.push_str("</annotations>\n");
    let bytes = xml.into_bytes();
    let t = Instant::now();
    let mut reader = quick_xml::Reader::from_reader(bytes.as_slice());
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
    let s = t.elapsed().as_secs_f64();
    println!(
        "quick-xml events and attributes alone ({n}): {:.0} MB/s",
        bytes.len() as f64 / s / 1e6
    );
    let t = Instant::now();
    let loaded =
        labelkit_cvat::read_bytes(std::path::Path::new("gen.xml"), &bytes, &Default::default())
            .unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "{} MB, {} images, {} boxes in {:.3} s: {:.0} MB/s",
        bytes.len() >> 20,
        loaded.dataset.images.len(),
        loaded.dataset.annotations.len(),
        s,
        bytes.len() as f64 / s / 1e6
    );
}
