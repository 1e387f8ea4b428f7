//! The settings' tests: flags, environment and file, and their refusals.

use super::*;

#[test]
fn trusted_proxies_are_checked_at_start() {
    let bad = ServeArgs {
        trusted_proxies: Some("10.0.0.0/8, my-proxy".into()),
        ..ServeArgs::default()
    };
    let e = bad.resolve().unwrap_err().to_string();
    assert!(
        e.contains("OVERDUE_TRUSTED_PROXIES") && e.contains("my-proxy"),
        "{e}"
    );
    let good = ServeArgs {
        trusted_proxies: Some("127.0.0.1 10.0.0.0/8".into()),
        ..ServeArgs::default()
    };
    assert_eq!(good.resolve().unwrap().trusted_proxies.len(), 2);
    assert!(ServeArgs::default()
        .resolve()
        .unwrap()
        .trusted_proxies
        .is_empty());
}

#[test]
fn self_ping_needs_an_http_url() {
    let bad = ServeArgs {
        self_ping_url: Some("ftp://example.com/x".into()),
        ..ServeArgs::default()
    };
    assert!(bad
        .resolve()
        .unwrap_err()
        .to_string()
        .contains("OVERDUE_SELF_PING_URL"));
    let good = ServeArgs {
        self_ping_url: Some("https://hc.example.com/ping/abc/".into()),
        self_ping_period: Some("30s".into()),
        ..ServeArgs::default()
    };
    let s = good.resolve().unwrap();
    assert_eq!(
        s.self_ping,
        Some((
            "https://hc.example.com/ping/abc".into(),
            Duration::from_secs(30)
        ))
    );
    assert_eq!(ServeArgs::default().resolve().unwrap().self_ping, None);
}

#[test]
fn defaults_are_valid() {
    let s = ServeArgs::default().resolve().unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:8000");
    assert_eq!(s.database_url, "sqlite://overdue.db");
    assert_eq!(s.site_url, "http://127.0.0.1:8000");
    assert_eq!(s.ping_body_limit, 100_000);
    assert!(!s.webhook_allow_private);
}

#[test]
fn bad_values_name_the_setting() {
    let cases: Vec<(ServeArgs, &str)> = vec![
        (
            ServeArgs {
                listen: Some("nope".into()),
                ..Default::default()
            },
            "OVERDUE_LISTEN",
        ),
        (
            ServeArgs {
                database_url: Some("mysql://x".into()),
                ..Default::default()
            },
            "DATABASE_URL",
        ),
        (
            ServeArgs {
                site_url: Some("ftp://x".into()),
                ..Default::default()
            },
            "OVERDUE_SITE_URL",
        ),
        (
            ServeArgs {
                ping_body_limit: Some("-1".into()),
                ..Default::default()
            },
            "OVERDUE_PING_BODY_LIMIT",
        ),
        (
            ServeArgs {
                webhook_allow_private: Some("maybe".into()),
                ..Default::default()
            },
            "OVERDUE_WEBHOOK_ALLOW_PRIVATE",
        ),
        (
            ServeArgs {
                webhook_timeout: Some("soon".into()),
                ..Default::default()
            },
            "OVERDUE_WEBHOOK_TIMEOUT",
        ),
        (
            ServeArgs {
                config: Some("/nonexistent.toml".into()),
                ..Default::default()
            },
            "OVERDUE_CONFIG",
        ),
    ];
    for (args, name) in cases {
        let err = args.resolve().unwrap_err().to_string();
        assert!(err.starts_with(name), "{err}");
    }
}

#[test]
fn file_is_read_and_flags_win() {
    let dir = std::env::temp_dir().join(format!("overdue-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("o.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:9999\"\nping_body_limit = 500\n",
    )
    .unwrap();
    let s = ServeArgs {
        config: Some(path.clone()),
        ..Default::default()
    }
    .resolve()
    .unwrap();
    assert_eq!(s.listen.port(), 9999);
    assert_eq!(s.ping_body_limit, 500);
    let s = ServeArgs {
        config: Some(path.clone()),
        listen: Some("127.0.0.1:1".into()),
        ..Default::default()
    }
    .resolve()
    .unwrap();
    assert_eq!(s.listen.port(), 1);
    std::fs::write(&path, "lissten = 1\n").unwrap();
    assert!(ServeArgs {
        config: Some(path),
        ..Default::default()
    }
    .resolve()
    .is_err());
}

// The relay's transport is made at start, inside the runtime.
#[tokio::test]
async fn open_sign_up_needs_a_relay() {
    let open = ServeArgs {
        limits: crate::limits::LimitArgs {
            signup: Some("open".into()),
            ..Default::default()
        },
        ..ServeArgs::default()
    };
    let e = open.resolve().unwrap_err().to_string();
    assert!(
        e.contains("OVERDUE_SIGNUP=open") && e.contains("OVERDUE_SMTP_URL"),
        "{e}"
    );
    let with_relay = ServeArgs {
        smtp_url: Some("smtp://127.0.0.1:2525".into()),
        ..open
    };
    assert_eq!(
        with_relay.resolve().unwrap().limits.signup,
        overdue_core::signup::Signup::Open
    );
}

#[test]
fn a_trusted_header_needs_a_trusted_proxy() {
    let alone = ServeArgs {
        trusted_header: Some("Remote-User".into()),
        ..ServeArgs::default()
    };
    let e = alone.resolve().unwrap_err().to_string();
    assert!(e.contains("OVERDUE_TRUSTED_PROXIES"), "{e}");
    let bad = ServeArgs {
        trusted_header: Some("Remote User".into()),
        trusted_proxies: Some("10.0.0.1".into()),
        ..ServeArgs::default()
    };
    assert!(bad
        .resolve()
        .unwrap_err()
        .to_string()
        .contains("not a header name"));
    let good = ServeArgs {
        trusted_header: Some("Remote-User".into()),
        trusted_proxies: Some("10.0.0.1".into()),
        ..ServeArgs::default()
    };
    assert_eq!(
        good.resolve().unwrap().trusted_header.as_deref(),
        Some("Remote-User")
    );
}

#[test]
fn single_sign_on_is_checked_at_start() {
    let sso = |f: fn(&mut crate::config::SsoArgs)| {
        let mut a = crate::config::SsoArgs {
            oidc_issuer: Some("https://id.example.com/realms/ops".into()),
            oidc_client_id: Some("overdue".into()),
            oidc_client_secret: Some("s3cret".into()),
            ..Default::default()
        };
        f(&mut a);
        ServeArgs {
            site_url: Some("https://overdue.example.com".into()),
            sso: a,
            ..ServeArgs::default()
        }
        .resolve()
    };
    let good = sso(|_| {}).unwrap();
    let s = good.sso.unwrap();
    assert_eq!(s.label(), "Sign in with single sign-on");
    assert!(
        !format!("{s:?}").contains("s3cret"),
        "the secret is never printed"
    );
    assert!(good.password_signin);
    for (change, says) in [
        (
            (|a: &mut crate::config::SsoArgs| a.oidc_issuer = Some("http://id.example.com".into()))
                as fn(&mut crate::config::SsoArgs),
            "must start with https://",
        ),
        (
            |a| a.oidc_client_secret = None,
            "OVERDUE_OIDC_CLIENT_SECRET",
        ),
        (
            |a| a.oidc_roles = Some(r#"[{"group":"x","project":"P","role":"owner"}]"#.into()),
            "cannot make owners",
        ),
        (
            |a| a.oidc_domains = Some("example".into()),
            "is not a domain",
        ),
        (
            |a| a.password_signin = Some("perhaps".into()),
            "not a boolean",
        ),
    ] {
        let e = sso(change).unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
    }
    // A loopback provider may use http (a test or a provider beside Overdue).
    assert!(sso(|a| a.oidc_issuer = Some("http://127.0.0.1:9000".into())).is_ok());
    // The provider sends people back to the site URL: it must be set.
    let no_site = ServeArgs {
        sso: crate::config::SsoArgs {
            oidc_issuer: Some("https://id.example.com".into()),
            oidc_client_id: Some("overdue".into()),
            oidc_client_secret: Some("s".into()),
            ..Default::default()
        },
        ..ServeArgs::default()
    };
    assert!(no_site
        .resolve()
        .unwrap_err()
        .to_string()
        .contains("OVERDUE_SITE_URL"));
    // Passwords off needs another way in; other settings need the issuer.
    let off = ServeArgs {
        sso: crate::config::SsoArgs {
            password_signin: Some("off".into()),
            ..Default::default()
        },
        ..ServeArgs::default()
    };
    assert!(off
        .resolve()
        .unwrap_err()
        .to_string()
        .contains("leaves no way to sign in"));
    let stray = ServeArgs {
        sso: crate::config::SsoArgs {
            oidc_client_id: Some("x".into()),
            ..Default::default()
        },
        ..ServeArgs::default()
    };
    assert!(stray
        .resolve()
        .unwrap_err()
        .to_string()
        .contains("OVERDUE_OIDC_ISSUER"));
    assert!(
        !sso(|a| a.password_signin = Some("off".into()))
            .unwrap()
            .password_signin
    );
}
