//! The rules for an account's e-mail address and password, the same for sign-up, the
//! dashboard, invitations and `overdue user create` (docs/behaviour.md, "Accounts and
//! access").

/// Checks and normalises an e-mail address: trimmed and lower-cased.
pub fn check_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    let well_formed = email
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.ends_with('.'));
    if !well_formed || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(format!("email {raw:?} is not an e-mail address"));
    }
    Ok(email)
}

/// Checks a new password: 8 characters to 1024 bytes.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        return Err("password: use at least 8 characters".into());
    }
    if password.len() > 1024 {
        return Err("password: use at most 1024 bytes".into());
    }
    Ok(())
}

/// Checks new credentials; the e-mail address comes back normalised.
pub fn check_credentials(email: &str, password: &str) -> Result<String, String> {
    let email = check_email(email)?;
    check_password(password)?;
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_checked() {
        assert_eq!(
            check_credentials(" Ann@Example.COM ", "12345678").unwrap(),
            "ann@example.com"
        );
        assert!(check_credentials("ann", "12345678").is_err());
        assert!(check_credentials("ann@example.", "12345678").is_err());
        assert!(check_credentials("ann@example.com", "short").is_err());
        assert!(check_password(&"x".repeat(1025)).is_err());
        assert!(check_password("sieben ä").is_ok());
    }
}
