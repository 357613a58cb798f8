//! Resources: what an action needs and produces. The plan's edges come
//! from them (an action that needs `mount:/mnt` runs after the one that
//! produces it), never from list position. In the JSON a resource is
//! `KIND:NAME` (or `KIND` alone); in code it is a [`ResourceKind`] and a name.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kinds of resources, named as the plan writes them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum ResourceKind {
    /// A disk the machine has (no action produces it).
    Device,
    /// Something of the machine's (no action produces it).
    Host,
    Facts,
    Bootstrap,
    Kexec,
    Secret,
    Wiped,
    Table,
    GptSlot,
    MsdosSlot,
    HybridMbr,
    Block,
    Luks,
    LuksKey,
    Member,
    Vg,
    VgSpace,
    Zpool,
    Dataset,
    Fs,
    Subvolume,
    Swap,
    Swapfile,
    Mount,
    Dir,
    Owner,
    ExtraFiles,
    HostKeys,
    System,
    Activation,
    Unmounted,
    Exported,
    /// A disko hook has run (`ID:pre-create`, `ID:post-create`).
    Hook,
    Rebooted,
    /// A deployment key in place on the target (`DIR/NAME`).
    Key,
}

/// One resource: its kind and what it names (a device, a path, a pool...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resource {
    kind: ResourceKind,
    name: String,
}

impl Resource {
    pub fn new(kind: ResourceKind, name: impl Into<String>) -> Resource {
        Resource {
            kind,
            name: name.into(),
        }
    }

    /// A resource that is its kind alone (`facts`, `rebooted`).
    pub fn bare(kind: ResourceKind) -> Resource {
        Resource::new(kind, "")
    }

    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Provided by the machine rather than by an action (raw disks).
    pub fn is_external(&self) -> bool {
        matches!(self.kind, ResourceKind::Device | ResourceKind::Host)
    }

    /// Reads `KIND:NAME` or `KIND`.
    pub fn parse(s: &str) -> Result<Resource, String> {
        let (kind, name) = s.split_once(':').unwrap_or((s, ""));
        let kind = kind
            .parse()
            .map_err(|_| format!("unknown kind of resource in {s:?}"))?;
        Ok(Resource::new(kind, name))
    }
}

impl From<&Resource> for Resource {
    fn from(r: &Resource) -> Resource {
        r.clone()
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}:{}", self.kind, self.name)
        }
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Resource, D::Error> {
        let s = String::deserialize(d)?;
        Resource::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_kind_colon_name() {
        for text in [
            "mount:/mnt/boot",
            "facts",
            "gpt-slot:/dev/sda:0",
            "fs:bcachefs:pool",
        ] {
            let r = Resource::parse(text).unwrap();
            assert_eq!(r.to_string(), text);
            assert_eq!(serde_json::to_value(&r).unwrap(), text);
        }
        assert_eq!(
            Resource::parse("gpt-slot:/dev/sda:0").unwrap().name(),
            "/dev/sda:0"
        );
        assert!(Resource::parse("teleport:/x").is_err());
        assert!(Resource::new(ResourceKind::Device, "/dev/sda").is_external());
    }
}
