set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk a /dev/sda   #
  destroy=1
  device=/dev/sda
  imageName=a
  imageSize=2G
  name=a
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
    --change-name="1:disk-a-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-a-boot" \
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
    --change-name="2:disk-a-ESP" \
    --typecode=2:EF00 \
    --attributes=2:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-a-ESP" \
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
    --change-name="3:disk-a-mdadm" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="3:R" \
    --change-name="3:disk-a-mdadm" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/sda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    
    ( # mdraid boot /dev/disk/by-partlabel/disk-a-ESP   #
      device=/dev/disk/by-partlabel/disk-a-ESP
      name=boot
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-a-ESP" >>"$disko_devices_dir"/raid_boot
      
      
    )
    
    ( # mdraid raid1 /dev/disk/by-partlabel/disk-a-mdadm   #
      device=/dev/disk/by-partlabel/disk-a-mdadm
      name=raid1
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-a-mdadm" >>"$disko_devices_dir"/raid_raid1
      
      
    )
    
    
    
    
  )
  
  
)
( # disk b /dev/sdb   #
  destroy=1
  device=/dev/sdb
  imageName=b
  imageSize=2G
  name=b
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
    --change-name="1:disk-b-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/sdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-b-boot" \
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
    --change-name="2:disk-b-ESP" \
    --typecode=2:EF00 \
    --attributes=2:=:0 \
     \
    "/dev/sdb" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-b-ESP" \
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
    --change-name="3:disk-b-mdadm" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/sdb" \
    
    then
      sgdisk --partition-guid="3:R" \
    --change-name="3:disk-b-mdadm" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/sdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    
    ( # mdraid boot /dev/disk/by-partlabel/disk-b-ESP   #
      device=/dev/disk/by-partlabel/disk-b-ESP
      name=boot
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-b-ESP" >>"$disko_devices_dir"/raid_boot
      
      
    )
    
    ( # mdraid raid1 /dev/disk/by-partlabel/disk-b-mdadm   #
      device=/dev/disk/by-partlabel/disk-b-mdadm
      name=raid1
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-b-mdadm" >>"$disko_devices_dir"/raid_raid1
      
      
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
  ( # luks crypted /dev/md/raid1   #
    declare -a additionalKeyFiles=()
    askPassword=''
    device=/dev/md/raid1
    declare -a extraFormatArgs=()
    declare -a extraOpenArgs=()
    initrdUnlock=1
    keyFile=''
    name=crypted
    passwordFile=''
    declare -A settings=([keyFile]=/tmp/secret.key)
    type=luks
    
    if ! blkid "/dev/md/raid1" >/dev/null || ! cryptsetup isLuks "/dev/md/raid1"; then
      
      cryptsetup -q luksFormat "/dev/md/raid1"  --key-file /tmp/secret.key \
     \
     \
    
    fi
    
    if ! cryptsetup status "crypted" >/dev/null; then
      cryptsetup open "/dev/md/raid1" "crypted" \
       \
       \
       \
      --key-file /tmp/secret.key \
     \
     \
     \
     --persistent
    fi
    
    
    ( # filesystem  /dev/mapper/crypted ext4 / #
      device=/dev/mapper/crypted
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/mapper/crypted" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/mapper/crypted"
      fi
      
      
    )
    
    
    
  )
  
  
  
)

