//! The language server front door: `docwright lsp` over stdio.

mod actions;
mod commands;
mod completion;
mod convert;
mod document;
mod server;
mod session;

pub use document::{Change, Document};
pub use server::{APPLY_ACTION_COMMAND, Server};

/// Serves the protocol on stdin/stdout until the client says `exit`.
pub fn run_stdio() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let (service, socket) = tower_lsp_server::LspService::build(Server::new)
            // Not in the trait: the editor's cancel button on our progress.
            .custom_method("window/workDoneProgress/cancel", Server::cancel_progress)
            .finish();
        // Enough slots that a slow request never keeps `$/cancelRequest` or a
        // document change waiting.
        tower_lsp_server::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .concurrency_level(16)
            .serve(service)
            .await;
    });
    Ok(())
}
