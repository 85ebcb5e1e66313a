#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    docwright::allocator::install_for_tree_sitter();
    std::process::exit(docwright::cli::run());
}
