set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk disk1 /dev/my-disk   #
  destroy=1
  device=/dev/my-disk
  imageName=disk1
  imageSize=2G
  name=disk1
  type=disk
  
  ( # gpt  /dev/my-disk   #
    device=/dev/my-disk
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/my-disk" >&2; then
      sgdisk --clear "/dev/my-disk"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+1M \
     --partition-guid="1:R" \
    --change-name="1:disk-disk1-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/my-disk" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk1-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/my-disk" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/my-disk" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-disk1-mdadm" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/my-disk" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-disk1-mdadm" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/my-disk" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/my-disk" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    
    ( # mdraid raid5 /dev/disk/by-partlabel/disk-disk1-mdadm   #
      device=/dev/disk/by-partlabel/disk-disk1-mdadm
      name=raid5
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-disk1-mdadm" >>"$disko_devices_dir"/raid_raid5
      
      
    )
    
    
    
    
  )
  
  
)
( # disk disk2 /dev/my-disk2   #
  destroy=1
  device=/dev/my-disk2
  imageName=disk2
  imageSize=2G
  name=disk2
  type=disk
  
  ( # gpt  /dev/my-disk2   #
    device=/dev/my-disk2
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/my-disk2" >&2; then
      sgdisk --clear "/dev/my-disk2"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+1M \
     --partition-guid="1:R" \
    --change-name="1:disk-disk2-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/my-disk2" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk2-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/my-disk2" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/my-disk2" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-disk2-mdadm" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/my-disk2" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-disk2-mdadm" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/my-disk2" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/my-disk2" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    
    ( # mdraid raid5 /dev/disk/by-partlabel/disk-disk2-mdadm   #
      device=/dev/disk/by-partlabel/disk-disk2-mdadm
      name=raid5
      type=mdraid
      
      echo "/dev/disk/by-partlabel/disk-disk2-mdadm" >>"$disko_devices_dir"/raid_raid5
      
      
    )
    
    
    
    
  )
  
  
)
( # mdadm raid5    #
  declare -a extraArgs=(--assume-clean)
  level=5
  metadata=default
  name=raid5
  type=mdadm
  
  if ! test -e "/dev/md/raid5"; then
    readarray -t disk_devices < <(cat "$disko_devices_dir"/raid_raid5)
    echo 'y' | mdadm --create "/dev/md/raid5" \
      --level=5 \
      --raid-devices="$(wc -l "$disko_devices_dir"/raid_raid5 | cut -f 1 -d " ")" \
      --metadata=default \
      --force \
      --homehost=any \
      --assume-clean \
      "${disk_devices[@]}"
    partprobe "/dev/md/raid5"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout=120
    # for some reason mdadm devices spawn with an existing partition table, so we need to wipe it
    sgdisk --zap-all "/dev/md/raid5"
  fi
  ( # gpt  /dev/md/raid5   #
    device=/dev/md/raid5
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/md/raid5" >&2; then
      sgdisk --clear "/dev/md/raid5"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:mdadm-raid5-primary" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/md/raid5" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:mdadm-raid5-primary" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/md/raid5" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/md/raid5" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-id/md-name-any:raid5-part1 ext4 / #
      device=/dev/disk/by-id/md-name-any:raid5-part1
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/disk/by-id/md-name-any:raid5-part1" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-id/md-name-any:raid5-part1"
      fi
      
      
    )
    
    
    
    
  )
  
  
  
)

