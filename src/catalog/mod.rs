//! Flow catalog types, naming, building a catalog from discovery, merging and atomic writes.
//!
//! The way through, for `catwalk discover`:
//! [`Discovery`] -> [`from_discovery`] -> [`merge`] with the existing `<name>.flow.yaml` ->
//! [`CatalogFiles::plan`] -> [`Plan::write_all`]; [`plan_discovery`] does all but the last step.
//! For `catwalk check --source F`: [`load`]. A materialization: [`NewMaterialization`] (resources from
//! [`resource_for`]) -> [`plan_materialization`] (merged with the file's) -> [`Plan::write_all`].
//! The wizard's task being built or edited, either kind: [`TaskDraft`]. May use `crate::model`, never `connector`, `cli` or `tui`.

mod collection;
mod connector;
mod discovery;
mod files;
mod flow_schema;
mod load;
pub mod materialization;
mod materialization_files;
mod merge;
mod naming;
mod owners;
mod rediscover;
mod resource;
mod task_draft;
mod types;
mod write;
mod yaml_edit;

pub use collection::{
    CollectionProblem, collection_problems, declares, loaded_collection_problems,
};
pub use connector::{
    Reach, Runs, catalog_endpoint, catwalk_command, machine_bound, portable_program, reach,
    read_config, suggested_wrap_tag,
};
pub use discovery::{
    BindingProblem, Discovery, DiscoveryError, Generated, GeneratedBinding, config_file_name,
    flow_file_name, from_discovery, is_key_pointer, read_schema_for, schema_file_name,
};
pub use files::{
    DiscoverOutcome, PlanError, PlanOptions, plan_capture, plan_capture_choosing,
    plan_capture_editing, plan_capture_with, plan_discovery,
};
pub use flow_schema::{flow_schema_validator, validate_catalog, validate_flow_catalog};
pub use load::{
    LoadError, LoadedBinding, LoadedCatalog, LoadedCollection, LoadedTask, load, parse_text,
    read_catalog_file,
};
pub use materialization::{
    FieldChoices, MaterializationMerge, NewBinding, NewMaterialization, Recommended,
    ResourceOptions, ResourcePointers, merge_materialization, resource_for, resource_pointers,
};
pub use materialization_files::{
    MaterializationOutcome, import_path, plan_materialization, plan_materialization_in,
};
pub use merge::{
    BindingChange, CatalogFiles, KeyChange, MergeError, MergeReport, Merged, SchemaFile, merge,
    merge_reserving,
};
pub use naming::{
    FALLBACK_NAME, NAME_PATTERN, NameAllocator, NameError, connector_name, dedupe_names,
    default_targets, is_name_char, is_valid_name, last_segment, local_connector_name,
    normalize_name, validate_name, validate_prefix,
};
pub use rediscover::{
    ChangedBinding, Choice, Diff, SchemaChange, apply_choices, apply_renames,
    diff as rediscovery_diff, schema_changes,
};
pub use resource::{ResourceId, canonical_json, resource_id};
pub use task_draft::{DraftBinding, TaskDraft, TaskFiles};
pub use types::{
    CaptureBinding, CaptureDef, Catalog, CollectionDef, ConnectorEndpoint, ContentRef, Endpoint,
    LocalEndpoint, MaterializationBinding, MaterializationDef, inferred_read_schema, to_yaml,
};
pub use write::{
    FileStatus, Plan, PlannedFile, WriteError, WriteMode, WriteStep, WriteSummary, write_atomic,
};
pub use yaml_edit::{EditError, edit as edit_yaml};
