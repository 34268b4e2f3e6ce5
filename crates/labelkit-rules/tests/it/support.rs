//! Helpers shared by the tests.

use labelkit_diagnostics::{render, Diagnostic, Loaded, OutputFormat, RenderOptions, SourceMap};
use labelkit_rules::{Checker, Config, Registry, Selection};

/// Checks `loaded` with the built-in registry and `config`.
pub(crate) fn check(loaded: &Loaded, config: &Config) -> Vec<Diagnostic> {
    let registry = Registry::builtin();
    Checker::new(&registry, config, Selection::from_config(config)).check(loaded)
}

/// `path:line:col: CODE [image/annotation] message`, one line each: a
/// summary independent of the renderers, for assertions.
pub(crate) fn summary(diagnostics: &[Diagnostic], sources: &SourceMap) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| {
            let place = d.primary.as_ref().and_then(|l| {
                let f = sources.get(l.file)?;
                let lc = f.line_col(l.span.start);
                Some(format!("{}:{}:{}", f.path().display(), lc.line, lc.column))
            });
            let place = place
                .or_else(|| d.path.as_ref().map(|p| p.display().to_string()))
                .unwrap_or_else(|| "-".to_owned());
            format!(
                "{place}: {} {} [image {:?} annotation {:?}] {}",
                d.code, d.severity, d.image, d.annotation, d.message
            )
        })
        .collect()
}

/// The concise rendering.
pub(crate) fn concise(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    render(
        OutputFormat::Concise,
        diagnostics,
        sources,
        &RenderOptions::default(),
    )
}

/// The full rendering.
pub(crate) fn full(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    render(
        OutputFormat::Full,
        diagnostics,
        sources,
        &RenderOptions::default(),
    )
}
