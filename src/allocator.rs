//! The binary's allocator (mimalloc, set in `main.rs` and the bench) tuned for how the tool
//! uses memory.

/// mimalloc's `mi_option_purge_delay` (its index in v3's `mi_option_e`).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed on another thread than the one that allocated it (chunks of lines, judged
/// records) went back to the OS after mimalloc's 1 s and was faulted in again, zeroed, for
/// the next chunks: 2,700-6,500 page faults and 6-10% of the UI's CPU time loading 1,000,000
/// churning events. Five seconds keeps it for reuse while the tool is busy and still returns
/// it once the tool idles. Call it first thing in `main`.
pub fn keep_freed_memory_a_while() {
    // SAFETY: a plain setter of a global option; called before other threads exist.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 5000) };
}
