set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk one /dev/sda   #
  destroy=1
  device=/dev/sda
  imageName=one
  imageSize=2G
  name=one
  type=disk
  
  ( # gpt  /dev/sda   #
    device=/dev/sda
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/sda" >&2; then
      sgdisk --clear "/dev/sda"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+500M \
     --partition-guid="1:R" \
    --change-name="1:disk-one-boot" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-one-boot" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/sda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-one-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-one-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/sda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # mdraid boot /dev/disk/by-partlabel/disk-one-boot   #
      device=/dev/disk/by-partlabel/disk-one-boot
      name=boot
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-one-boot" >>"$disko_devices_dir"/raid_boot
      
      
    )
    
    ( # lvm_pv  /dev/disk/by-partlabel/disk-one-primary   #
      device=/dev/disk/by-partlabel/disk-one-primary
      type=lvm_pv
      vg=pool
      
      if ! (blkid "/dev/disk/by-partlabel/disk-one-primary" | grep -q 'TYPE='); then
        pvcreate "/dev/disk/by-partlabel/disk-one-primary"
      fi
      echo "/dev/disk/by-partlabel/disk-one-primary" >>"$disko_devices_dir"/lvm_pool
      
      
    )
    
    
    
    
  )
  
  
)
( # disk two /dev/sdb   #
  destroy=1
  device=/dev/sdb
  imageName=two
  imageSize=2G
  name=two
  type=disk
  
  ( # gpt  /dev/sdb   #
    device=/dev/sdb
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/sdb" >&2; then
      sgdisk --clear "/dev/sdb"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+500M \
     --partition-guid="1:R" \
    --change-name="1:disk-two-boot" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/sdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-two-boot" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/sdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-two-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/sdb" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-two-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/sdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # mdraid boot /dev/disk/by-partlabel/disk-two-boot   #
      device=/dev/disk/by-partlabel/disk-two-boot
      name=boot
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-two-boot" >>"$disko_devices_dir"/raid_boot
      
      
    )
    
    ( # lvm_pv  /dev/disk/by-partlabel/disk-two-primary   #
      device=/dev/disk/by-partlabel/disk-two-primary
      type=lvm_pv
      vg=pool
      
      if ! (blkid "/dev/disk/by-partlabel/disk-two-primary" | grep -q 'TYPE='); then
        pvcreate "/dev/disk/by-partlabel/disk-two-primary"
      fi
      echo "/dev/disk/by-partlabel/disk-two-primary" >>"$disko_devices_dir"/lvm_pool
      
      
    )
    
    
    
    
  )
  
  
)
( # lvm_vg pool    #
  name=pool
  type=lvm_vg
  
  modprobe "dm-snapshot"
  modprobe "dm-raid0"
  modprobe "dm-mirror"
  readarray -t lvm_devices < <(cat "$disko_devices_dir"/lvm_pool)
  if ! vgdisplay "pool" >/dev/null; then
    vgcreate "pool" \
      "${lvm_devices[@]}"
  fi
  if ! lvdisplay "pool/home"; then
    lvcreate \
      --yes \
      -L \
        10M \
      -n "home" \
       \
      --type=raid0 \
       \
      "pool"
  fi
  if ! lvdisplay "pool/root"; then
    lvcreate \
      --yes \
      -L \
        100M \
      -n "root" \
       \
      --type=mirror \
       \
      "pool"
  fi
  
  
  ( # filesystem  /dev/pool/home ext4 /home #
    device=/dev/pool/home
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/home
    type=filesystem
    
    if ! (blkid "/dev/pool/home" | grep -q 'TYPE='); then
      mkfs.ext4 \
         \
        "/dev/pool/home"
    fi
    
    
  )
  
  ( # filesystem  /dev/pool/root ext4 / #
    device=/dev/pool/root
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/
    type=filesystem
    
    if ! (blkid "/dev/pool/root" | grep -q 'TYPE='); then
      mkfs.ext4 \
         \
        "/dev/pool/root"
    fi
    
    
  )
  
  
  
  
)
( # mdadm boot    #
  declare -a extraArgs=()
  level=1
  metadata=1.0
  name=boot
  type=mdadm
  
  if ! test -e "/dev/md/boot"; then
    readarray -t disk_devices < <(cat "$disko_devices_dir"/raid_boot)
    echo 'y' | mdadm --create "/dev/md/boot" \
      --level=1 \
      --raid-devices="$(wc -l "$disko_devices_dir"/raid_boot | cut -f 1 -d " ")" \
      --metadata=1.0 \
      --force \
      --homehost=any \
       \
      "${disk_devices[@]}"
    partprobe "/dev/md/boot"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout=120
    # for some reason mdadm devices spawn with an existing partition table, so we need to wipe it
    sgdisk --zap-all "/dev/md/boot"
  fi
  ( # filesystem  /dev/md/boot vfat /boot #
    device=/dev/md/boot
    declare -a extraArgs=()
    format=vfat
    declare -a mountOptions=('umask=0077')
    mountpoint=/boot
    type=filesystem
    
    if ! (blkid "/dev/md/boot" | grep -q 'TYPE='); then
      mkfs.vfat \
         \
        "/dev/md/boot"
    fi
    
    
  )
  
  
  
)

