//! Pure JSON-Schema work (no I/O): the form tree, defaults, validation and config stubs.

// TEMPORARY until the schema engine lands: top-level defaults only.
pub fn with_defaults(schema: &serde_json::Value, config: &serde_json::Value) -> serde_json::Value {
    let mut out = config.clone();
    if let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(|p| p.as_object()),
        out.as_object_mut(),
    ) {
        for (k, p) in props {
            if let Some(d) = p.get("default") {
                obj.entry(k.clone()).or_insert_with(|| d.clone());
            }
        }
    }
    out
}
