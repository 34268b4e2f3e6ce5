//! Integration tests of the plugin host: the two example plugins (Rust and
//! C) loaded and run through the checker, the ABI header kept in step with
//! the Rust definitions, and every failure with its message.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use labelkit_diagnostics::{
    render, ByteSpan, Diagnostic, OutputFormat, RenderOptions, SourceFile, SourceMap, SourceSpan,
    SpanTable,
};
use labelkit_model::{Annotation, AnnotationId, BoxGeom, Dataset, Geometry, Image, ImageId, Label};
use labelkit_plugin_host::{load_plugin, register, Plugin, PluginError};
use labelkit_rules::{Checker, Config, Registry, Selection};

// ---------------------------------------------------------------- building

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A folder of build products of these tests, apart from the main target
/// folder so that building a plugin never waits on the test run's lock.
fn scratch() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
        .join("plugin-test");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn dll_name(stem: &str) -> String {
    format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Builds `plugins/augmented-copies` with cargo, once.
fn augmented_copies() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let target = scratch().join("cargo");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args(["build", "--quiet", "-p", "augmented-copies", "--lib"])
            .current_dir(workspace_root())
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "cargo build -p augmented-copies failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lib = target.join("debug").join(dll_name("augmented_copies"));
        assert!(lib.is_file(), "{} was not built", lib.display());
        lib
    })
}

fn header_dir() -> PathBuf {
    workspace_root().join("crates/labelkit-plugin-abi/include")
}

/// Compiles a C source into a shared library with the system compiler.
fn compile_c(source: &Path, out_stem: &str, defines: &[&str]) -> PathBuf {
    let dir = scratch().join("c");
    std::fs::create_dir_all(&dir).unwrap();
    let lib = dir.join(dll_name(out_stem));
    let mut cmd = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()));
    cmd.args(["-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&lib)
        .arg(source)
        .arg("-I")
        .arg(header_dir());
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "cc {} failed:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    lib
}

fn c_example() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        compile_c(
            &workspace_root().join("plugins/c-example/c_example.c"),
            "c_example",
            &[],
        )
    })
}

/// The fault-injecting C plugin, compiled once per fault.
fn faulty(fault: &str) -> PathBuf {
    static LIBS: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut libs = LIBS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    libs.entry(fault.to_owned())
        .or_insert_with(|| {
            let source =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faulty_plugin.c");
            compile_c(
                &source,
                &format!("faulty_{}", fault.to_lowercase()),
                &[&format!("FAULT_{fault}")],
            )
        })
        .clone()
}

// ---------------------------------------------------------------- datasets

/// A dataset with a fake source file: one line per image and annotation,
/// so that each finding's line names what it is about.
struct Fixture {
    dataset: Dataset,
    spans: SpanTable,
    sources: SourceMap,
}

enum Item {
    Image(u64, &'static str, u32, u32),
    /// id, image, label, x, y, w, h
    Box(u64, u64, &'static str, f64, f64, f64, f64),
}

fn fixture(items: &[Item]) -> Fixture {
    let mut dataset = Dataset::new();
    let mut spans = SpanTable::new();
    let mut text = String::from("{\n");
    let mut sources = SourceMap::new();
    let file = sources.add_path("dataset.json");
    let mut sources = SourceMap::new();
    for item in items {
        let start = text.len() + 2;
        let line = match *item {
            Item::Image(id, name, w, h) => {
                format!("  {{\"image\": {id}, \"file_name\": \"{name}\", \"width\": {w}, \"height\": {h}}},\n")
            }
            Item::Box(id, image, label, x, y, w, h) => {
                format!("  {{\"annotation\": {id}, \"image\": {image}, \"label\": \"{label}\", \"bbox\": [{x}, {y}, {w}, {h}]}},\n")
            }
        };
        let span = SourceSpan {
            file,
            span: ByteSpan::new(start, text.len() + line.len() - 2),
        };
        text.push_str(&line);
        match *item {
            Item::Image(id, name, width, height) => {
                dataset.images.push(Image {
                    id: ImageId(id),
                    file_name: name.to_owned(),
                    width,
                    height,
                    ..Image::default()
                });
                spans.images.push(Some(span));
            }
            Item::Box(id, image, label, x, y, w, h) => {
                let label = dataset
                    .labels
                    .find(label)
                    .unwrap_or_else(|| dataset.labels.push(Label::new(label)));
                dataset.annotations.push(Annotation::new(
                    AnnotationId(id),
                    ImageId(image),
                    label,
                    Geometry::Box(BoxGeom::from_xyxy(x, y, x + w, y + h)),
                ));
                spans.annotations.push(Some(span));
            }
        }
    }
    text.push_str("}\n");
    let added = sources.add(SourceFile::with_text("dataset.json", text.into_bytes()));
    assert_eq!(added, file);
    spans.dataset_file = Some(file);
    Fixture {
        dataset,
        spans,
        sources,
    }
}

/// Runs the checker with `config` (TOML) and the plugins at `paths`; returns
/// the concise output lines of the codes starting with one of `codes`.
fn check(fx: &Fixture, config: &str, paths: &[&Path], codes: &[&str]) -> Vec<String> {
    let diagnostics = check_diagnostics(fx, config, paths);
    let wanted: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| codes.iter().any(|c| d.code.starts_with(c)))
        .collect();
    let options = RenderOptions::new().with_color(false);
    render(OutputFormat::Concise, &wanted, &fx.sources, &options)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn check_diagnostics(fx: &Fixture, config: &str, paths: &[&Path]) -> Vec<Diagnostic> {
    let config = Config::from_toml_str(config, "labelkit.toml").unwrap();
    let mut registry = Registry::builtin();
    for path in paths {
        register(&mut registry, path).unwrap();
    }
    let selection = Selection::from_config(&config);
    Checker::new(&registry, &config, selection).check_parts(
        &fx.dataset,
        &fx.spans,
        &fx.sources,
        &[],
    )
}

fn copies_dataset() -> Fixture {
    use Item::{Box as B, Image as I};
    fixture(&[
        I(1, "street.jpg", 100, 100),
        B(10, 1, "person", 10.0, 10.0, 30.0, 60.0),
        B(11, 1, "head", 15.0, 12.0, 10.0, 10.0),
        // A faithful copy.
        I(2, "street_noise1.jpg", 100, 100),
        B(20, 2, "head", 15.0, 12.0, 10.0, 10.0),
        B(21, 2, "person", 10.0, 10.0, 30.0, 60.0),
        // A copy that lost the head, moved the person and gained a dog.
        I(3, "street_noise2.jpg", 100, 100),
        B(30, 3, "person", 20.0, 10.0, 30.0, 60.0),
        B(31, 3, "dog", 60.0, 60.0, 20.0, 20.0),
        // A copy of another size.
        I(4, "park.jpg", 200, 100),
        B(40, 4, "person", 1.0, 1.0, 10.0, 10.0),
        I(5, "park_noise1.jpg", 100, 100),
        // Not a copy: no original.
        I(6, "beach_noise1.jpg", 100, 100),
    ])
}

// ------------------------------------------------------- augmented-copies

#[test]
fn augmented_copies_findings_through_the_checker() {
    let fx = copies_dataset();
    let lib = augmented_copies();
    let config = format!(
        "[plugins.augmented-copies]\npath = {:?}\n",
        lib.display().to_string()
    );
    let lines = check(&fx, &config, &[lib], &["CPY", "L"]);
    assert_eq!(
        lines,
        [
            "dataset.json:8:3: CPY001 `head` box at [15, 12, 10, 10] of the original `street.jpg` (annotation 11) is missing in this copy",
            "dataset.json:9:3: CPY003 `person` box moved: IoU 0.500 with annotation 10 of the original `street.jpg` is below 0.95",
            "dataset.json:10:3: CPY002 `dog` box at [60, 60, 20, 20] is not in the original `street.jpg`",
            "dataset.json:13:3: CPY004 copy is 100x100 but its original `park.jpg` is 200x100; its boxes were not compared",
        ]
    );
}

#[test]
fn augmented_copies_options_and_selection() {
    let fx = copies_dataset();
    let lib = augmented_copies();
    // A looser tolerance accepts the moved person (IoU 0.5); CPY002 ignored.
    let config = "ignore = [\"CPY002\"]\n[plugins.augmented-copies]\niou = 0.5\n";
    let lines = check(&fx, config, &[lib], &["CPY", "L"]);
    let codes: Vec<&str> = lines.iter().map(|l| l.split(' ').nth(1).unwrap()).collect();
    assert_eq!(codes, ["CPY001", "CPY004"], "{lines:#?}");

    // A pattern that matches nothing: no findings at all.
    let config = "[plugins.augmented-copies]\npatterns = [\"{name}-copy{n}.{ext}\"]\n";
    assert_eq!(
        check(&fx, config, &[lib], &["CPY", "L"]),
        Vec::<String>::new()
    );

    // Selecting only the G family leaves the plugin out.
    let config = "select = [\"G\"]\n";
    assert_eq!(
        check(&fx, config, &[lib], &["CPY", "L"]),
        Vec::<String>::new()
    );
}

#[test]
fn augmented_copies_bad_option_is_reported_and_run_goes_on() {
    let fx = copies_dataset();
    let lib = augmented_copies();
    let config = "[plugins.augmented-copies]\niou = 2\n";
    let diagnostics = check_diagnostics(&fx, config, &[lib]);
    let failed: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.code == "L001").collect();
    assert_eq!(failed.len(), 1, "{diagnostics:#?}");
    assert!(
        failed[0].message.ends_with(&format!(
            "{}: `open` failed: `iou` must be a number in (0, 1], found 2",
            lib.display()
        )),
        "{}",
        failed[0].message
    );
    assert!(!diagnostics.iter().any(|d| d.code.starts_with("CPY")));
}

#[test]
fn plugin_rules_are_listed_with_their_docs() {
    let mut registry = Registry::builtin();
    register(&mut registry, augmented_copies()).unwrap();
    let codes: Vec<&str> = registry
        .rules()
        .filter(|m| m.family == "augmented-copies")
        .map(|m| m.code.as_str())
        .collect();
    assert_eq!(
        codes,
        ["CPY001", "CPY002", "CPY003", "CPY004", "CPY005", "CPY006"]
    );
    let meta = registry.get("CPY003").unwrap();
    assert_eq!(meta.name, "copy-box-moved");
    assert_eq!(registry.get("copy-box-moved").unwrap().code, "CPY003");
    assert_eq!(meta.default_severity, labelkit_diagnostics::Severity::Error);
    assert_eq!(
        meta.summary(),
        "Finds boxes of a copy that match a box of the same label in the original, but\nnot closely enough: their IoU is below the tolerance (`iou`, 0.95 by\ndefault)."
    );
    for heading in labelkit_rules::DOC_HEADINGS {
        assert!(
            meta.doc.contains(&format!("## {heading}")),
            "no {heading} in {}",
            meta.doc
        );
    }
    assert!(meta
        .doc
        .contains("Provided by plugin `augmented-copies` 0.1.0"));

    // The same library loaded twice: the registry refuses the second prefix.
    let err = register(&mut registry, augmented_copies()).unwrap_err();
    assert!(
        err.to_string()
            .contains("code prefix `CPY` overlaps `CPY` of plugin `augmented-copies`"),
        "{err}"
    );
}

// -------------------------------------------------------------- C example

#[test]
fn c_example_findings_through_the_checker() {
    use Item::{Box as B, Image as I};
    let fx = fixture(&[
        I(7, "tiny.jpg", 16, 16),
        B(70, 7, "person", 1.0, 1.0, 10.0, 10.0),
        I(8, "wide.jpg", 640, 480),
        B(80, 8, "person", 10.0, 10.0, 50.0, 100.0),
        B(81, 8, "bar", 10.0, 10.0, 200.0, 4.0),
        B(82, 8, "pole", 300.0, 10.0, 2.0, 60.0),
    ]);
    let lib = c_example();
    let lines = check(&fx, "", &[lib], &["CEX", "L"]);
    assert_eq!(
        lines,
        [
            "dataset.json:2:3: CEX001 image is 16x16, smaller than 32 pixels",
            "dataset.json:6:3: CEX002 box is 200x4, a side ratio above 10",
            "dataset.json:7:3: CEX002 box is 2x60, a side ratio above 10",
        ]
    );
    // Options reach the C plugin.
    let config = "[plugins.c-example]\nmin-size = 8\nmax-aspect = 40\n";
    let lines = check(&fx, config, &[lib], &["CEX", "L"]);
    assert_eq!(
        lines,
        ["dataset.json:6:3: CEX002 box is 200x4, a side ratio above 40"]
    );
}

#[test]
fn c_example_manifest() {
    let plugin = load_plugin(c_example()).unwrap();
    let m = plugin.manifest();
    assert_eq!(
        (m.name.as_str(), m.version.as_str(), m.prefix.as_str()),
        ("c-example", "0.1.0", "CEX")
    );
    let rules: Vec<(&str, &str)> = m
        .rules
        .iter()
        .map(|r| (r.code.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(rules, [("CEX001", "small-image"), ("CEX002", "flat-box")]);
    // Built against the header of minor 1 (without `open_with_host`).
    assert_eq!(plugin.abi_minor(), 1);
}

// -------------------------------------------------------- header and ABI

/// Compiles and runs a C program that prints the header's layout and
/// constants, and compares them with the Rust definitions.
#[test]
fn c_header_layout_matches_rust() {
    use labelkit_plugin_abi::{LkHostV1, LkInput, LkOutput, LkPluginV1};
    use std::mem::{offset_of, size_of};
    let dir = scratch().join("c");
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("layout.c");
    std::fs::write(
        &source,
        r#"#include <stdio.h>
#include "labelkit_plugin.h"
#define F(T, f) printf(#T "." #f " %zu\n", offsetof(T, f))
int main(void) {
    printf("major %d\nminor %d\nschema %d\nok %d\nerror %d\npanic %d\n",
           LABELKIT_PLUGIN_ABI_MAJOR, LABELKIT_PLUGIN_ABI_MINOR, LABELKIT_PLUGIN_SCHEMA,
           LK_OK, LK_ERROR, LK_PANIC);
    printf("sizeof.LkInput %zu\nsizeof.LkOutput %zu\nsizeof.LkPluginV1 %zu\nsizeof.LkStatus %zu\n",
           sizeof(LkInput), sizeof(LkOutput), sizeof(LkPluginV1), sizeof(LkStatus));
    F(LkInput, ptr); F(LkInput, len); F(LkOutput, ptr); F(LkOutput, len);
    F(LkPluginV1, abi_minor); F(LkPluginV1, struct_size); F(LkPluginV1, describe);
    F(LkPluginV1, open); F(LkPluginV1, check_image); F(LkPluginV1, finish);
    F(LkPluginV1, close); F(LkPluginV1, free_buffer); F(LkPluginV1, open_with_host);
    printf("sizeof.LkHostV1 %zu\n", sizeof(LkHostV1));
    F(LkHostV1, abi_minor); F(LkHostV1, struct_size); F(LkHostV1, ctx);
    F(LkHostV1, request); F(LkHostV1, free_buffer);
    return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.join("layout");
    let status = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()))
        .arg("-o")
        .arg(&exe)
        .arg(&source)
        .arg("-I")
        .arg(header_dir())
        .status()
        .unwrap();
    assert!(status.success());
    let output = String::from_utf8(Command::new(&exe).output().unwrap().stdout).unwrap();
    let expected = format!(
        "major {}\nminor {}\nschema {}\nok {}\nerror {}\npanic {}\n\
         sizeof.LkInput {}\nsizeof.LkOutput {}\nsizeof.LkPluginV1 {}\nsizeof.LkStatus {}\n\
         LkInput.ptr {}\nLkInput.len {}\nLkOutput.ptr {}\nLkOutput.len {}\n\
         LkPluginV1.abi_minor {}\nLkPluginV1.struct_size {}\nLkPluginV1.describe {}\n\
         LkPluginV1.open {}\nLkPluginV1.check_image {}\nLkPluginV1.finish {}\n\
         LkPluginV1.close {}\nLkPluginV1.free_buffer {}\nLkPluginV1.open_with_host {}\n\
         sizeof.LkHostV1 {}\nLkHostV1.abi_minor {}\nLkHostV1.struct_size {}\nLkHostV1.ctx {}\n\
         LkHostV1.request {}\nLkHostV1.free_buffer {}\n",
        labelkit_plugin_abi::LABELKIT_PLUGIN_ABI_MAJOR,
        labelkit_plugin_abi::LABELKIT_PLUGIN_ABI_MINOR,
        labelkit_plugin_abi::LABELKIT_PLUGIN_SCHEMA,
        labelkit_plugin_abi::LK_OK,
        labelkit_plugin_abi::LK_ERROR,
        labelkit_plugin_abi::LK_PANIC,
        size_of::<LkInput>(),
        size_of::<LkOutput>(),
        size_of::<LkPluginV1>(),
        size_of::<labelkit_plugin_abi::LkStatus>(),
        offset_of!(LkInput, ptr),
        offset_of!(LkInput, len),
        offset_of!(LkOutput, ptr),
        offset_of!(LkOutput, len),
        offset_of!(LkPluginV1, abi_minor),
        offset_of!(LkPluginV1, struct_size),
        offset_of!(LkPluginV1, describe),
        offset_of!(LkPluginV1, open),
        offset_of!(LkPluginV1, check_image),
        offset_of!(LkPluginV1, finish),
        offset_of!(LkPluginV1, close),
        offset_of!(LkPluginV1, free_buffer),
        offset_of!(LkPluginV1, open_with_host),
        size_of::<LkHostV1>(),
        offset_of!(LkHostV1, abi_minor),
        offset_of!(LkHostV1, struct_size),
        offset_of!(LkHostV1, ctx),
        offset_of!(LkHostV1, request),
        offset_of!(LkHostV1, free_buffer),
    );
    assert_eq!(output, expected);
}

// --------------------------------------------------------------- failures

fn load_err(path: &Path) -> String {
    load_plugin(path).unwrap_err().to_string()
}

#[test]
fn missing_file_is_named() {
    let path = scratch().join("no-such-plugin.so");
    assert_eq!(
        load_err(&path),
        format!(
            "plugin library {} does not exist: expected a shared library (.so, .dylib or .dll) built as a labelkit plugin",
            path.display()
        )
    );
}

#[test]
fn file_that_is_not_a_library() {
    let path = scratch().join("not-a-library.so");
    std::fs::write(&path, b"this is text, not machine code\n").unwrap();
    let message = load_err(&path);
    assert!(
        message.starts_with(&format!("cannot load plugin library {}: ", path.display())),
        "{message}"
    );
}

#[test]
fn missing_entry_symbol() {
    let path = faulty("NO_ENTRY");
    assert_eq!(
        load_err(&path),
        format!(
            "{} is not a labelkit plugin for ABI major 1: it exports no `labelkit_plugin_v1` symbol",
            path.display()
        )
    );
}

#[test]
fn wrong_abi_major() {
    let path = faulty("MAJOR2");
    assert_eq!(
        load_err(&path),
        format!(
            "{} is not a labelkit plugin for ABI major 1: it exports no `labelkit_plugin_v1` symbol; \
             it exports `labelkit_plugin_v2`, so it was built for ABI major 2: rebuild it against this labelkit's plugin SDK",
            path.display()
        )
    );
}

#[test]
fn abi_minor_outside_the_supported_range() {
    let path = faulty("MINOR");
    assert_eq!(
        load_err(&path),
        format!(
            "{}: plugin ABI version 1.7 is not supported: this labelkit supports 1.0 to 1.1",
            path.display()
        )
    );
}

#[test]
fn table_too_small_or_incomplete() {
    let path = faulty("SMALL_TABLE");
    assert_eq!(
        load_err(&path),
        format!(
            "{}: the plugin table is 8 bytes: expected at least {} bytes for ABI 1.1",
            path.display(),
            labelkit_plugin_abi::LK_PLUGIN_V1_MIN_SIZE
        )
    );
    let path = faulty("NULL_FUNCTION");
    assert_eq!(
        load_err(&path),
        format!(
            "{}: the plugin table has no `finish` function: expected every function of ABI 1.1",
            path.display()
        )
    );
}

#[test]
fn invalid_json_from_describe() {
    let path = faulty("DESCRIBE_JSON");
    assert_eq!(
        load_err(&path),
        format!(
            "{}: `describe` returned invalid JSON: EOF while parsing a value at line 1 column 28; \
             expected a manifest {{\"schema\": 1, \"name\", \"version\", \"prefix\", \"rules\": [...]}}",
            path.display()
        )
    );
}

#[test]
fn prefix_colliding_with_built_in_codes() {
    let path = faulty("PREFIX");
    assert_eq!(
        load_err(&path),
        format!(
            "{}: plugin `faulty` declares code prefix `GEO`, which collides with the built-in G (geometry) codes: \
             a plugin prefix must not start with F, G, A, K, D or L",
            path.display()
        )
    );
}

/// [`Plugin::check_image`] on the image at `pos` of `dataset` with the
/// annotations at `annotations`; nothing when there is no such image.
fn check_at(
    plugin: &Plugin,
    dataset: &Dataset,
    pos: usize,
    annotations: &[usize],
) -> Vec<labelkit_plugin_host::PluginFinding> {
    let Some(image) = dataset.images.get(pos) else {
        return Vec::new();
    };
    let annotations: Vec<&Annotation> = annotations
        .iter()
        .map(|&a| &dataset.annotations[a])
        .collect();
    plugin.check_image(dataset, image, &annotations)
}

fn two_images() -> Fixture {
    use Item::{Box as B, Image as I};
    fixture(&[
        I(1, "a.jpg", 64, 64),
        B(10, 1, "person", 1.0, 1.0, 9.0, 9.0),
        I(2, "b.jpg", 64, 64),
    ])
}

#[test]
fn well_behaved_faulty_plugin_flags_every_image() {
    let lines = check(&two_images(), "", &[&faulty("NONE")], &["BAD", "L"]);
    assert_eq!(
        lines,
        [
            "dataset.json:2:3: BAD001 flagged",
            "dataset.json:4:3: BAD001 flagged"
        ]
    );
}

#[test]
fn invalid_json_from_check_image_is_a_finding() {
    let path = faulty("CHECK_JSON");
    let plugin = load_plugin(&path).unwrap();
    let fx = two_images();
    plugin.begin(&serde_json::json!({}), &fx.dataset).unwrap();
    let findings = check_at(&plugin, &fx.dataset, 0, &[0]);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, "L001");
    assert_eq!(findings[0].image, Some(1));
    assert_eq!(
        findings[0].message,
        format!(
            "{}: `check_image` returned invalid JSON: EOF while parsing a value at line 1 column 32; \
             expected a findings document {{\"schema\": 1, \"findings\": [...]}}",
            path.display()
        )
    );
    assert!(plugin.finish().is_empty());
}

#[test]
fn error_status_and_undeclared_codes_become_findings() {
    let fx = two_images();
    let path = faulty("CHECK_ERROR");
    let diagnostics = check_diagnostics(&fx, "", &[&path]);
    let failed: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code == "L001")
        .map(|d| d.message.as_str())
        .collect();
    let expected = format!(
        "{}: `check_image` failed: cannot read the image attributes",
        path.display()
    );
    assert_eq!(failed.len(), 2, "{diagnostics:#?}");
    assert!(failed.iter().all(|m| m.ends_with(&expected)), "{failed:#?}");

    let path = faulty("UNDECLARED");
    let plugin = load_plugin(&path).unwrap();
    plugin.begin(&serde_json::json!(null), &fx.dataset).unwrap();
    let findings = check_at(&plugin, &fx.dataset, 1, &[]);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, "L001");
    assert_eq!(
        findings[0].message,
        format!(
            "{}: plugin `faulty` returned code `BAD999`, which it does not declare (its message: surprise)",
            path.display()
        )
    );
}

#[test]
fn open_error_is_reported_and_other_rules_run() {
    let fx = two_images();
    let path = faulty("OPEN_ERROR");
    let plugin = load_plugin(&path).unwrap();
    assert_eq!(
        plugin
            .begin(&serde_json::json!({}), &fx.dataset)
            .unwrap_err()
            .to_string(),
        format!(
            "{}: `open` failed: option `threshold` is required",
            path.display()
        )
    );
    // Without a session, checking says so instead of calling the plugin.
    let findings = check_at(&plugin, &fx.dataset, 0, &[0]);
    assert_eq!(
        findings[0].message,
        format!(
            "{}: `check_image` called without an open session: call begin first",
            path.display()
        )
    );
}

// ------------------------------------------------------------------ limits

/// Runs the buffer-fault plugin over `two_images` and asserts what comes
/// back: on each image an `L001` that the output of `check_image` is
/// refused for `problem`, then `finish`'s count of the buffers given back
/// to `free_buffer`.
fn assert_refused_on_each_image(fault: &str, problem: &str, freed: usize) {
    let path = faulty(fault);
    let plugin = load_plugin(&path).unwrap();
    let fx = two_images();
    plugin.begin(&serde_json::json!({}), &fx.dataset).unwrap();
    let mut messages = Vec::new();
    for pos in 0..2 {
        for f in check_at(&plugin, &fx.dataset, pos, &[]) {
            assert_eq!(f.code, "L001", "{f:?}");
            messages.push((f.message, f.image));
        }
    }
    for f in plugin.finish() {
        messages.push((f.message, f.image));
    }
    let refused = format!(
        "{}: `check_image` returned {problem}: its output is refused",
        path.display()
    );
    assert_eq!(
        messages,
        [
            (refused.clone(), Some(1)),
            (refused, Some(2)),
            (format!("freed {freed}"), None)
        ]
    );
}

#[test]
fn a_length_of_size_max_is_refused_and_the_buffer_still_freed() {
    assert_refused_on_each_image(
        "HUGE_LEN",
        &format!(
            "a buffer of {} bytes, more than the limit of 67108864 bytes (64 MiB) per call",
            usize::MAX
        ),
        2,
    );
}

#[test]
fn a_null_buffer_with_a_length_is_refused() {
    // A null pointer is never given to free_buffer.
    assert_refused_on_each_image(
        "NULL_LEN",
        "a null buffer with a length of 5 bytes (expected a pointer to the bytes, or a length of 0)",
        0,
    );
}

#[test]
fn an_output_over_64_mib_is_refused_and_freed() {
    assert_refused_on_each_image(
        "BIG_OUTPUT",
        "a buffer of 67108865 bytes, more than the limit of 67108864 bytes (64 MiB) per call",
        2,
    );
    assert_eq!(labelkit_plugin_host::MAX_OUTPUT_BYTES, 67_108_864);
}

#[test]
fn findings_past_the_limit_per_check_are_counted_and_left_out() {
    use Item::Image as I;
    let fx = fixture(&[
        I(1, "a.jpg", 8, 8),
        I(2, "b.jpg", 8, 8),
        I(3, "c.jpg", 8, 8),
    ]);
    let path = faulty("FLOOD");
    let plugin = load_plugin(&path).unwrap();
    plugin.begin(&serde_json::json!({}), &fx.dataset).unwrap();
    // 60,000 findings fit.
    let first = check_at(&plugin, &fx.dataset, 0, &[]);
    assert_eq!(first.len(), 60_000);
    assert!(first.iter().all(|f| f.code == "BAD001"));
    // The next 60,000 go past 100,000: 40,000 are kept, 20,000 counted.
    let second = check_at(&plugin, &fx.dataset, 1, &[]);
    assert_eq!(second.len(), 40_001);
    assert_eq!(second.iter().filter(|f| f.code == "BAD001").count(), 40_000);
    let last = second.last().unwrap();
    assert_eq!(last.code, "L001");
    assert_eq!(last.image, None);
    assert_eq!(
        last.message,
        format!(
            "{}: plugin `faulty`: `check_image` returned findings beyond the limit of 100000 \
             findings per check: 20000 were left out, and the plugin is not called again in this check",
            path.display()
        )
    );
    // The plugin is not called again in this check, finish included.
    assert!(check_at(&plugin, &fx.dataset, 2, &[]).is_empty());
    assert!(plugin.finish().is_empty());
    // The next check starts afresh.
    plugin.begin(&serde_json::json!({}), &fx.dataset).unwrap();
    assert_eq!(check_at(&plugin, &fx.dataset, 2, &[]).len(), 60_000);
    assert_eq!(labelkit_plugin_host::MAX_FINDINGS_PER_SESSION, 100_000);
}

#[test]
fn buffer_faults_go_through_the_checker_as_l001_and_the_run_goes_on() {
    let fx = two_images();
    let path = faulty("HUGE_LEN");
    let lines = check(&fx, "", &[&path], &["BAD", "L"]);
    let refused = format!(
        "`check_image` returned a buffer of {} bytes, more than the limit of 67108864 bytes \
         (64 MiB) per call: its output is refused",
        usize::MAX
    );
    // Each refusal is on its image; finish still ran.
    assert_eq!(
        lines,
        [
            "dataset.json: BAD001 freed 2".to_owned(),
            format!("dataset.json:2:3: L001 {}: {refused}", path.display()),
            format!("dataset.json:4:3: L001 {}: {refused}", path.display()),
        ]
    );
}

// ------------------------------------------------------------------ panics

/// A Rust plugin that panics on images whose name contains "boom".
struct Panicky {
    seen: u64,
}

impl labelkit_plugin_sdk::Plugin for Panicky {
    fn manifest() -> labelkit_plugin_sdk::Manifest {
        labelkit_plugin_sdk::Manifest::new("panicky", "1.0.0", "PNC").rule(
            labelkit_plugin_sdk::RuleDoc::new(
                "PNC001",
                "panicky-seen",
                labelkit_plugin_sdk::Severity::Warning,
                "counts images",
                "## What it does\nCounts the images it survived.",
            ),
        )
    }

    fn open(_session: labelkit_plugin_sdk::SessionInput) -> Result<Self, String> {
        Ok(Self { seen: 0 })
    }

    fn check_image(
        &mut self,
        input: labelkit_plugin_sdk::ImageInput,
    ) -> Result<Vec<labelkit_plugin_sdk::Finding>, String> {
        assert!(
            !input.image.file_name.contains("boom"),
            "cannot look at {}",
            input.image.file_name
        );
        self.seen += 1;
        Ok(Vec::new())
    }

    fn finish(&mut self) -> Result<Vec<labelkit_plugin_sdk::Finding>, String> {
        Ok(vec![labelkit_plugin_sdk::Finding::on_dataset(
            "PNC001",
            format!("survived {} images", self.seen),
        )])
    }
}

#[test]
#[allow(unsafe_code)]
fn panic_in_a_plugin_is_a_finding_and_the_run_goes_on() {
    let table = labelkit_plugin_sdk::plugin_table!(Panicky);
    // SAFETY: the table was made by the SDK, which honours the ABI.
    let plugin = unsafe { Plugin::from_static_table("in-process/panicky", table) }.unwrap();
    use Item::Image as I;
    let fx = fixture(&[
        I(1, "a.jpg", 64, 64),
        I(2, "boom.jpg", 64, 64),
        I(3, "c.jpg", 64, 64),
    ]);
    let mut registry = Registry::builtin();
    registry.add_external(Box::new(plugin)).unwrap();
    let config = Config::default();
    let diagnostics = Checker::new(&registry, &config, Selection::from_config(&config))
        .check_parts(&fx.dataset, &fx.spans, &fx.sources, &[]);
    let ours: Vec<(&str, &str, Option<u64>)> = diagnostics
        .iter()
        .filter(|d| d.code.starts_with("PNC") || d.code == "L001")
        .map(|d| (d.code.as_str(), d.message.as_str(), d.image))
        .collect();
    assert_eq!(ours.len(), 2, "{ours:#?}");
    let panic = ours.iter().find(|d| d.0 == "L001").unwrap();
    assert!(
        panic
            .1
            .ends_with("in-process/panicky: `check_image` panicked: cannot look at boom.jpg"),
        "{}",
        panic.1
    );
    // The plugin survived the panic and saw the two other images.
    let seen = ours.iter().find(|d| d.0 == "PNC001").unwrap();
    assert_eq!(seen.1, "survived 2 images");
}

#[test]
#[allow(unsafe_code)]
fn panic_finding_names_the_image() {
    let table = labelkit_plugin_sdk::plugin_table!(Panicky);
    // SAFETY: the table was made by the SDK, which honours the ABI.
    let plugin = unsafe { Plugin::from_static_table("in-process/panicky", table) }.unwrap();
    use Item::Image as I;
    let fx = fixture(&[I(41, "boom.jpg", 64, 64)]);
    plugin.begin(&serde_json::json!({}), &fx.dataset).unwrap();
    let findings = check_at(&plugin, &fx.dataset, 0, &[]);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, "L001");
    assert_eq!(findings[0].image, Some(41));
    assert_eq!(
        findings[0].message,
        "in-process/panicky: `check_image` panicked: cannot look at boom.jpg"
    );
}

#[test]
fn errors_are_matchable() {
    assert!(matches!(
        load_plugin(&faulty("MINOR")),
        Err(PluginError::UnsupportedMinor {
            found: 7,
            min: 0,
            max: 1,
            ..
        })
    ));
    assert!(matches!(
        load_plugin(&faulty("MAJOR2")),
        Err(PluginError::MissingEntry {
            found: Some(2),
            expected: 1,
            ..
        })
    ));
}

// ------------------------------------------------- host services (minor 1)

/// A Rust plugin that asks the host, in `finish`, for the siblings of each
/// image it saw and reports what came back.
struct Asker {
    host: Option<labelkit_plugin_sdk::Host>,
    seen: Vec<u64>,
}

impl labelkit_plugin_sdk::Plugin for Asker {
    fn manifest() -> labelkit_plugin_sdk::Manifest {
        labelkit_plugin_sdk::Manifest::new("asker", "1.0.0", "SIB").rule(
            labelkit_plugin_sdk::RuleDoc::new(
                "SIB001",
                "asker-siblings",
                labelkit_plugin_sdk::Severity::Info,
                "lists siblings",
                "## What it does\nLists what the host returns.",
            ),
        )
    }

    fn open(session: labelkit_plugin_sdk::SessionInput) -> Result<Self, String> {
        Ok(Self {
            host: session.host,
            seen: Vec::new(),
        })
    }

    fn check_image(
        &mut self,
        input: labelkit_plugin_sdk::ImageInput,
    ) -> Result<Vec<labelkit_plugin_sdk::Finding>, String> {
        self.seen.push(input.image.id);
        Ok(Vec::new())
    }

    fn finish(&mut self) -> Result<Vec<labelkit_plugin_sdk::Finding>, String> {
        let host = self.host.ok_or("no host services")?;
        let mut out = Vec::new();
        self.seen.sort_unstable();
        for &id in &self.seen {
            let s = host.siblings(id, &["b.jpg".to_owned()], &["a_".to_owned()])?;
            let names: Vec<String> = s
                .images
                .iter()
                .map(|i| {
                    format!(
                        "{}#{} ({} annotations)",
                        i.image.file_name,
                        i.image.id,
                        i.annotations.len()
                    )
                })
                .collect();
            out.push(labelkit_plugin_sdk::Finding::on_image(
                "SIB001",
                id,
                format!(
                    "available {}, truncated {}: {}",
                    s.available,
                    s.truncated,
                    names.join(", ")
                ),
            ));
        }
        // An image outside the check is refused (when the host can read
        // siblings at all).
        let outside = match host.siblings(999, &[], &[]) {
            Ok(s) => format!("image 999: available {}", s.available),
            Err(e) => e,
        };
        out.push(labelkit_plugin_sdk::Finding::on_dataset("SIB001", outside));
        Ok(out)
    }
}

/// Neighbours from memory: every name it knows, one dataset each.
#[derive(Debug)]
struct FakeNeighbours(Vec<&'static str>);

impl labelkit_rules::Neighbours for FakeNeighbours {
    fn read(
        &self,
        _file_name: &str,
        query: &labelkit_rules::NeighbourQuery,
    ) -> Result<labelkit_rules::Neighbourhood, String> {
        let matching: Vec<&str> = self
            .0
            .iter()
            .copied()
            .filter(|n| {
                query.names.iter().any(|q| q == n)
                    || query.prefixes.iter().any(|p| n.starts_with(p.as_str()))
            })
            .collect();
        let datasets = matching
            .iter()
            .take(query.limit)
            .map(|n| {
                use Item::{Box as B, Image as I};
                fixture(&[I(1, n, 64, 64), B(1, 1, "person", 1.0, 1.0, 9.0, 9.0)]).dataset
            })
            .collect();
        Ok(labelkit_rules::Neighbourhood {
            datasets,
            truncated: matching.len() > query.limit,
        })
    }
}

#[test]
#[allow(unsafe_code)]
fn a_plugin_reads_siblings_through_the_host() {
    let table = labelkit_plugin_sdk::plugin_table!(Asker);
    assert_eq!(table.abi_minor, 1);
    // SAFETY: the table was made by the SDK, which honours the ABI.
    let plugin = unsafe { Plugin::from_static_table("in-process/asker", table) }.unwrap();
    assert_eq!(plugin.abi_minor(), 1);
    use Item::Image as I;
    let fx = fixture(&[I(7, "a.jpg", 64, 64)]);
    // With neighbours: `a_1.jpg`, `a_2.jpg` and `b.jpg` match; `a.jpg` is
    // the checked image itself and `c.jpg` matches nothing.
    let neighbours = std::sync::Arc::new(FakeNeighbours(vec![
        "a.jpg", "a_1.jpg", "a_2.jpg", "b.jpg", "c.jpg",
    ]));
    plugin
        .begin_with(&serde_json::json!({}), &fx.dataset, Some(neighbours))
        .unwrap();
    assert!(check_at(&plugin, &fx.dataset, 0, &[]).is_empty());
    let messages: Vec<(Option<u64>, String)> = plugin
        .finish()
        .into_iter()
        .map(|f| (f.image, f.message))
        .collect();
    assert_eq!(
        messages,
        [
            (
                Some(7),
                "available true, truncated false: a_1.jpg#8 (1 annotations), a_2.jpg#9 (1 annotations), b.jpg#10 (1 annotations)".to_owned()
            ),
            (None, "image 999 is not an image of this check".to_owned()),
        ]
    );
    // Without neighbours (a whole-dataset check): nothing is available.
    plugin.begin(&serde_json::json!({}), &fx.dataset).unwrap();
    assert!(check_at(&plugin, &fx.dataset, 0, &[]).is_empty());
    let first = plugin.finish().into_iter().next().unwrap();
    assert_eq!(first.message, "available false, truncated false: ");
}

#[test]
#[allow(unsafe_code)]
fn a_minor_0_table_still_loads_and_runs_without_host_services() {
    // A table as a plugin built for minor 0 has it: 56 bytes declared, and
    // no `open_with_host` read.
    static TABLE: std::sync::OnceLock<labelkit_plugin_abi::LkPluginV1> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = *labelkit_plugin_sdk::plugin_table!(Asker);
        t.abi_minor = 0;
        t.struct_size = u32::try_from(labelkit_plugin_abi::LK_PLUGIN_V1_MIN_SIZE).unwrap();
        t
    });
    // SAFETY: the SDK's functions honour the ABI; only the header changed.
    let plugin = unsafe { Plugin::from_static_table("in-process/asker-v0", table) }.unwrap();
    assert_eq!(plugin.abi_minor(), 0);
    use Item::Image as I;
    let fx = fixture(&[I(7, "a.jpg", 64, 64)]);
    let neighbours = std::sync::Arc::new(FakeNeighbours(vec!["a_1.jpg"]));
    plugin
        .begin_with(&serde_json::json!({}), &fx.dataset, Some(neighbours))
        .unwrap();
    // `open` was called, so the plugin has no host services.
    let findings = plugin.finish();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].code, "L001");
    assert!(
        findings[0]
            .message
            .ends_with("`finish` failed: no host services"),
        "{}",
        findings[0].message
    );
}
