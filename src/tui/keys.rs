//! The key table: every key the wizard answers to, as (action, keys, label, description, contexts). The
//! same table resolves key presses in `update`, draws the help bar and fills the `?` overlay, so the help
//! shown can never disagree with what the keys do. Pure data; knows nothing of the state.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does, independent of which key it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    CloseOverlay,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Pick,
    Filter,
    LeaveFilter,
    RecheckDocker,
    Left,
    Right,
    LineStart,
    LineEnd,
    DeleteBack,
    DeleteForward,
    ClearLine,
    DeleteWord,
    Submit,
    Back,
    NextField,
    PrevField,
    PrevChoice,
    NextChoice,
    Cancel,
    Retry,
    Continue,
    Refetch,
    Yes,
    No,
    Resume,
    New,
    /// Check the whole form and go on to the next step.
    NextStep,
    /// Flip a boolean, open or close the advanced options.
    Toggle,
    /// Open the list of an enum or a choice.
    OpenPicker,
    /// Show or mask the focused secret.
    Reveal,
    /// Open the multiline editor.
    OpenEditor,
    /// Leave the multiline editor, keeping its text.
    Done,
    /// Read the focused multiline field from a file.
    LoadFile,
    /// Read the whole config from a YAML or JSON file.
    LoadConfig,
    AddItem,
    RemoveItem,
    /// Go on without running the check.
    Skip,
    /// Back to step 3's form.
    EditConfig,
    /// Select every binding shown (the filtered ones).
    SelectAll,
    /// Deselect every binding shown.
    SelectNone,
    /// Edit the focused binding's collection name.
    Rename,
    /// Write the files.
    Save,
    /// Files exist: merge into them.
    Merge,
    /// Files exist: replace them.
    Overwrite,
    /// Open the connector's documentation (desktop opener; over SSH the link is shown to copy).
    OpenDocs,
    /// Type the path of a catalog file to read its collections.
    OpenCatalog,
    /// The other way of naming the resources (with or without schema).
    Naming,
    /// Switch delta updates of the binding shown.
    DeltaUpdates,
    /// The next binding's page.
    NextBinding,
    /// The previous binding's page.
    PrevBinding,
    /// After saving a capture: set up a materialization of its collections.
    MaterializeThese,
    /// Give the selected binding's schema tree most of the screen, or not.
    ShowSchema,
    /// The selected binding's settings (sync mode, cursor, key, resource config).
    BindingSettings,
}

/// Where a binding applies. The state gives an ordered list of active contexts; the first binding (in
/// context order, then table order) whose key matches wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ctx {
    /// Everywhere.
    Global,
    /// A list with the focus on its rows (step 1, the config fields of step 3).
    List,
    /// Step 1 while Docker is down (adds "recheck").
    DockerDown,
    /// A list where typing starts its filter (the connector list): printable keys are filter text, so
    /// only keys that are not text move and pick.
    TypeToFilter,
    /// Typing into a list's filter.
    Filter,
    /// Any focused single-line text input: printable keys are text, not commands.
    TextInput,
    /// The image / local command form of step 1.
    Form,
    /// A choice among a few options (the protocol of a custom connector).
    Choice,
    /// Step 2 while the connector runs.
    Busy,
    /// Step 2 after an error.
    Failed,
    /// Step 2 once the spec is there.
    SpecDone,
    /// A read-only, scrollable page (the config fields placeholder, the error text).
    Page,
    /// The `?` overlay.
    Help,
    /// The "quit?" question.
    Confirm,
    /// The "resume your draft?" question.
    Resume,
    /// A config form (steps 3 and 4): moving between fields, going on.
    Fields,
    /// Step 3 only: reading a config file.
    ConfigFile,
    /// A focused single-line field of a form.
    TextField,
    /// A focused secret field.
    Secret,
    /// A focused boolean, or the advanced options' switch.
    ToggleField,
    /// A focused enum or choice.
    PickField,
    /// A focused multiline field (private keys, certificates).
    MultilineField,
    /// A focused list.
    ListField,
    /// A focused list item.
    ItemField,
    /// The "Next" button of a form.
    NextButton,
    /// The list of an enum's values or a choice's options.
    Picker,
    /// The multiline editor: every other key edits the text.
    Editor,
    /// Typing a file path to read.
    PathInput,
    /// Step 4 with no tunnel chosen.
    NoTunnel,
    /// Step 5: the SSH server's host key is unknown: accept it?
    HostKeyQuestion,
    /// Step 5: the check passed (or was skipped).
    CheckPassed,
    /// Step 5 of a materialization, passed: Enter goes on to its collections (before `CheckPassed`).
    CheckPassedCollections,
    /// Step 5: the check failed.
    CheckFailed,
    /// Step 6: the list of discovered bindings.
    Bindings,
    /// Step 6: typing a filter.
    BindingFilter,
    /// Step 6: editing a collection name.
    NameEdit,
    /// Step 6: discover failed or found nothing.
    DiscoverFailed,
    /// The preview while it reads.
    PreviewBusy,
    /// The preview's documents.
    Preview,
    /// The preview failed (or did not run).
    PreviewFailed,
    /// Step 7: the directory and name fields.
    SaveFields,
    /// Step 7: files exist, merge or overwrite?
    SaveQuestion,
    /// Step 7: some chosen bindings failed the connector's check; save anyway?
    SaveAnyway,
    /// Step 7: saved.
    Saved,
    /// A materialization's collections while the catalogs are read.
    Upcoming,
    /// A materialization: the list of collections to write.
    Collections,
    /// A materialization: typing a filter of the collections.
    CollectionFilter,
    /// A materialization: typing the path of a catalog file.
    CatalogPath,
    /// A materialization: no collection found (or the catalogs could not be read).
    NoCollections,
    /// A materialization: the resource forms.
    Resources,
    /// A materialization: a binding's fields.
    FieldList,
    /// A materialization: the connector's validate failed.
    ValidateFailed,
    /// Step 7: a capture saved (its collections can be materialized next).
    SavedCapture,
    /// An existing task's changes: a choice per binding.
    Changes,
}

impl Ctx {
    /// The heading of this context in the `?` overlay.
    pub fn title(self) -> &'static str {
        match self {
            Ctx::Global => "Everywhere",
            Ctx::List => "Lists",
            Ctx::DockerDown => "Connector list, Docker down",
            Ctx::TypeToFilter => "Connector list",
            Ctx::Filter => "Filtering a list",
            Ctx::TextInput => "Editing text",
            Ctx::Form => "Image or command form",
            Ctx::Choice => "Choosing an option",
            Ctx::Busy => "While a connector runs",
            Ctx::Failed => "After an error",
            Ctx::SpecDone => "Spec received",
            Ctx::Page => "Reading a page",
            Ctx::Help => "This overlay",
            Ctx::Confirm => "Quit question",
            Ctx::Resume => "Resume question",
            Ctx::Fields => "Config form",
            Ctx::ConfigFile => "Config form, step 3",
            Ctx::TextField => "Text field",
            Ctx::Secret => "Secret field",
            Ctx::ToggleField => "Switch",
            Ctx::PickField => "Enum or choice",
            Ctx::MultilineField => "Multiline field",
            Ctx::ListField => "List",
            Ctx::ItemField => "List item",
            Ctx::NextButton => "Next button",
            Ctx::Picker => "Choosing from a list",
            Ctx::Editor => "Multiline editor",
            Ctx::PathInput => "Typing a file path",
            Ctx::NoTunnel => "SSH tunnel: none chosen",
            Ctx::HostKeyQuestion => "Check: an SSH host key not seen before",
            Ctx::CheckPassed => "Check passed",
            Ctx::CheckPassedCollections => "Check passed, a materialization",
            Ctx::CheckFailed => "Check failed",
            Ctx::Bindings => "Bindings list",
            Ctx::BindingFilter => "Filtering the bindings",
            Ctx::NameEdit => "Editing a collection name",
            Ctx::DiscoverFailed => "Discover failed or found nothing",
            Ctx::PreviewBusy => "While the preview reads",
            Ctx::Preview => "Preview of documents",
            Ctx::PreviewFailed => "Preview failed",
            Ctx::SaveFields => "Review and save",
            Ctx::SaveQuestion => "Files exist: merge or overwrite",
            Ctx::SaveAnyway => "Bindings failed the check: save anyway?",
            Ctx::Saved => "Saved",
            Ctx::Upcoming => "Reading the catalogs",
            Ctx::Collections => "Collections list",
            Ctx::CollectionFilter => "Filtering the collections",
            Ctx::CatalogPath => "Opening a catalog file",
            Ctx::NoCollections => "No collections",
            Ctx::Resources => "Resource forms",
            Ctx::FieldList => "Fields of a binding",
            Ctx::ValidateFailed => "Validate failed",
            Ctx::SavedCapture => "Capture saved",
            Ctx::Changes => "Changes to an opened catalog",
        }
    }
}

/// One key: a code and the modifiers that must be held (Shift is ignored for characters, since the
/// character already says it: `?` arrives with or without Shift depending on the terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> Key {
    k(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

/// How a binding appears in the help bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bar {
    /// Only in the `?` overlay.
    Hidden,
    /// Its keys, then its label.
    Show,
    /// These key names instead of its own (to merge ↑ and ↓ into one entry).
    As(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub action: Action,
    pub keys: &'static [Key],
    /// Short label for the help bar.
    pub label: &'static str,
    /// One line for the `?` overlay.
    pub describe: &'static str,
    pub ctx: Ctx,
    pub bar: Bar,
}

const fn b(
    action: Action,
    keys: &'static [Key],
    label: &'static str,
    describe: &'static str,
    ctx: Ctx,
    bar: Bar,
) -> Binding {
    Binding {
        action,
        keys,
        label,
        describe,
        ctx,
        bar,
    }
}

use Action as A;
use Bar::{As, Hidden, Show};
use KeyCode as C;

/// The whole table, grouped by context; within a context, the help bar keeps this order.
#[rustfmt::skip]
pub static KEYS: &[Binding] = &[
    // Lists.
    b(A::Pick, &[k(C::Enter)], "pick", "Pick the selected entry", Ctx::List, Show),
    // (Letters filter the list, so it moves with keys that are not text.)
    b(A::Up, &[k(C::Up)], "move", "Move up", Ctx::List, As("↑↓")),
    b(A::Down, &[k(C::Down)], "down", "Move down", Ctx::List, Hidden),
    b(A::PageUp, &[k(C::PageUp), ctrl('b')], "page up", "Up one page", Ctx::List, Hidden),
    b(A::PageDown, &[k(C::PageDown), ctrl('f')], "page down", "Down one page", Ctx::List, Hidden),
    b(A::Top, &[k(C::Home)], "top", "First entry", Ctx::List, Hidden),
    b(A::Bottom, &[k(C::End)], "bottom", "Last entry", Ctx::List, Hidden),
    b(A::Filter, &[ch('/')], "type to filter", "Filter the list: just type (or press / first)", Ctx::TypeToFilter, Show),
    b(A::RecheckDocker, &[ctrl('r')], "recheck Docker", "Check again whether Docker is running (letters filter the list)", Ctx::DockerDown, Show),
    // Filtering.
    b(A::Pick, &[k(C::Enter)], "pick", "Pick the selected entry", Ctx::Filter, Show),
    b(A::Up, &[k(C::Up)], "move", "Move up", Ctx::Filter, As("↑↓")),
    b(A::Down, &[k(C::Down)], "down", "Move down", Ctx::Filter, Hidden),
    b(A::PageUp, &[k(C::PageUp)], "page up", "Up one page", Ctx::Filter, Hidden),
    b(A::PageDown, &[k(C::PageDown)], "page down", "Down one page", Ctx::Filter, Hidden),
    b(A::LeaveFilter, &[k(C::Esc), k(C::Tab)], "done", "Back to the list, keeping the filter", Ctx::Filter, Show),
    // Forms.
    b(A::Submit, &[k(C::Enter)], "use it", "Use this connector", Ctx::Form, Show),
    b(A::NextField, &[k(C::Tab)], "next field", "Next field", Ctx::Form, Show),
    b(A::PrevField, &[k(C::BackTab)], "previous field", "Previous field", Ctx::Form, Hidden),
    b(A::Back, &[k(C::Esc)], "back", "Back to the list (what you typed is kept)", Ctx::Form, Show),
    b(A::PrevChoice, &[k(C::Left), ch('h')], "choose", "Previous option", Ctx::Choice, As("←→")),
    b(A::NextChoice, &[k(C::Right), ch('l'), ch(' ')], "next option", "Next option", Ctx::Choice, Hidden),
    // Editing text.
    b(A::Left, &[k(C::Left)], "left", "Cursor left", Ctx::TextInput, Hidden),
    b(A::Right, &[k(C::Right)], "right", "Cursor right", Ctx::TextInput, Hidden),
    b(A::LineStart, &[k(C::Home), ctrl('a')], "start", "Cursor to the start", Ctx::TextInput, Hidden),
    b(A::LineEnd, &[k(C::End), ctrl('e')], "end", "Cursor to the end", Ctx::TextInput, Hidden),
    b(A::DeleteBack, &[k(C::Backspace)], "delete", "Delete the character before the cursor", Ctx::TextInput, Hidden),
    b(A::DeleteForward, &[k(C::Delete)], "delete", "Delete the character under the cursor", Ctx::TextInput, Hidden),
    b(A::DeleteWord, &[ctrl('w')], "delete word", "Delete the word before the cursor", Ctx::TextInput, Hidden),
    b(A::ClearLine, &[ctrl('u')], "clear", "Clear the text", Ctx::TextInput, Hidden),
    // Step 2.
    b(A::Cancel, &[k(C::Esc)], "cancel", "Stop the connector and go back (its container is removed)", Ctx::Busy, Show),
    b(A::Retry, &[ch('r')], "retry", "Try again", Ctx::Failed, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the connector list (your choice is kept)", Ctx::Failed, Show),
    b(A::Continue, &[k(C::Enter)], "continue", "Go on to the config", Ctx::SpecDone, Show),
    b(A::Refetch, &[ch('r')], "fetch again", "Run the connector again for a fresh spec (skips the cache)", Ctx::SpecDone, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the connector list", Ctx::SpecDone, Show),
    b(A::OpenDocs, &[ch('o')], "open docs", "Open the connector's documentation in your browser (or show its link to copy)", Ctx::SpecDone, Show),
    // Pages.
    b(A::Up, &[k(C::Up), ch('k')], "scroll", "Scroll up", Ctx::Page, As("↑↓")),
    b(A::Down, &[k(C::Down), ch('j')], "down", "Scroll down", Ctx::Page, Hidden),
    b(A::PageUp, &[k(C::PageUp), ctrl('b')], "page up", "Up one page", Ctx::Page, Hidden),
    b(A::PageDown, &[k(C::PageDown), ctrl('f')], "page down", "Down one page", Ctx::Page, Hidden),
    b(A::Back, &[k(C::Esc)], "back", "Back one step (nothing is lost)", Ctx::Page, Show),
    b(A::Quit, &[ch('q')], "quit", "Quit (asks first)", Ctx::Page, Hidden),
    // Config forms (steps 3 and 4). Row contexts come before `Fields`, so Enter means what the row does.
    b(A::NextStep, &[k(C::Enter)], "skip", "Go on without a tunnel", Ctx::NoTunnel, Show),
    b(A::NextField, &[k(C::Enter)], "next", "Next field", Ctx::TextField, Hidden),
    b(A::Reveal, &[ctrl('r')], "show/hide", "Show or mask this secret", Ctx::Secret, Show),
    b(A::Toggle, &[ch(' '), k(C::Enter)], "toggle", "Switch it on or off", Ctx::ToggleField, Show),
    b(A::OpenPicker, &[k(C::Enter), ch(' ')], "choose", "List the values or options to choose from", Ctx::PickField, Show),
    b(A::PrevChoice, &[k(C::Left)], "switch", "Previous value or option", Ctx::PickField, As("←→")),
    b(A::NextChoice, &[k(C::Right)], "next option", "Next value or option", Ctx::PickField, Hidden),
    b(A::OpenEditor, &[k(C::Enter), ctrl('e')], "edit/paste", "Open the editor (paste works there)", Ctx::MultilineField, Show),
    b(A::LoadFile, &[ctrl('o')], "load file", "Read this field from a file (e.g. ~/.ssh/id_ed25519)", Ctx::MultilineField, Show),
    b(A::AddItem, &[ch('a'), k(C::Enter)], "add item", "Add an item to the list", Ctx::ListField, Show),
    b(A::RemoveItem, &[ch('d'), k(C::Delete), ctrl('d')], "remove", "Remove this item", Ctx::ItemField, Show),
    b(A::NextStep, &[k(C::Enter)], "next step", "Check every field and go on", Ctx::NextButton, Show),
    b(A::NextField, &[k(C::Tab), k(C::Down)], "move", "Next field", Ctx::Fields, As("Tab/↑↓")),
    b(A::PrevField, &[k(C::BackTab), k(C::Up)], "previous field", "Previous field", Ctx::Fields, Hidden),
    b(A::PageUp, &[k(C::PageUp)], "page up", "Up one page", Ctx::Fields, Hidden),
    b(A::PageDown, &[k(C::PageDown)], "page down", "Down one page", Ctx::Fields, Hidden),
    b(A::NextStep, &[ctrl('n')], "next step", "Check every field and go on to the next step", Ctx::Fields, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back one step (what you typed is kept)", Ctx::Fields, Show),
    b(A::OpenDocs, &[ctrl('g')], "docs", "Open the connector's documentation (or show its link to copy)", Ctx::Fields, Hidden),
    b(A::LoadConfig, &[ctrl('o')], "open config", "Fill the form from a YAML or JSON config file", Ctx::ConfigFile, Show),
    b(A::Pick, &[k(C::Enter)], "choose", "Choose the selected entry", Ctx::Picker, Show),
    b(A::Up, &[k(C::Up)], "move", "Move up", Ctx::Picker, As("↑↓")),
    b(A::Down, &[k(C::Down)], "down", "Move down", Ctx::Picker, Hidden),
    b(A::PageUp, &[k(C::PageUp)], "page up", "Up one page", Ctx::Picker, Hidden),
    b(A::PageDown, &[k(C::PageDown)], "page down", "Down one page", Ctx::Picker, Hidden),
    b(A::Back, &[k(C::Esc)], "cancel", "Close the list without changing anything (type to filter it)", Ctx::Picker, Show),
    b(A::Done, &[k(C::Esc), ctrl('s')], "done", "Close the editor, keeping the text", Ctx::Editor, Show),
    b(A::Reveal, &[ctrl('r')], "show/hide", "Show or mask a secret's text", Ctx::Editor, Show),
    b(A::LoadFile, &[ctrl('o')], "load file", "Replace the text with a file's", Ctx::Editor, Show),
    b(A::ClearLine, &[ctrl('l')], "clear", "Clear all the text (to paste another)", Ctx::Editor, Show),
    b(A::Submit, &[k(C::Enter)], "read it", "Read the file", Ctx::PathInput, Show),
    b(A::Back, &[k(C::Esc)], "cancel", "Close without reading", Ctx::PathInput, Show),
    // Step 5.
    b(A::Yes, &[ch('y')], "accept key", "Trust this host key: record it in known_hosts and go on", Ctx::HostKeyQuestion, Show),
    b(A::No, &[ch('n'), k(C::Esc)], "go back", "Do not trust it: back to the SSH tunnel step (nothing is recorded)", Ctx::HostKeyQuestion, Show),
    b(A::Continue, &[k(C::Enter)], "collections", "Go on to the collections to write (read from your catalogs)", Ctx::CheckPassedCollections, Show),
    b(A::Continue, &[k(C::Enter)], "bindings", "Go on to the bindings (runs the connector's discover)", Ctx::CheckPassed, Show),
    b(A::Retry, &[ch('r')], "check again", "Run the check again", Ctx::CheckPassed, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the SSH tunnel step (nothing is lost)", Ctx::CheckPassed, Show),
    b(A::Retry, &[ch('r')], "retry", "Run the check again", Ctx::CheckFailed, Show),
    b(A::EditConfig, &[ch('e')], "edit config", "Back to the config form to fix it (values kept)", Ctx::CheckFailed, Show),
    b(A::Skip, &[ch('s')], "skip", "Go on to the bindings without a passing check", Ctx::CheckFailed, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the SSH tunnel step (nothing is lost)", Ctx::CheckFailed, Show),
    // Step 6.
    b(A::NextChoice, &[k(C::Right), ch(' ')], "choose", "Next choice for this binding (accept, keep old, disable, backfill, remove)", Ctx::Changes, As("←→")),
    b(A::PrevChoice, &[k(C::Left)], "previous choice", "Previous choice for this binding", Ctx::Changes, Hidden),
    b(A::Up, &[k(C::Up), ch('k')], "move", "Move up", Ctx::Changes, As("↑↓")),
    b(A::Down, &[k(C::Down), ch('j')], "down", "Move down", Ctx::Changes, Hidden),
    b(A::Top, &[k(C::Home), ch('g')], "top", "First binding", Ctx::Changes, Hidden),
    b(A::Bottom, &[k(C::End), ch('G')], "bottom", "Last binding", Ctx::Changes, Hidden),
    b(A::NextStep, &[k(C::Enter), ctrl('n')], "next step", "Go on to preview documents, then save", Ctx::Changes, Show),
    b(A::EditConfig, &[ch('e')], "config", "Back to the config", Ctx::Changes, Hidden),
    b(A::Back, &[k(C::Esc)], "back", "Back to the bindings (your choices are kept)", Ctx::Changes, Show),
    b(A::Toggle, &[ch(' ')], "toggle", "Select or deselect this binding", Ctx::Bindings, Show),
    b(A::Up, &[k(C::Up), ch('k')], "move", "Move up", Ctx::Bindings, As("↑↓")),
    b(A::Down, &[k(C::Down), ch('j')], "down", "Move down", Ctx::Bindings, Hidden),
    b(A::PageUp, &[k(C::PageUp)], "page up", "Up one page", Ctx::Bindings, Hidden),
    b(A::PageDown, &[k(C::PageDown)], "page down", "Down one page", Ctx::Bindings, Hidden),
    b(A::Top, &[k(C::Home), ch('g')], "top", "First binding", Ctx::Bindings, Hidden),
    b(A::Bottom, &[k(C::End), ch('G')], "bottom", "Last binding", Ctx::Bindings, Hidden),
    b(A::Rename, &[k(C::Enter), ch('e')], "rename", "Edit the collection name of this binding", Ctx::Bindings, Show),
    b(A::NextStep, &[ctrl('n')], "next step", "Go on to preview documents, then save", Ctx::Bindings, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the check (nothing is lost)", Ctx::Bindings, Show),
    b(A::Filter, &[ch('/')], "filter", "Filter the bindings by name", Ctx::Bindings, Show),
    b(A::BindingSettings, &[ch('o')], "settings", "This binding's settings: sync mode, cursor, key, resource config", Ctx::Bindings, Show),
    b(A::ShowSchema, &[ch('t')], "schema tree", "Show more or less of the selected binding's schema tree", Ctx::Bindings, Hidden),
    b(A::SelectAll, &[ch('a')], "all", "Select every binding shown (the filtered ones)", Ctx::Bindings, Show),
    b(A::SelectNone, &[ch('n')], "none", "Deselect every binding shown (the filtered ones)", Ctx::Bindings, Show),
    b(A::LeaveFilter, &[k(C::Enter), k(C::Esc), k(C::Tab)], "done", "Back to the list, keeping the filter (^U clears it)", Ctx::BindingFilter, Show),
    b(A::Up, &[k(C::Up)], "move", "Move up", Ctx::BindingFilter, As("↑↓")),
    b(A::Down, &[k(C::Down)], "down", "Move down", Ctx::BindingFilter, Hidden),
    b(A::Submit, &[k(C::Enter)], "save name", "Use this collection name", Ctx::NameEdit, Show),
    b(A::Back, &[k(C::Esc)], "cancel", "Keep the name it had", Ctx::NameEdit, Show),
    b(A::Retry, &[ch('r')], "discover again", "Run the connector's discover again", Ctx::DiscoverFailed, Show),
    b(A::EditConfig, &[ch('e')], "edit config", "Back to the config form (values kept)", Ctx::DiscoverFailed, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the check (nothing is lost)", Ctx::DiscoverFailed, Show),
    // Preview.
    b(A::Cancel, &[k(C::Esc)], "cancel", "Stop the connector and go back (to the bindings, or an edit's changes)", Ctx::PreviewBusy, Show),
    b(A::Skip, &[ch('s'), ch('n')], "skip", "Stop reading and go on to save", Ctx::PreviewBusy, Show),
    b(A::NextStep, &[k(C::Enter), ctrl('n')], "next step", "Go on to review and save", Ctx::Preview, Show),
    b(A::EditConfig, &[ch('e')], "edit config", "Back to the config form to fix it (values kept)", Ctx::Preview, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the bindings, or an edit's changes (nothing is lost)", Ctx::Preview, Show),
    b(A::Toggle, &[ch('v'), ch(' ')], "table/JSON", "Show the documents as a table or as JSON", Ctx::Preview, Show),
    b(A::NextField, &[k(C::Tab)], "binding", "Show the next binding's documents", Ctx::Preview, As("Tab")),
    b(A::PrevField, &[k(C::BackTab)], "previous binding", "Show the previous binding's documents", Ctx::Preview, Hidden),
    b(A::Up, &[k(C::Up), ch('k')], "scroll", "Scroll up", Ctx::Preview, As("↑↓")),
    b(A::Down, &[k(C::Down), ch('j')], "down", "Scroll down", Ctx::Preview, Hidden),
    b(A::PageUp, &[k(C::PageUp)], "page up", "Up one page", Ctx::Preview, Hidden),
    b(A::PageDown, &[k(C::PageDown)], "page down", "Down one page", Ctx::Preview, Hidden),
    b(A::Left, &[k(C::Left), ch('h')], "columns", "Scroll the table's columns left", Ctx::Preview, As("←→")),
    b(A::Right, &[k(C::Right), ch('l')], "right", "Scroll the table's columns right", Ctx::Preview, Hidden),
    b(A::Retry, &[ch('r')], "read again", "Read the documents again", Ctx::Preview, Show),
    b(A::Skip, &[ch('s'), ch('n')], "skip", "Go on to save, marking the preview as passed over", Ctx::Preview, Hidden),
    b(A::Retry, &[ch('r')], "read again", "Run the preview again", Ctx::PreviewFailed, Show),
    b(A::EditConfig, &[ch('e')], "edit config", "Back to the config form (values kept)", Ctx::PreviewFailed, Show),
    b(A::Skip, &[ch('s'), ch('n')], "skip", "Go on to save without a preview", Ctx::PreviewFailed, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the bindings, or an edit's changes (nothing is lost)", Ctx::PreviewFailed, Show),
    // Step 7.
    b(A::Save, &[ctrl('s')], "save", "Write the files", Ctx::SaveFields, Show),
    b(A::Submit, &[k(C::Enter)], "next", "Next field; on the Save button, write the files", Ctx::SaveFields, Hidden),
    b(A::NextField, &[k(C::Tab), k(C::Down)], "next field", "Next field", Ctx::SaveFields, As("Tab")),
    b(A::PrevField, &[k(C::BackTab), k(C::Up)], "previous field", "Previous field", Ctx::SaveFields, Hidden),
    b(A::PageUp, &[k(C::PageUp)], "scroll", "Scroll the preview up", Ctx::SaveFields, As("PgUp/PgDn")),
    b(A::PageDown, &[k(C::PageDown)], "page down", "Scroll the preview down", Ctx::SaveFields, Hidden),
    b(A::Back, &[k(C::Esc)], "back", "Back to the bindings (nothing is lost)", Ctx::SaveFields, Show),
    b(A::Merge, &[ch('m')], "merge", "Merge into the existing catalog (its edits are kept)", Ctx::SaveQuestion, Show),
    b(A::Overwrite, &[ch('o')], "overwrite", "Replace the existing files", Ctx::SaveQuestion, Show),
    b(A::Back, &[k(C::Esc)], "cancel", "Write nothing", Ctx::SaveQuestion, Show),
    b(A::Yes, &[ch('y')], "save anyway", "Save although bindings failed the connector's check", Ctx::SaveAnyway, Show),
    b(A::Back, &[k(C::Esc), ch('n')], "don't save", "Write nothing, back to the review", Ctx::SaveAnyway, Show),
    b(A::Quit, &[ch('q'), k(C::Enter)], "quit", "Leave catwalk (everything is saved)", Ctx::Saved, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the review, to save again elsewhere", Ctx::Saved, Show),
    b(A::MaterializeThese, &[ch('m')], "materialize these", "Materialize the collections just saved: pick a destination connector next; its Collections step lists them", Ctx::SavedCapture, Show),
    // A materialization's collections while the catalogs are read.
    b(A::EditConfig, &[ch('e')], "edit config", "Back to the config form (values kept)", Ctx::Upcoming, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the check (nothing is lost)", Ctx::Upcoming, Show),
    // A materialization's collections.
    b(A::Toggle, &[ch(' ')], "toggle", "Select or deselect this collection", Ctx::Collections, Show),
    b(A::Up, &[k(C::Up), ch('k')], "move", "Move up", Ctx::Collections, As("↑↓")),
    b(A::Down, &[k(C::Down), ch('j')], "down", "Move down", Ctx::Collections, Hidden),
    b(A::PageUp, &[k(C::PageUp)], "page up", "Up one page", Ctx::Collections, Hidden),
    b(A::PageDown, &[k(C::PageDown)], "page down", "Down one page", Ctx::Collections, Hidden),
    b(A::Top, &[k(C::Home), ch('g')], "top", "First collection", Ctx::Collections, Hidden),
    b(A::Bottom, &[k(C::End), ch('G')], "bottom", "Last collection", Ctx::Collections, Hidden),
    b(A::NextStep, &[ctrl('n'), k(C::Enter)], "next step", "Go on to the resources of the collections selected", Ctx::Collections, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the check (nothing is lost)", Ctx::Collections, Show),
    b(A::Filter, &[ch('/')], "filter", "Filter the collections by name", Ctx::Collections, Show),
    b(A::SelectAll, &[ch('a')], "all", "Select every collection shown (the filtered ones)", Ctx::Collections, Show),
    b(A::SelectNone, &[ch('n')], "none", "Deselect every collection shown (the filtered ones)", Ctx::Collections, Show),
    b(A::OpenCatalog, &[ch('o')], "open catalog", "Read the collections of another catalog file", Ctx::Collections, Show),
    b(A::Retry, &[ch('r')], "read again", "Read the catalogs again", Ctx::Collections, Hidden),
    b(A::LeaveFilter, &[k(C::Enter), k(C::Esc), k(C::Tab)], "done", "Back to the list, keeping the filter (^U clears it)", Ctx::CollectionFilter, Show),
    b(A::Up, &[k(C::Up)], "move", "Move up", Ctx::CollectionFilter, As("↑↓")),
    b(A::Down, &[k(C::Down)], "down", "Move down", Ctx::CollectionFilter, Hidden),
    b(A::Submit, &[k(C::Enter)], "read it", "Read this catalog file's collections", Ctx::CatalogPath, Show),
    b(A::Back, &[k(C::Esc)], "cancel", "Close without reading", Ctx::CatalogPath, Show),
    b(A::OpenCatalog, &[ch('o')], "open catalog", "Read the collections of a catalog file", Ctx::NoCollections, Show),
    b(A::Retry, &[ch('r')], "read again", "Read the catalogs again", Ctx::NoCollections, Show),
    b(A::EditConfig, &[ch('e')], "edit config", "Back to the config form (values kept)", Ctx::NoCollections, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the check (nothing is lost)", Ctx::NoCollections, Show),
    // A materialization's resources.
    b(A::Naming, &[ctrl('t')], "naming", "Name the tables another way: with the schema from the collection name, or without (forms you edited stay)", Ctx::Resources, Show),
    b(A::NextBinding, &[k(C::F(8))], "next binding", "The next binding's resource (^N also goes on from the last field)", Ctx::Resources, Hidden),
    b(A::PrevBinding, &[k(C::F(7))], "previous binding", "The previous binding's resource (Esc too)", Ctx::Resources, Hidden),
    // A materialization's fields.
    b(A::Toggle, &[ch(' ')], "toggle", "Select or deselect this field (required and forbidden ones cannot change)", Ctx::FieldList, Show),
    b(A::Up, &[k(C::Up), ch('k')], "move", "Move up", Ctx::FieldList, As("↑↓")),
    b(A::Down, &[k(C::Down), ch('j')], "down", "Move down", Ctx::FieldList, Hidden),
    b(A::PageUp, &[k(C::PageUp)], "page up", "Up one page", Ctx::FieldList, Hidden),
    b(A::PageDown, &[k(C::PageDown)], "page down", "Down one page", Ctx::FieldList, Hidden),
    b(A::NextBinding, &[k(C::Tab), k(C::Right)], "binding", "The next binding's fields", Ctx::FieldList, As("Tab/←→")),
    b(A::PrevBinding, &[k(C::BackTab), k(C::Left)], "previous binding", "The previous binding's fields", Ctx::FieldList, Hidden),
    b(A::DeltaUpdates, &[ch('d')], "delta updates", "Switch delta updates for this binding (when the connector has them); validates again", Ctx::FieldList, Show),
    b(A::NextStep, &[ctrl('n')], "next step", "Go on to review and save", Ctx::FieldList, Show),
    b(A::Retry, &[ch('r')], "validate again", "Run the connector's validate again", Ctx::FieldList, Hidden),
    b(A::Back, &[k(C::Esc)], "back", "Back to the resources (nothing is lost)", Ctx::FieldList, Show),
    b(A::Retry, &[ch('r')], "retry", "Run the connector's validate again", Ctx::ValidateFailed, Show),
    b(A::EditConfig, &[ch('e')], "edit config", "Back to the config form (values kept)", Ctx::ValidateFailed, Show),
    b(A::Back, &[k(C::Esc)], "back", "Back to the resources (nothing is lost)", Ctx::ValidateFailed, Show),
    // Overlays.
    b(A::CloseOverlay, &[k(C::Esc), ch('?'), ch('q'), k(C::F(1))], "close", "Close this list", Ctx::Help, Show),
    b(A::Up, &[k(C::Up), ch('k')], "scroll", "Scroll up", Ctx::Help, As("↑↓")),
    b(A::Down, &[k(C::Down), ch('j')], "down", "Scroll down", Ctx::Help, Hidden),
    b(A::PageUp, &[k(C::PageUp)], "page up", "Up one page", Ctx::Help, Hidden),
    b(A::PageDown, &[k(C::PageDown)], "page down", "Down one page", Ctx::Help, Hidden),
    b(A::Yes, &[ch('y'), ctrl('c')], "quit", "Quit now", Ctx::Confirm, Show),
    b(A::No, &[ch('n'), k(C::Esc)], "stay", "Stay in the wizard", Ctx::Confirm, Show),
    b(A::Resume, &[k(C::Enter)], "resume", "Resume the draft", Ctx::Resume, Show),
    b(A::New, &[ch('n'), k(C::Esc)], "new", "Start afresh (the draft is replaced once you pick a connector)", Ctx::Resume, Show),
    // Everywhere.
    b(A::Help, &[ch('?'), k(C::F(1))], "keys", "Show every key", Ctx::Global, Show),
    b(A::Quit, &[ctrl('c')], "quit", "Quit (asks first if you have answers)", Ctx::Global, Show),
];

/// A printable character typed without Control or Alt: text when a text input has the focus.
pub fn is_text(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

fn matches(key: &Key, ev: &KeyEvent) -> bool {
    if key.code != ev.code {
        // Some terminals send Shift+Tab as Tab with Shift.
        return key.code == KeyCode::BackTab
            && ev.code == KeyCode::Tab
            && ev.modifiers.contains(KeyModifiers::SHIFT);
    }
    let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT;
    let mods = if matches!(ev.code, KeyCode::Char(_) | KeyCode::BackTab) {
        ev.modifiers & relevant
    } else {
        ev.modifiers & (relevant | KeyModifiers::SHIFT)
    };
    mods == key.mods
}

/// Whether a key of a binding can fire in these contexts (printable keys are text in a text input).
fn usable(key: &Key, binding: &Binding, ctxs: &[Ctx]) -> bool {
    let typing = (ctxs.contains(&Ctx::TextInput) || ctxs.contains(&Ctx::Editor))
        && binding.ctx != Ctx::TextInput;
    // On a list that filters as you type, letters are text, but `?` still shows the keys (no
    // connector's name has one).
    let filtering = ctxs.contains(&Ctx::TypeToFilter)
        && binding.ctx != Ctx::TypeToFilter
        && binding.action != Action::Help;
    let typing = typing || filtering;
    let printable = matches!(key.code, KeyCode::Char(_))
        && !key
            .mods
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    !(typing && printable)
}

/// The action a key press triggers in these contexts, if any.
pub fn resolve(ctxs: &[Ctx], ev: &KeyEvent) -> Option<Action> {
    for ctx in ctxs {
        for binding in KEYS.iter().filter(|b| b.ctx == *ctx) {
            if binding
                .keys
                .iter()
                .any(|key| matches(key, ev) && usable(key, binding, ctxs))
            {
                return Some(binding.action);
            }
        }
    }
    None
}

/// A key's name as the help shows it: `Enter`, `Esc`, `^C`, `↑`, `q`.
pub fn key_name(key: &Key) -> String {
    let base = match key.code {
        KeyCode::Enter => "Enter".to_string(),
        KeyCode::Esc => "Esc".to_string(),
        KeyCode::Tab => "Tab".to_string(),
        KeyCode::BackTab => "S-Tab".to_string(),
        KeyCode::Backspace => "Bksp".to_string(),
        KeyCode::Delete => "Del".to_string(),
        KeyCode::Up => "↑".to_string(),
        KeyCode::Down => "↓".to_string(),
        KeyCode::Left => "←".to_string(),
        KeyCode::Right => "→".to_string(),
        KeyCode::Home => "Home".to_string(),
        KeyCode::End => "End".to_string(),
        KeyCode::PageUp => "PgUp".to_string(),
        KeyCode::PageDown => "PgDn".to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        other => format!("{other:?}"),
    };
    if key.mods.contains(KeyModifiers::CONTROL) {
        format!("^{}", base.to_uppercase())
    } else {
        base
    }
}

/// The help bar for these contexts: (keys, label) pairs in context order, only keys that fire there.
pub fn bar(ctxs: &[Ctx]) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for ctx in ctxs {
        for binding in KEYS.iter().filter(|b| b.ctx == *ctx) {
            // A key bound in an earlier context is shadowed here: offer the binding by its other keys.
            let shadowed = |key: &Key| {
                ctxs.iter().take_while(|c| *c != ctx).any(|earlier| {
                    KEYS.iter()
                        .filter(|b| b.ctx == *earlier)
                        .any(|b| b.keys.contains(key))
                })
            };
            let keys: Vec<String> = binding
                .keys
                .iter()
                .filter(|key| usable(key, binding, ctxs) && !shadowed(key))
                .map(key_name)
                .collect();
            if keys.is_empty() {
                continue;
            }
            match binding.bar {
                Bar::Hidden => {}
                Bar::Show => out.push((keys[0].clone(), binding.label)),
                Bar::As(names) => out.push((names.to_string(), binding.label)),
            }
        }
    }
    out
}

/// One heading of the `?` overlay: a context's title and its (keys, description) rows.
pub type HelpGroup = (&'static str, Vec<(String, &'static str)>);

/// Every binding grouped by context, for the `?` overlay: (context title, [(keys, description)]). The
/// contexts of the screen (`first`, most specific first) come first, then the ones that work everywhere,
/// then every other screen's; the second value is how many groups belong to this screen (and `Global`).
pub fn overlay(first: &[Ctx]) -> (Vec<HelpGroup>, usize) {
    let mut groups: Vec<(Ctx, Vec<(String, &'static str)>)> = Vec::new();
    for binding in KEYS {
        // The screen's own keys: only those that fire there (letters are text in a filter).
        let here = first.contains(&binding.ctx);
        let keys = binding
            .keys
            .iter()
            .filter(|key| !here || usable(key, binding, first))
            .map(key_name)
            .collect::<Vec<_>>()
            .join(" ");
        if keys.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(c, _)| *c == binding.ctx) {
            Some((_, rows)) => rows.push((keys, binding.describe)),
            None => groups.push((binding.ctx, vec![(keys, binding.describe)])),
        }
    }
    let rank = |c: &Ctx| {
        if *c == Ctx::Global {
            first.len()
        } else {
            first.iter().position(|f| f == c).unwrap_or(first.len() + 1)
        }
    };
    // Stable: within "other screens", the table's order.
    groups.sort_by_key(|(c, _)| rank(c));
    let here = groups
        .iter()
        .filter(|(c, _)| rank(c) <= first.len())
        .count();
    (
        groups
            .into_iter()
            .map(|(c, rows)| (c.title(), rows))
            .collect(),
        here,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn resolves_in_context_order() {
        let list = [Ctx::Page, Ctx::Global];
        assert_eq!(
            resolve(&list, &press(C::Char('j'), KeyModifiers::NONE)),
            Some(A::Down)
        );
        assert_eq!(
            resolve(&list, &press(C::Char('c'), KeyModifiers::CONTROL)),
            Some(A::Quit)
        );
        assert_eq!(
            resolve(&list, &press(C::Char('?'), KeyModifiers::SHIFT)),
            Some(A::Help)
        );
    }

    #[test]
    fn printable_keys_are_text_in_inputs() {
        let filter = [Ctx::Filter, Ctx::TextInput, Ctx::Global];
        for c in ['j', 'q', '?', '/', 'r'] {
            assert_eq!(
                resolve(&filter, &press(C::Char(c), KeyModifiers::NONE)),
                None
            );
        }
        assert_eq!(
            resolve(&filter, &press(C::F(1), KeyModifiers::NONE)),
            Some(A::Help)
        );
        assert_eq!(
            resolve(&filter, &press(C::Char('u'), KeyModifiers::CONTROL)),
            Some(A::ClearLine)
        );
        assert_eq!(
            resolve(&filter, &press(C::Esc, KeyModifiers::NONE)),
            Some(A::LeaveFilter)
        );
    }

    #[test]
    fn shift_tab_variants() {
        let form = [Ctx::Form, Ctx::TextInput, Ctx::Global];
        assert_eq!(
            resolve(&form, &press(C::BackTab, KeyModifiers::SHIFT)),
            Some(A::PrevField)
        );
        assert_eq!(
            resolve(&form, &press(C::Tab, KeyModifiers::SHIFT)),
            Some(A::PrevField)
        );
    }

    #[test]
    fn bar_shows_only_keys_that_fire() {
        let filter = bar(&[Ctx::Filter, Ctx::TextInput, Ctx::Global]);
        let text: Vec<String> = filter.iter().map(|(k, l)| format!("{k} {l}")).collect();
        assert!(text.contains(&"F1 keys".to_string()), "{text:?}");
        assert!(!text.iter().any(|t| t.starts_with("? ")), "{text:?}");
        let list = bar(&[Ctx::List, Ctx::Global]);
        assert_eq!(list[0], ("Enter".to_string(), "pick"));
        assert!(list.contains(&("?".to_string(), "keys")));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for (i, a) in KEYS.iter().enumerate() {
            for b in &KEYS[i + 1..] {
                if a.ctx == b.ctx {
                    for key in a.keys {
                        assert!(
                            !b.keys.contains(key),
                            "{key:?} bound to {:?} and {:?} in {:?}",
                            a.action,
                            b.action,
                            a.ctx
                        );
                    }
                }
            }
        }
    }
}
