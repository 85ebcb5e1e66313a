//! The settings reference has one source: the tables `apply` checks keys
//! against. The README shows their rendering between markers, and the
//! editors' READMEs link to it instead of copying it.

use std::path::Path;
use std::process::Command;

use pretty_assertions::assert_eq;

const START: &str = "<!-- settings:start -->\n";
const END: &str = "<!-- settings:end -->";

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn the_readme_settings_section_is_the_generated_reference() {
    let readme = read("README.md");
    let start = readme.find(START).expect("README.md has <!-- settings:start -->") + START.len();
    let end = start + readme[start..].find(END).expect("README.md has <!-- settings:end --> after the start");
    let generated = docwright::config::reference_markdown();
    assert_eq!(
        &readme[start..end],
        generated,
        "README.md's settings section differs from the tables: paste `docwright settings --markdown` between the markers"
    );

    let printed = Command::new(env!("CARGO_BIN_EXE_docwright")).args(["settings", "--markdown"]).output().unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    assert_eq!(String::from_utf8(printed.stdout).unwrap(), generated);
}

#[test]
fn editor_readmes_link_to_the_reference_instead_of_copying_it() {
    let editors = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors");
    let mut readmes = vec!["editors/README.md".to_string()];
    for entry in std::fs::read_dir(&editors).unwrap() {
        let path = entry.unwrap().path();
        if path.join("README.md").is_file() {
            readmes.push(format!("editors/{}/README.md", path.file_name().unwrap().to_string_lossy()));
        }
    }
    readmes.sort();
    assert!(readmes.len() >= 3, "the editors' READMEs: {readmes:?}");
    for readme in readmes {
        let text = read(&readme);
        assert!(text.contains("README.md#settings"), "{readme} links to the settings reference");
        for key in docwright::config::KEYS {
            assert!(!text.contains(&format!("| `{}` |", key.name)), "{readme} copies the settings table");
        }
    }
}

/// The VS Code extension's settings for the server are the schema the tables
/// render: every key, its kind, its choices and its default.
#[test]
fn the_vscode_extension_settings_are_the_generated_schema() {
    let manifest: serde_json::Value = serde_json::from_str(&read("editors/vscode/package.json")).unwrap();
    let sections = manifest["contributes"]["configuration"].as_array().expect("contributes.configuration is a list");
    let server = sections.iter().find(|s| s["id"] == "docwright.server").expect("a section with id docwright.server");
    assert_eq!(
        server,
        &docwright::config::vscode_configuration(),
        "editors/vscode/package.json's server settings differ from the tables: run `npm run sync-settings` in editors/vscode"
    );
    let printed = Command::new(env!("CARGO_BIN_EXE_docwright")).args(["settings", "--vscode"]).output().unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    assert_eq!(&serde_json::from_slice::<serde_json::Value>(&printed.stdout).unwrap(), server);
    // The extension's own settings are apart, and no setting holds a secret.
    let own = sections.iter().find(|s| s["id"] == "docwright").expect("the extension's own section");
    let own_keys: Vec<&String> = own["properties"].as_object().unwrap().keys().collect();
    assert_eq!(own_keys, ["docwright.path", "docwright.trace.server"]);
    for section in sections {
        for key in section["properties"].as_object().unwrap().keys() {
            assert!(!key.to_lowercase().ends_with("apikey"), "{key} would hold a secret");
        }
    }
}
