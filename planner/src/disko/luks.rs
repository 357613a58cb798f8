//! LUKS (disko's `luks`): format with the named key files (never read), open, extra keys, then the content on the mapping.

use super::*;

impl Builder<'_> {
    pub(crate) fn luks(&mut self, c: &Luks, id: &str, ready: &Resource) -> Result<(), PlanError> {
        let Luks {
            device,
            name,
            password_file,
            key_file,
            additional_key_files,
            extra_format_args,
            extra_open_args,
            allow_discards,
            key_file_size,
            key_file_offset,
            ask_password,
            content,
            at,
            ..
        } = c;

        let key = key_file.value.clone().or(password_file.value.clone());
        let mut format_argv = vec![
            "cryptsetup".to_string(),
            "-q".into(),
            "luksFormat".into(),
            device.clone(),
        ];
        format_argv.extend(super::as_shell_splits(&extra_format_args.value));
        let mut open_argv = vec![
            "cryptsetup".to_string(),
            "open".into(),
            device.clone(),
            name.value.clone(),
        ];
        // As disko opens it: discards allowed where asked, then the key.
        if allow_discards.value {
            open_argv.push("--allow-discards".into());
        }
        open_argv.extend(super::as_shell_splits(&extra_open_args.value));
        let mut key_part = Vec::new();
        if let Some(n) = key_file_size.value {
            key_part.extend(["--keyfile-size".to_string(), n.to_string()]);
        }
        if let Some(n) = key_file_offset.value {
            key_part.extend(["--keyfile-offset".to_string(), n.to_string()]);
        }
        match &key {
            Some(k) => {
                format_argv.push("--key-file".into());
                format_argv.push(k.clone());
                format_argv.extend(key_part.iter().cloned());
                open_argv.push("--key-file".into());
                open_argv.push(k.clone());
                open_argv.extend(key_part.iter().cloned());
            }
            None if ask_password.value => {
                // The executor streams the passphrase on stdin.
                format_argv.push("--key-file=-".into());
                open_argv.push("--key-file=-".into());
            }
            None => {}
        }
        // The open flags (discards) are kept in the LUKS2 header, so later
        // opens (the initrd's) have them too.
        open_argv.push("--persistent".into());
        let luks = Resource::new(Res::Luks, device.to_string());
        self.add(NewAction {
            id: format!("{id}/luks-format"),
            phase: Phase::Disko,
            kind: Kind::LuksFormat,
            argv: Some(format_argv),
            script: None,
            destructive: true,
            check: Self::argv(&["cryptsetup", "isLuks", device]),
            needs: vec![ready.into()],
            produces: vec![luks.clone()],
            at: at.clone(),
            reason: format!(
                "encrypt {device} with LUKS ({})",
                match &key {
                    Some(k) => format!("key from {k}"),
                    None => "passphrase asked at apply time".into(),
                }
            ),
        });
        let mapped = format!("/dev/mapper/{}", name.value);
        for (i, extra) in additional_key_files.value.iter().enumerate() {
            let mut argv = vec![
                "cryptsetup".to_string(),
                "luksAddKey".into(),
                device.clone(),
                extra.clone(),
            ];
            if let Some(k) = &key {
                argv.push("--key-file".into());
                argv.push(k.clone());
                argv.extend(key_part.iter().cloned());
            }
            self.add(NewAction {
                id: format!("{id}/luks-add-key/{i}"),
                phase: Phase::Disko,
                kind: Kind::LuksAddKey,
                argv: Some(argv),
                script: None,
                destructive: false,
                check: None,
                needs: vec![luks.clone()],
                produces: vec![Resource::new(Res::LuksKey, format!("{device}:{i}"))],
                at: additional_key_files.item_at(i).cloned(),
                reason: format!("add the key file {extra} to {device}"),
            });
        }
        self.add(NewAction {
            id: format!("{id}/luks-open"),
            phase: Phase::Disko,
            kind: Kind::LuksOpen,
            argv: Some(open_argv),
            script: None,
            destructive: false,
            check: Self::argv(&["cryptsetup", "status", &name.value]),
            needs: vec![luks],
            produces: vec![Resource::new(Res::Block, mapped.to_string())],
            at: name.at.clone(),
            reason: format!("open {device} as {mapped}"),
        });
        if let Some(inner) = content {
            self.content(
                inner,
                &format!("{id}/luks"),
                &Resource::new(Res::Block, mapped.to_string()),
            )?;
        }

        Ok(())
    }
}
