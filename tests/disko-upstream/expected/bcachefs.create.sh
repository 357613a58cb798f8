set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk vdb /dev/vdb   #
  destroy=1
  device=/dev/vdb
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  ( # gpt  /dev/vdb   #
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdb" >&2; then
      sgdisk --clear "/dev/vdb"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+100M \
     --partition-guid="1:R" \
    --change-name="1:disk-vdb-vdb1" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-vdb-vdb1" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-vdb-vdb2" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-vdb-vdb2" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/vdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-vdb-vdb1 vfat /boot #
      device=/dev/disk/by-partlabel/disk-vdb-vdb1
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-vdb-vdb1" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-vdb-vdb1"
      fi
      
      
    )
    
    ( # bcachefs  /dev/disk/by-partlabel/disk-vdb-vdb2   #
      device=/dev/disk/by-partlabel/disk-vdb-vdb2
      declare -a extraFormatArgs=(--discard)
      filesystem=mounted_subvolumes_in_multi
      label=group_a.vdb2
      type=bcachefs
      
      # Write device arguments to temporary directory for bcachefs_filesystem.
      {
        printf '%s\n' '--label=group_a.vdb2';
        printf '%s\n' '--discard';
        printf '%s\n' '/dev/disk/by-partlabel/disk-vdb-vdb2';
      } >> "$disko_devices_dir/bcachefs-mounted_subvolumes_in_multi";
      
      
    )
    
    
    
    
  )
  
  
)
( # disk vdc /dev/vdc   #
  destroy=1
  device=/dev/vdc
  imageName=vdc
  imageSize=2G
  name=vdc
  type=disk
  
  ( # gpt  /dev/vdc   #
    device=/dev/vdc
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdc" >&2; then
      sgdisk --clear "/dev/vdc"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-vdc-vdc1" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdc" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-vdc-vdc1" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdc" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdc" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # bcachefs  /dev/disk/by-partlabel/disk-vdc-vdc1   #
      device=/dev/disk/by-partlabel/disk-vdc-vdc1
      declare -a extraFormatArgs=(--discard)
      filesystem=mounted_subvolumes_in_multi
      label=group_a.vdc1
      type=bcachefs
      
      # Write device arguments to temporary directory for bcachefs_filesystem.
      {
        printf '%s\n' '--label=group_a.vdc1';
        printf '%s\n' '--discard';
        printf '%s\n' '/dev/disk/by-partlabel/disk-vdc-vdc1';
      } >> "$disko_devices_dir/bcachefs-mounted_subvolumes_in_multi";
      
      
    )
    
    
    
    
  )
  
  
)
( # disk vdd /dev/vdd   #
  destroy=1
  device=/dev/vdd
  imageName=vdd
  imageSize=2G
  name=vdd
  type=disk
  
  ( # gpt  /dev/vdd   #
    device=/dev/vdd
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdd" >&2; then
      sgdisk --clear "/dev/vdd"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-vdd-vdd1" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdd" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-vdd-vdd1" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdd" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdd" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # bcachefs  /dev/disk/by-partlabel/disk-vdd-vdd1   #
      device=/dev/disk/by-partlabel/disk-vdd-vdd1
      declare -a extraFormatArgs=(--force)
      filesystem=mounted_subvolumes_in_multi
      label=group_b.vdd1
      type=bcachefs
      
      # Write device arguments to temporary directory for bcachefs_filesystem.
      {
        printf '%s\n' '--label=group_b.vdd1';
        printf '%s\n' '--force';
        printf '%s\n' '/dev/disk/by-partlabel/disk-vdd-vdd1';
      } >> "$disko_devices_dir/bcachefs-mounted_subvolumes_in_multi";
      
      
    )
    
    
    
    
  )
  
  
)
( # bcachefs_filesystem mounted_subvolumes_in_multi    #
  declare -a extraFormatArgs=('--compression=lz4' '--background_compression=lz4')
  declare -a mountOptions=(X-mount.mkdir)
  mountpoint=''
  name=mounted_subvolumes_in_multi
  passwordFile=/tmp/secret.key
  type=bcachefs_filesystem
  uuid=88d9c058-757d-c06e-0fb7-a612f2db8a7a
  
  if ! test -s "$disko_devices_dir/bcachefs-mounted_subvolumes_in_multi"; then
    printf "\033[31mERROR:\033[0m No devices found for bcachefs filesystem \"mounted_subvolumes_in_multi\"!\nDid you forget to add some or misspell the filesystem name?\n" >&2;
    exit 1;
  fi;
  
  # Create the filesystem.
  (
    # Empty out $@.
    set --;
    # Collect devices and arguments to $@.
    while IFS= read -r line; do
      # Append current line as a new positional parameter
      set -- "$@" "$line";
    done < "$disko_devices_dir/bcachefs-mounted_subvolumes_in_multi";
  
    # Format the filesystem with all devices and arguments.
    if ! blkid -o export "$(blkid -lU 88d9c058-757d-c06e-0fb7-a612f2db8a7a)" | grep -q 'TYPE=bcachefs' >&2 2>&1; then
      bcachefs format \
        "$@" \
        --uuid="88d9c058-757d-c06e-0fb7-a612f2db8a7a" \
        --compression=lz4 \
  --background_compression=lz4 \
        --encrypted < "/tmp/secret.key";
    fi;
  );
  
  # Mount the bcachefs filesystem onto a temporary directory,
  # then, create the subvolumes from inside of that directory.
  if blkid -o export "$(blkid -lU 88d9c058-757d-c06e-0fb7-a612f2db8a7a)" | grep -q 'TYPE=bcachefs' >&2 2>&1; then
    (
    TEMPDIR="$(mktemp -d)";
    MNTPOINT="$(mktemp -d)";
    bcachefs unlock -k session "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" < "/tmp/secret.key";
    mount \
      -t bcachefs \
      -o "X-mount.mkdir" \
      "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" \
      "$MNTPOINT";
    trap 'umount "$MNTPOINT"; rm -rf "$MNTPOINT"; rm -rf "$TEMPDIR";' EXIT;
    SUBVOL_ABS_PATH="$MNTPOINT/subvolumes/home";
    # Check if it's already a subvolume (using snapshot).
    if ! bcachefs subvolume snapshot "$SUBVOL_ABS_PATH" "$TEMPDIR/" >&2 2>&1; then
      # It's not a subvolume, now check if it's a directory.
      if ! test -d "$SUBVOL_ABS_PATH"; then
        # It's not a subvolume AND not a directory, so create it.
        mkdir -p -- "$(dirname -- "$SUBVOL_ABS_PATH")";
        bcachefs subvolume create "$SUBVOL_ABS_PATH";
      fi
    fi;
  )
  (
    TEMPDIR="$(mktemp -d)";
    MNTPOINT="$(mktemp -d)";
    bcachefs unlock -k session "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" < "/tmp/secret.key";
    mount \
      -t bcachefs \
      -o "X-mount.mkdir" \
      "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" \
      "$MNTPOINT";
    trap 'umount "$MNTPOINT"; rm -rf "$MNTPOINT"; rm -rf "$TEMPDIR";' EXIT;
    SUBVOL_ABS_PATH="$MNTPOINT/subvolumes/home/user";
    # Check if it's already a subvolume (using snapshot).
    if ! bcachefs subvolume snapshot "$SUBVOL_ABS_PATH" "$TEMPDIR/" >&2 2>&1; then
      # It's not a subvolume, now check if it's a directory.
      if ! test -d "$SUBVOL_ABS_PATH"; then
        # It's not a subvolume AND not a directory, so create it.
        mkdir -p -- "$(dirname -- "$SUBVOL_ABS_PATH")";
        bcachefs subvolume create "$SUBVOL_ABS_PATH";
      fi
    fi;
  )
  (
    TEMPDIR="$(mktemp -d)";
    MNTPOINT="$(mktemp -d)";
    bcachefs unlock -k session "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" < "/tmp/secret.key";
    mount \
      -t bcachefs \
      -o "X-mount.mkdir" \
      "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" \
      "$MNTPOINT";
    trap 'umount "$MNTPOINT"; rm -rf "$MNTPOINT"; rm -rf "$TEMPDIR";' EXIT;
    SUBVOL_ABS_PATH="$MNTPOINT/subvolumes/nix";
    # Check if it's already a subvolume (using snapshot).
    if ! bcachefs subvolume snapshot "$SUBVOL_ABS_PATH" "$TEMPDIR/" >&2 2>&1; then
      # It's not a subvolume, now check if it's a directory.
      if ! test -d "$SUBVOL_ABS_PATH"; then
        # It's not a subvolume AND not a directory, so create it.
        mkdir -p -- "$(dirname -- "$SUBVOL_ABS_PATH")";
        bcachefs subvolume create "$SUBVOL_ABS_PATH";
      fi
    fi;
  )
  (
    TEMPDIR="$(mktemp -d)";
    MNTPOINT="$(mktemp -d)";
    bcachefs unlock -k session "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" < "/tmp/secret.key";
    mount \
      -t bcachefs \
      -o "X-mount.mkdir" \
      "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" \
      "$MNTPOINT";
    trap 'umount "$MNTPOINT"; rm -rf "$MNTPOINT"; rm -rf "$TEMPDIR";' EXIT;
    SUBVOL_ABS_PATH="$MNTPOINT/subvolumes/root";
    # Check if it's already a subvolume (using snapshot).
    if ! bcachefs subvolume snapshot "$SUBVOL_ABS_PATH" "$TEMPDIR/" >&2 2>&1; then
      # It's not a subvolume, now check if it's a directory.
      if ! test -d "$SUBVOL_ABS_PATH"; then
        # It's not a subvolume AND not a directory, so create it.
        mkdir -p -- "$(dirname -- "$SUBVOL_ABS_PATH")";
        bcachefs subvolume create "$SUBVOL_ABS_PATH";
      fi
    fi;
  )
  (
    TEMPDIR="$(mktemp -d)";
    MNTPOINT="$(mktemp -d)";
    bcachefs unlock -k session "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" < "/tmp/secret.key";
    mount \
      -t bcachefs \
      -o "X-mount.mkdir" \
      "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" \
      "$MNTPOINT";
    trap 'umount "$MNTPOINT"; rm -rf "$MNTPOINT"; rm -rf "$TEMPDIR";' EXIT;
    SUBVOL_ABS_PATH="$MNTPOINT/subvolumes/test";
    # Check if it's already a subvolume (using snapshot).
    if ! bcachefs subvolume snapshot "$SUBVOL_ABS_PATH" "$TEMPDIR/" >&2 2>&1; then
      # It's not a subvolume, now check if it's a directory.
      if ! test -d "$SUBVOL_ABS_PATH"; then
        # It's not a subvolume AND not a directory, so create it.
        mkdir -p -- "$(dirname -- "$SUBVOL_ABS_PATH")";
        bcachefs subvolume create "$SUBVOL_ABS_PATH";
      fi
    fi;
  )
  
  fi;
  
  
  
)
( # disk vde /dev/vde   #
  destroy=1
  device=/dev/vde
  imageName=vde
  imageSize=2G
  name=vde
  type=disk
  
  ( # gpt  /dev/vde   #
    device=/dev/vde
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vde" >&2; then
      sgdisk --clear "/dev/vde"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-vde-vdd1" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vde" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-vde-vdd1" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vde" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vde" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # bcachefs  /dev/disk/by-partlabel/disk-vde-vdd1   #
      device=/dev/disk/by-partlabel/disk-vde-vdd1
      declare -a extraFormatArgs=()
      filesystem=relies_on_external_subvolume
      label=group_a.vde1
      type=bcachefs
      
      # Write device arguments to temporary directory for bcachefs_filesystem.
      {
        printf '%s\n' '--label=group_a.vde1';
        
        printf '%s\n' '/dev/disk/by-partlabel/disk-vde-vdd1';
      } >> "$disko_devices_dir/bcachefs-relies_on_external_subvolume";
      
      
    )
    
    
    
    
  )
  
  
)
( # bcachefs_filesystem relies_on_external_subvolume   /home/Documents #
  declare -a extraFormatArgs=()
  declare -a mountOptions=(X-mount.mkdir)
  mountpoint=/home/Documents
  name=relies_on_external_subvolume
  passwordFile=''
  type=bcachefs_filesystem
  uuid=64e50034-ebe2-eaf8-1f93-cf56266a8d86
  
  if ! test -s "$disko_devices_dir/bcachefs-relies_on_external_subvolume"; then
    printf "\033[31mERROR:\033[0m No devices found for bcachefs filesystem \"relies_on_external_subvolume\"!\nDid you forget to add some or misspell the filesystem name?\n" >&2;
    exit 1;
  fi;
  
  # Create the filesystem.
  (
    # Empty out $@.
    set --;
    # Collect devices and arguments to $@.
    while IFS= read -r line; do
      # Append current line as a new positional parameter
      set -- "$@" "$line";
    done < "$disko_devices_dir/bcachefs-relies_on_external_subvolume";
  
    # Format the filesystem with all devices and arguments.
    if ! blkid -o export "$(blkid -lU 64e50034-ebe2-eaf8-1f93-cf56266a8d86)" | grep -q 'TYPE=bcachefs' >&2 2>&1; then
      bcachefs format \
        "$@" \
        --uuid="64e50034-ebe2-eaf8-1f93-cf56266a8d86" \
         \
        ;
    fi;
  );
  
  # Mount the bcachefs filesystem onto a temporary directory,
  # then, create the subvolumes from inside of that directory.
  
  
  
)

