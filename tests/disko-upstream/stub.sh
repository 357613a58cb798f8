#!/bin/bash
# Stands in for one disk tool (it is linked under the tool's name) while
# tests/disko_upstream.rs runs disko's scripts and nixplan's disko actions:
# it records its name and arguments in $STUB_LOG and touches no disk.
# The disks are new and empty: queries about what exists answer "nothing",
# except for what an earlier stub call created (pools, datasets, opened
# LUKS devices, volumes, arrays, subvolumes), remembered in $STUB_STATE, so
# scripts take the branches they take on real empty disks.
# Plain files and directories are made for real only inside $STUB_TMP.
name=${0##*/}
{
  printf '%s' "$name"
  for arg in "$@"; do printf '\037%s' "$arg"; done
  printf '\036'
} >>"$STUB_LOG"

# One file per thing that exists, its name with / as %.
state() { [ -e "$STUB_STATE/${1//\//%}" ]; }
remember() { : >"$STUB_STATE/${1//\//%}"; }
last() { local a; for a in "$@"; do :; done; printf '%s' "${a:-}"; }
inside_tmp() {
  local a
  for a in "$@"; do
    case "$a" in -*) ;; "$STUB_TMP"/*) ;; *) return 1 ;; esac
  done
}

# What a format left on a device, as blkid reports it.
formatted() {
  local type=$1 a
  shift
  for a in "$@"; do
    case "$a" in /dev/*) printf '%s' "$type" >"$STUB_STATE/fs${a//\//%}" ;; esac
  done
}

first_device() {
  local a
  for a in "$@"; do case "$a" in /dev/*) printf '%s' "$a"; return ;; esac; done
}

case "$name" in
  blkid)
    dev= export= uuid=
    prev=
    for a in "$@"; do
      case "$prev" in -U | -lU) uuid=$a ;; esac
      case "$a" in /dev/*) dev=$a ;; export) export=1 ;; esac
      prev=$a
    done
    # `blkid -lU UUID`: the device with that UUID, if one was formatted so.
    if [ -n "$uuid" ]; then
      [ -e "$STUB_STATE/uuid%$uuid" ] || exit 2
      cat "$STUB_STATE/uuid%$uuid"
      echo
      exit 0
    fi
    file="$STUB_STATE/fs${dev//\//%}"
    [ -n "$dev" ] && [ -e "$file" ] || exit 2
    if [ -n "$export" ]; then
      printf 'DEVNAME=%s\nTYPE=%s\n' "$dev" "$(cat "$file")"
    else
      printf '%s: TYPE="%s"\n' "$dev" "$(cat "$file")"
    fi ;;
  mkfs.*) formatted "${name#mkfs.}" "$@" ;;
  mkswap) formatted swap "$@" ;;
  pvcreate) formatted LVM2_member "$@" ;;
  findmnt | mountpoint | lsblk | pvdisplay | pvs | vgs | lvs)
    exit 1 ;;
  lvdisplay | vgdisplay)
    state "lvm/$(last "$@")" ;;
  vgcreate)
    for a in "$@"; do case "$a" in -*) ;; *) remember "lvm/$a"; break ;; esac; done ;;
  lvcreate)
    vg=$(last "$@"); lv=
    while [ $# -gt 0 ]; do
      case "$1" in -n | --name) lv=$2; shift ;; --name=*) lv=${1#--name=} ;; esac
      shift
    done
    remember "lvm/$vg/$lv" ;;
  cryptsetup)
    case " $* " in *" luksFormat "*) formatted crypto_LUKS "$@" ;; esac
    case "${1:-}" in
      isOpen | status) state "luks/$2" ;;
      open) remember "luks/${3:-}" ;;
      luksOpen) remember "luks/${3:-}" ;;
      isLuks) exit 1 ;;
    esac ;;
  bcachefs)
    case "${1:-} ${2:-}" in
      format\ *)
        formatted bcachefs "$@"
        for a in "$@"; do
          case "$a" in --uuid=*) printf '%s' "$(first_device "$@")" >"$STUB_STATE/uuid%${a#--uuid=}" ;; esac
        done ;;
      "subvolume snapshot") state "bcachefs/${3:-}" ;;
      "subvolume create") remember "bcachefs/$(last "$@")" ;;
    esac ;;
  mdadm)
    case "$*" in
      *--create*) for a in "$@"; do case "$a" in /dev/*) remember "md/$a"; break ;; esac; done ;;
      *--detail* | *--examine* | *--misc*) exit 1 ;;
    esac ;;
  zpool)
    case "${1:-}" in
      create)
        shift
        for a in "$@"; do
          case "$a" in -*) ;; *) remember "zfs/$a"; break ;; esac
        done ;;
      list | status | get) state "zfs/$(last "$@")" ;;
      import) exit 1 ;;
    esac ;;
  zfs)
    case "${1:-}" in
      create) remember "zfs/$(last "$@")" ;;
      get)
        dataset=$(last "$@")
        state "zfs/$dataset" || exit 1
        printf '%s\t%s\tno\t-\n' "$dataset" "${2:-}" ;;
      list) state "zfs/$(last "$@")" ;;
    esac ;;
  btrfs)
    case "${1:-} ${2:-}" in
      "subvolume show") state "btrfs/$(last "$@")" ;;
      "subvolume create") remember "btrfs/$(last "$@")" ;;
      "filesystem show") exit 1 ;;
    esac ;;
  mkdir | rm | touch | chmod | chown)
    if inside_tmp "$@"; then exec "/bin/$name" "$@"; fi ;;
  # A temporary mount point: once unmounted it would be empty (what was
  # made in it went to the filesystem mounted there, which is a stub).
  rmdir)
    if inside_tmp "$@"; then exec /bin/rm -rf -- "$@"; fi ;;
esac
# The status of the branch taken (0 where it did nothing that fails).
