set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk data /dev/vdc   #
  destroy=1
  device=/dev/vdc
  imageName=data
  imageSize=2G
  name=data
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
    --change-name="1:disk-data-crypt" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdc" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-data-crypt" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdc" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdc" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # luks data /dev/disk/by-partlabel/disk-data-crypt   #
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-data-crypt
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=data
      passwordFile=/tmp/secret.key
      declare -A settings=()
      type=luks
      
      if ! blkid "/dev/disk/by-partlabel/disk-data-crypt" >/dev/null || ! cryptsetup isLuks "/dev/disk/by-partlabel/disk-data-crypt"; then
        
        cryptsetup -q luksFormat "/dev/disk/by-partlabel/disk-data-crypt"  --key-file <(set +x; echo -n "$(cat /tmp/secret.key)"; set -x) \
       \
       \
      
      fi
      
      if ! cryptsetup status "data" >/dev/null; then
        cryptsetup open "/dev/disk/by-partlabel/disk-data-crypt" "data" \
         \
         \
         \
        --key-file <(set +x; echo -n "$(cat /tmp/secret.key)"; set -x) \
       \
       \
       \
       --persistent
      fi
      
      
      ( # filesystem  /dev/mapper/data ext4 /data #
        device=/dev/mapper/data
        declare -a extraArgs=()
        format=ext4
        declare -a mountOptions=(defaults)
        mountpoint=/data
        type=filesystem
        
        if ! (blkid "/dev/mapper/data" | grep -q 'TYPE='); then
          mkfs.ext4 \
             \
            "/dev/mapper/data"
        fi
        
        
      )
      
      
      
    )
    
    
    
    
  )
  
  
)
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
    --new=1:0:+64M \
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
    --change-name="2:disk-main-root" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-main-root" \
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
      declare -a mountOptions=(defaults)
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-main-ESP" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-main-ESP"
      fi
      
      
    )
    
    ( # filesystem  /dev/disk/by-partlabel/disk-main-root ext4 / #
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-main-root" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-partlabel/disk-main-root"
      fi
      
      
    )
    
    
    
    
  )
  
  
)

