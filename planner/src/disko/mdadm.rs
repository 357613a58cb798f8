//! Software RAID (disko's `mdraid` members and `mdadm` arrays): members cleared, the array created once all exist, then its content.

use super::*;

impl Builder<'_> {
    pub(crate) fn mdraid(
        &mut self,
        c: &Mdraid,
        id: &str,
        ready: &Resource,
    ) -> Result<(), PlanError> {
        let Mdraid { device, name, at } = c;

        self.member(
            id,
            Kind::MdraidMember,
            device,
            ready,
            at,
            format!("array {}", name.value),
            vec![
                "test".into(),
                "-b".into(),
                format!("/dev/md/{}", name.value),
            ],
        );

        Ok(())
    }

    pub(crate) fn mdadm_array(&mut self, name: &str, md: &MdArray) -> Result<(), PlanError> {
        let dev = format!("/dev/md/{}", md.name);
        let members = self.md_members.get(name).cloned().unwrap_or_default();
        if members.is_empty() {
            return Err(PlanError::Invalid {
                message: format!("mdadm array '{name}' has no mdraid members"),
                at: md.at.clone(),
            });
        }
        let mut argv = vec![
            "mdadm".to_string(),
            "--create".into(),
            dev.clone(),
            format!("--level={}", md.level.value),
            format!("--raid-devices={}", members.len()),
            format!("--metadata={}", md.metadata.value),
            "--force".into(),
            "--homehost=any".into(),
            "--run".into(),
        ];
        argv.extend(md.extra_args.value.iter().cloned());
        argv.extend(members.iter().cloned());
        // A new array can show an old partition table (its members' data
        // at the same offsets): cleared right after it is made, as disko
        // does, and only then (an existing array is skipped whole).
        let script = format!(
            "set -e\n{}\npartprobe {d} || :\nudevadm settle --timeout=120 || :\nsgdisk --zap-all {d}\n",
            argv.iter().map(|a| sh_quote(a)).collect::<Vec<_>>().join(" "),
            d = sh_quote(&dev)
        );
        self.add(NewAction {
            id: format!("disko/mdadm/{name}/create"),
            phase: Phase::Disko,
            kind: Kind::MdadmCreate,
            argv: None,
            script: Some(script),
            destructive: true,
            check: Self::argv(&["test", "-b", &dev]),
            needs: members
                .iter()
                .map(|m| Resource::new(Res::Member, m.to_string()))
                .collect(),
            produces: vec![Resource::new(Res::Block, dev.to_string())],
            at: md.at.clone(),
            reason: format!(
                "assemble RAID{} array {name} from {}",
                md.level.value,
                members.join(", ")
            ),
        });
        if let Some(c) = &md.content {
            self.content(
                c,
                &format!("disko/mdadm/{name}"),
                &Resource::new(Res::Block, dev.to_string()),
            )?;
        }

        Ok(())
    }
}
