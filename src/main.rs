fn main() {
    std::process::exit(docwright::cli::run());
}
