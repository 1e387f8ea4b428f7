//! A small WebDriver client for the browser tests: Debian's `chromedriver` driving
//! headless Chromium, spoken to over plain HTTP with the suite's own reqwest.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// `Some(path)` of chromedriver; in CI (`CI=true`) a missing one fails the test.
pub fn chromedriver() -> Option<String> {
    let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(str::to_string);
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromedriver is required in CI: apt-get install chromium chromium-driver");
        }
        eprintln!("skipping: no chromedriver (apt-get install chromium chromium-driver)");
    }
    found
}

/// A browser session; the driver process is killed on drop.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    driver: Child,
    _profile: std::path::PathBuf,
    /// One browser at a time in the suite: Chromium takes a core of the two, and the
    /// other stories run beside it on more test threads (docs/benchmarks.md).
    _turn: tokio::sync::SemaphorePermit<'static>,
}

/// The browsers' turns: one at a time.
static BROWSERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-9", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// An element found on the page.
pub struct El(String);

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile, `width` px wide.
    pub async fn start(driver: &str, width: u32) -> Browser {
        Browser::start_in(driver, width, None).await
    }

    /// Like [`Browser::start`], with the browser's time zone (`TZ`, an IANA name).
    pub async fn start_in(driver: &str, width: u32, tz: Option<&str>) -> Browser {
        let turn = BROWSERS
            .acquire()
            .await
            .expect("the browsers' semaphore is never closed");
        let port = crate::harness::free_port();
        // Its own process group: dropping the browser kills Chromium with the driver
        // (killing the driver alone left Chromium running after each test).
        let mut cmd = Command::new(driver);
        if let Some(tz) = tz {
            cmd.env("TZ", tz);
        }
        let child = cmd
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start chromedriver");
        let profile = std::env::temp_dir().join(format!("overdue-chrome-{}", uuid::Uuid::new_v4()));
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{url}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage",
                format!("--window-size={width},900"),
                format!("--user-data-dir={}", profile.display()),
            ]}
        }}});
        let r: Value = http
            .post(format!("{url}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Browser {
            http,
            base: format!("{url}/session/{id}"),
            driver: child,
            _profile: profile,
            _turn: turn,
        }
    }

    async fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let r = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url).json(&body),
        };
        let v: Value = r.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    /// Adds a virtual authenticator (WebDriver's WebAuthn extension): an internal one
    /// with resident keys and user verification that always passes, as a laptop's
    /// screen lock would. Returns its id.
    pub async fn virtual_authenticator(&self) -> String {
        let v = self
            .cmd(
                "POST",
                "/webauthn/authenticator",
                json!({"protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
                       "hasUserVerification": true, "isUserVerified": true}),
            )
            .await;
        v.as_str()
            .unwrap_or_else(|| panic!("no virtual authenticator: {v}"))
            .to_string()
    }

    /// The credentials the virtual authenticator `id` holds.
    pub async fn authenticator_credentials(&self, id: &str) -> Vec<Value> {
        let v = self
            .cmd(
                "GET",
                &format!("/webauthn/authenticator/{id}/credentials"),
                json!({}),
            )
            .await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", json!({ "url": url })).await;
    }

    async fn try_find(&self, css: &str) -> Option<El> {
        let v = self
            .cmd(
                "POST",
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT].as_str().map(|s| El(s.to_string()))
    }

    /// Waits up to 10 s for `css` to match, and returns it.
    pub async fn find(&self, css: &str) -> El {
        for _ in 0..200 {
            if let Some(e) = self.try_find(css).await {
                return e;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let shot = self.screenshot("failed-find").await;
        panic!("{css:?} did not appear within 10 s (screenshot {shot})");
    }

    /// True when `css` matches nothing right now.
    pub async fn absent(&self, css: &str) -> bool {
        self.try_find(css).await.is_none()
    }

    /// Clicks an element.
    pub async fn click(&self, e: &El) {
        self.cmd("POST", &format!("/element/{}/click", e.0), json!({}))
            .await;
    }

    /// Clears an input and types `text` into it.
    pub async fn fill(&self, e: &El, text: &str) {
        self.cmd("POST", &format!("/element/{}/clear", e.0), json!({}))
            .await;
        self.cmd(
            "POST",
            &format!("/element/{}/value", e.0),
            json!({ "text": text }),
        )
        .await;
    }

    /// The rendered text of an element.
    pub async fn text(&self, e: &El) -> String {
        self.cmd("GET", &format!("/element/{}/text", e.0), json!({}))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits up to `secs` for the text of `css` to satisfy `pred`; returns it.
    pub async fn wait_text(&self, css: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..secs * 10 {
            if let Some(e) = self.try_find(css).await {
                last = self.text(&e).await;
                if pred(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let shot = self.screenshot("failed-wait").await;
        panic!("{css:?} text never matched; last {last:?} (screenshot {shot})");
    }

    /// Presses a key on whatever has the focus (`"\u{E004}"` Tab, `"\u{E007}"` Enter).
    pub async fn press(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}
        ]}]});
        self.cmd("POST", "/actions", actions).await;
    }

    /// Resizes the window (375 for a phone).
    pub async fn resize(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            json!({"width": width, "height": height}),
        )
        .await;
    }

    /// Waits up to 10 s for a script's answer to satisfy `pred`; returns it.
    pub async fn until(&self, script: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..100 {
            last = self.eval(script).await;
            if pred(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{script}: never matched; last {last}");
    }

    /// Runs a script in the page and returns its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// Runs an asynchronous script (it calls its last argument with the result).
    pub async fn eval_async(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// Emulates the system's dark (or light) colour scheme.
    pub async fn dark(&self, on: bool) {
        let value = if on { "dark" } else { "light" };
        let params = json!({"features": [{"name": "prefers-color-scheme", "value": value}]});
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            json!({"cmd": "Emulation.setEmulatedMedia", "params": params}),
        )
        .await;
    }

    /// The browser console's errors since the last call (the page's own errors,
    /// refused resources, CSP violations).
    pub async fn console_errors(&self) -> Vec<String> {
        let v = self
            .cmd("POST", "/se/log", json!({"type": "browser"}))
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter(|e| e["level"] == "SEVERE")
                    // A 4xx the page asked for and handles (a preview of a half-typed
                    // cron expression, "not signed in") is the network's note, not
                    // an error of the page.
                    .filter(|e| {
                        !e["message"].as_str().is_some_and(|m| {
                            m.contains(
                                "Failed to load resource: the server responded with a status of 4",
                            )
                        })
                    })
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs axe-core (WCAG 2.0–2.2 A and AA rules) on the page; the serious and
    /// critical violations, one line each.
    pub async fn axe(&self) -> Vec<String> {
        let loaded = self.eval("return typeof window.axe === 'object'").await;
        if loaded != Value::Bool(true) {
            let path = axe_source();
            let src = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("{}: {e} (run `npm ci --prefix tests/axe`)", path.display())
            });
            self.eval(&format!("{src}\nreturn true;")).await;
        }
        let v = self
            .eval_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, {runOnly: {type: 'tag', values: \
                   ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})\
                 .then(r => done(r.violations\
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                   .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +\
                     v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))\
                 .catch(e => done(['axe failed: ' + e]));",
            )
            .await;
        serde_json::from_value(v).unwrap_or_else(|e| vec![format!("axe answered oddly: {e}")])
    }

    /// Saves a PNG screenshot under `target/screenshots/`; returns its path.
    pub async fn screenshot(&self, name: &str) -> String {
        let v = self.cmd("GET", "/screenshot", json!({})).await;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}.png"));
        if let Some(data) = v.as_str().and_then(base64_decode) {
            let _ = std::fs::write(&path, data);
        }
        path.display().to_string()
    }
}

/// The pinned axe-core's script, installed with `npm ci --prefix tests/axe` (from its
/// lock file) the first time it is missing, so that README's one test command passes on
/// a fresh clone.
fn axe_source() -> std::path::PathBuf {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/axe");
    let path = dir.join("node_modules/axe-core/axe.min.js");
    INSTALLED.call_once(|| {
        if !path.exists() {
            let status = std::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--silent", "--prefix"])
                .arg(&dir)
                .status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "npm ci --prefix tests/axe failed: npm and the package registry are needed"
            );
        }
    });
    path
}

/// Standard base64 (what WebDriver screenshots are), without a dependency.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}
