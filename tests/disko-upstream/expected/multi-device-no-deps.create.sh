set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk disk0 /dev/vda   #
  destroy=1
  device=/dev/vda
  imageName=disk0
  imageSize=2G
  name=disk0
  type=disk
  
  ( # gpt  /dev/vda   #
    device=/dev/vda
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vda" >&2; then
      sgdisk --clear "/dev/vda"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-disk0-nix" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vda" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk0-nix" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-disk0-nix ext4 /a #
      device=/dev/disk/by-partlabel/disk-disk0-nix
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/a
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-disk0-nix" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-partlabel/disk-disk0-nix"
      fi
      
      
    )
    
    
    
    
  )
  
  
)
( # disk disk1 /dev/vdb   #
  destroy=1
  device=/dev/vdb
  imageName=disk1
  imageSize=2G
  name=disk1
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
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-disk1-root" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk1-root" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-disk1-root ext4 /b #
      device=/dev/disk/by-partlabel/disk-disk1-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/b
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-disk1-root" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-partlabel/disk-disk1-root"
      fi
      
      
    )
    
    
    
    
  )
  
  
)

