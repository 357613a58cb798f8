set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk disk0 /dev/disk/by-id/ata-QEMU_HARDDISK_QM00001   #
  destroy=1
  device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001
  imageName=disk0
  imageSize=2G
  name=disk0
  type=disk
  
  ( # gpt  /dev/disk/by-id/ata-QEMU_HARDDISK_QM00001   #
    device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001" >&2; then
      sgdisk --clear "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:1M:128M \
     --partition-guid="1:R" \
    --change-name="1:disk-disk0-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk0-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-disk0-ESP vfat /boot #
      device=/dev/disk/by-partlabel/disk-disk0-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-disk0-ESP" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-disk0-ESP"
      fi
      
      
    )
    
    
    
    
  )
  
  
)
( # disk disk1 /dev/disk/by-id/ata-QEMU_HARDDISK_QM00002   #
  destroy=1
  device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002
  imageName=disk1
  imageSize=2G
  name=disk1
  type=disk
  
  ( # gpt  /dev/disk/by-id/ata-QEMU_HARDDISK_QM00002   #
    device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002" >&2; then
      sgdisk --clear "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:1M:-0 \
     --partition-guid="1:f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0" \
    --change-name="1:disk-disk1-luks" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002" \
    
    then
      sgdisk --partition-guid="1:f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0" \
    --change-name="1:disk-disk1-luks" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # luks crypted1 /dev/disk/by-partuuid/f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0   #
      declare -a additionalKeyFiles=(/tmp/additionalSecret.key)
      askPassword=''
      device=/dev/disk/by-partuuid/f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0
      declare -a extraFormatArgs=('--iter-time 1')
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=crypted1
      passwordFile=''
      declare -A settings=([keyFile]=/tmp/secret.key)
      type=luks
      
      if ! blkid "/dev/disk/by-partuuid/f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0" >/dev/null || ! cryptsetup isLuks "/dev/disk/by-partuuid/f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0"; then
        
        cryptsetup -q luksFormat "/dev/disk/by-partuuid/f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0" --iter-time 1 --key-file /tmp/secret.key \
       \
       \
      
      fi
      
      if ! cryptsetup status "crypted1" >/dev/null; then
        cryptsetup open "/dev/disk/by-partuuid/f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0" "crypted1" \
         \
         \
         \
        --key-file /tmp/secret.key \
       \
       \
       \
       --persistent
      fi
      cryptsetup luksAddKey "/dev/disk/by-partuuid/f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0" /tmp/additionalSecret.key --key-file /tmp/secret.key \
       \
       \
      
      
      
      ( # lvm_pv  /dev/mapper/crypted1   #
        device=/dev/mapper/crypted1
        type=lvm_pv
        vg=pool
        
        if ! (blkid "/dev/mapper/crypted1" | grep -q 'TYPE='); then
          pvcreate "/dev/mapper/crypted1"
        fi
        echo "/dev/mapper/crypted1" >>"$disko_devices_dir"/lvm_pool
        
        
      )
      
      
      
    )
    
    
    
    
  )
  
  
)
( # disk disk2 /dev/disk/by-id/ata-QEMU_HARDDISK_QM00003   #
  destroy=1
  device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00003
  imageName=disk2
  imageSize=2G
  name=disk2
  type=disk
  
  ( # gpt  /dev/disk/by-id/ata-QEMU_HARDDISK_QM00003   #
    device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00003
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00003" >&2; then
      sgdisk --clear "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00003"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:1M:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-disk2-luks" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00003" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk2-luks" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00003" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00003" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # luks crypted2 /dev/disk/by-partlabel/disk-disk2-luks   #
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-disk2-luks
      declare -a extraFormatArgs=('--iter-time 1')
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=crypted2
      passwordFile=''
      declare -A settings=([keyFile]=/tmp/secret.key [keyFileOffset]=2 [keyFileSize]=8)
      type=luks
      
      if ! blkid "/dev/disk/by-partlabel/disk-disk2-luks" >/dev/null || ! cryptsetup isLuks "/dev/disk/by-partlabel/disk-disk2-luks"; then
        
        cryptsetup -q luksFormat "/dev/disk/by-partlabel/disk-disk2-luks" --iter-time 1 --key-file /tmp/secret.key \
      --keyfile-size 8 \
      --keyfile-offset 2 \
      
      fi
      
      if ! cryptsetup status "crypted2" >/dev/null; then
        cryptsetup open "/dev/disk/by-partlabel/disk-disk2-luks" "crypted2" \
         \
         \
         \
        --key-file /tmp/secret.key \
      --keyfile-size 8 \
      --keyfile-offset 2 \
       \
       --persistent
      fi
      
      
      ( # lvm_pv  /dev/mapper/crypted2   #
        device=/dev/mapper/crypted2
        type=lvm_pv
        vg=pool
        
        if ! (blkid "/dev/mapper/crypted2" | grep -q 'TYPE='); then
          pvcreate "/dev/mapper/crypted2"
        fi
        echo "/dev/mapper/crypted2" >>"$disko_devices_dir"/lvm_pool
        
        
      )
      
      
      
    )
    
    
    
    
  )
  
  
)
( # lvm_vg pool    #
  name=pool
  type=lvm_vg
  
  modprobe "dm-snapshot"
  modprobe "dm-raid0"
  modprobe "dm-raid0"
  modprobe "dm-mirror"
  modprobe "dm-raid0"
  modprobe "dm-raid0"
  readarray -t lvm_devices < <(cat "$disko_devices_dir"/lvm_pool)
  if ! vgdisplay "pool" >/dev/null; then
    vgcreate "pool" \
      "${lvm_devices[@]}"
  fi
  if ! lvdisplay "pool/raid1"; then
    lvcreate \
      --yes \
      -L \
        30M \
      -n "raid1" \
       \
      --type=raid0 \
       \
      "pool"
  fi
  if ! lvdisplay "pool/raid2"; then
    lvcreate \
      --yes \
      -L \
        30M \
      -n "raid2" \
       \
      --type=raid0 \
       \
      "pool"
  fi
  if ! lvdisplay "pool/root"; then
    lvcreate \
      --yes \
      -L \
        10M \
      -n "root" \
       \
      --type=mirror \
       \
      "pool"
  fi
  if ! lvdisplay "pool/zfs1"; then
    lvcreate \
      --yes \
      -L \
        128M \
      -n "zfs1" \
       \
      --type=raid0 \
       \
      "pool"
  fi
  if ! lvdisplay "pool/zfs2"; then
    lvcreate \
      --yes \
      -L \
        128M \
      -n "zfs2" \
       \
      --type=raid0 \
       \
      "pool"
  fi
  
  
  ( # mdraid raid1 /dev/pool/raid1   #
    device=/dev/pool/raid1
    name=raid1
    type=mdraid
    
    echo "/dev/pool/raid1" >>"$disko_devices_dir"/raid_raid1
    
    
  )
  
  ( # mdraid raid1 /dev/pool/raid2   #
    device=/dev/pool/raid2
    name=raid1
    type=mdraid
    
    echo "/dev/pool/raid2" >>"$disko_devices_dir"/raid_raid1
    
    
  )
  
  ( # filesystem  /dev/pool/root ext4 /ext4_on_lvm #
    device=/dev/pool/root
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/ext4_on_lvm
    type=filesystem
    
    if ! (blkid "/dev/pool/root" | grep -q 'TYPE='); then
      mkfs.ext4 \
         \
        "/dev/pool/root"
    fi
    
    
  )
  
  ( # zfs  /dev/pool/zfs1   #
    device=/dev/pool/zfs1
    pool=zroot
    type=zfs
    
    echo "/dev/pool/zfs1" >>"$disko_devices_dir"/zfs_zroot
    
    
  )
  
  ( # zfs  /dev/pool/zfs2   #
    device=/dev/pool/zfs2
    pool=zroot
    type=zfs
    
    echo "/dev/pool/zfs2" >>"$disko_devices_dir"/zfs_zroot
    
    
  )
  
  
  
  
)
( # mdadm raid1    #
  declare -a extraArgs=()
  level=1
  metadata=default
  name=raid1
  type=mdadm
  
  if ! test -e "/dev/md/raid1"; then
    readarray -t disk_devices < <(cat "$disko_devices_dir"/raid_raid1)
    echo 'y' | mdadm --create "/dev/md/raid1" \
      --level=1 \
      --raid-devices="$(wc -l "$disko_devices_dir"/raid_raid1 | cut -f 1 -d " ")" \
      --metadata=default \
      --force \
      --homehost=any \
       \
      "${disk_devices[@]}"
    partprobe "/dev/md/raid1"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout=120
    # for some reason mdadm devices spawn with an existing partition table, so we need to wipe it
    sgdisk --zap-all "/dev/md/raid1"
  fi
  ( # gpt  /dev/md/raid1   #
    device=/dev/md/raid1
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/md/raid1" >&2; then
      sgdisk --clear "/dev/md/raid1"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:1M:-0 \
     --partition-guid="1:R" \
    --change-name="1:mdadm-raid1-bla" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/md/raid1" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:mdadm-raid1-bla" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/md/raid1" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/md/raid1" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-id/md-name-any:raid1-part1 ext4 /ext4_mdadm_lvm #
      device=/dev/disk/by-id/md-name-any:raid1-part1
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/ext4_mdadm_lvm
      type=filesystem
      
      if ! (blkid "/dev/disk/by-id/md-name-any:raid1-part1" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-id/md-name-any:raid1-part1"
      fi
      
      
    )
    
    
    
    
  )
  
  
  
)
( # zpool zroot   / #
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  readarray -t zfs_devices < <(cat "$disko_devices_dir/zfs_zroot")
  if [ ${#zfs_devices[@]} -eq 0 ]; then
    echo "no devices found for zpool zroot. Did you misspell the pool name?" >&2
    exit 1
  fi
  # Try importing the pool without mounting anything if it exists.
  # This allows us to set mounpoints.
  if zpool import -N -f "zroot" || zpool list "zroot"; then
    echo "not creating zpool zroot as a pool with that name already exists" >&2
  else
    continue=1
    for dev in "${zfs_devices[@]}"; do
      if ! blkid "$dev" >/dev/null; then
        # blkid fails, so device seems empty
        :
      elif (blkid "$dev" -o export | grep '^PTUUID='); then
        echo "device $dev already has a partuuid, skipping creating zpool zroot" >&2
        continue=0
      elif (blkid "$dev" -o export | grep '^TYPE=zfs_member'); then
        # zfs_member is a zfs partition, so we try to add the device to the pool
        :
      elif (blkid "$dev" -o export | grep '^TYPE='); then
        echo "device $dev already has a partition, skipping creating zpool zroot" >&2
        continue=0
      fi
    done
    if [ $continue -eq 1 ]; then
      topology=""
      # For shell check
      mode="mirror"
      if [ "$mode" != "prescribed" ]; then
        topology="mirror ${zfs_devices[*]}"
      else
        entries=()
        
        
        
        
        
        
        all_devices=()
        last_type=
        for line in "${entries[@]}"; do
          # lineformat is type mode=device1 device2 device3
          mode="${line%%=*}"
          type="${mode%% *}"
          mode="${mode#"$type "}"
          devs="${line#*=}"
          IFS=' ' read -r -a devices <<< "$devs"
          all_devices+=("${devices[@]}")
          if ! [ "$type" = "$last_type" ]; then
            topology+=" $type"
            last_type="$type"
          fi
          topology+=" ${mode} ${devices[*]}"
        done
        # all_devices sorted should equal zfs_devices sorted
        all_devices_list=$(echo "${all_devices[*]}" | tr ' ' '\n' | sort)
        zfs_devices_list=$(echo "${zfs_devices[*]}" | tr ' ' '\n' | sort)
        if [[ "$all_devices_list" != "$zfs_devices_list" ]]; then
          echo "not all disks accounted for, skipping creating zpool zroot" >&2
          diff  <(echo "$all_devices_list" ) <(echo "$zfs_devices_list") >&2
          continue=0
        fi
      fi
    fi
    if [ $continue -eq 1 ]; then
      zpool create -f "zroot" \
        -R /mnt \
         \
         \
        -O com.sun:auto-snapshot=false -O compression=zstd \
        ${topology:+ $topology}
      if [[ $(zfs get -H mounted "zroot" | cut -f3) == "yes" ]]; then
        zfs unmount "zroot"
      fi
    fi
  fi
  ( # zfs_fs __root   / #
    declare -a mountOptions=(defaults)
    mountpoint=/
    name=__root
    declare -A options=([com.sun:auto-snapshot]=false [compression]=zstd)
    type=zfs_fs
    
    if ! zfs get type "zroot" >/dev/null 2>&1; then
      # don't create anything for root dataset of zpools
    true
    
    else
      zfs set -u com.sun:auto-snapshot=false compression=zstd mountpoint=/ "zroot"
    
    fi
    
    
  )
  ( # zfs_fs zfs_fs   /zfs_fs #
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_fs
    name=zfs_fs
    declare -A options=([com.sun:auto-snapshot]=true)
    type=zfs_fs
    
    if ! zfs get type "zroot/zfs_fs" >/dev/null 2>&1; then
      zfs create -up "zroot/zfs_fs" \
      -o com.sun:auto-snapshot=true -o mountpoint=/zfs_fs
    
    else
      zfs set -u com.sun:auto-snapshot=true mountpoint=/zfs_fs "zroot/zfs_fs"
    
    fi
    
    
  )
  ( # zfs_fs zfs_legacy_fs   /zfs_legacy_fs #
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_legacy_fs
    name=zfs_legacy_fs
    declare -A options=([mountpoint]=legacy)
    type=zfs_fs
    
    if ! zfs get type "zroot/zfs_legacy_fs" >/dev/null 2>&1; then
      zfs create -up "zroot/zfs_legacy_fs" \
      -o mountpoint=legacy
    
    else
      zfs set -u mountpoint=legacy "zroot/zfs_legacy_fs"
    
    fi
    
    
  )
  ( # zfs_volume zfs_testvolume    #
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_testvolume
    declare -A options=()
    size=10M
    type=zfs_volume
    
    if ! zfs get type "zroot/zfs_testvolume" >/dev/null 2>&1; then
      zfs create "zroot/zfs_testvolume" \
         \
        -V 10M 
      zvol_wait
      partprobe "/dev/zvol/zroot/zfs_testvolume"
      udevadm trigger --subsystem-match=block
      udevadm settle --timeout=120
    fi
    ( # filesystem  /dev/zvol/zroot/zfs_testvolume ext4 /ext4onzfs #
      device=/dev/zvol/zroot/zfs_testvolume
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/ext4onzfs
      type=filesystem
      
      if ! (blkid "/dev/zvol/zroot/zfs_testvolume" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/zvol/zroot/zfs_testvolume"
      fi
      
      
    )
    
    
    
  )
  ( # zfs_fs zfs_unmounted_fs    #
    declare -a mountOptions=(defaults)
    mountpoint=''
    name=zfs_unmounted_fs
    declare -A options=([mountpoint]=none)
    type=zfs_fs
    
    if ! zfs get type "zroot/zfs_unmounted_fs" >/dev/null 2>&1; then
      zfs create -up "zroot/zfs_unmounted_fs" \
      -o mountpoint=none
    
    else
      zfs set -u mountpoint=none "zroot/zfs_unmounted_fs"
    
    fi
    
    
  )
  
  
  
)

