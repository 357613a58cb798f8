set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk disk0 /dev/disk/by-id/ata-disk0   #
  destroy=1
  device=/dev/disk/by-id/ata-disk0
  imageName=disk0
  imageSize=2G
  name=disk0
  type=disk
  
  ( # gpt  /dev/disk/by-id/ata-disk0   #
    device=/dev/disk/by-id/ata-disk0
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/disk/by-id/ata-disk0" >&2; then
      sgdisk --clear "/dev/disk/by-id/ata-disk0"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-10M \
     --partition-guid="1:R" \
    --change-name="1:disk-disk0-nix" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-disk0" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk0-nix" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-disk0" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-disk0" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-disk0-nix ext4 / #
      device=/dev/disk/by-partlabel/disk-disk0-nix
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-disk0-nix" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-partlabel/disk-disk0-nix"
      fi
      
      
    )
    
    
    
    
  )
  
  
)

