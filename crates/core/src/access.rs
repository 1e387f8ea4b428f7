//! Who may do what in a project: the roles of members and API keys.

use serde::{Deserialize, Serialize};

/// A member's role in a project, from least to most power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything, changes nothing (also: read-only API keys).
    Viewer,
    /// Manages monitors: create, edit, pause, delete.
    Member,
    /// Also manages channels and API keys (also: read-write API keys).
    Admin,
    /// Also manages members and the project itself.
    Owner,
}

impl Role {
    /// Stored and shown form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "member" => Some(Role::Member),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    /// May change monitors.
    pub fn can_write(self) -> bool {
        self >= Role::Member
    }

    /// May change channels and API keys.
    pub fn can_manage(self) -> bool {
        self >= Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        for r in [Role::Viewer, Role::Member, Role::Admin, Role::Owner] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert!(!Role::Viewer.can_write());
        assert!(Role::Member.can_write() && !Role::Member.can_manage());
        assert!(Role::Admin.can_manage() && Role::Owner.can_manage());
        assert_eq!(Role::parse("root"), None);
    }
}
