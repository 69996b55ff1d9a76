//! Log set-up for processes outside Lambda (`local-api`, tools); Lambda functions use
//! [`crate::app::run_lambda`], which follows Lambda's log controls.

/// Writes readable log lines to standard error, at the level `RUST_LOG` names (default `info`).
pub fn init_local() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}
