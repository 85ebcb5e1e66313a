//! Likely secrets in source code, replaced before a prompt leaves the
//! machine: private keys, the common token forms (AWS, Azure, GitHub, Slack,
//! OpenAI, JWT), passwords in connection strings and URLs, and string
//! literals assigned to names like `password`, `secret`, `token` or
//! `api_key`. What is found is counted, never logged.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::{Captures, Regex, RegexSet};

/// What stands in for a secret.
pub const PLACEHOLDER: &str = "<redacted>";

/// One form of secret: what to look for, and which group of it is the
/// secret (the whole match when 0).
struct Form {
    pattern: Regex,
    group: usize,
}

fn form(pattern: &str, group: usize) -> Form {
    // The patterns are constants, checked by the tests.
    Form { pattern: Regex::new(pattern).unwrap_or_else(|e| panic!("secret pattern {pattern}: {e}")), group }
}

/// Names whose string values are secrets.
const SECRET_NAME: &str = r"[A-Za-z_]*(?:password|passwd|passphrase|secret|token|api_?key|apikey|access_?key|private_?key|credential|auth_?key|client_?secret)[A-Za-z0-9_]*";

static FORMS: LazyLock<Vec<Form>> = LazyLock::new(|| {
    vec![
        // PEM private keys, whole.
        form(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
            0,
        ),
        // AWS access key ids.
        form(r"(?-u:\b)(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}(?-u:\b)", 0),
        // GitHub tokens, classic and fine-grained.
        form(r"(?-u:\b)(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}(?-u:\b)", 0),
        form(r"(?-u:\b)github_pat_[A-Za-z0-9_]{22,}(?-u:\b)", 0),
        // Slack tokens and webhooks.
        form(r"(?-u:\b)xox[abposr]-[A-Za-z0-9-]{10,}", 0),
        form(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+", 0),
        // OpenAI keys.
        form(r"(?-u:\b)sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", 0),
        // JSON Web Tokens.
        form(r"(?-u:\b)eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", 0),
        // Azure connection strings and SAS tokens: the key's value.
        form(r"(?i-u:\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd))=([^;'\x22\s]+)", 1),
        form(r"[?&]sig=([A-Za-z0-9%+/=]{16,})", 1),
        // A password in a URL (`scheme://user:password@host`).
        form(r"(?-u:\b)[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@'\x22]*:([^@\s'\x22/]+)@", 1),
        // `name = "value"`, `name: str = "value"`, `name="value"` (a keyword
        // argument) and `"name": "value"` (a dict entry), for secret names.
        form(
            &format!(
                r#"(?i-u:\b{SECRET_NAME})['"]?[ \t]*(?::[ \t]*[A-Za-z_][A-Za-z0-9_\[\], .|]*)?(?:=|:)[ \t]*[rRbBuU]{{0,2}}(?:"""([\s\S]*?)"""|'''([\s\S]*?)'''|"([^"\n]+)"|'([^'\n]+)')"#
            ),
            usize::MAX,
        ),
    ]
});

/// All the forms at once: one pass over a prompt finds which of them occur
/// (most prompts hold none).
static ANY: LazyLock<RegexSet> = LazyLock::new(|| {
    // The forms compiled one by one, so together they do (a test says so);
    // an empty set here would let every secret through.
    RegexSet::new(FORMS.iter().map(|form| form.pattern.as_str())).unwrap_or_else(|e| panic!("secret patterns: {e}"))
});

/// Words every form holds one of, found without compiling the forms
/// (most prompts hold none; a literal search is cheap to build and run, and
/// its automaton, unlike a regex's lazy one, is built once for all threads).
static HINT: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let words = [
        "PRIVATE KEY",
        "AKIA",
        "ASIA",
        "ABIA",
        "ACCA",
        "AGPA",
        "AIDA",
        "AROA",
        "ANPA",
        "ANVA",
        "AIPA",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "xox",
        "hooks.slack.com",
        "sk-",
        "eyJ",
        "AccountKey",
        "SharedAccess",
        "Pwd=",
        "sig=",
        "://",
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "api_key",
        "accesskey",
        "access_key",
        "privatekey",
        "private_key",
        "credential",
        "authkey",
        "auth_key",
    ];
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(words)
        .unwrap_or_else(|e| panic!("secret hints: {e}"))
});

/// Builds the search for secrets' hints ahead, off the path of the first
/// prompt (which other threads would wait on).
pub fn prepare() {
    LazyLock::force(&HINT);
}

/// `text` with its likely secrets replaced, and how many there were.
pub fn redact(text: &str) -> (Cow<'_, str>, usize) {
    if !HINT.is_match(text) {
        return (Cow::Borrowed(text), 0);
    }
    let found = ANY.matches(text);
    if !found.matched_any() {
        return (Cow::Borrowed(text), 0);
    }
    let mut text = text.to_string();
    let mut count = 0;
    for form in found.iter().filter_map(|i| FORMS.get(i)) {
        text = form
            .pattern
            .replace_all(&text, |caps: &Captures<'_>| {
                let whole = caps.get(0).map_or("", |m| m.as_str());
                // The value of an assignment is whichever quoting matched.
                let secret = if form.group == usize::MAX {
                    (1..caps.len()).find_map(|i| caps.get(i))
                } else {
                    caps.get(form.group)
                };
                let Some(secret) = secret.filter(|s| !s.as_str().is_empty() && s.as_str() != PLACEHOLDER) else {
                    return whole.to_string();
                };
                count += 1;
                let start = secret.start() - caps.get(0).map_or(0, |m| m.start());
                let end = start + secret.len();
                format!("{}{PLACEHOLDER}{}", &whole[..start], &whole[end..])
            })
            .into_owned();
    }
    (Cow::Owned(text), count)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASES: &[(&str, &str)] = &[
        ("key = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----'''", "MIIEow"),
        ("PEM = \"-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbn\\n-----END OPENSSH PRIVATE KEY-----\"", "b3Blbn"),
        ("aws_id = 'AKIAIOSFODNN7EXAMPLE'", "AKIAIOSFODNN7EXAMPLE"),
        ("boto3.client('s3', aws_secret_access_key='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')", "wJalrXUtnFEMI"),
        ("CONN = 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFyYmF6cXV4==;'", "Zm9vYmFyYmF6cXV4"),
        ("url = f'https://a.blob.core.windows.net/c?sv=2020&sig=AbCdEfGhIjKlMnOpQrStUv%3D'", "AbCdEfGhIjKlMnOpQrSt"),
        ("GH = 'ghp_1234567890abcdefghijABCDEFGHIJ123456'", "ghp_1234567890"),
        ("pat = 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'", "github_pat_11"),
        ("slack('xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp')", "xoxb-1234"),
        ("HOOK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXX'", "T000/B000"),
        ("client = OpenAI(api_key='sk-proj-abcdefghijklmnopqrstuvwxyz012345')", "sk-proj-abc"),
        (
            "jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'",
            "dozjgNryP4J3",
        ),
        ("engine = create_engine('postgresql://admin:hunter2@db.internal:5432/app')", "hunter2"),
        ("DB = 'Server=tcp:x.database.windows.net;User ID=u;Password=S3cr3t!;'", "S3cr3t!"),
        ("password = 'correct horse battery staple'", "correct horse"),
        ("DB_PASSWORD: str = \"p@ss\"", "p@ss"),
        ("settings = {'api_key': 'abc123def456', 'name': 'x'}", "abc123def456"),
        ("connect(user='me', token=\"tok-42\")", "tok-42"),
        ("client_secret = r'''multi\nline'''", "multi\nline"),
    ];

    fn redacted(text: &str) -> String {
        redact(text).0.into_owned()
    }

    /// Every form needs one of the hint's words, or the hint would let a
    /// secret through unseen.
    #[test]
    fn every_secret_holds_a_hint() {
        for (source, _) in CASES {
            assert!(HINT.is_match(source), "{source:?}");
        }
    }

    #[test]
    fn every_pattern_compiles() {
        assert!(FORMS.len() > 10);
        assert_eq!(ANY.len(), FORMS.len());
    }

    #[test]
    fn each_form_of_secret_is_replaced() {
        let cases = CASES;
        for (source, secret) in cases {
            let (text, count) = redact(source);
            assert!(!text.contains(secret), "{source:?} became {text:?}");
            assert!(text.contains(PLACEHOLDER), "{source:?} became {text:?}");
            assert!(count >= 1, "{source:?}");
        }
    }

    #[test]
    fn code_around_a_secret_is_kept() {
        assert_eq!(redacted("password = 'x1'  # the admin's\n"), "password = '<redacted>'  # the admin's\n");
        assert_eq!(
            redacted("create_engine('postgresql://admin:hunter2@db/app')"),
            "create_engine('postgresql://admin:<redacted>@db/app')"
        );
        assert_eq!(redact("a = 1\nb = 'AKIAIOSFODNN7EXAMPLE'\n"), ("a = 1\nb = '<redacted>'\n".into(), 1));
    }

    #[test]
    fn ordinary_code_is_left_alone() {
        for source in [
            "def get_token(self, name: str) -> str:\n    return self.tokens[name]\n",
            "password = input('Password: ')",
            "if token is None:\n    raise ValueError('no token')",
            "url = 'https://example.com/path?q=1'",
            "SECRET_LENGTH = 32",
            "def check(password):\n    return len(password) > 8",
            "key = 'sk'",
            "tokens = ''",
        ] {
            assert_eq!(redact(source), (source.into(), 0), "{source:?}");
        }
    }

    #[test]
    fn redacting_twice_changes_nothing_more() {
        let (once, n) = redact("password = 'x'\ntoken='y'");
        assert_eq!(n, 2);
        assert_eq!(redact(&once), (once.clone(), 0));
    }
}
