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
    --new=1:0:+1M \
     --partition-guid="1:R" \
    --change-name="1:disk-one-BOOT" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-one-BOOT" \
    --typecode=1:EF02 \
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
    --new=2:0:+500M \
     --partition-guid="2:R" \
    --change-name="2:disk-one-ESP" \
    --typecode=2:EF00 \
    --attributes=2:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-one-ESP" \
    --typecode=2:EF00 \
    --attributes=2:=:0 \
     \
    "/dev/sda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=3:0:-0 \
     --partition-guid="3:R" \
    --change-name="3:disk-one-mdadm" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="3:R" \
    --change-name="3:disk-one-mdadm" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/sda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    
    ( # mdraid boot /dev/disk/by-partlabel/disk-one-ESP   #
      device=/dev/disk/by-partlabel/disk-one-ESP
      name=boot
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-one-ESP" >>"$disko_devices_dir"/raid_boot
      
      
    )
    
    ( # mdraid raid1 /dev/disk/by-partlabel/disk-one-mdadm   #
      device=/dev/disk/by-partlabel/disk-one-mdadm
      name=raid1
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-one-mdadm" >>"$disko_devices_dir"/raid_raid1
      
      
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
    --new=1:0:+1M \
     --partition-guid="1:R" \
    --change-name="1:disk-two-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/sdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-two-boot" \
    --typecode=1:EF02 \
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
    --new=2:0:+500M \
     --partition-guid="2:R" \
    --change-name="2:disk-two-ESP" \
    --typecode=2:EF00 \
    --attributes=2:=:0 \
     \
    "/dev/sdb" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-two-ESP" \
    --typecode=2:EF00 \
    --attributes=2:=:0 \
     \
    "/dev/sdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=3:0:-0 \
     --partition-guid="3:R" \
    --change-name="3:disk-two-mdadm" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/sdb" \
    
    then
      sgdisk --partition-guid="3:R" \
    --change-name="3:disk-two-mdadm" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/sdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    
    ( # mdraid boot /dev/disk/by-partlabel/disk-two-ESP   #
      device=/dev/disk/by-partlabel/disk-two-ESP
      name=boot
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-two-ESP" >>"$disko_devices_dir"/raid_boot
      
      
    )
    
    ( # mdraid raid1 /dev/disk/by-partlabel/disk-two-mdadm   #
      device=/dev/disk/by-partlabel/disk-two-mdadm
      name=raid1
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-two-mdadm" >>"$disko_devices_dir"/raid_raid1
      
      
    )
    
    
    
    
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
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:mdadm-raid1-primary" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/md/raid1" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:mdadm-raid1-primary" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/md/raid1" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/md/raid1" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-id/md-name-any:raid1-part1 ext4 / #
      device=/dev/disk/by-id/md-name-any:raid1-part1
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/disk/by-id/md-name-any:raid1-part1" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-id/md-name-any:raid1-part1"
      fi
      
      
    )
    
    
    
    
  )
  
  
  
)

