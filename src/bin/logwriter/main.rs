//! The `logwriter` command-line tool (placeholder until the CLI lands).

fn main() {
    eprintln!("logwriter: the command-line tool is not built yet");
    std::process::exit(2);
}
