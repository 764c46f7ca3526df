//! Reusable pieces of the screen. Each draws from data it is given and never changes the state.

pub mod help_bar;
pub mod log_pane;
pub mod overlay;
pub mod select_list;
pub mod stepper;
pub mod text;
pub mod text_input;
