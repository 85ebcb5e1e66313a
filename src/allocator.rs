//! A faster allocator for tree-sitter's C core in batch work: parsing thousands
//! of files allocates and frees many small nodes, and mimalloc does that faster
//! than the system allocator. Rust's own allocations stay with the system
//! allocator: a global mimalloc more than doubled the language server's peak
//! memory on a 10,000-line file (37 MB against 17 MB) for no gain in speed.

/// Routes tree-sitter's allocations to mimalloc. Call once at start-up, before
/// any parser or tree exists (trees must be freed by the allocator that made
/// them).
pub fn install_for_tree_sitter() {
    use libmimalloc_sys::{mi_calloc, mi_free, mi_malloc, mi_realloc};
    // SAFETY: called before any tree-sitter object is created (see callers), and
    // the functions have the C signatures tree-sitter expects.
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: mi_malloc,
            calloc: mi_calloc,
            realloc: mi_realloc,
            free: mi_free,
        }));
    }
}
