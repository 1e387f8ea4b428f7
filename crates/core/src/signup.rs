//! Who may make an account without an invitation (docs/security.md, "Sign-up"): the
//! operator's `OVERDUE_SIGNUP` setting, read once at start, and the rule that admits an
//! address or says in words why not.

/// The sign-up mode of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Signup {
    /// Only an invitation (or the operator's `overdue user create`) makes an account:
    /// the default, so an instance reachable from the internet is not open by accident.
    #[default]
    Invitation,
    /// Anyone with an e-mail address they can read.
    Open,
    /// Addresses at these domains (lower case, exact: a subdomain is its own entry).
    Domains(Vec<String>),
}

impl Signup {
    /// Reads the setting: `invitation`, `open`, or e-mail domains separated by commas
    /// or spaces (`example.com, example.org`; a leading `@` is allowed).
    pub fn parse(text: &str) -> Result<Signup, String> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "invitation" | "invitations" | "invite" => return Ok(Signup::Invitation),
            "open" => return Ok(Signup::Open),
            _ => {}
        }
        let mut domains = Vec::new();
        for part in t.split(|c: char| c == ',' || c.is_whitespace()) {
            let d = part.trim().trim_start_matches('@');
            if d.is_empty() {
                continue;
            }
            let fine = d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !d.contains("..")
                && d.len() <= 253
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !fine {
                return Err(format!(
                    "{part:?} is not an e-mail domain: use invitation, open, or domains such \
                     as example.com, example.org"
                ));
            }
            if !domains.iter().any(|x| x == d) {
                domains.push(d.to_string());
            }
        }
        if domains.is_empty() {
            return Err("give invitation, open, or e-mail domains such as example.com".into());
        }
        Ok(Signup::Domains(domains))
    }

    /// The mode's name as the API says it: `invitation`, `open` or `domains`.
    pub fn name(&self) -> &'static str {
        match self {
            Signup::Invitation => "invitation",
            Signup::Open => "open",
            Signup::Domains(_) => "domains",
        }
    }

    /// The listed domains (empty unless the mode is `domains`).
    pub fn domains(&self) -> &[String] {
        match self {
            Signup::Domains(d) => d,
            _ => &[],
        }
    }

    /// Whether `email` (already checked and lower-cased) may sign up, or why not, in
    /// words for the person at the form.
    pub fn admits(&self, email: &str) -> Result<(), String> {
        match self {
            Signup::Open => Ok(()),
            Signup::Invitation => Err(
                "this instance makes accounts by invitation only: ask the owner of a \
                 project to invite your address"
                    .into(),
            ),
            Signup::Domains(list) => {
                let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
                if list.iter().any(|d| d == domain) {
                    Ok(())
                } else {
                    Err(format!(
                        "sign-up here is open to addresses at {} only: use such an address, \
                         or ask the owner of a project to invite you",
                        list.join(", ")
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_read_in_words() {
        assert_eq!(Signup::parse(" Invitation ").unwrap(), Signup::Invitation);
        assert_eq!(Signup::parse("open").unwrap(), Signup::Open);
        assert_eq!(
            Signup::parse("@Example.com, corp.example.org example.com").unwrap(),
            Signup::Domains(vec!["example.com".into(), "corp.example.org".into()])
        );
        for bad in [
            "",
            " , ",
            "localhost",
            "exa mple..com",
            "-x@y",
            "a.b/c",
            ".example.com",
        ] {
            let e = Signup::parse(bad).unwrap_err();
            assert!(e.contains("invitation, open"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn an_address_is_admitted_by_its_exact_domain() {
        let d = Signup::parse("example.com").unwrap();
        assert!(d.admits("ann@example.com").is_ok());
        let e = d.admits("ann@mail.example.com").unwrap_err();
        assert!(e.contains("example.com only"), "{e}");
        assert!(d.admits("ann@example.com.evil.org").is_err());
        assert!(d.admits("example.com@evil.org").is_err());
        assert!(Signup::Open.admits("x@y.z").is_ok());
        let e = Signup::Invitation.admits("x@y.z").unwrap_err();
        assert!(e.contains("invitation only"), "{e}");
        assert_eq!(Signup::Invitation.domains(), &[] as &[String]);
        assert_eq!(d.name(), "domains");
    }
}
