//! Single sign-on rules (docs/security.md, "Single sign-on"): which provider groups
//! give which project roles, and when an address the provider names may be linked to an
//! existing account or make a new one. No IO: the server asks the provider, the storage
//! writes what these rules decide.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Role;

/// One line of the operator's mapping: members of `group` get `role` in `project`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRole {
    /// The group as the provider names it in the groups claim.
    pub group: String,
    /// The project's id or exact name.
    pub project: String,
    /// `viewer`, `member` or `admin` (ownership is handed over by a person, never by a
    /// group: docs/security.md, "Roles").
    pub role: String,
}

/// The operator's group → role mapping, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupRoles(Vec<(String, String, Role)>);

impl GroupRoles {
    /// Parses the mapping from JSON (`[{"group","project","role"}]`, as
    /// `OVERDUE_OIDC_ROLES` carries it); an empty text is no mapping.
    pub fn parse_json(text: &str) -> Result<GroupRoles, String> {
        if text.trim().is_empty() {
            return Ok(GroupRoles::default());
        }
        let lines: Vec<GroupRole> = serde_json::from_str(text).map_err(|e| {
            format!(
                "not a list of {{\"group\", \"project\", \"role\"}} objects (line {}, \
                 column {}): e.g. \
                 [{{\"group\": \"ops\", \"project\": \"Payments\", \"role\": \"admin\"}}]",
                e.line(),
                e.column()
            )
        })?;
        GroupRoles::new(lines)
    }

    /// Checks each line: a group, a project, and a role a group may give.
    pub fn new(lines: Vec<GroupRole>) -> Result<GroupRoles, String> {
        let mut out = Vec::with_capacity(lines.len());
        for (i, l) in lines.into_iter().enumerate() {
            let n = i + 1;
            let group = l.group.trim().to_string();
            let project = l.project.trim().to_string();
            if group.is_empty() || project.is_empty() {
                return Err(format!("line {n}: needs a group and a project"));
            }
            let role = match Role::parse(l.role.trim()) {
                Some(Role::Owner) => {
                    return Err(format!(
                        "line {n}: a group cannot make owners: give admin, and let an owner \
                         hand the project over"
                    ))
                }
                Some(r) => r,
                None => {
                    return Err(format!(
                        "line {n}: role {:?} is not one of viewer, member, admin",
                        l.role
                    ))
                }
            };
            out.push((group, project, role));
        }
        Ok(GroupRoles(out))
    }

    /// Whether any line is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The projects (id or name as written) the mapping manages, in order.
    pub fn projects(&self) -> Vec<String> {
        let mut all: Vec<String> = self.0.iter().map(|(_, p, _)| p.clone()).collect();
        all.sort();
        all.dedup();
        all
    }

    /// The role a person in `groups` gets in each project the mapping names: the
    /// highest of their groups' lines. Projects none of their groups reach are absent.
    pub fn roles_for(&self, groups: &[String]) -> BTreeMap<String, Role> {
        let mut out: BTreeMap<String, Role> = BTreeMap::new();
        for (group, project, role) in &self.0 {
            if groups.iter().any(|g| g == group) {
                let best = out.entry(project.clone()).or_insert(*role);
                *best = (*best).max(*role);
            }
        }
        out
    }
}

/// What the provider told about the person signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their e-mail, lower-cased.
    pub email: String,
    /// The provider says it checked the address (`email_verified`).
    pub verified: bool,
}

/// Whether the provider is trusted for `email`'s domain: listed in
/// `OVERDUE_OIDC_DOMAINS` (exact domain; a subdomain is its own entry).
pub fn domain_trusted(domains: &[String], email: &str) -> bool {
    email
        .rsplit_once('@')
        .is_some_and(|(_, d)| domains.iter().any(|t| t.eq_ignore_ascii_case(d)))
}

/// Whether a first sign-in from the provider may take over the existing account with
/// the same address: only when the provider checked the address and is trusted for
/// its domain (else anyone who can make an account at the provider could name any
/// address). The refusal says why in words.
pub fn may_link(domains: &[String], person: &Person) -> Result<(), String> {
    if !person.verified {
        return Err(format!(
            "an account for {} exists here, and the provider did not confirm that address \
             (email_verified): sign in with your password",
            person.email
        ));
    }
    if !domain_trusted(domains, &person.email) {
        return Err(format!(
            "an account for {} exists here, and the provider is not trusted for that domain \
             (OVERDUE_OIDC_DOMAINS): sign in with your password",
            person.email
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> GroupRoles {
        GroupRoles::parse_json(
            r#"[{"group":"ops","project":"Payments","role":"admin"},
                {"group":"dev","project":"Payments","role":"viewer"},
                {"group":"dev","project":"Billing","role":"member"}]"#,
        )
        .unwrap()
    }

    #[test]
    fn the_highest_role_of_a_persons_groups_wins_per_project() {
        let m = map();
        let r = m.roles_for(&["dev".into(), "ops".into()]);
        assert_eq!(r.get("Payments"), Some(&Role::Admin));
        assert_eq!(r.get("Billing"), Some(&Role::Member));
        let r = m.roles_for(&["dev".into()]);
        assert_eq!(r.get("Payments"), Some(&Role::Viewer));
        assert!(m.roles_for(&["sales".into()]).is_empty());
        assert_eq!(m.projects(), vec!["Billing", "Payments"]);
    }

    #[test]
    fn a_mapping_is_refused_in_words() {
        let e =
            GroupRoles::parse_json(r#"[{"group":"x","project":"P","role":"owner"}]"#).unwrap_err();
        assert!(e.contains("cannot make owners"), "{e}");
        let e =
            GroupRoles::parse_json(r#"[{"group":"x","project":"P","role":"boss"}]"#).unwrap_err();
        assert!(e.contains("not one of viewer, member, admin"), "{e}");
        let e =
            GroupRoles::parse_json(r#"[{"group":"","project":"P","role":"admin"}]"#).unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = GroupRoles::parse_json(r#"{"group":"x"}"#).unwrap_err();
        assert!(e.contains("not a list"), "{e}");
        assert!(!e.contains("serde"), "{e}");
        let e = GroupRoles::parse_json(r#"[{"group":"x","project":"P","role":"admin","y":1}]"#)
            .unwrap_err();
        assert!(e.contains("not a list"), "{e}");
        assert!(GroupRoles::parse_json(" ").unwrap().is_empty());
    }

    #[test]
    fn linking_needs_a_checked_address_in_a_trusted_domain() {
        let domains = vec!["example.com".to_string()];
        let p = |email: &str, verified| Person {
            email: email.into(),
            verified,
        };
        assert!(may_link(&domains, &p("ann@example.com", true)).is_ok());
        assert!(may_link(&domains, &p("ann@Example.COM", true)).is_ok());
        let e = may_link(&domains, &p("ann@example.com", false)).unwrap_err();
        assert!(e.contains("did not confirm"), "{e}");
        let e = may_link(&domains, &p("ann@evil.example.com", true)).unwrap_err();
        assert!(e.contains("not trusted"), "{e}");
        assert!(!domain_trusted(&[], "ann@example.com"));
    }
}
