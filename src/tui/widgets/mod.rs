//! Reusable pieces of the screen. Each draws from data it is given and never changes the state.

pub mod config_summary;
pub mod doc_table;
pub mod editor;
pub mod field;
pub mod filter;
pub mod form_input;
pub mod form_page;
pub mod form_rows;
pub mod form_ui;
pub mod form_view;
pub mod help_bar;
pub mod link;
pub mod log_pane;
pub mod overlay;
pub mod page;
pub mod picker;
pub mod schema_tree;
pub mod select_list;
pub mod stepper;
pub mod text;
pub mod text_input;
