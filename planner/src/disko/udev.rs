//! Where udev does not run (containers, chroots, CI runners, image builds
//! on loop devices), the links under `/dev/disk` and `/dev/zvol` that
//! disko's paths name never appear, and every step after the one that made
//! the device would fail. The action that makes a device ends with a
//! snippet that makes the link itself, as udev's rules would, when it is
//! missing and the device is found for certain; it says so in the log.
//! With udev running the link is there and the snippet does nothing.

use nixplan_plan::shell::sh_quote;

fn dir_of(link: &str) -> &str {
    link.rsplit_once('/').map(|(d, _)| d).unwrap_or("/dev/disk")
}

/// What the log says, with nothing in it the shell would expand.
fn plain(link: &str) -> String {
    link.replace(['"', '$', '`', '\\'], "_")
}

/// The link of partition `n` of `disk` (`/dev/disk/by-partlabel/…`,
/// `by-partuuid/…`, or md's `by-id/md-name-any:NAME-partN`): made once the
/// kernel's partition `n` of the disk is seen to carry this GPT name.
/// Other paths are left to the system.
pub fn partition_link(disk: &str, n: usize, label: &str, link: &str) -> String {
    if ![
        "/dev/disk/by-partlabel/",
        "/dev/disk/by-partuuid/",
        "/dev/disk/by-id/md-name-any:",
    ]
    .iter()
    .any(|p| link.starts_with(p))
    {
        return String::new();
    }
    format!(
        "if [ ! -e {link} ]; then\n\
         \x20 disk=$(readlink -f {disk} || printf %s {disk})\n\
         \x20 case \"$disk\" in *[0-9]) part=\"${{disk}}p{n}\" ;; *) part=\"${{disk}}{n}\" ;; esac\n\
         \x20 if [ -b \"$part\" ] && [ \"$(blkid -p -s PART_ENTRY_NAME -o value \"$part\")\" = {label} ]; then\n\
         \x20   mkdir -p {dir}\n\
         \x20   ln -sfn \"$part\" {link}\n\
         \x20   echo \"udev made no link {plain}: linked it to $part\" >&2\n\
         \x20 fi\n\
         fi\n",
        link = sh_quote(link),
        disk = sh_quote(disk),
        label = sh_quote(label),
        dir = sh_quote(dir_of(link)),
        plain = plain(link),
    )
}

/// `/dev/disk/by-uuid/UUID` of a filesystem just made: the one device
/// blkid finds with that UUID (udev links one of a multi-device
/// filesystem's members the same way).
pub fn uuid_link(uuid: &str) -> String {
    let link = format!("/dev/disk/by-uuid/{uuid}");
    format!(
        "if [ ! -e {link} ]; then\n\
         \x20 dev=$(blkid -c /dev/null -l -o device -t {token} || true)\n\
         \x20 if [ -n \"$dev\" ] && [ -b \"$dev\" ]; then\n\
         \x20   mkdir -p /dev/disk/by-uuid\n\
         \x20   ln -sfn \"$dev\" {link}\n\
         \x20   echo \"udev made no link {plain}: linked it to $dev\" >&2\n\
         \x20 fi\n\
         fi\n",
        link = sh_quote(&link),
        token = sh_quote(&format!("UUID={uuid}")),
        plain = plain(&link),
    )
}

/// `/dev/zvol/POOL/NAME` of a volume just made: the `/dev/zdN` device
/// whose name `zvol_id` (the tool udev's rule runs) reports, waited for a
/// few seconds (the kernel adds it asynchronously).
pub fn zvol_link(full: &str) -> String {
    let link = format!("/dev/zvol/{full}");
    format!(
        "if [ ! -e {link} ]; then\n\
         \x20 zvol_id=$(command -v zvol_id || echo /usr/lib/udev/zvol_id)\n\
         \x20 for _ in 1 2 3 4 5 6 7 8 9 10; do\n\
         \x20   for dev in /dev/zd*; do\n\
         \x20     case \"$dev\" in *p[0-9]*) continue ;; esac\n\
         \x20     if [ -b \"$dev\" ] && [ \"$(\"$zvol_id\" \"$dev\" 2>/dev/null)\" = {name} ]; then\n\
         \x20       mkdir -p {dir}\n\
         \x20       ln -sfn \"$dev\" {link}\n\
         \x20       echo \"udev made no link {plain}: linked it to $dev\" >&2\n\
         \x20       break 2\n\
         \x20     fi\n\
         \x20   done\n\
         \x20   sleep 1\n\
         \x20 done\n\
         fi\n",
        link = sh_quote(&link),
        name = sh_quote(full),
        dir = sh_quote(dir_of(&link)),
        plain = plain(&link),
    )
}
