//! A real OpenID provider for the single sign-on stories: `oidc-provider` (OpenID
//! Certified, from npm; `npm ci --prefix tests/oidc`) run by Node.js with
//! tests/oidc/provider.mjs. The people it knows are a JSON file the story may rewrite
//! between sign-ins.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The client secret Overdue has at the test provider.
pub const SECRET: &str = "overdue-test-client-secret";

/// A running provider; stopped when dropped. Its issuer is `http://127.0.0.1:<port>`
/// with the port from `harness::free_port`.
pub struct OidcProvider {
    child: Child,
    people: PathBuf,
}

impl OidcProvider {
    /// Starts a provider at `issuer` (`http://127.0.0.1:<port>`, a port from
    /// [`free_port`] taken before the servers that need the issuer start) that sends
    /// people back to `redirects`, and knows `people` (`{"<id>": {"email", "email_verified", "groups"}}`); with
    /// `claims_in_id_token` the claims ride in the ID token, else they come from the
    /// userinfo endpoint (the provider's default).
    pub fn start(
        issuer: &str,
        redirects: &[String],
        people: &Value,
        claims_in_id_token: bool,
    ) -> OidcProvider {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "the OpenID provider is not installed: run `npm ci --prefix tests/oidc`"
        );
        let port = issuer.rsplit(':').next().unwrap();
        let file = std::env::temp_dir().join(format!("overdue-oidc-{}.json", uuid::Uuid::new_v4()));
        std::fs::write(&file, people.to_string()).unwrap();
        let mut cmd = Command::new("node");
        cmd.arg(dir.join("provider.mjs"))
            .env("PORT", port)
            .env("CLIENT_SECRET", SECRET)
            .env("REDIRECT_URI", redirects.join(","))
            .env("PEOPLE_FILE", &file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if claims_in_id_token {
            cmd.env("CLAIMS_IN_ID_TOKEN", "1");
        }
        let mut child = cmd.spawn().expect("node runs tests/oidc/provider.mjs");
        let out = child.stdout.take().unwrap();
        let mut line = String::new();
        let mut out = BufReader::new(out);
        out.read_line(&mut line).unwrap();
        // The provider logs to its stdout later on: read it to the end, or its next
        // line would meet a closed pipe and stop it.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        assert_eq!(
            line.trim(),
            format!("ready {issuer}"),
            "the provider did not start"
        );
        OidcProvider {
            child,
            people: file,
        }
    }

    /// Replaces the people it knows (their groups at their next sign-in).
    pub fn set_people(&self, people: &Value) {
        std::fs::write(&self.people, people.to_string()).unwrap();
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.people);
    }
}
