//! Swap on a device (disko's `swap`); random encryption is left to boot.

use super::*;

impl Builder<'_> {
    pub(crate) fn swap(&mut self, c: &Swap, id: &str, ready: &Resource) -> Result<(), PlanError> {
        let Swap {
            device,
            extra_args,
            random_encryption,
            at,
            ..
        } = c;
        // Random encryption makes the swap at each boot, over a fresh
        // key: nothing to format now (disko formats none either).
        if random_encryption.value {
            let _ = (id, ready);
            return Ok(());
        }

        let mut argv = vec!["mkswap".to_string()];
        argv.extend(super::as_shell_splits(&extra_args.value));
        argv.push(device.clone());
        self.add(NewAction {
            id: format!("{id}/mkswap"),
            phase: Phase::Disko,
            kind: Kind::Mkswap,
            argv: Some(argv),
            script: None,
            destructive: true,
            check: Self::probe(device, "TYPE", None),
            needs: vec![ready.into()],
            produces: vec![Resource::new(Res::Swap, device.to_string())],
            at: at.clone(),
            reason: format!("make swap space on {device}"),
        });

        Ok(())
    }
}
