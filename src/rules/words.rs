//! Phrases both vendors' steps say: a category (or consent id) by its label, and a list of them.

use crate::text::printable;
use crate::workspace::{CatIdx, Workspace};

/// `C0004 (Targeting)`, or just the id where the name is the id.
pub fn category_label(ws: &Workspace, c: CatIdx) -> String {
    let cat = ws.category(c);
    if cat.name == cat.id {
        printable(&cat.id).into_owned()
    } else {
        format!("{} ({})", printable(&cat.id), printable(&cat.name))
    }
}

/// The labels of `ids`, joined, or `none`.
pub fn id_list(ws: &Workspace, ids: &[CatIdx]) -> String {
    let ids: Vec<String> = ids.iter().map(|&c| category_label(ws, c)).collect();
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}
