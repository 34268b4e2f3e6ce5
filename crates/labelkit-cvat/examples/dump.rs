fn main() {
    for p in std::env::args().skip(1) {
        let l = labelkit_cvat::read_path(std::path::Path::new(&p), &Default::default());
        match l {
            Ok(l) => {
                println!(
                    "{p}: images {} anns {} tracks {} labels {} issues {}",
                    l.dataset.images.len(),
                    l.dataset.annotations.len(),
                    l.dataset.tracks.len(),
                    l.dataset.labels.len(),
                    l.issues.len()
                );
                for i in &l.issues {
                    println!(
                        "  {} {} {:?}",
                        i.code,
                        i.message,
                        i.primary.as_ref().map(|p| p.span)
                    );
                }
            }
            Err(e) => println!("{p}: ERR {e}"),
        }
    }
}
