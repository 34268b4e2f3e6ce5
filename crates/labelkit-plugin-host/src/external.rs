//! A loaded plugin as a set of rules of the rule engine.

use labelkit_diagnostics::Severity;
use labelkit_model::{Annotation, AnnotationId, Dataset, Image, ImageId};
use labelkit_rules::{ExternalFinding, ExternalRules, RuleMeta, RuleStatus};

use crate::plugin::{Plugin, PluginFinding};

impl From<PluginFinding> for ExternalFinding {
    fn from(f: PluginFinding) -> Self {
        Self {
            code: f.code,
            message: f.message,
            severity: f.severity,
            image: f.image.map(ImageId),
            annotation: f.annotation.map(AnnotationId),
            help: f.help,
        }
    }
}

impl ExternalRules for Plugin {
    fn name(&self) -> String {
        self.manifest().name.clone()
    }

    fn prefix(&self) -> String {
        self.manifest().prefix.clone()
    }

    fn metas(&self) -> Vec<RuleMeta> {
        let m = self.manifest();
        m.rules
            .iter()
            .map(|r| {
                let mut doc = format!("# {} ({})\n\n", r.name, r.code);
                doc.push_str(r.docs.trim_end());
                doc.push_str(&format!(
                    "\n\nProvided by plugin `{}` {} ({}).\n",
                    m.name,
                    m.version,
                    self.path().display()
                ));
                RuleMeta::new(
                    r.code.clone(),
                    r.name.clone(),
                    m.name.clone(),
                    Severity::from(r.severity),
                    RuleStatus::Stable,
                    doc,
                )
            })
            .collect()
    }

    fn begin(&self, dataset: &Dataset, options: &toml::Value) -> Result<(), String> {
        ExternalRules::begin_with(self, dataset, options, None)
    }

    fn begin_with(
        &self,
        dataset: &Dataset,
        options: &toml::Value,
        neighbours: Option<std::sync::Arc<dyn labelkit_rules::Neighbours>>,
    ) -> Result<(), String> {
        let options = serde_json::to_value(options).map_err(|e| {
            format!(
                "cannot pass the options of `{}` on as JSON: {e}",
                self.manifest().name
            )
        })?;
        Plugin::begin_with(self, &options, dataset, neighbours).map_err(|e| e.to_string())
    }

    fn check_image(
        &self,
        dataset: &Dataset,
        image: &Image,
        annotations: &[&Annotation],
    ) -> Vec<ExternalFinding> {
        Plugin::check_image(self, dataset, image, annotations)
            .into_iter()
            .map(Into::into)
            .collect()
    }

    fn finish(&self, _dataset: &Dataset) -> Vec<ExternalFinding> {
        Plugin::finish(self).into_iter().map(Into::into).collect()
    }
}
