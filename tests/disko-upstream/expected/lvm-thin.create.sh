set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk main /dev/vdb   #
  destroy=1
  device=/dev/vdb
  imageName=main
  imageSize=2G
  name=main
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
    --new=1:0:+500M \
     --partition-guid="1:R" \
    --change-name="1:disk-main-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-main-ESP" \
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
    --change-name="2:disk-main-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-main-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/vdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-main-ESP vfat /boot #
      device=/dev/disk/by-partlabel/disk-main-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-main-ESP" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-main-ESP"
      fi
      
      
    )
    
    ( # lvm_pv  /dev/disk/by-partlabel/disk-main-primary   #
      device=/dev/disk/by-partlabel/disk-main-primary
      type=lvm_pv
      vg=mainpool
      
      if ! (blkid "/dev/disk/by-partlabel/disk-main-primary" | grep -q 'TYPE='); then
        pvcreate "/dev/disk/by-partlabel/disk-main-primary"
      fi
      echo "/dev/disk/by-partlabel/disk-main-primary" >>"$disko_devices_dir"/lvm_mainpool
      
      
    )
    
    
    
    
  )
  
  
)
( # lvm_vg mainpool    #
  name=mainpool
  type=lvm_vg
  
  modprobe "dm-snapshot"
  modprobe "dm-thin-pool"
  readarray -t lvm_devices < <(cat "$disko_devices_dir"/lvm_mainpool)
  if ! vgdisplay "mainpool" >/dev/null; then
    vgcreate "mainpool" \
      "${lvm_devices[@]}"
  fi
  if ! lvdisplay "mainpool/thinpool"; then
    lvcreate \
      --yes \
      -L \
        100M \
      -n "thinpool" \
       \
      --type=thin-pool \
       \
      "mainpool"
  fi
  if ! lvdisplay "mainpool/home"; then
    lvcreate \
      --yes \
      -V \
        10M \
      -n "home" \
      --thinpool=thinpool \
       \
       \
      "mainpool"
  fi
  if ! lvdisplay "mainpool/raw"; then
    lvcreate \
      --yes \
      -L \
        10M \
      -n "raw" \
       \
       \
       \
      "mainpool"
  fi
  if ! lvdisplay "mainpool/root"; then
    lvcreate \
      --yes \
      -V \
        10M \
      -n "root" \
      --thinpool=thinpool \
       \
       \
      "mainpool"
  fi
  
  
  
  ( # filesystem  /dev/mainpool/home ext4 /home #
    device=/dev/mainpool/home
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/home
    type=filesystem
    
    if ! (blkid "/dev/mainpool/home" | grep -q 'TYPE='); then
      mkfs.ext4 \
         \
        "/dev/mainpool/home"
    fi
    
    
  )
  
  
  ( # filesystem  /dev/mainpool/root ext4 / #
    device=/dev/mainpool/root
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/
    type=filesystem
    
    if ! (blkid "/dev/mainpool/root" | grep -q 'TYPE='); then
      mkfs.ext4 \
         \
        "/dev/mainpool/root"
    fi
    
    
  )
  
  
  
  
)

